"""The request is the unit of work: a lock timeout or a stale row version in any write answers 409 and
writes nothing; a read is never refused because somebody else writes, and is never shown unlogged;
simultaneous logins of one account all get in."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from commission import clock
from commission.models import AccessLog, AuditEntry, User
from commission.services import unit
from tests.conftest import PASSWORD, World, csrf_token, fresh, is_postgres, logged_in, login, post_form
from tests.databases import Ids, Restored, Scenario
from tests.web.test_access_matrix import ACTIONS, DOWNLOADS, fill, matrix_scenario

# A role allowed to take each action (the first in a fixed order, so that the runs are alike).
PREFERRED = ("coordinator", "treasurer", "chair", "care_a")


def actor_of(path: str) -> str:
    allowed = ACTIONS[path][0]
    return next(role for role in PREFERRED if role in allowed)


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    callspec = getattr(request.node, "callspec", None)
    path = callspec.params.get("path") if callspec else None
    return matrix_scenario(path or "/")


@pytest.fixture
def records(restored: Restored, world: World) -> Ids:
    return restored.ids


def lock_timeout(statement: str, params: Any) -> Exception:
    """What the driver says when a lock could not be had in time (PostgreSQL's lock_timeout, SQLite's busy)."""
    if is_postgres():
        from psycopg import errors

        orig: Exception = errors.LockNotAvailable("canceling statement due to lock timeout")
    else:
        orig = sqlite3.OperationalError("database is locked")
    return OperationalError(statement, params, orig)


FAULTS = {
    "lock timeout": lock_timeout,
    # The ORM's own word when an UPDATE ... WHERE version = :seen found the row at another version.
    "stale version": lambda statement, params: StaleDataError(
        "UPDATE statement on table expected to update 1 row(s); 0 were matched."),
}


class Injector:
    """Makes the first INSERT, UPDATE or DELETE of the next request fail as the database would."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.fault: str | None = None
        self.fired = 0
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, _conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        if self.fault is None or not statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            return
        fault, self.fault = self.fault, None
        self.fired += 1
        raise FAULTS[fault](statement, params)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)


@pytest.fixture
def injector(engine: Engine) -> Iterator[Injector]:
    injector = Injector(engine)
    yield injector
    injector.close()


def written(session: Session) -> int:
    """How many changes the trail holds: every change writes its entry in its own transaction."""
    fresh(session)
    return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def reads(session: Session) -> int:
    fresh(session)
    return session.execute(select(func.count()).select_from(AccessLog)).scalar_one()


# Actions that, with the access matrix's data, are refusals or leave things as they are (they write
# nothing, so there is nothing to refuse): the account to reset has no two-factor login, the document
# form sends no file, the partner is already active, the agenda has no file ready, the hearing cannot
# close before its items are decided; no letter waits for a print run, the letter was not refused by the mail
# server, the logo form sends no file and there is no logo to remove, the commitment is drafted already and its
# signed-copy form sends no file.
WRITES_NOTHING = {"/letters/print-runs", "/letters/{letter}/send-again", "/council/logo", "/council/logo/remove",
                  "/cases/{allocated}/commitment/draft", "/cases/{allocated}/commitment/{commitment}/signed-copy",
"/account/two-factor/recovery-codes", "/account/two-factor/disable",
                  "/admin/users/{member}/two-factor/reset", "/cases/{case}/documents", "/partners/{landlord_b}/active",
                  "/hearings/{hearing}/agenda/build", "/hearings/{hearing}/steps/close",
                  "/subgroup/mail/{mail_entry}/documents", "/agreements/{agreement}/documents",
                  "/imports", "/imports/{import_token}/check"}
# What makes an action of the matrix change something.
CHANGING = {"/admin/users/{member}/active": {"active": "0"}}
# Actions that write only later: a written consultation's outcome is recorded once its deadline has passed.
LATER = {"/consultations/{consultation}/conclude": timedelta(days=40)}


