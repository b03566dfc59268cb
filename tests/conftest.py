"""Fixtures: a clean database per test (SQLite by default, PostgreSQL when
``COMMISSION_TEST_DATABASE_URL`` names one), an app with CSRF on, and a small world of records built
as a user would build them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from commission import migrate
from commission.config import Settings
from commission.db import Base, make_engine, make_session_factory
from commission.models import CareTeam, Organisation, OrganisationKind, Place, PlaceKind, Role, Town, User
from commission.services import accounts
from commission.web import create_app

PG_URL = os.environ.get("COMMISSION_TEST_DATABASE_URL", "")
PASSWORD = "correct horse battery staple"


def is_postgres() -> bool:
    return PG_URL.startswith("postgresql")


def reset_postgres(engine: Engine) -> None:
    """Empty every table (the schema stays); the audit chain starts again from its genesis."""
    names = [table.name for table in Base.metadata.sorted_tables if table.name != "audit_head"]
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        connection.execute(text("UPDATE audit_head SET last_id = 0, last_hash = :genesis"), {"genesis": "0" * 64})


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per run: copied (SQLite) or emptied (PostgreSQL) per test."""
    if is_postgres():
        engine = make_engine(PG_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        migrate.upgrade(engine)
        engine.dispose()
        yield PG_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    yield str(path)


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> str:
    if is_postgres():
        engine = make_engine(template_database)
        reset_postgres(engine)
        engine.dispose()
        return template_database
    target = tmp_path / "commission.sqlite"
    shutil.copyfile(template_database, target)
    return f"sqlite:///{target}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


def fresh(session: Session) -> None:
    """End the test's own transaction, so that its next read sees what the app has committed since
    (on SQLite a transaction keeps reading the snapshot it began with), and forget loaded values."""
    session.rollback()
    session.expire_all()


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with small costs: the tests hash hundreds of passwords."""
    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test secret key, not for production",
        instance_path=tmp_path / "instance",
        environment="development",
        # Two-factor login is tested on its own (tests/web/test_two_factor.py); elsewhere, a password logs in.
        two_factor_required=False,
    )


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Flask:
    return create_app(settings, engine=engine, testing=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class World:
    """A small council: two teams, two landlords, a place of each, and an account for every role."""

    towns: dict[str, Town]
    team_a: CareTeam
    team_b: CareTeam
    landlord_a: Organisation
    landlord_b: Organisation
    place_a: Place
    place_b: Place
    users: dict[str, User]


ROLE_ACCOUNTS = {
    "coordinator": Role.COORDINATOR,
    "care_a": Role.CARE_TEAM,
    "care_b": Role.CARE_TEAM,
    "chair": Role.CHAIR,
    "member": Role.MEMBER,
    "treasurer": Role.TREASURER,
    "landlord_a": Role.LANDLORD,
    "landlord_b": Role.LANDLORD,
    "dpo": Role.DATA_PROTECTION,
}


def build_world(session: Session) -> World:
    towns = {name: Town(name=name, postcode=code, population=pop)
             for name, code, pop in [("Ronchin", "59790", 18500), ("Lesquin", "59810", 8000)]}
    session.add_all(towns.values())
    session.flush()
    hospital = Organisation(name="EPSM", kind=OrganisationKind.HOSPITAL)
    landlord_a = Organisation(name="Habitat A", kind=OrganisationKind.LANDLORD)
    landlord_b = Organisation(name="Habitat B", kind=OrganisationKind.LANDLORD)
    session.add_all([hospital, landlord_a, landlord_b])
    session.flush()
    team_a = CareTeam(name="CMP Ronchin", organisation_id=hospital.id, town_id=towns["Ronchin"].id)
    team_b = CareTeam(name="CMP Lesquin", organisation_id=hospital.id, town_id=towns["Lesquin"].id)
    session.add_all([team_a, team_b])

    def place(reference: str, landlord: Organisation, town: Town) -> Place:
        return Place(reference=reference, kind=PlaceKind.APARTMENT, town_id=town.id, address="1 rue Pasteur",
                     organisation_id=landlord.id, rooms=1, surface_m2=30, rent_cents=30000,
                     charges_cents=5000, deposit_cents=30000)

    place_a = place("APP-001", landlord_a, towns["Ronchin"])
    place_b = place("APP-002", landlord_b, towns["Lesquin"])
    session.add_all([place_a, place_b])
    session.commit()
    bindings = {
        "care_a": {"care_team_id": team_a.id},
        "care_b": {"care_team_id": team_b.id},
        "chair": {"town_id": towns["Ronchin"].id},
        "landlord_a": {"organisation_id": landlord_a.id},
        "landlord_b": {"organisation_id": landlord_b.id},
    }
    users = {
        login: accounts.create_user(session, None, accounts.UserInput(
            login=login, display_name=f"User {login}", email="", role=role.value, password=PASSWORD,
            **bindings.get(login, {}),
        ))
        for login, role in ROLE_ACCOUNTS.items()
    }
    return World(towns, team_a, team_b, landlord_a, landlord_b, place_a, place_b, users)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, login_name: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post("/login", data={"login": login_name, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def post_form(client: FlaskClient, path: str, data: dict[str, str], *, form_page: str | None = None):  # type: ignore[no-untyped-def]
    """Submit a form as a browser would: with the CSRF token of the page that shows it."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token})
