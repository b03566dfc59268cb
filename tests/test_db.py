"""The database layer: SQLite set up as a serious database, timestamps in UTC, settings from the environment."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commission.config import ConfigurationError, load_settings
from commission.models import Place, PlaceKind, Town
from tests.conftest import World, is_postgres

sqlite_only = pytest.mark.skipif(is_postgres(), reason="SQLite connection settings")


@sqlite_only
def test_sqlite_connections_are_configured(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


@sqlite_only
def test_a_transaction_begins_before_the_first_read(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(select(1))
        raw = connection.connection.dbapi_connection
        assert raw is not None and raw.in_transaction


def test_foreign_keys_are_enforced(session: Session) -> None:
    session.add(Place(reference="X-1", kind=PlaceKind.APARTMENT, town_id=999, address="nowhere",
                      organisation_id=999, rooms=1, rent_cents=1, charges_cents=1, deposit_cents=1))
    with pytest.raises(IntegrityError):
        session.commit()


def test_check_constraints_refuse_negative_amounts(session: Session, world: World) -> None:
    world.place_a.rent_cents = -5
    with pytest.raises(IntegrityError):
        session.commit()


def test_timestamps_come_back_timezone_aware_in_utc(session: Session) -> None:
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    town = Town(name="Test", postcode="59000", population=1, created_at=moment)
    session.add(town)
    session.commit()
    session.expire_all()
    loaded = session.execute(select(Town).where(Town.name == "Test")).scalar_one()
    assert loaded.created_at == moment and loaded.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(Town(name="Naive", postcode="59000", population=1, created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        session.commit()


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    settings = load_settings({"COMMISSION_INSTANCE_PATH": str(tmp_path)}, environment="development")
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'commission.sqlite'}"
    assert (tmp_path / "secret_key").exists()
    again = load_settings({"COMMISSION_INSTANCE_PATH": str(tmp_path)}, environment="development")
    assert again.secret_key == settings.secret_key


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="COMMISSION_SECRET_KEY"):
        load_settings({"COMMISSION_INSTANCE_PATH": str(tmp_path)})


def test_postgresql_urls_use_psycopg_3(tmp_path: Path) -> None:
    settings = load_settings({"COMMISSION_DATABASE_URL": "postgresql://u@h/db", "COMMISSION_SECRET_KEY": "k",
                              "COMMISSION_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("value", ["abc", "-3", "0"])
def test_bad_numbers_in_the_environment_are_named(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMMISSION_IDLE_MINUTES"):
        load_settings({"COMMISSION_IDLE_MINUTES": value, "COMMISSION_SECRET_KEY": "k",
                       "COMMISSION_INSTANCE_PATH": str(tmp_path)})

