"""The client's real address and scheme behind a reverse proxy, believed from trusted proxies only.

Werkzeug's ``ProxyFix`` believes the last *n* hops of ``X-Forwarded-For`` (and the proxy's
``X-Forwarded-Proto`` and ``-Host``) from whoever connects. Here it is applied only to a request whose
connection comes from an address of ``COMMISSION_TRUSTED_PROXIES``, with as many hops as there are
trusted proxies at the end of the chain; from anyone else the headers are removed, so that nothing can
read them: a client cannot choose the address it is throttled by, nor claim HTTPS.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import TYPE_CHECKING

from werkzeug.http import parse_list_header
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

    from commission.config import Settings

# Where the request's environ says which trusted proxy it came through (the page for plain HTTP says it).
TRUSTED_PROXY = "commission.trusted_proxy"
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                     "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED")


def is_trusted(address: str | None, networks: Iterable[IPv4Network | IPv6Network]) -> bool:
    if not address:
        return False
    try:
        parsed = ip_address(address.strip())
    except ValueError:
        return False
    return any(parsed in network for network in networks)


class TrustedProxies:
    """WSGI middleware: ``ProxyFix`` for the trusted proxies of the app's settings, read at each request
    (the test suite binds one app to new settings in turn)."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._fixes: dict[int, ProxyFix] = {}

    def _fix(self, hops: int) -> ProxyFix:
        if hops not in self._fixes:
            self._fixes[hops] = ProxyFix(self.wsgi_app, x_for=hops, x_proto=1, x_host=1)
        return self._fixes[hops]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        settings: Settings = self.app.extensions["commission.settings"]
        networks = settings.trusted_proxies
        peer = environ.get("REMOTE_ADDR")
        if not is_trusted(peer, networks):
            for header in FORWARDED_HEADERS:
                environ.pop(header, None)
            return self.wsgi_app(environ, start_response)
        # Each trusted proxy appended the address it was reached from: the client is the first
        # address, from the right, that no trusted proxy holds.
        hops = 1
        chain = parse_list_header(environ.get("HTTP_X_FORWARDED_FOR", ""))
        while hops < len(chain) and is_trusted(chain[-hops], networks):
            hops += 1
        environ[TRUSTED_PROXY] = peer
        return self._fix(hops)(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = TrustedProxies(app, app.wsgi_app)  # type: ignore[method-assign]
