"""Pages query the database a bounded number of times, whatever the volume of data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from tests.conftest import World, login
from tests.volume import grow


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
    # the coordinator's home page: one query per kind of reminder (tests/test_reminders.py), the session, the user
    assert len(large) <= 14, (path, large)
