"""Sessions known to the server: a cookie kept from before a logout, a password change, a two-factor reset
or a disable opens nothing; a session ends after its absolute lifetime however active; the account page
lists the open sessions and ends any of them."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from commission.models import AuditEntry
from commission.models.accounts import SessionEnd, UserSession
from commission.services import accounts, two_factor
from tests.conftest import PASSWORD, World, fresh, login, post_form
from tests.web.test_query_counts import count_queries

COOKIE = "commission_session"


class Later:
    """The server's real time (``time.time``, which sessions run on) moved forward by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = time.time
        self.offset = 0.0
        monkeypatch.setattr(time, "time", lambda: real() + self.offset)

    def by(self, delta: timedelta) -> None:
        self.offset = delta.total_seconds()


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Later:
    return Later(monkeypatch)


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s cookie, as a thief would."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def opens(client: FlaskClient, path: str = "/") -> bool:
    return client.get(path).status_code == 200


def rows(session: Session, user_id: int) -> list[UserSession]:
    fresh(session)
    return list(session.execute(select(UserSession).where(UserSession.user_id == user_id)
                                .order_by(UserSession.id)).scalars())


def test_a_cookie_kept_from_before_logout_is_refused(app: Flask, client: FlaskClient, world: World,
                                                    session: Session) -> None:
    login(client, "member")
    thief = copy_of(app, client)
    assert opens(thief) and opens(thief, "/hearings")  # the copy works while the session is open
    assert post_form(client, "/logout", {}, form_page="/").status_code == 302
    assert not opens(thief) and not opens(thief, "/hearings")
    assert not opens(client)
    (row,) = rows(session, world.users["member"].id)
    assert row.ended_at is not None and row.ended_reason is SessionEnd.LOGOUT


def test_a_cookie_kept_from_before_a_password_change_is_refused(app: Flask, world: World, session: Session) -> None:
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "member")
    login(laptop, "member")
    thief = copy_of(app, phone)
    response = post_form(laptop, "/account/password", {
        "current_password": PASSWORD, "new_password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase",
    })
    assert response.status_code == 302
    assert opens(laptop)
    assert not opens(thief) and not opens(phone)
    ended = {row.ended_reason for row in rows(session, world.users["member"].id)}
    assert ended == {SessionEnd.PASSWORD_CHANGED, None}  # the phone's ended, the laptop's goes on


def test_a_cookie_kept_from_before_a_two_factor_reset_is_refused(app: Flask, client: FlaskClient, world: World,
                                                                session: Session, settings) -> None:  # type: ignore[no-untyped-def]
    care = world.users["care_a"]
    login(client, "care_a")
    thief = copy_of(app, client)
    secret = two_factor.begin_enrolment(care).secret
    two_factor.confirm_enrolment(session, settings, care, secret, pyotp.TOTP(secret).at(time.time()))
    assert opens(thief)  # turning two-factor login on ends nothing
    two_factor.reset(session, world.users["coordinator"], care.id)
    assert not opens(thief) and not opens(client)
    assert [row.ended_reason for row in rows(session, care.id)] == [SessionEnd.TWO_FACTOR_RESET]


def test_a_cookie_kept_from_before_a_disable_is_refused(app: Flask, world: World, session: Session) -> None:
    admin, victim = app.test_client(), app.test_client()
    login(victim, "member")
    thief = copy_of(app, victim)
    login(admin, "coordinator")
    member_id = world.users["member"].id
    response = post_form(admin, f"/admin/users/{member_id}/active", {"active": "0"}, form_page="/admin/users")
    assert response.status_code == 302
    # enabled again: the sessions it had stay ended
    response = post_form(admin, f"/admin/users/{member_id}/active", {"active": "1"}, form_page="/admin/users")
    assert response.status_code == 302
    assert not opens(thief) and not opens(victim)
    assert [row.ended_reason for row in rows(session, member_id)] == [SessionEnd.ACCOUNT_DISABLED]