def when(path: str) -> AbstractContextManager[None]:
    """The day the action is taken on: today, or once what it waits for has come."""
    later = LATER.get(path)
    return clock.travel(clock.now() + later) if later else nullcontext()


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("path", sorted(set(ACTIONS) - DOWNLOADS - WRITES_NOTHING))
def test_a_write_refused_by_the_database_answers_409_and_writes_nothing(
    client: FlaskClient, session: Session, world: World, records: Ids, injector: Injector, path: str, fault: str,
) -> None:
    logged_in(client, session, world.users[actor_of(path)])  # the login form itself: tests/web/test_auth.py
    data = {name: fill(value, world, records) for name, value in {**ACTIONS[path][1], **CHANGING.get(path, {})}.items()}
    token = csrf_token(client, "/")
    before = written(session)
    injector.fault = fault
    with when(path):
        response = client.post(fill(path, world, records), data={**data, "csrf_token": token})
        assert injector.fired == 1, f"{path}: nothing written, the fault was never injected ({response.status_code})"
        assert written(session) == before, "something was half-written"
        if response.status_code in (302, 303):
            # a button that sends back to its page: the refusal is said there, with the record as it is now
            response = client.get(response.headers["Location"])
            assert response.status_code == 200
            assert "entre-temps" in response.get_data(as_text=True), "the page does not say what happened"
        else:
            assert response.status_code == 409, response.get_data(as_text=True)[:2000]
        assert "Traceback" not in response.get_data(as_text=True)
        # and the same action, sent again, goes through: the session was left usable
        again = post_form(client, fill(path, world, records), data, form_page="/")
        assert again.status_code in (200, 302, 303)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_form_refused_by_the_database_is_shown_again_with_what_was_typed(
    client: FlaskClient, session: Session, world: World, injector: Injector, fault: str,
) -> None:
    login(client, "treasurer")
    form = {"amount": "12,00", "value_date": "2026-03-02", "label": "Clés du logement 4", "method": "transfer",
            "reference": "FAC-2026-117"}
    token = csrf_token(client, "/treasury/expenses/new")
    before = written(session)
    injector.fault = fault
    response = client.post("/treasury/expenses/new", data={**form, "csrf_token": token})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Clés du logement 4" in body and "FAC-2026-117" in body, "the form lost what was typed"
    assert written(session) == before


def test_a_read_while_another_holds_the_write_lock_is_shown_and_logged(
    client: FlaskClient, session: Session, world: World, engine: Engine,
) -> None:
    from tests.cases_helpers import new_case

    case = new_case(session, world)
    login(client, "care_a")
    before = reads(session)
    held, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with engine.connect() as other:
            if is_postgres():
                # the row the read's log refers to, locked as a step locks it
                other.execute(text("SELECT id FROM case_file WHERE id = :id FOR UPDATE"), {"id": case.id})
            else:
                other.exec_driver_sql("COMMIT")  # the engine's own BEGIN is deferred; take the write lock
                other.exec_driver_sql("BEGIN IMMEDIATE")
                other.execute(text("UPDATE town SET name = name"))
            held.set()
            release.wait(10)
            other.rollback()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert held.wait(10)
    threading.Timer(0.5, release.set).start()
    try:
        response = client.get(f"/cases/{case.id}")
    finally:
        release.set()
        holder.join(10)
    assert response.status_code == 200
    assert reads(session) == before + 1, "the read was not logged"


def test_a_read_whose_log_cannot_be_written_is_refused(
    client: FlaskClient, session: Session, world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.cases_helpers import new_case

    case = new_case(session, world)
    login(client, "care_a")
    monkeypatch.setattr(unit, "READ_LOG_PAUSE_SECONDS", 0)

    def refuse(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ACCESS_LOG"):
            raise lock_timeout(statement, params)

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        response = client.get(f"/cases/{case.id}")
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Camille" not in body, "the file was shown without its read being logged"
    assert "sa lecture n’a pas pu être enregistrée" in body


def test_eight_simultaneous_logins_of_one_account_all_get_in(app: Flask, session: Session, world: World) -> None:
    clients = [app.test_client() for _ in range(8)]
    tokens = [csrf_token(client) for client in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = [0] * len(clients)

    def log_in(index: int) -> None:
        barrier.wait(10)
        statuses[index] = clients[index].post("/login", data={
            "login": "coordinator", "password": PASSWORD, "csrf_token": tokens[index]}).status_code

    threads = [threading.Thread(target=log_in, args=(index,)) for index in range(len(clients))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [302] * len(clients), f"{statuses} after {time.monotonic() - started:.1f} s"
    fresh(session)
    logins = session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "account.login")).scalar_one()
    assert logins >= len(clients)
    assert session.execute(select(User).where(User.login == "coordinator")).scalar_one().last_login_at is not None
