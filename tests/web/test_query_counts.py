"""Pages query the database a bounded number of times, whatever the volume of data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from commission.models import Organisation, OrganisationKind, Place, PlaceKind
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
    for n in range(count // 10):
        session.add(accounts.User(login=f"{tag}{n}", display_name="G", password_hash="x", role=accounts.Role.LANDLORD,
                                  organisation_id=landlords[n % len(landlords)].id))
        audit.record(session, None, "test.event", "thing", n)
    session.commit()


PAGES = ["/", "/places", "/reference", "/admin/users", "/admin/audit"]


@pytest.mark.parametrize("path", PAGES)
def test_page_queries_do_not_grow_with_the_data(
    client: FlaskClient, engine: Engine, session: Session, world: World, path: str
) -> None:
    login(client, "coordinator")
    grow(session, world, 10, "s")
    with count_queries(engine) as small:
        assert client.get(path).status_code == 200
    grow(session, world, 1000, "l")
    with count_queries(engine) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), (path, len(small), len(large))
    assert len(large) <= 12, (path, large)
