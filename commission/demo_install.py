"""Putting the demo in place: built aside, moved into the instance only once complete.

``commission demo`` replaces the instance's database with a new demo. It is built where nothing reads it,
and takes the place of the previous database in one step once every record is written; an interrupted
build (an error, Ctrl+C, a killed process) leaves the previous database as it was:

- SQLite: into a temporary file beside the database file, its documents into a temporary folder in the
  instance folder; the documents join the store (named by their hash, they never disturb the previous
  database's), then the file replaces the database with ``os.replace``;
- PostgreSQL: inside one transaction, the schema's reset included (PostgreSQL's DDL is transactional);
  nothing of it is seen before it commits, and an interruption rolls all of it back.

The build's last audit entry, ``demo.built``, says it is complete: ``commission serve`` refuses a
database the demo began and did not finish (:func:`database_kind`), such as one an earlier version left
half-built. A database that holds anything else than a demo is never replaced.
"""

from __future__ import annotations

import enum
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from commission import migrate
from commission.db import make_engine, make_session_factory
from commission.errors import CommissionError
from commission.i18n import msg
from commission.models.audit import AuditEntry
from commission.services import audit
from commission.services.unit import commit
from commission.storage import DocumentStore

if TYPE_CHECKING:
    from commission.demo import DemoResult

DEMO_ACTOR = "demo"  # the actor of everything the demo builds before its accounts exist
BUILT = "demo.built"  # the build's last entry
_TEMPORARY = ".demo-"  # the prefix of the build's temporary files and folders


class DatabaseKind(enum.Enum):
    EMPTY = "empty"  # no schema, or no record
    DEMO = "demo"  # a complete demo (and whatever its visitors did since)
    INCOMPLETE_DEMO = "incomplete demo"  # a build that did not finish
    OTHER = "other"  # records that are not a demo's


class DemoRefused(CommissionError):
    """The demo would replace records that are not a demo's."""


def database_kind(connection: Connection) -> DatabaseKind:
    """What the database holds, as the demo sees it: read from the audit trail's first entry (the demo's
    first records are its own) and its ``demo.built`` entry."""
    if not inspect(connection).has_table(AuditEntry.__tablename__):
        return DatabaseKind.EMPTY
    first = connection.execute(select(AuditEntry.actor_name).order_by(AuditEntry.id).limit(1)).scalar()
    if first is None:
        return DatabaseKind.EMPTY
    if connection.execute(select(AuditEntry.id).where(AuditEntry.action == BUILT).limit(1)).scalar() is not None:
        return DatabaseKind.DEMO
    return DatabaseKind.INCOMPLETE_DEMO if first == DEMO_ACTOR else DatabaseKind.OTHER


def _refuse_other(kind: DatabaseKind, shown_url: str) -> None:
    if kind is DatabaseKind.OTHER:
        raise DemoRefused(msg("The database %(url)s holds records that are not a demo's: the demo does not replace "
                              "them. Give the demo an instance of its own (COMMISSION_INSTANCE_PATH or "
                              "COMMISSION_DATABASE_URL).", url=shown_url))


def _build(session: Session, documents: Path, seed: int, scale: int) -> DemoResult:
    from commission import demo

    result = demo.build_demo(session, DocumentStore(documents), seed=seed, scale=scale)
    audit.record(session, None, BUILT, "demo", seed,
                 {"seed": seed, "scale": scale, "applicants": result.applicants}, actor_name=DEMO_ACTOR)
    commit(session)
    return result


def _merge_documents(built: Path, store: Path) -> None:
    """Move the build's documents into the store (the same file system: the build's folder is inside the
    instance folder). A file already there is the same file: it is named by its content."""
    for path in sorted(built.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            target = store / path.relative_to(built)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)


