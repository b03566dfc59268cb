"""The demo databases the scale benchmarks serve: ``commission demo`` at scale 1 and at a larger scale, on
SQLite, and the same data copied into PostgreSQL.

A demo is built once, as an operator builds it (``commission demo --no-serve --scale N``, a process of its
own), and kept in ``benchmarks/.cache/`` under a fingerprint of what shapes it (the code, migrations and
templates, the seed, the scale, the day); later runs reuse it. Every run serves a copy, so a benchmark that
writes (the load test) never changes the cache.

PostgreSQL gets the very same rows: the schema is migrated in a database of the benchmark's own, then
every table is copied from the SQLite build in one transaction (triggers and foreign keys held while
the rows go in, sequences set after). So both backends are measured on identical data, and the large
demo is built once rather than twice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from sqlalchemy import Integer, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from commission import migrate
from commission.db import Base, make_engine
from tests.demo_cache import ROOT, command, environment, fingerprint

CACHE = ROOT / "benchmarks" / ".cache"
POSTGRES_URL = os.environ.get("COMMISSION_BENCH_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SEED = 2026


@dataclass(frozen=True)
class Demo:
    scale: int
    instance: Path  # the SQLite build's instance folder (database and documents): copy it, never write
    build_s: float  # how long the build took (0 when it came from the cache... see ``built_now``)
    built_now: bool
    peak_mib: float

    @property
    def database(self) -> Path:
        return self.instance / "commission.sqlite"


def sqlite_demo(scale: int, progress: object = print, *, timed: bool = True) -> Demo:
    """The demo at ``scale``, built now or taken from the cache. ``timed=False``: any build of the same
    code will do, the test suite's own included (tests/demo_cache.py), its build time unknown."""
    if scale == 1 and not os.environ.get("COMMISSION_BENCH_REUSE"):
        from tests.demo_cache import sqlite_demo as tests_demo
        from tests.demo_cache import sqlite_timing

        # The test suite's own build of the same code is the same command at scale 1: untimed, any will do;
        # timed, one whose build was timed (tests/demo_cache.py times those it builds) is reported as cached.
        timing = sqlite_timing()
        if not timed or timing is not None:
            suite = tests_demo()
            assert suite.instance is not None
            timing = sqlite_timing()
            return Demo(1, suite.instance, timing.seconds if timing else 0.0, False, timing.peak_mib if timing else 0.0)
    CACHE.mkdir(parents=True, exist_ok=True)
    key = f"demo-s{scale}-{fingerprint(SEED)}"
    built = CACHE / key
    if os.environ.get("COMMISSION_BENCH_REUSE"):  # any earlier build of this scale, whatever the code since
        earlier = sorted((path for path in CACHE.glob(f"demo-s{scale}-*") if (path / "build.txt").is_file()),
                         key=lambda path: path.stat().st_mtime)
        if earlier:
            built, key = earlier[-1], earlier[-1].name
    with FileLock(str(CACHE / f"{key}.lock")):
        if (built / "build.txt").is_file():
            seconds, peak = (float(value) for value in (built / "build.txt").read_text().split())
            return Demo(scale, built / "instance", seconds, False, peak)
        for stale in CACHE.glob(f"demo-s{scale}-*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        instance = built / "instance"
        instance.mkdir(parents=True)
        progress(f"building the demo at scale {scale} (commission demo --no-serve --scale {scale})...")  # type: ignore[operator]
        started = time.perf_counter()
        timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").is_file() else []
        result = subprocess.run(
            [*timer, *command(), "demo", "--no-serve", "--seed", str(SEED), "--scale", str(scale)],
            cwd=built, stdin=subprocess.DEVNULL, env=environment(instance), capture_output=True, text=True,
            check=False)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"the demo at scale {scale} failed:\n{result.stdout}\n{result.stderr}")
        last = result.stderr.strip().splitlines()[-1] if timer else "0"
        peak = int(last) / 1024 if last.isdigit() else 0.0
        (built / "build.txt").write_text(f"{seconds:.1f} {peak:.1f}\n")
        return Demo(scale, instance, seconds, True, peak)


def copy_instance(demo: Demo, folder: Path) -> Path:
    """A copy of the demo's instance folder to serve (and write to)."""
    shutil.copytree(demo.instance, folder, dirs_exist_ok=True)
    return folder


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def postgres_available(url: str = POSTGRES_URL) -> bool:
    try:
        engine = create_engine(_admin_url(url))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def backends(asked: list[str] | None) -> list[str]:
    """The backends asked for (both by default), PostgreSQL left out, with a word, when it cannot be reached."""
    chosen = asked or ["sqlite", "postgresql"]
    if "postgresql" in chosen and not postgres_available():
        print("PostgreSQL is not reachable: measured on SQLite only", file=sys.stderr)
        chosen = [backend for backend in chosen if backend != "postgresql"]
    return chosen


def recreate_database(name: str, template: str | None = None, url: str = POSTGRES_URL) -> str:
    """An empty PostgreSQL database ``name`` (or a copy of ``template``); its URL."""
    admin = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname IN (:a, :b) AND pid <> pg_backend_pid()"), {"a": name, "b": template or name})
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def postgres_demo(demo: Demo, progress: object = print, url: str = POSTGRES_URL) -> str:
    """A PostgreSQL database holding the demo's rows (kept between runs under the same fingerprint); the
    caller serves a copy made with :func:`recreate_database` (``template=`` this one)."""
    name = f"bench_demo_s{demo.scale}"
    marker = demo.instance.parent / "postgres.txt"
    target = make_url(url).set(database=name).render_as_string(hide_password=False)
    if marker.is_file() and marker.read_text().strip() == name and _exists(name, url):
        return target
    progress(f"copying the demo at scale {demo.scale} into PostgreSQL ({name})...")  # type: ignore[operator]
    recreate_database(name, url=url)
    copy_rows(f"sqlite:///{demo.database}", target)
    marker.write_text(name + "\n")
    return target


def _exists(name: str, url: str) -> bool:
    admin = create_engine(_admin_url(url))
    with admin.connect() as connection:
        found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    admin.dispose()
    return found is not None


def copy_rows(source_url: str, target_url: str, chunk: int = 5_000) -> None:
    """Every row of every table, from a migrated database into an empty one of the same schema."""
    source, target = make_engine(source_url), make_engine(target_url)
    migrate.upgrade(target)
    tables = [table for table in Base.metadata.sorted_tables]
    present = {name: {column["name"] for column in inspect(source).get_columns(name)}
               for name in inspect(source).get_table_names()}
    with source.connect() as reading, target.begin() as writing:
        # Foreign keys (the tables' cycles) and the audit trail's append-only triggers are held while the
        # rows go in: they were checked when the rows were first written.
        writing.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            writing.execute(table.delete())
            columns = [column for column in table.columns if column.name in present.get(table.name, ())]
            if not columns:
                continue
            result = reading.execution_options(stream_results=True).execute(select(*columns))
            while rows := result.mappings().fetchmany(chunk):
                writing.execute(table.insert(), [dict(row) for row in rows])
        for table in tables:
            column = table.columns.get("id")
            if column is not None and isinstance(column.type, Integer) and column.autoincrement is not False:
                writing.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"))
    source.dispose()
    target.dispose()


if __name__ == "__main__":  # python -m benchmarks.demos 10: build (or find) the demo at scale 10
    built = sqlite_demo(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    print(built)
