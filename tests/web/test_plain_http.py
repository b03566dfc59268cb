"""Production over plain HTTP: a page that says HTTPS is needed (the Secure cookie would never come back,
and the login would fail with a bare 400), and `commission serve` saying so in its first lines."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_network
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import Engine

from commission.cli import main
from commission.config import Settings
from commission.web import create_app
from tests.conftest import PASSWORD, World, csrf_token

PROXY = "127.0.0.1"  # the test client's address


def production(settings: Settings, engine: Engine, **changes: object) -> Flask:
    return create_app(replace(settings, environment="production", **changes), engine=engine, testing=True)


def test_plain_http_in_production_gets_a_page_that_explains(settings: Settings, engine: Engine, world: World) -> None:
    client = production(settings, engine).test_client()
    for method, path in (("GET", "/login"), ("POST", "/login"), ("GET", "/")):
        response = client.open(path, method=method, data={"login": "chair", "password": PASSWORD})
        html = response.get_data(as_text=True)
        assert response.status_code == 403, path
        assert "HTTPS" in html and "COMMISSION_TRUSTED_PROXIES" in html, path
        assert "Le formulaire a expiré" not in html
    # the page has its style sheet
    with client.get("/static/style.css") as style:
        assert style.status_code == 200


def test_over_https_the_login_works(settings: Settings, engine: Engine, world: World) -> None:
    client = production(settings, engine).test_client()
    token = csrf_token(client, "https://localhost/login")
    response = client.post("https://localhost/login", data={"login": "chair", "password": PASSWORD,
                                                            "csrf_token": token},
                           headers={"Referer": "https://localhost/login"})
    assert response.status_code == 302


def test_behind_a_trusted_proxy_saying_https_the_login_page_is_served(settings: Settings, engine: Engine,
                                                                       world: World) -> None:
    app = production(settings, engine, trusted_proxies=(ip_network(PROXY),))
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200 and 'name="password"' in response.get_data(as_text=True)
    # the proxy forgot the header: the page says what to change
    response = app.test_client().get("/login")
    assert response.status_code == 403 and "X-Forwarded-Proto" in response.get_data(as_text=True)


def test_an_untrusted_client_cannot_claim_https(settings: Settings, engine: Engine, world: World) -> None:
    app = production(settings, engine, trusted_proxies=(ip_network("10.0.0.1"),))
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 403


def test_development_accepts_plain_http(client, world: World) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/login").status_code == 200


@pytest.mark.parametrize("proxies, expected", [
    ("", "trusted proxies: none"),
    ("127.0.0.1, 10.0.0.0/8", "trusted proxies (COMMISSION_TRUSTED_PROXIES): 127.0.0.1/32, 10.0.0.0/8"),
])
def test_serve_says_first_that_it_expects_https_and_which_proxies_it_trusts(
    database_url: str, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxies: str, expected: str,
) -> None:
    import waitress

    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMISSION_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("COMMISSION_ENV", "production")
    monkeypatch.setenv("COMMISSION_TRUSTED_PROXIES", proxies)
    monkeypatch.setattr(waitress, "serve", lambda app, **options: None)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0, result.output
    first, second = result.output.splitlines()[:2]
    assert first.startswith("production: HTTPS is expected in front of this server")
    assert second.startswith(expected)


def test_a_wrong_trusted_proxy_is_a_one_line_message(database_url: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda app, **options: None)  # were the setting accepted
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMISSION_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("COMMISSION_TRUSTED_PROXIES", "10.0.0.1, my-proxy")
    import waitress

    # Never serve for real: were the setting accepted, the test would fail instead of hanging.
    monkeypatch.setattr(waitress, "serve", lambda app, **options: None)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2
    assert "COMMISSION_TRUSTED_PROXIES" in result.output and "Traceback" not in result.output
