"""Logging in and out, sessions, languages, and the refusals a browser can meet."""

from __future__ import annotations

import time
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission.config import Settings
from commission.models import LoginFailure, User
from commission.services import accounts
from tests.conftest import PASSWORD, World, csrf_token, login, post_form


def test_login_page_is_french_by_default(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Se connecter" in html and "Identifiant" in html


def test_lang_parameter_switches_to_english_and_is_remembered(client: FlaskClient) -> None:
    assert "Log in" in client.get("/login?lang=en").get_data(as_text=True)
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Password" in html


def test_unknown_language_falls_back_to_french(client: FlaskClient) -> None:
    html = client.get("/login?lang=xx").get_data(as_text=True)
    assert '<html lang="fr">' in html


def test_anonymous_visitor_is_sent_to_login(client: FlaskClient, world: World) -> None:
    response = client.get("/places")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/places")


def test_login_then_home_shows_the_role(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    html = client.get("/").get_data(as_text=True)
    assert "Bienvenue, User coordinator" in html
    assert "Coordination" in html and "Comptes" in html


def test_wrong_password_and_unknown_account_get_the_same_message(client: FlaskClient, world: World) -> None:
    wrong = client.post("/login", data={"login": "coordinator", "password": "nope", "csrf_token": csrf_token(client)})
    unknown = client.post("/login", data={"login": "nobody", "password": "nope", "csrf_token": csrf_token(client)})
    assert wrong.status_code == unknown.status_code == 401
    message = "Identifiant inconnu ou mot de passe erroné."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_login_without_csrf_token_is_refused_readably(client: FlaskClient, world: World) -> None:
    response = client.post("/login", data={"login": "coordinator", "password": PASSWORD})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Le formulaire a expiré" in html and "Traceback" not in html


def test_login_with_a_wrong_csrf_token_is_refused(client: FlaskClient, world: World) -> None:
    csrf_token(client)
    response = client.post("/login", data={"login": "coordinator", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)


def test_logout_is_a_post_and_ends_the_session(client: FlaskClient, world: World) -> None:
    login(client, "member")
    assert client.get("/logout").status_code == 405
    response = post_form(client, "/logout", {}, form_page="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_the_session_is_renewed_at_login(app: Flask, client: FlaskClient, world: World) -> None:
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    login(client, "member")
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["uid"] == world.users["member"].id


def test_next_parameter_cannot_send_the_user_elsewhere(client: FlaskClient, world: World) -> None:
    token = csrf_token(client, "/login?next=//evil.example.org/")
    response = client.post("/login", data={"login": "member", "password": PASSWORD,
                                           "next": "//evil.example.org/", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_idle_timeout_ends_the_session(client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    login(client, "member")
    assert client.get("/").status_code == 200
    later = time.time() + 31 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get("/")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "inactivité" in html


def test_throttling_refuses_even_the_right_password_after_repeated_failures(
    client: FlaskClient, world: World
) -> None:
    for _ in range(5):
        client.post("/login", data={"login": "member", "password": "bad", "csrf_token": csrf_token(client)})
    response = client.post("/login", data={"login": "member", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_throttling_holds_across_server_processes(
    settings, engine, world: World, session: Session  # type: ignore[no-untyped-def]
) -> None:
    """Two apps with their own engines stand for two server processes sharing the database."""
    from commission.db import make_engine
    from commission.web import create_app

    first = create_app(settings, engine=engine, testing=True).test_client()
    other_engine = make_engine(settings.database_url)
    second = create_app(settings, engine=other_engine, testing=True).test_client()
    try:
        for index in range(5):
            client = first if index % 2 else second
            client.post("/login", data={"login": "member", "password": "bad", "csrf_token": csrf_token(client)})
        response = second.post("/login", data={"login": "member", "password": PASSWORD,
                                               "csrf_token": csrf_token(second)})
        assert response.status_code == 429
        assert session.execute(select(func.count()).select_from(LoginFailure)).scalar_one() == 5
    finally:
        other_engine.dispose()


def test_throttling_also_applies_to_unknown_accounts(client: FlaskClient, world: World) -> None:
    """Otherwise the throttle message would tell which accounts exist."""
    for _ in range(5):
        client.post("/login", data={"login": "ghost", "password": "bad", "csrf_token": csrf_token(client)})
    response = client.post("/login", data={"login": "ghost", "password": "bad", "csrf_token": csrf_token(client)})
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_password_change_asks_for_the_current_password(client: FlaskClient, world: World) -> None:
    login(client, "member")
    response = post_form(client, "/account/password", {
        "current_password": "not it", "new_password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase",
    })
    assert response.status_code == 400
    assert "Le mot de passe actuel est erroné." in response.get_data(as_text=True)


def test_password_change_refuses_a_short_password(client: FlaskClient, world: World) -> None:
    login(client, "member")
    response = post_form(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "short", "confirm_password": "short",
    })
    assert response.status_code == 400
    assert "au moins 12 caractères" in response.get_data(as_text=True)


def test_common_passwords_are_refused_whatever_their_length(client: FlaskClient, world: World,
                                                            session: Session) -> None:
    from commission.services import accounts

    before = world.users["member"].password_hash
    login(client, "member")
    for common in ("qwertyuiop12", "123456789012", "passwordpassword", "motdepasse123", "azertyuiop12"):
        assert accounts.password_problems(common), common
        response = post_form(client, "/account/password", {
            "current_password": PASSWORD, "new_password": common, "confirm_password": common,
        })
        assert response.status_code == 400, common
        assert "parmi les plus courants" in response.get_data(as_text=True)
    # a passphrase of unrelated words passes, without any composition rule
    assert accounts.password_problems("lanterne tiroir cerise") == []
    session.refresh(world.users["member"])
    assert world.users["member"].password_hash == before  # nothing changed


def test_password_change_ends_the_other_sessions(app: Flask, world: World, session: Session) -> None:
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "member")
    login(laptop, "member")
    response = post_form(laptop, "/account/password", {
        "current_password": PASSWORD, "new_password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase",
    })
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    login(phone, "member", "a brand new passphrase")


def test_a_disabled_account_is_refused_on_its_next_request(app: Flask, world: World) -> None:
    admin, victim = app.test_client(), app.test_client()
    login(victim, "member")
    login(admin, "coordinator")
    member_id = world.users["member"].id
    response = post_form(admin, f"/admin/users/{member_id}/active", {"active": "0"}, form_page="/admin/users")
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    response = victim.post("/login", data={"login": "member", "password": PASSWORD,
                                           "csrf_token": csrf_token(victim)})
    assert response.status_code == 401


def test_a_body_over_the_limit_is_refused_with_413(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"login": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.get_data(as_text=True)


def test_a_malformed_id_in_the_url_is_a_404(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    for path in ("/places/abc", "/places/1%27%20OR%201=1", "/places/99999999"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Page introuvable" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_a_page_without_trace(settings: Settings, engine: Engine, world: World,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from commission.web import create_app

    def explode() -> str:
        raise RuntimeError("secret internals")

    app = create_app(settings, engine=engine, testing=True)  # an app of its own: it gets a route added
    app.add_url_rule("/explode", view_func=explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(app.logger, "disabled", True)
    response = app.test_client().get("/explode")
    assert response.status_code == 500
    html = unescape(response.get_data(as_text=True))
    assert "Une erreur s'est produite" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_security_headers_are_set(client: FlaskClient) -> None:
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_outside_development(settings, engine) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from commission.web import create_app

    app = create_app(replace(settings, environment="production"), engine=engine)
    response = app.test_client().get("/login", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_login_is_recorded_in_the_audit_trail(client: FlaskClient, world: World, session: Session) -> None:
    from commission.models import AuditEntry

    login(client, "treasurer")
    user = session.execute(select(User).where(User.login == "treasurer")).scalar_one()
    actions = session.execute(select(AuditEntry.action).where(AuditEntry.actor_id == user.id)).scalars().all()
    assert "account.login" in actions


def test_service_refuses_login_of_disabled_account(session: Session, settings, world: World) -> None:  # type: ignore[no-untyped-def]
    member = world.users["member"]
    accounts.set_active(session, world.users["coordinator"], member.id, False)
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(session, settings, "member", PASSWORD)
