"""Running Alembic from the program: upgrade, downgrade, and checking models against migrations."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from commission import models  # noqa: F401  (fills the metadata)
from commission.db import Base
from commission.resources import migrations_dir


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database_url"] = engine.url.render_as_string(hide_password=False)
    return config


class ForeignKeyViolation(RuntimeError):
    """A migration left rows that refer to nothing (SQLite, checked once the migration has run)."""


def _run(engine: Engine, operation: Any, *args: Any) -> None:
    config = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite alters a table by rebuilding it (batch mode): with foreign keys enforced, dropping the
            # old table fails as soon as other rows refer to it. They are off while the migration runs
            # (the pragma is ignored inside a transaction: it goes to the driver's connection, which has
            # none open), and every reference is checked before the migration commits.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                operation(config, *args)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise ForeignKeyViolation(f"rows refer to missing rows after the migration: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    _run(engine, command.downgrade, revision)


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(engine: Engine) -> list[Any]:
    """What autogenerate would change: empty when the models and the migrated schema agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))