def install_demo(database_url: str, instance_path: Path, *, seed: int = 2026, scale: int = 1) -> DemoResult:
    """Build a demo and put it in place of the instance's database (see the module)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    for leftover in instance_path.glob(f"{_TEMPORARY}documents-*"):  # a build killed before it could clean up
        shutil.rmtree(leftover, ignore_errors=True)
    url = make_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and url.database in (None, "", ":memory:"):
        raise DemoRefused(msg("The demo needs a database that outlives the command: a SQLite file or PostgreSQL, "
                              "not %(url)s.", url=url.render_as_string(hide_password=True)))
    with _documents_folder(instance_path) as documents:
        if sqlite:
            assert url.database is not None
            return _install_sqlite(database_url, Path(url.database), documents, seed, scale,
                                   instance_path / "documents")
        return _install_in_one_transaction(database_url, documents, seed, scale, instance_path / "documents")


@contextmanager
def _documents_folder(instance_path: Path) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(dir=instance_path, prefix=f"{_TEMPORARY}documents-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sqlite_files(database: Path) -> list[Path]:
    return [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]


def _kind_of_file(database: Path) -> DatabaseKind:
    """What the previous database file holds, read without writing to it (not even its journal mode)."""
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True))
    try:
        with engine.connect() as connection:
            return database_kind(connection)
    except DBAPIError:
        raise DemoRefused(msg("%(path)s is not a database the demo can read: it does not replace it.",
                              path=str(database))) from None
    finally:
        engine.dispose()


def _install_sqlite(database_url: str, database: Path, documents: Path, seed: int, scale: int,
                    store: Path) -> DemoResult:
    database = database.absolute()
    database.parent.mkdir(parents=True, exist_ok=True)
    for leftover in database.parent.glob(f".{database.name}{_TEMPORARY}*"):
        leftover.unlink(missing_ok=True)
    if database.exists():
        _refuse_other(_kind_of_file(database),
                      make_url(database_url).render_as_string(hide_password=True))
    descriptor, name = tempfile.mkstemp(dir=database.parent, prefix=f".{database.name}{_TEMPORARY}")
    os.close(descriptor)
    building = Path(name)
    try:
        engine = make_engine(make_url(database_url).set(database=str(building)).render_as_string(
            hide_password=False))
        try:
            migrate.upgrade(engine)
            with make_session_factory(engine)() as session:
                result = _build(session, documents, seed, scale)
        finally:
            engine.dispose()
        _self_contained(building)
        _merge_documents(documents, store)
        if database.exists():
            _empty_journal(database)
        os.replace(building, database)
        for stale in _sqlite_files(database)[1:]:
            stale.unlink(missing_ok=True)
    finally:
        for path in _sqlite_files(building):
            path.unlink(missing_ok=True)
    return result


def _empty_journal(database: Path) -> None:
    """Empty the previous database's write-ahead log into its file, so that nothing of it is left to replay
    onto the new file between its arrival and the log's removal. At best: a server still open on it may hold
    it, and the log is removed just after."""
    try:
        connection = sqlite3.connect(database, timeout=1)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    except sqlite3.Error:
        pass


def _self_contained(database: Path) -> None:
    """Checkpoint the write-ahead log into the file and leave it in rollback-journal mode, so that the file
    alone is the database (the next connection turns WAL on again), then sync it to disk."""
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()
    with open(database, "rb") as handle:
        os.fsync(handle.fileno())


def _install_in_one_transaction(database_url: str, documents: Path, seed: int, scale: int,
                                store: Path) -> DemoResult:
    from alembic import command

    engine: Engine = make_engine(database_url)
    try:
        with engine.connect() as connection, connection.begin():
            _refuse_other(database_kind(connection), engine.url.render_as_string(hide_password=True))
            config = migrate.alembic_config(engine)
            config.attributes["connection"] = connection
            if inspect(connection).has_table("alembic_version"):
                command.downgrade(config, "base")
            command.upgrade(config, "head")
            # The build's own commits become savepoints of the one transaction.
            with Session(bind=connection, join_transaction_mode="create_savepoint",
                         expire_on_commit=False) as session:
                result = _build(session, documents, seed, scale)
            _merge_documents(documents, store)  # before the commit: the database never names a missing file
    finally:
        engine.dispose()
    return result
