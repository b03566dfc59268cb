"""Scenario databases: built once per run through the services, then copied for each test that uses one.

A *scenario* is data a user would have entered (the small council of ``conftest.World``, a hearing with
signed minutes, a housed person...), built by a function through the services. The first test that
asks for a scenario builds it into a database of its own (on top of the scenario it extends); every
test then gets a private copy of that database and of its documents folder, so that what one test
writes never reaches another:

- SQLite: the database file is copied (a few milliseconds; a migrated database is a few hundred kB);
- PostgreSQL: ``CREATE DATABASE ... TEMPLATE`` the scenario's database (about 40 ms, against 110 ms for
  emptying the 40 tables with ``TRUNCATE``), dropped once the test ends, in the background (``Dropper``).
  Each test having its own database, tests can also run side by side (pytest-xdist).

Scenarios are built lazily, so a test run that needs only some of them builds only those.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from sqlalchemy.util import LRUCache

from commission import migrate
from commission.db import make_engine, make_session_factory
from commission.services import accounts

Ids = dict[str, Any]
# build(session, instance folder, ids of the scenario it extends) -> ids of what it built (JSON values)
Builder = Callable[[Session, Path, Ids], Ids]

# Argon2id still, with small costs: the tests hash hundreds of passwords (conftest's fixture uses it too).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@dataclass(frozen=True)
class Scenario:
    """Data built once per run, then copied for each test that asks for it."""

    name: str
    build: Builder = field(compare=False, hash=False)
    extends: Scenario | None = None


@dataclass(frozen=True)
class Snapshot:
    """A built database: a SQLite file or a PostgreSQL database name; its documents; the ids built."""

    database: str
    instance: Path
    ids: Ids


@dataclass
class Restored:
    url: str
    ids: Ids


@contextmanager
def cheap_hashing() -> Iterator[None]:
    kept = accounts.hasher
    accounts.hasher = CHEAP_HASHER
    try:
        yield
    finally:
        accounts.hasher = kept


class Databases:
    """The run's migrated template, its scenarios, and the copies handed to the tests."""

    def __init__(self, root: Path, postgres_url: str | None) -> None:
        self.root = root
        self.postgres_url = postgres_url
        self._snapshots: dict[str, Snapshot] = {}
        self._counter = itertools.count(1)
        # Unique to this process: two runs (or two xdist workers) on one server never share a database.
        self._prefix = f"ct_{os.getpid()}_"
        self._admin_engine: Engine | None = None
        self._admin_connection: Connection | None = None
        self._dropper: Dropper | None = None
        if postgres_url:
            self._drop_leftovers()
        self._empty = self._migrated()

    # --- PostgreSQL administration -------------------------------------------------------------------
    @contextmanager
    def _admin(self) -> Iterator[Connection]:
        """A connection to the server's own test database, outside any transaction (CREATE and DROP
        DATABASE cannot run inside one): one for the process, kept open (each test creates and drops a
        database: connecting twice a test cost more than the statements)."""
        assert self.postgres_url
        if self._admin_connection is None or self._admin_connection.closed or self._admin_connection.invalidated:
            if self._admin_engine is None:
                self._admin_engine = make_engine(self.postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            self._admin_connection = self._admin_engine.connect()
        yield self._admin_connection

    def _pg_url(self, name: str) -> str:
        assert self.postgres_url
        return make_url(self.postgres_url).set(database=name).render_as_string(hide_password=False)

    def _drop_where(self, keep: Callable[[str], bool], pattern: str) -> None:
        with self._admin() as connection:
            names = connection.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
                                       {"pattern": pattern}).scalars()
            for name in [name for name in names if not keep(name)]:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _drop_leftovers(self) -> None:
        """Databases left by runs that were killed before their teardown (their process is gone)."""

        def alive(name: str) -> bool:
            pid = name.split("_")[1]
            return not pid.isdigit() or _alive(int(pid))

        self._drop_where(alive, "ct\\_%")

    def _create_database(self, name: str, template: str | None) -> None:
        clause = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
        with self._admin() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))

    def drop(self, url: str) -> None:
        """Drop a PostgreSQL copy handed to a test (nothing to do for a SQLite file: tmp_path goes), in the
        background (see ``Dropper``)."""
        if not self.postgres_url:
            return
        name = str(make_url(url).database)
        if self._dropper is None:
            self._dropper = Dropper(self.postgres_url)
        self._dropper.drop(name)

    # --- building -------------------------------------------------------------------------------------
    def _migrated(self) -> Snapshot:
        instance = self.root / "empty-instance"
        instance.mkdir(parents=True, exist_ok=True)
        if self.postgres_url:
            name = f"{self._prefix}empty"
            self._create_database(name, None)
            engine = make_engine(self._pg_url(name))
        else:
            name = str(self.root / "empty.sqlite")
            engine = make_engine(f"sqlite:///{name}")
        migrate.upgrade(engine)
        engine.dispose()  # on SQLite, the last connection to close checkpoints the WAL into the file
        return Snapshot(name, instance, {})

    def snapshot(self, scenario: Scenario | None) -> Snapshot:
        if scenario is None:
            return self._empty
        if scenario.name not in self._snapshots:
            self._snapshots[scenario.name] = self._build(scenario)
        return self._snapshots[scenario.name]

    def _build(self, scenario: Scenario) -> Snapshot:
        base = self.snapshot(scenario.extends)
        slug = f"s{len(self._snapshots) + 1}"
        instance = self.root / f"{slug}-instance"
        target = self._copy(base, slug, instance)
        engine = shared_statements(make_engine(target.url))
        try:
            with cheap_hashing(), make_session_factory(engine)() as session:
                ids = scenario.build(session, instance, dict(base.ids))
                session.commit()
        finally:
            engine.dispose()
        ids = {**base.ids, **ids}
        json.dumps(ids)  # the ids must be plain values: they outlive the session that built them
        return Snapshot(str(make_url(target.url).database), instance, ids)

    # --- copying --------------------------------------------------------------------------------------
    @staticmethod
    def _copy_documents(snapshot: Snapshot, instance: Path) -> None:
        if snapshot.instance.is_dir() and any(snapshot.instance.iterdir()):
            shutil.copytree(snapshot.instance, instance, dirs_exist_ok=True)
        else:
            instance.mkdir(parents=True, exist_ok=True)

    def _copy(self, snapshot: Snapshot, slug: str, instance: Path, folder: Path | None = None) -> Restored:
        self._copy_documents(snapshot, instance)
        if self.postgres_url:
            name = f"{self._prefix}{slug}"
            self._create_database(name, snapshot.database)
            return Restored(self._pg_url(name), dict(snapshot.ids))
        target = (folder or self.root) / f"{slug}.sqlite"
        shutil.copyfile(snapshot.database, target)
        return Restored(f"sqlite:///{target}", dict(snapshot.ids))

    def shared(self, scenario: Scenario | None, instance: Path) -> Restored:
        """The scenario's own database, for a test that rolls back all it writes; its documents copied."""
        snapshot = self.snapshot(scenario)
        self._copy_documents(snapshot, instance)
        url = self._pg_url(snapshot.database) if self.postgres_url else f"sqlite:///{snapshot.database}"
        return Restored(url, dict(snapshot.ids))

    def restore(self, scenario: Scenario | None, folder: Path, instance: Path) -> Restored:
        """A private copy of a scenario for one test: its database, and its documents in ``instance``."""
        snapshot = self.snapshot(scenario)
        return self._copy(snapshot, f"t{next(self._counter)}", instance, folder)

    def close(self) -> None:
        """Drop every database this process made: its scenarios' side by side too (see ``Dropper``), then
        whatever a drop that failed left."""
        if self.postgres_url:
            pattern = self._prefix.replace("_", "\\_") + "%"
            dropper = self._dropper or Dropper(self.postgres_url)
            with self._admin() as connection:
                names = connection.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
                                           {"pattern": pattern}).scalars().all()
            for name in names:
                dropper.drop(name)
            dropper.close()
            self._drop_where(lambda _name: False, pattern)
        if self._admin_connection is not None:
            self._admin_connection.close()
        if self._admin_engine is not None:
            self._admin_engine.dispose()


