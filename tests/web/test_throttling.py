"""Throttling that no one can turn against the users: growing waits, refused until a time (429 and
Retry-After), per login from an address, per address, per account; the client's address read from
X-Forwarded-For only behind a trusted proxy; every wait that starts is audited."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from ipaddress import ip_network

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from commission.config import Settings
from commission.models import AuditEntry, LoginFailure
from commission.web import create_app
from tests.conftest import PASSWORD, World, csrf_token, fresh, login, post_form

PROXY = "10.0.0.1"
WRONG = "not the password"


@pytest.fixture
def behind_proxy(settings: Settings, engine: Engine) -> Flask:
    """The app behind a reverse proxy at 10.0.0.1, which it trusts."""
    return create_app(replace(settings, trusted_proxies=(ip_network(PROXY),)), engine=engine, testing=True)


def through(app: Flask, client_address: str, *, peer: str = PROXY) -> FlaskClient:
    """A browser at ``client_address`` whose requests arrive from ``peer`` (the proxy) saying so."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": client_address})
    return client


def attempt(client: FlaskClient, login_name: str, password: str = WRONG):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"login": login_name, "password": password, "csrf_token": csrf_token(client)})


def test_a_throttled_login_answers_429_with_retry_after_and_until_when(client: FlaskClient, world: World) -> None:
    for _ in range(5):
        assert attempt(client, "member").status_code == 401
    response = attempt(client, "member", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60  # the first wait is a minute
    html = response.get_data(as_text=True)
    assert "Trop de tentatives échouées. Vous pourrez réessayer à partir de" in html
    assert 'name="login"' in html  # the login page, not an error page
    # in English too
    response = client.post("/login?lang=en", data={"login": "member", "password": PASSWORD,
                                                   "csrf_token": csrf_token(client)})
    assert "Too many failed attempts. You can try again from" in response.get_data(as_text=True)


def test_waits_grow_and_end(client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    real, offset = time.time, [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])  # the server's real time, moved on

    def later(delta: timedelta) -> None:
        offset[0] = delta.total_seconds()

    for _ in range(5):
        attempt(client, "member")
    later(timedelta(seconds=61))  # the first wait (a minute) is over: one more try
    assert attempt(client, "member").status_code == 401
    second = attempt(client, "member", PASSWORD)
    assert second.status_code == 429 and 60 < int(second.headers["Retry-After"]) <= 120
    later(timedelta(seconds=61 + 121))
    assert attempt(client, "member").status_code == 401
    third = attempt(client, "member", PASSWORD)
    assert third.status_code == 429 and 120 < int(third.headers["Retry-After"]) <= 240
    later(timedelta(hours=2))
    assert attempt(client, "member").status_code == 401  # the 8th: 8 minutes
    # the 9th would wait 16 minutes: a wait is never longer than 15; then the owner logs in
    later(timedelta(hours=2, minutes=9))
    assert attempt(client, "member").status_code == 401
    assert 8 * 60 < int(attempt(client, "member", PASSWORD).headers["Retry-After"]) <= 15 * 60
    later(timedelta(hours=2, minutes=9 + 15, seconds=1))
    assert attempt(client, "member", PASSWORD).status_code == 302


def test_sixty_failures_from_one_address_do_not_stop_anothers_correct_login(
    settings: Settings, engine: Engine, world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An office behind one address: someone guesses at every account they can think of; a colleague
    logs in with password and code, from the same address."""
    app = create_app(replace(settings, two_factor_required=True), engine=engine, testing=True)
    colleague = app.test_client()
    now = [float(int(time.time()) // 30 * 30 + 1)]
    monkeypatch.setattr(time, "time", lambda: now[0])
    login(colleague, "care_a")  # enrolment, as the role requires
    html = colleague.get("/account/two-factor").get_data(as_text=True)
    secret = html.split('<code class="secret"')[1].split(">", 1)[1].split("<")[0].replace(" ", "")
    assert post_form(colleague, "/account/two-factor", {"code": pyotp.TOTP(secret).at(now[0])}).status_code == 200
    post_form(colleague, "/logout", {}, form_page="/")

    guesser = app.test_client()  # the same address (the test client's)
    targets = ["member", "chair", "treasurer", "coordinator", *[f"ghost{n}" for n in range(20)]]
    statuses = [attempt(guesser, targets[n % len(targets)]).status_code for n in range(60)]
    assert statuses.count(401) >= 50 and set(statuses) <= {401, 429}
    fresh(session)
    assert session.execute(select(LoginFailure.remote_addr).distinct()).scalars().all() == ["127.0.0.1"]

    now[0] += 30
    response = attempt(colleague, "care_a", PASSWORD)
    assert response.headers["Location"] == "/login/code"
    response = post_form(colleague, "/login/code", {"code": pyotp.TOTP(secret).at(now[0])}, form_page="/login")
    assert response.status_code == 302
    assert colleague.get("/").status_code == 200
    # while the guesser waits for the logins it failed on
    assert attempt(guesser, "member", PASSWORD).status_code == 429


def test_an_address_guessing_across_accounts_gets_one_try_per_login(client: FlaskClient, world: World) -> None:
    for n in range(50):
        attempt(client, f"ghost{n}")
    # past 50 failures, every login the address failed on waits, even with the right password...
    assert attempt(client, "ghost3").status_code == 429
    assert attempt(client, "member").status_code == 401  # ...and a login it had not tried gets one try
    assert attempt(client, "member", PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_two_clients_are_throttled_apart(behind_proxy: Flask, world: World,
                                                                 session: Session) -> None:
    guesser, owner = through(behind_proxy, "203.0.113.5"), through(behind_proxy, "198.51.100.20")
    for _ in range(5):
        assert attempt(guesser, "member").status_code == 401
    assert attempt(guesser, "member", PASSWORD).status_code == 429
    assert attempt(owner, "member", PASSWORD).status_code == 302
    fresh(session)
    assert set(session.execute(select(LoginFailure.remote_addr)).scalars()) == {"203.0.113.5"}
    login_entry = session.execute(select(AuditEntry).where(AuditEntry.action == "account.login")).scalar_one()
    assert "198.51.100.20" in login_entry.details


def test_a_chain_of_trusted_proxies_gives_the_first_address_outside_them(settings: Settings, engine: Engine,
                                                                         world: World, session: Session) -> None:
    app = create_app(replace(settings, trusted_proxies=(ip_network("10.0.0.0/8"),)), engine=engine, testing=True)
    # the client forges a first hop; the outer proxy (10.1.1.1) appended the real one, the inner proxy connects
    client = through(app, "192.0.2.99, 203.0.113.5, 10.1.1.1", peer="10.0.0.1")
    attempt(client, "member")
    fresh(session)
    assert session.execute(select(LoginFailure.remote_addr)).scalar_one() == "203.0.113.5"


def test_an_untrusted_proxy_header_is_ignored(behind_proxy: Flask, world: World, session: Session) -> None:
    """A client that sends X-Forwarded-For itself, a new address each time, is throttled by its own."""
    for n in range(5):
        client = through(behind_proxy, f"203.0.113.{n + 1}", peer="198.51.100.7")
        assert attempt(client, "member").status_code == 401
    client = through(behind_proxy, "203.0.113.200", peer="198.51.100.7")
    assert attempt(client, "member", PASSWORD).status_code == 429
    fresh(session)
    assert set(session.execute(select(LoginFailure.remote_addr)).scalars()) == {"198.51.100.7"}


def test_without_trusted_proxies_every_forwarded_header_is_ignored(client: FlaskClient, world: World,
                                                                   session: Session) -> None:
    client.environ_base.update({"HTTP_X_FORWARDED_FOR": "203.0.113.5"})
    attempt(client, "member")
    fresh(session)
    assert session.execute(select(LoginFailure.remote_addr)).scalar_one() == "127.0.0.1"


def test_guesses_from_many_addresses_wait_but_not_the_owner_from_their_own(
    behind_proxy: Flask, world: World, session: Session
) -> None:
    owner = through(behind_proxy, "198.51.100.20")
    login(owner, "member")  # the owner's address is known from this login on
    post_form(owner, "/logout", {}, form_page="/")
    for n in range(10):  # a botnet: two tries from each of five addresses
        assert attempt(through(behind_proxy, f"203.0.113.{n // 2 + 1}"), "member").status_code == 401
    # an eleventh address waits, though it never failed itself
    assert attempt(through(behind_proxy, "203.0.113.77"), "member", PASSWORD).status_code == 429
    # the owner, from the address they logged in from, does not
    assert attempt(owner, "member", PASSWORD).status_code == 302


def test_every_wait_that_starts_is_audited(behind_proxy: Flask, world: World, session: Session) -> None:
    guesser = through(behind_proxy, "203.0.113.5")
    for _ in range(4):
        attempt(guesser, "member")
    fresh(session)
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "account.throttled")).first() is None
    attempt(guesser, "member")
    attempt(guesser, "member", PASSWORD)  # refused during the wait: no second entry
    fresh(session)
    (entry,) = session.execute(select(AuditEntry).where(AuditEntry.action == "account.throttled")).scalars()
    assert (entry.object_type, entry.object_id) == ("user", str(world.users["member"].id))
    assert '"rule":"login_from_address"' in entry.details.replace(" ", "")
    assert "203.0.113.5" in entry.details and '"until"' in entry.details
