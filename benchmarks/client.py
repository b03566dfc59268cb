"""A user's browser, as far as the benchmarks need one: one kept-alive connection, the session cookie,
the CSRF token of the page a form is on. Standard library only."""

from __future__ import annotations

import html
import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass, field

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
COOKIE = re.compile(r"^([^=]+)=([^;]*)")


@dataclass
class Answer:
    status: int
    body: str
    seconds: float
    location: str = ""


@dataclass
class Browser:
    host: str
    port: int
    timeout: float = 120.0
    cookies: dict[str, str] = field(default_factory=dict)
    _connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        headers = {"Accept-Language": "fr", "User-Agent": "commission-benchmark"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: once more, anew
            connection = self._connect()
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - started
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and (match := COOKIE.match(value)):
                    self.cookies[match.group(1)] = match.group(2)
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return Answer(response.status, data.decode("utf-8", "replace"), seconds,
                          response.getheader("Location", "") or "")
        raise AssertionError("unreachable")

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str], form_page: str | None = None) -> Answer:
        """Submit a form as a browser does: with the CSRF token of the page that shows it."""
        page = self.get(form_page or path)
        match = CSRF.search(page.body)
        token = html.unescape(match.group(1)) if match else ""
        return self.request("POST", path, {**form, "csrf_token": token})

    def login(self, login: str, password: str) -> None:
        answer = self.post("/login", {"login": login, "password": password})
        if answer.status != 302:
            raise RuntimeError(f"{login} could not log in ({answer.status}): {answer.body[:300]}")