class Dropper:
    """Drops the tests' PostgreSQL copies in threads of their own while the next tests run.

    ``DROP DATABASE`` makes the server take a checkpoint, and waits for it (no write to the dropped files may
    be left pending): on a busy server, about a second, three times what creating the copy costs, that each
    test would wait for. Drops sent side by side share a checkpoint (the server takes one for all those
    waiting), hence several threads: with one, the drops fell behind the tests. Some twenty drops at most
    wait their turn (the disk they hold stays small); a drop that fails is left to ``Databases.close``,
    which drops whatever of the process's is left."""

    THREADS = 8
    WAITING = 24

    def __init__(self, postgres_url: str) -> None:
        self._url = postgres_url
        self._names: queue.Queue[str | None] = queue.Queue(maxsize=self.WAITING)
        self._threads = [threading.Thread(target=self._run, name="database drops", daemon=True)
                         for _ in range(self.THREADS)]
        for thread in self._threads:
            thread.start()

    def drop(self, name: str) -> None:
        self._names.put(name)

    def close(self) -> None:
        """Once every drop asked for is done."""
        for _thread in self._threads:
            self._names.put(None)
        for thread in self._threads:
            thread.join()

    def _run(self) -> None:
        engine = make_engine(self._url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        connection: Connection | None = None
        try:
            while (name := self._names.get()) is not None:
                try:
                    if connection is None or connection.invalidated:
                        connection = engine.connect()
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                except Exception:  # left for Databases.close (an error here would be lost with the thread)
                    if connection is not None:
                        connection.close()
                    connection = None
        finally:
            if connection is not None:
                connection.close()
            engine.dispose()


# The first test engine's dialect and the compiled-statement cache, per backend (see ``shared_statements``).
_statements: dict[str, tuple[Dialect, Any]] = {}
STATEMENTS_KEPT = 5_000


def shared_statements(engine: Engine) -> Engine:
    """The engine of a test's database, made to compile each statement once per run rather than once per test.

    SQLAlchemy keeps the SQL it compiles in a cache of each engine's, keyed by the engine's dialect. Each test
    has an engine of its own (a database of its own), so each compiled again every statement it ran: some
    40 % of a page test's time. The tests' engines are made alike (``make_engine`` with no options, one
    backend, one server): each takes the first one's dialect (initialised by its first connection: the
    server's version, what it supports) and cache. Its pool still connects through its own dialect, which
    sets its connections up the same way."""
    key = f"{engine.dialect.name}+{engine.dialect.driver}"
    if key not in _statements:
        with engine.connect():
            pass  # the dialect learns the server's version and features before it is shared
        # the whole suite's statements, not one test's: more than the 500 an engine keeps by default
        _statements[key] = (engine.dialect, LRUCache(STATEMENTS_KEPT))
    engine.dialect, engine._compiled_cache = _statements[key]
    return engine


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive all the same
    return True
