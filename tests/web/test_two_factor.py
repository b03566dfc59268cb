"""Two-factor login through the browser: enrolment, the code after the password, recovery codes, the
coordinator's reset, and what an account that must enrol, or has not finished logging in, can reach."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from commission.config import Settings
from commission.db import utcnow
from commission.models import AuditEntry, LoginFailure, User
from commission.models.accounts import RecoveryCode
from commission.web import create_app
from tests.conftest import PASSWORD, World, csrf_token, fresh, post_form

SECRET_PATTERN = re.compile(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>')
RECOVERY_PATTERN = re.compile(r"<li><code>([A-Z0-9]{5}-[A-Z0-9]{5})</code></li>")


@dataclass
class Clock:
    """time.time() under the test's control, so that each login can use a code of a new time step."""

    now: float

    def advance(self, seconds: float = 30) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(float(int(time.time()) // 30 * 30 + 1))
    monkeypatch.setattr(time, "time", lambda: fake.now)
    return fake


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Flask:
    """The production default: the coordinator and the care teams must log in with a code."""
    return create_app(replace(settings, two_factor_required=True), engine=engine, testing=True)


def english(client: FlaskClient) -> FlaskClient:
    client.get("/login?lang=en")
    return client


def password_step(client: FlaskClient, login_name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"login": login_name, "password": password, "csrf_token": csrf_token(client)})


def code_step(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    # the token from the login page: the code's page may have expired
    return post_form(client, "/login/code", {"code": code}, form_page="/login")


def enrol(client: FlaskClient, login_name: str, clock: Clock) -> tuple[str, list[str]]:
    """Log in with the password, set up the app from the enrolment page; the secret and recovery codes."""
    response = password_step(client, login_name)
    assert response.status_code == 302
    html = client.get("/account/two-factor").get_data(as_text=True)
    match = SECRET_PATTERN.search(html)
    assert match, html
    secret = match.group(1).replace(" ", "")
    response = post_form(client, "/account/two-factor", {"code": pyotp.TOTP(secret).at(clock.now)})
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = RECOVERY_PATTERN.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def log_in_with_code(client: FlaskClient, login_name: str, secret: str, clock: Clock) -> None:
    assert password_step(client, login_name).headers["Location"] == "/login/code"
    response = code_step(client, pyotp.TOTP(secret).at(clock.advance()))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def wrong_code(secret: str, at: float) -> str:
    totp = pyotp.TOTP(secret)
    near = {totp.at(at + offset) for offset in (-30, 0, 30)}
    return next(code for code in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if code not in near)


def user(session: Session, login_name: str) -> User:
    fresh(session)
    return session.execute(select(User).where(User.login == login_name)).scalar_one()


def audit_actions(session: Session) -> list[str]:
    fresh(session)
    return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_enrolment_refuses_a_wrong_code_then_accepts_the_right_one(
    app: Flask, world: World, session: Session, clock: Clock
) -> None:
    client = english(app.test_client())
    assert password_step(client, "coordinator").status_code == 302
    assert client.get("/").headers["Location"] == "/account/two-factor"
    response = client.get("/account/two-factor")
    html = response.get_data(as_text=True)
    assert "<svg" in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    secret = SECRET_PATTERN.search(html).group(1)  # type: ignore[union-attr]
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", secret)
    secret = secret.replace(" ", "")

    response = post_form(client, "/account/two-factor", {"code": wrong_code(secret, clock.now)})
    assert response.status_code == 400
    assert "This code is not valid" in response.get_data(as_text=True)
    assert user(session, "coordinator").totp_secret is None
    # the same secret is offered again: the app the user has just set up stays right
    assert secret in client.get("/account/two-factor").get_data(as_text=True).replace(" ", "")

    response = post_form(client, "/account/two-factor", {"code": pyotp.TOTP(secret).at(clock.now)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    codes = RECOVERY_PATTERN.findall(html)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "paper" in html
    coordinator = user(session, "coordinator")
    assert coordinator.totp_secret == secret and coordinator.totp_enabled_at is not None
    hashes = set(session.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == coordinator.id))
                 .scalars())
    assert len(hashes) == 10 and not hashes & {code.replace("-", "") for code in codes}
    assert "account.two_factor_enabled" in audit_actions(session)
    details = " ".join(session.execute(select(AuditEntry.details)).scalars())
    assert secret not in details and not any(code.replace("-", "") in details or code in details for code in codes)
    # enrolled: the whole application is reachable, and the recovery codes are never shown again
    assert client.get("/").status_code == 200
    account_page = client.get("/account/two-factor").get_data(as_text=True)
    assert not RECOVERY_PATTERN.search(account_page) and "10 unused recovery codes remain" in account_page


def test_login_asks_for_the_code_after_the_password(app: Flask, world: World, clock: Clock,
                                                    session: Session) -> None:
    secret, _ = enrol(app.test_client(), "care_a", clock)
    client = app.test_client()
    response = password_step(client, "care_a")
    assert response.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302
    assert "account.login_code_accepted" not in audit_actions(session)
    log_in_with_code(client, "care_a", secret, clock)
    with client.session_transaction() as browser_session:
        assert browser_session["uid"] == world.users["care_a"].id
        assert "pending_login" not in browser_session
    assert audit_actions(session)[-1] == "account.login_code_accepted"


def test_a_code_is_accepted_once_only(app: Flask, world: World, clock: Clock, session: Session) -> None:
    secret, _ = enrol(app.test_client(), "care_a", clock)
    code = pyotp.TOTP(secret).at(clock.advance())
    first, second = app.test_client(), english(app.test_client())
    password_step(first, "care_a")
    assert code_step(first, code).status_code == 302
    password_step(second, "care_a")
    response = code_step(second, code)
    assert response.status_code == 401
    assert "each one works only once" in response.get_data(as_text=True)
    assert second.get("/").status_code == 302
    # the enrolment's own code cannot log in either
    assert user(session, "care_a").totp_last_step == int(clock.now) // 30


def test_a_code_from_the_far_past_is_refused(app: Flask, world: World, clock: Clock) -> None:
    secret, _ = enrol(app.test_client(), "care_a", clock)
    client = app.test_client()
    password_step(client, "care_a")
    clock.advance(60)
    assert code_step(client, pyotp.TOTP(secret).at(clock.now - 3600)).status_code == 401
    assert code_step(client, pyotp.TOTP(secret).at(clock.now - 90)).status_code == 401
    assert client.get("/").status_code == 302
    # one step of drift is tolerated
    assert code_step(client, pyotp.TOTP(secret).at(clock.now - 30)).status_code == 302


def test_a_recovery_code_works_once_only(app: Flask, world: World, clock: Clock, session: Session) -> None:
    _, codes = enrol(app.test_client(), "care_a", clock)
    client = english(app.test_client())
    password_step(client, "care_a")
    typed = " " + codes[0].replace("-", " ").lower() + " "  # as read from paper
    response = code_step(client, typed)
    assert response.status_code == 302
    assert "9 remain" in client.get("/").get_data(as_text=True)
    again = app.test_client()
    password_step(again, "care_a")
    response = code_step(again, codes[0])
    assert response.status_code == 401
    assert again.get("/").status_code == 302
    assert "account.recovery_code_used" in audit_actions(session)
    used = session.execute(select(func.count()).select_from(RecoveryCode)
                           .where(RecoveryCode.used_at.is_not(None))).scalar_one()
    assert used == 1
    # another code still works
    assert code_step(again, codes[1]).status_code == 302


def test_a_role_that_must_enrol_reaches_nothing_else(app: Flask, world: World, session: Session) -> None:
    client = app.test_client()
    password_step(client, "care_a")
    for path in ("/", "/cases", "/places", "/hearings", "/account/password", "/cases/1", "/nowhere"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/two-factor", path
    before = user(session, "care_a").password_hash
    token = csrf_token(client, "/account/two-factor")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase", "csrf_token": token,
    })
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    assert user(session, "care_a").password_hash == before
    static = client.get("/static/style.css")
    assert static.status_code == 200
    static.close()
    assert client.get("/account/two-factor").status_code == 200
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


def test_an_optional_role_logs_in_with_a_password_only(app: Flask, world: World, clock: Clock,
                                                      session: Session) -> None:
    client = english(app.test_client())
    assert password_step(client, "treasurer").headers["Location"] == "/"
    assert client.get("/treasury").status_code == 200
    assert "Two-factor login" in client.get("/").get_data(as_text=True)
    # it may enrol from its account page, and turn it off again with a code
    html = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_PATTERN.search(html).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert post_form(client, "/account/two-factor", {"code": pyotp.TOTP(secret).at(clock.now)}).status_code == 200
    assert "Turn off two-factor login" in client.get("/account/two-factor").get_data(as_text=True)
    other = app.test_client()
    assert password_step(other, "treasurer").headers["Location"] == "/login/code"
    response = post_form(client, "/account/two-factor/disable",
                         {"disable-code": pyotp.TOTP(secret).at(clock.advance())}, form_page="/account/two-factor")
    assert response.status_code == 302
    assert user(session, "treasurer").totp_secret is None
    assert session.execute(select(func.count()).select_from(RecoveryCode)).scalar_one() == 0
    assert "account.two_factor_disabled" in audit_actions(session)
    assert password_step(app.test_client(), "treasurer").headers["Location"] == "/"


def test_a_required_role_cannot_turn_it_off(app: Flask, world: World, clock: Clock, session: Session) -> None:
    client = app.test_client()
    secret, _ = enrol(client, "care_a", clock)
    assert "disable-code" not in client.get("/account/two-factor").get_data(as_text=True)
    response = post_form(client, "/account/two-factor/disable",
                         {"disable-code": pyotp.TOTP(secret).at(clock.advance())}, form_page="/account/two-factor")
    assert response.status_code == 400
    assert user(session, "care_a").totp_secret == secret


def test_new_recovery_codes_replace_the_old_ones(app: Flask, world: World, clock: Clock, session: Session) -> None:
    client = english(app.test_client())
    secret, old_codes = enrol(client, "care_a", clock)
    response = post_form(client, "/account/two-factor/recovery-codes", {"regenerate-code": "12"},
                         form_page="/account/two-factor")
    assert response.status_code == 400 and "Type the 6 digits" in response.get_data(as_text=True)
    response = post_form(client, "/account/two-factor/recovery-codes",
                         {"regenerate-code": pyotp.TOTP(secret).at(clock.advance())}, form_page="/account/two-factor")
    assert response.status_code == 200
    new_codes = RECOVERY_PATTERN.findall(response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    other = app.test_client()
    password_step(other, "care_a")
    assert code_step(other, old_codes[0]).status_code == 401
    assert code_step(other, new_codes[0]).status_code == 302
    assert "account.recovery_codes_regenerated" in audit_actions(session)


def test_the_coordinators_reset_forces_enrolment_again_and_ends_the_sessions(
    app: Flask, world: World, clock: Clock, session: Session
) -> None:
    admin = english(app.test_client())
    enrol(admin, "coordinator", clock)
    victim = app.test_client()
    enrol(victim, "care_a", clock)
    assert victim.get("/").status_code == 200
    care_id = world.users["care_a"].id
    assert f"/admin/users/{care_id}/two-factor/reset" in admin.get("/admin/users").get_data(as_text=True)
    # without the confirmation, nothing happens
    response = post_form(admin, f"/admin/users/{care_id}/two-factor/reset", {}, form_page="/admin/users")
    assert response.status_code == 302
    assert user(session, "care_a").totp_secret is not None
    assert victim.get("/").status_code == 200
    response = post_form(admin, f"/admin/users/{care_id}/two-factor/reset", {"confirm": "1"},
                         form_page="/admin/users")
    assert response.status_code == 302
    assert "is reset" in admin.get("/admin/users").get_data(as_text=True)
    care = user(session, "care_a")
    assert care.totp_secret is None and care.totp_enabled_at is None
    assert session.execute(select(func.count()).select_from(RecoveryCode)
                           .where(RecoveryCode.user_id == care_id)).scalar_one() == 0
    assert victim.get("/").headers["Location"].startswith("/login")
    # the next login asks for no code but sends the account to enrol again
    assert password_step(victim, "care_a").headers["Location"] == "/"
    assert victim.get("/").headers["Location"] == "/account/two-factor"
    assert "account.two_factor_reset" in audit_actions(session)


def test_only_the_coordinator_may_reset_and_not_their_own(app: Flask, world: World, clock: Clock,
                                                         session: Session) -> None:
    care = app.test_client()
    enrol(care, "care_a", clock)
    treasurer = app.test_client()
    password_step(treasurer, "treasurer")
    care_id = world.users["care_a"].id
    response = post_form(treasurer, f"/admin/users/{care_id}/two-factor/reset", {"confirm": "1"}, form_page="/")
    assert response.status_code == 403
    admin = app.test_client()
    enrol(admin, "coordinator", clock)
    coordinator_id = world.users["coordinator"].id
    post_form(admin, f"/admin/users/{coordinator_id}/two-factor/reset", {"confirm": "1"}, form_page="/admin/users")
    assert user(session, "coordinator").totp_secret is not None
    assert user(session, "care_a").totp_secret is not None


def test_wrong_codes_are_throttled(app: Flask, world: World, clock: Clock, session: Session) -> None:
    secret, _ = enrol(app.test_client(), "care_a", clock)
    client = english(app.test_client())
    password_step(client, "care_a")
    clock.advance()
    for _ in range(5):
        assert code_step(client, wrong_code(secret, clock.now)).status_code == 401
    assert session.execute(select(func.count()).select_from(LoginFailure)
                           .where(LoginFailure.login_key == "2fa:care_a")).scalar_one() == 5
    response = code_step(client, pyotp.TOTP(secret).at(clock.now))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many failed attempts. You can try again from" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    # after the window, the right code works again
    clock.advance()
    session.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))
    session.commit()
    other = app.test_client()
    password_step(other, "care_a")
    assert code_step(other, pyotp.TOTP(secret).at(clock.now)).status_code == 302


