"""The real thing: the demo served by waitress in a subprocess, driven by headless Chromium.

One server and one browser for the whole run; a fresh browser context (cookies, language) per test.
Playwright is imported lazily, so that collecting the suite works where it is not installed (the test
modules skip themselves, see :func:`skip_reason`).
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.demo_cache import DemoBuild, environment, parse_accounts
from tests.demo_cache import command as demo_command

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STALL_TIMEOUT = 120  # seconds a starting server may go without printing anything or opening its port
STOP_TIMEOUT = 10
ACTION_TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if chromium_path() is None:
        return "end-to-end tests need Chromium (/usr/bin/chromium or `chromium` on PATH): not found"
    try:
        import axe_playwright_python.sync_playwright  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"end-to-end tests need playwright and axe-playwright-python: {error}"
    return None


@dataclass(frozen=True)
class DemoAccount:
    role: str
    login: str
    password: str
    name: str


@dataclass
class DemoServer:
    url: str
    accounts: list[DemoAccount]
    database: Path
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def account(self, role: str) -> DemoAccount:
        return next(account for account in self.accounts if account.role == role)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _display_names(database: Path) -> dict[str, str]:
    """The accounts' names, read from the demo database itself (the command does not print them)."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return dict(connection.execute("SELECT login, display_name FROM user_account").fetchall())


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def _wait_until_serving(process: subprocess.Popen[bytes], log: Path, port: int, what: str) -> None:
    """Wait while the server makes progress: it is alive, and it prints or opens its port. It fails at
    once if the server ends, and only after STALL_TIMEOUT seconds with no sign of progress (a busy
    machine slows a start down; it does not stop it printing)."""
    printed, last_progress = 0, time.monotonic()
    while True:
        output = log.read_text(encoding="utf-8", errors="replace")
        assert process.poll() is None, f"`{what}` ended with {process.returncode}:\n{output}"
        if "serving on" in output:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                pass
        if len(output) != printed:
            printed, last_progress = len(output), time.monotonic()
        assert time.monotonic() - last_progress < STALL_TIMEOUT, (
            f"`{what}` showed no progress for {STALL_TIMEOUT}s:\n{output}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def demo_server(demo_build: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo (built once per run, see tests/demo_cache.py), a copy of it served by ``commission serve``
    as ``commission demo`` serves it (development, two-factor login optional), on a free port."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("e2e")
    instance = folder / "instance"
    database = demo_build.copy_to(instance)
    log = folder / "server.log"
    port = _free_port()
    command = [*demo_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", "8"]
    env = environment(instance, COMMISSION_ENV="development", COMMISSION_TWO_FACTOR="optional")
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=sink,
                                   stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(process, log, port, " ".join(command))
        names = _display_names(database)
        accounts = [DemoAccount(role, login, password, names[login])
                    for role, login, password in parse_accounts(demo_build.output)]
        yield DemoServer(f"http://127.0.0.1:{port}", accounts, database, log, process)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True,
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserProblems:
    """What the page itself complains about: script errors and refused resources (CSP)."""

    messages: list[str] = field(default_factory=list)

    def on_console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and "Failed to load resource" not in text:
            self.messages.append(f"console: {text}")

    def on_page_error(self, error: Any) -> None:
        self.messages.append(f"page error: {error}")


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def page(browser: Browser, demo_server: DemoServer, browser_problems: BrowserProblems) -> Iterator[Page]:
    """A new page in a fresh context: no cookie, no remembered language."""
    context = browser.new_context(base_url=demo_server.url, locale="fr-FR",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    # axe-core rides along in every page, so that each audit does not send its 500 kB again
    from axe_playwright_python.base import AXE_SCRIPT

    context.add_init_script(script=AXE_SCRIPT)
    page = context.new_page()
    page.on("console", browser_problems.on_console)
    page.on("pageerror", browser_problems.on_page_error)
    try:
        yield page
    finally:
        context.close()
