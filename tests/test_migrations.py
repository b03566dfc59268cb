"""Alembic is the schema's only source: the models and the migrations agree, and every step reverses."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from commission import migrate
from commission.db import make_engine
from tests.conftest import PG_URL, is_postgres


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if not is_postgres():
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
        yield engine
        engine.dispose()
        return
    name = f"commission_migrations_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_models_and_migrations_agree(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    assert migrate.schema_differences(engine) == []


def test_empty_to_head_to_base_to_head(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert {"town", "place", "user_account", "audit_entry"} <= tables
    migrate.downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_engine)
    assert migrate.schema_differences(empty_engine) == []


def test_every_revision_steps_down_and_up(empty_engine: Engine) -> None:
    """From the head down to the base, one revision at a time: each steps down, up again from what its own
    downgrade left, and down once more; then every revision climbs back from the base to the head. (Each
    step once or twice, rather than climbing back to the head after every revision: the same steps, a
    quarter of the work.)"""
    migrate.upgrade(empty_engine)
    script = migrate.ScriptDirectory.from_config(migrate.alembic_config(empty_engine))
    for revision in script.walk_revisions():  # the head first
        below = revision.down_revision or "base"
        assert isinstance(below, str), f"{revision.revision} merges branches: walk it by hand"
        migrate.downgrade(empty_engine, below)
        migrate.upgrade(empty_engine, revision.revision)
        migrate.downgrade(empty_engine, below)
    assert migrate.current_revision(empty_engine) is None
    migrate.upgrade(empty_engine)
    assert migrate.schema_differences(empty_engine) == []


def test_constraints_follow_the_naming_convention(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        for foreign_key in inspector.get_foreign_keys(table):
            assert foreign_key["name"] and foreign_key["name"].startswith(f"fk_{table}_")
        for unique in inspector.get_unique_constraints(table):
            assert unique["name"] and unique["name"].startswith(f"uq_{table}_")


def test_migrations_carry_the_data_down_and_up(empty_engine: Engine) -> None:
    """Steps that rebuild tables (SQLite) keep rows that other rows refer to; the data migration of the
    stock gives each place the state its files imply, and housed people their occupancy."""
    from datetime import date

    from sqlalchemy import select

    from commission.db import make_session_factory
    from commission.models import Case, Occupancy, Place
    from tests.cases_helpers import new_case
    from tests.conftest import build_world

    migrate.upgrade(empty_engine)
    with make_session_factory(empty_engine)() as session:
        world = build_world(session)
        case = new_case(session, world)
        case.state, case.allocated_place_id, case.move_in_date = "housed", world.place_a.id, date(2026, 1, 5)
        session.commit()
        place_id, case_id = world.place_a.id, case.id
    migrate.downgrade(empty_engine, "0003")
    migrate.upgrade(empty_engine)
    with make_session_factory(empty_engine)() as session:
        place = session.get(Place, place_id)
        assert place is not None and place.state == "occupied"
        occupancy = session.execute(select(Occupancy).where(Occupancy.place_id == place_id)).scalar_one()
        assert occupancy.case_id == case_id and occupancy.move_in_date == date(2026, 1, 5)
        assert session.get(Case, case_id) is not None
