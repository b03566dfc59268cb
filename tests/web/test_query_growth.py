"""Pages whose statement count must not grow with the data they show: the access review (reads and changes
of files), a hearing's agenda (a few items, then many) and the dashboard, each counted at two sizes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import AccessLog, Case, Deposit
from commission.services import audit, hearings
from tests.cases_helpers import TODAY
from tests.conftest import World, login
from tests.hearings_helpers import plan, ready_case
from tests.volume import grow
from tests.web.test_dashboard_pages import grow_activity
from tests.web.test_query_counts import count_queries


def statements(client: FlaskClient, engine: Engine, path: str) -> list[str]:
    with count_queries(engine) as found:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return found


def client_of(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    login(client, role)
    return client


# ---------------------------------------------------------------- the access review


def grow_accesses(session: Session, world: World, count: int, tag: str) -> None:
    """``count`` more files (and places, accounts...), each read by its team and the coordinator, some at
    night, each changed (its audit entries), one in five with a deposit changed too."""
    last = session.execute(select(func.coalesce(func.max(Case.id), 0))).scalar_one()
    grow(session, world, count, tag)
    files = session.execute(select(Case).where(Case.id > last).order_by(Case.id)).scalars().all()
    assert len(files) == count
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    for n, case in enumerate(files):
        reader = "care_a" if case.care_team_id == world.team_a.id else "care_b"
        session.add_all([
            AccessLog(user_id=world.users[reader].id, case_id=case.id, part="file",
                      at=start + timedelta(hours=n * 5)),  # every fifth hour: some at night
            AccessLog(user_id=world.users["coordinator"].id, case_id=case.id, part="medical",
                      at=start + timedelta(hours=n * 5, minutes=30)),
        ])
        audit.record(session, world.users[reader], "case.edited", "case", case.id, {"field": "phone"})
        if n % 5 == 0:
            deposit = Deposit(case_id=case.id, place_id=world.place_a.id, landlord_id=world.landlord_a.id,
                              amount_cents=30000, state="committed")
            session.add(deposit)
            session.flush()
            audit.record(session, world.users["treasurer"], "deposit.committed", "deposit", deposit.id)
    session.commit()


def test_the_access_review_does_not_grow_with_the_reads_and_changes(
    client: FlaskClient, engine: Engine, session: Session, world: World,
) -> None:
    login(client, "dpo")
    grow_accesses(session, world, 8, "s")  # fewer than a page
    small = statements(client, engine, "/access-review")
    grow_accesses(session, world, 150, "l")  # several pages, and a busy reader flagged
    large = statements(client, engine, "/access-review")
    html = client.get("/access-review?page=2").get_data(as_text=True)
    assert "case.edited" in html and "deposit.committed" in html  # the changes are listed, of both kinds
    assert len(large) == len(small), (len(small), len(large), large)
    assert len(large) <= 10, large


# ---------------------------------------------------------------- a hearing's agenda


def test_a_hearings_agenda_does_not_grow_with_its_items(
    app: Flask, engine: Engine, session: Session, world: World,
) -> None:
    coordinator, readers = world.users["coordinator"], {role: client_of(app, role) for role in ("coordinator", "chair")}
    hearing = plan(session, world)
    path = f"/hearings/{hearing.id}"

    def add_items(names: list[str]) -> None:
        for name in names:
            case = ready_case(session, world, name)
            hearings.add_item(session, coordinator, hearing.id, case.id, today=TODAY)

    def counts() -> dict[str, int]:
        with clock.travel(TODAY):
            return {role: len(statements(client, engine, path)) for role, client in readers.items()}

    add_items(["Ada", "Bea"])
    ready_case(session, world, "Cyd")  # a candidate, not on the agenda
    few = counts()
    add_items([f"Personne{n}" for n in range(18)])
    ready_case(session, world, "Dan")
    assert len(hearing.items) == 20
    many = counts()
    assert many == few, (few, many)
    assert max(many.values()) <= 30, many


# ---------------------------------------------------------------- the dashboard


def test_the_dashboard_does_not_grow_with_the_years_activity(app: Flask, engine: Engine, session: Session,
                                                             world: World) -> None:
    readers = {role: client_of(app, role) for role in ("coordinator", "member")}

    def counts() -> dict[str, int]:
        with clock.travel(date(2026, 12, 31)):  # the year of the activity grown
            return {role: len(statements(client, engine, "/dashboard")) for role, client in readers.items()}

    grow_activity(session, world, 5, "s")
    small = counts()
    grow_activity(session, world, 150, "l")
    large = counts()
    assert large == small, (small, large)
    assert max(large.values()) <= 30, large