def test_wrong_recovery_codes_are_counted_and_throttled(app: Flask, world: World, clock: Clock,
                                                       session: Session) -> None:
    _, codes = enrol(app.test_client(), "care_a", clock)
    client = english(app.test_client())
    password_step(client, "care_a")
    for _ in range(5):
        response = code_step(client, "ABCDE-FGHJK")  # shaped like a recovery code, not one of them
        assert response.status_code == 401 and "not valid" in response.get_data(as_text=True)
    fresh(session)
    assert session.execute(select(func.count()).select_from(LoginFailure)
                           .where(LoginFailure.login_key == "2fa:care_a")).scalar_one() == 5
    response = code_step(client, codes[0])
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert client.get("/").status_code == 302
    assert "account.throttled" in audit_actions(session)


def test_a_pending_login_reaches_no_page(app: Flask, world: World, clock: Clock) -> None:
    secret, _ = enrol(app.test_client(), "care_a", clock)
    client = english(app.test_client())
    password_step(client, "care_a")
    for path in ("/", "/cases", "/account/two-factor", "/account/password", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    response = client.post("/account/two-factor/recovery-codes",
                           data={"regenerate-code": "123456", "csrf_token": csrf_token(client, "/login/code")})
    assert response.headers["Location"].startswith("/login")
    # the pending state expires after five minutes: the right code no longer logs in
    clock.advance(6 * 60)
    response = code_step(client, pyotp.TOTP(secret).at(clock.now))
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "expired" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_pending_login_ends_when_the_account_is_disabled(app: Flask, world: World, clock: Clock,
                                                          session: Session) -> None:
    from commission.services import accounts

    secret, _ = enrol(app.test_client(), "care_a", clock)
    client = app.test_client()
    password_step(client, "care_a")
    accounts.set_active(session, user(session, "coordinator"), world.users["care_a"].id, False)
    response = code_step(client, pyotp.TOTP(secret).at(clock.advance()))
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("typed", ["abcdef", "", "   ", "12345678901234567890", "12 34", "١٢٣٤٥٦"])
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    app: Flask, world: World, clock: Clock, session: Session, typed: str
) -> None:
    secret, _ = enrol(app.test_client(), "care_a", clock)
    step_before = user(session, "care_a").totp_last_step
    client = english(app.test_client())
    password_step(client, "care_a")
    response = code_step(client, typed)
    assert response.status_code == 400
    assert "Type the 6 digits" in response.get_data(as_text=True)
    assert session.execute(select(func.count()).select_from(LoginFailure)).scalar_one() == 0
    assert user(session, "care_a").totp_last_step == step_before
    # the login can still be finished
    assert code_step(client, pyotp.TOTP(secret).at(clock.advance())).status_code == 302


@pytest.mark.parametrize("typed", ["abcdef", "", "12345678901234567890"])
def test_bad_input_at_enrolment_stores_nothing(app: Flask, world: World, session: Session, typed: str) -> None:
    client = english(app.test_client())
    password_step(client, "coordinator")
    response = post_form(client, "/account/two-factor", {"code": typed})
    assert response.status_code == 400
    assert "Type the 6 digits" in response.get_data(as_text=True)
    assert user(session, "coordinator").totp_secret is None
    assert session.execute(select(func.count()).select_from(LoginFailure)).scalar_one() == 0
