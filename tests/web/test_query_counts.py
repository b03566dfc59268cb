"""Pages query the database a bounded number of times, whatever the volume of data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from commission.models import Applicant, Case, Organisation, OrganisationKind, Place, PlaceKind
from commission.services import accounts, audit
from tests.conftest import World, login


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def grow(session: Session, world: World, count: int, tag: str) -> None:
    """Add places, landlords, accounts and audit entries, so that every listing has `count` more rows."""
    landlords = [Organisation(name=f"Bailleur {tag}{n}", kind=OrganisationKind.LANDLORD)
                 for n in range(count // 10 + 1)]
    session.add_all(landlords)
    session.flush()
    session.add_all(
        Place(reference=f"{tag}-{n:05d}", kind=PlaceKind.APARTMENT, town_id=world.towns["Ronchin"].id,
              address=f"{n} rue", organisation_id=landlords[n % len(landlords)].id, rooms=1,
              rent_cents=1, charges_cents=1, deposit_cents=1)
        for n in range(count)
    )
    for n in range(count):
        session.add(_case(world, n, tag))
    for n in range(count // 10):
        session.add(accounts.User(login=f"{tag}{n}", display_name="G", password_hash="x", role=accounts.Role.LANDLORD,
                                  organisation_id=landlords[n % len(landlords)].id))
        audit.record(session, None, "test.event", "thing", n)
    session.commit()


def _case(world: World, n: int, tag: str) -> Case:
    """A file as a care team leaves it, written in bulk: a thousand through the services would be slow."""
    applicant = Applicant(first_name=f"P{tag}{n}", last_name="Volume", birth_date=date(1980, 1, 1),
                          care_team_id=world.team_a.id if n % 2 else world.team_b.id)
    case = Case(applicant=applicant, care_team_id=applicant.care_team_id, state="submitted",
                requested_kind=PlaceKind.APARTMENT, due_date=date(2026, 4, 1))
    case.wished_towns = [world.towns["Ronchin"]]
    return case


PAGES = ["/", "/places", "/reference", "/admin/users", "/admin/audit", "/cases"]


@pytest.mark.parametrize("role", ["coordinator", "care_a"])
@pytest.mark.parametrize("path", PAGES)
def test_page_queries_do_not_grow_with_the_data(
    client: FlaskClient, engine: Engine, session: Session, world: World, path: str, role: str
) -> None:
    if role != "coordinator" and path not in ("/", "/cases"):
        pytest.skip("the care team sees only these of the pages above")
    login(client, role)
    grow(session, world, 10, "s")
    with count_queries(engine) as small:
        assert client.get(path).status_code == 200
    grow(session, world, 1000, "l")
    with count_queries(engine) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), (path, len(small), len(large))
    assert len(large) <= 12, (path, large)