def test_a_session_ends_after_its_lifetime_however_active(client: FlaskClient, world: World, later: Later) -> None:
    login(client, "member")
    # a request every 25 minutes keeps it from the idle limit (30 minutes) for the whole lifetime (12 hours)
    for step in range(1, 12 * 60 // 25 + 1):
        later.by(timedelta(minutes=25 * step))
        assert opens(client), step
    later.by(timedelta(hours=12, minutes=1))
    response = client.get("/")
    assert response.status_code == 302
    assert "durée maximale" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_idle_session_is_refused_to_every_copy_of_its_cookie(app: Flask, client: FlaskClient, world: World,
                                                               later: Later) -> None:
    """The idle limit is the server's: no copy of the cookie can bring an idle session back."""
    login(client, "member")
    thief = copy_of(app, client)
    later.by(timedelta(minutes=31))
    assert not opens(thief)
    assert not opens(client)


def test_a_page_writes_nothing_while_the_session_was_seen_within_the_minute(
    client: FlaskClient, engine: Engine, world: World, session: Session, later: Later
) -> None:
    login(client, "member")
    with count_queries(engine) as statements:
        assert opens(client)
    assert not [sql for sql in statements if sql.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    (row,) = rows(session, world.users["member"].id)
    seen = row.last_seen_at
    later.by(timedelta(minutes=2))
    assert opens(client)
    (row,) = rows(session, world.users["member"].id)
    assert row.last_seen_at >= seen + timedelta(minutes=2)
    # so that the session goes on past the idle limit counted from the login
    later.by(timedelta(minutes=31))
    assert opens(client)


def test_the_account_page_lists_the_open_sessions_and_ends_one(app: Flask, world: World, session: Session) -> None:
    laptop, phone = app.test_client(), app.test_client()
    phone.environ_base.update({"REMOTE_ADDR": "192.0.2.44", "HTTP_USER_AGENT": "Phone Browser 1.0"})
    laptop.environ_base.update({"HTTP_USER_AGENT": "Laptop Browser 2.0"})
    login(phone, "member")
    login(laptop, "member")
    login(app.test_client(), "chair")  # another account's session is not listed
    assert "/account/sessions" in laptop.get("/account/password").get_data(as_text=True)  # from the account page
    html = laptop.get("/account/sessions").get_data(as_text=True)
    assert "2 sessions ouvertes" in html
    assert "Phone Browser 1.0" in html and "192.0.2.44" in html and "Laptop Browser 2.0" in html
    assert "Ce navigateur" in html
    phone_row = next(row for row in rows(session, world.users["member"].id) if row.remote_addr == "192.0.2.44")
    response = post_form(laptop, "/account/sessions", {"session": str(phone_row.id)}, form_page="/account/sessions")
    assert response.status_code == 302 and response.headers["Location"] == "/account/sessions"
    assert "La session a été fermée" in laptop.get("/account/sessions").get_data(as_text=True)
    assert not opens(phone) and opens(laptop)
    assert "Phone Browser 1.0" not in laptop.get("/account/sessions").get_data(as_text=True)
    fresh(session)
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "account.session_ended")).scalar_one()
    assert entry.actor_id == world.users["member"].id and "192.0.2.44" in entry.details


def test_nobody_ends_another_accounts_session(app: Flask, world: World, session: Session) -> None:
    member, chair = app.test_client(), app.test_client()
    login(member, "member")
    login(chair, "chair")
    (chair_row,) = rows(session, world.users["chair"].id)
    # another account's session is refused as an ended one would be: its existence is not told
    for typed in (str(chair_row.id), "99999999"):
        response = post_form(member, "/account/sessions", {"session": typed}, form_page="/account/sessions")
        assert response.status_code == 302
        assert "Cette session est déjà fermée." in member.get("/account/sessions").get_data(as_text=True)
    for typed in ("", "abc", "1 OR 1=1"):
        response = post_form(member, "/account/sessions", {"session": typed}, form_page="/account/sessions")
        assert response.status_code == 302
        assert 'class="flash flash-error"' in member.get("/account/sessions").get_data(as_text=True), typed
    assert opens(chair) and opens(member)
    assert [row.ended_at for row in rows(session, world.users["chair"].id)] == [None]


def test_ending_ones_own_session_from_the_list_logs_out(app: Flask, client: FlaskClient, world: World,
                                                       session: Session) -> None:
    login(client, "member")
    (row,) = rows(session, world.users["member"].id)
    response = post_form(client, "/account/sessions", {"session": str(row.id)}, form_page="/account/sessions")
    assert response.headers["Location"] == "/login"
    assert not opens(client)


def test_the_service_ends_sessions_only_of_the_account_changed(world: World, session: Session, client: FlaskClient,
                                                              app: Flask) -> None:
    login(client, "member")
    other = app.test_client()
    login(other, "chair")
    accounts.set_active(session, world.users["coordinator"], world.users["member"].id, False)
    assert opens(other) and not opens(client)
