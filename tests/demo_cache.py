"""One demo database per run, shared by the browser tests and the command-line tests.

``commission demo --no-serve`` is run once, as an operator runs it (the installed command, in a
process of its own). On SQLite its database, documents and printed output are kept in a cache folder
under a fingerprint of everything that shapes them: the code (the demo is built through the
services), the migrations, the templates (signed minutes are rendered), the seed, the day it is built
for, and the version of Faker that invents its people. A later run with the same fingerprint reuses
it; a lock makes two pytest-xdist workers wait for one build rather than run two. The browser tests
serve a copy, so the cache is never written to.

On PostgreSQL the demo is built once per run, the same way, into a database of the run's own shared by
its pytest-xdist workers (a lock again): the command-line test and tests/test_demo.py read it there (the
browser tests always run against SQLite, in the SQLite pass).

Either build takes a minute or two: :func:`start` begins it in the background as soon as a worker knows
that some test of its will need it (tests/conftest.py, which also runs those tests last), so that the
workers go on with the other tests meanwhile instead of waiting for it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from filelock import FileLock
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from commission import clock
from commission.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
SEED = 2026
# Sources that decide what the demo holds.
SOURCES = ("commission", "migrations", "templates")


@dataclass(frozen=True)
class DemoBuild:
    """A built demo: where its database and instance folder are, what the command printed."""

    database_url: str
    instance: Path | None  # SQLite: the instance folder (database file and documents); None on PostgreSQL
    output: str

    def copy_to(self, instance: Path) -> Path:
        """A copy of a SQLite demo's instance folder (database and documents), to serve or change."""
        assert self.instance is not None, "only a SQLite demo is copied"
        shutil.copytree(self.instance, instance, dirs_exist_ok=True)
        return instance / "commission.sqlite"


def command() -> list[str]:
    script = Path(sys.executable).parent / "commission"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from commission.cli import main; main()"]


def environment(instance: Path, **settings: str) -> dict[str, str]:
    """The caller's environment without its COMMISSION_* settings, plus those given."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMISSION_")}
    env["COMMISSION_INSTANCE_PATH"] = str(instance)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


def fingerprint(seed: int = SEED) -> str:
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    digest.update(f"seed={seed};day={clock.today().isoformat()};faker={version('faker')}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Timing:
    """How long a demo build took and its peak resident memory: benchmarks/demo_build.py reports the
    suite's own build at its smallest size (the same command at scale 1) rather than building it again."""

    seconds: float
    peak_mib: float

    def write(self, path: Path) -> None:
        path.write_text(f"{self.seconds:.1f} {self.peak_mib:.1f}\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Timing | None:
        if not path.is_file():
            return None
        seconds, peak = (float(value) for value in path.read_text(encoding="utf-8").split())
        return cls(seconds, peak)


def _run_demo(instance: Path, **settings: str) -> tuple[str, Timing]:
    """``commission demo --no-serve``; waits as long as the build goes on (its time grows with the machine's
    load, so no fixed limit), and fails with what it printed if it fails. Its output, its time and peak memory
    (the process's own, from the kernel's accounting of it)."""
    instance.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [*command(), "demo", "--no-serve", "--seed", str(SEED)], cwd=instance.parent, stdin=subprocess.DEVNULL,
            env=environment(instance, **settings), stdout=stdout, stderr=stderr,
        )
        _running.add(process)
        try:
            _pid, status, usage = os.wait4(process.pid, 0)  # waited for here, to read its own peak memory
            process.returncode = os.waitstatus_to_exitcode(status)
        finally:
            _running.discard(process)
        seconds = time.perf_counter() - started
        printed = []
        for stream in (stdout, stderr):
            stream.seek(0)
            printed.append(stream.read().decode("utf-8", "replace"))
    output = "".join(printed)
    assert process.returncode == 0, f"`commission demo --no-serve` ended with {process.returncode}:\n{output}"
    return output, Timing(seconds, usage.ru_maxrss / 1024)  # ru_maxrss: KiB on Linux


_running: set[subprocess.Popen[str]] = set()  # the builds under way in this process (stop_builds ends them)


def cache_folder() -> Path:
    base = os.environ.get("COMMISSION_TEST_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "commission-tests"


# The fingerprint of a run, taken once at its start (tests/conftest.py) and inherited by its pytest-xdist
# workers: a source edited while the suite runs does not send a worker to another build than its neighbour's.
RUN_KEY = "COMMISSION_TEST_DEMO_KEY"
STALE_AFTER_S = 3600  # another fingerprint's build, unused that long, is removed (another run may still read it)


def run_key() -> str:
    return os.environ.get(RUN_KEY) or fingerprint()


def _remove_stale(folder: Path, built: Path) -> None:
    """Builds of earlier fingerprints (the code has changed since), once no run can still be reading them."""
    for stale in folder.glob("demo-*"):
        if stale.is_dir() and stale != built and time.time() - stale.stat().st_mtime > STALE_AFTER_S:
            shutil.rmtree(stale, ignore_errors=True)
            (folder / f"{stale.name}.lock").unlink(missing_ok=True)


TIMING = "build.txt"  # beside a SQLite build: its Timing


def sqlite_timing() -> Timing | None:
    """The time and peak memory of this run's SQLite demo build, if it was built by a run that recorded them."""
    return Timing.read(cache_folder() / f"demo-{run_key()}" / TIMING)


def sqlite_demo() -> DemoBuild:
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    key = run_key()
    built = folder / f"demo-{key}"
    with FileLock(str(folder / f"demo-{key}.lock")):
        if not (built / "output.txt").is_file():
            shutil.rmtree(built, ignore_errors=True)
            output, timing = _run_demo(built / "instance")
            timing.write(built / TIMING)
            (built / "output.txt").write_text(output, encoding="utf-8")  # written last: the build is complete
        _remove_stale(folder, built)
        os.utime(built)  # in use: kept from the other runs' removal for the next hour
    instance = built / "instance"
    return DemoBuild(f"sqlite:///{instance / 'commission.sqlite'}", instance, (built / "output.txt").read_text("utf-8"))


def run_owner() -> int:
    """The process whose run this is: the pytest-xdist controller for a worker (its parent), else this one."""
    return os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()


def postgres_demo_name(owner: int | None = None) -> str:
    """The run's demo database: named like tests/databases.py's (``ct_<pid>_``), after the process that owns
    the run, so that a run killed before its end has it dropped by the next (see ``Databases``)."""
    return f"ct_{owner or run_owner()}_demo"


def _admin(postgres_url: str, statement: str) -> None:
    """One statement on the server's test database, outside any transaction (as tests/databases.py does)."""
    engine = make_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def postgres_demo(postgres_url: str, folder: Path) -> DemoBuild:
    """The demo built on PostgreSQL once per run: ``folder`` is shared by the run's workers (the first builds,
    the others wait for it and read what it printed)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = postgres_demo_name()
    database_url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    printed = folder / f"{name}.txt"
    with FileLock(str(folder / f"{name}.lock")):
        if not printed.is_file():
            _admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _admin(postgres_url, f'CREATE DATABASE "{name}"')
            output, _timing = _run_demo(folder / f"{name}-instance", COMMISSION_DATABASE_URL=database_url)
            printed.write_text(output, encoding="utf-8")  # written last: the build is complete
    return DemoBuild(database_url, None, printed.read_text("utf-8"))


def drop_postgres_demo(postgres_url: str) -> None:
    """At the end of the run, in the process that owns it."""
    _admin(postgres_url, f'DROP DATABASE IF EXISTS "{postgres_demo_name(os.getpid())}" WITH (FORCE)')


class Background:
    """A build begun in a thread of its own, waited for by the first test that needs it."""

    def __init__(self, build: Callable[[], DemoBuild]) -> None:
        self._build = build
        self._result: DemoBuild | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo build", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._build()
        except BaseException as error:  # kept for the test that waits (an error in a thread would be lost)
            self._error = error

    def result(self) -> DemoBuild:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


_background: list[Background] = []


def start(build: Callable[[], DemoBuild]) -> None:
    """Begin the build in the background (once per process)."""
    if not _background:
        _background.append(Background(build))


def built(build: Callable[[], DemoBuild]) -> DemoBuild:
    """The build begun by :func:`start`, waited for; else built now."""
    return _background[0].result() if _background else build()


def stop_builds() -> None:
    """End the builds still under way (the run stopped early): their half-built demo is never used."""
    for process in list(_running):
        process.kill()


def parse_accounts(output: str) -> list[tuple[str, str, str]]:
    """The accounts the demo printed: (role, login, password)."""
    lines = output.splitlines()
    header = "demo accounts (role, login, password):"
    assert header in lines, f"the demo did not print its accounts:\n{output}"
    accounts = []
    for line in lines[lines.index(header) + 1:]:
        if not line.startswith("  "):
            break
        role, login, password = line.split()
        accounts.append((role, login, password))
    assert accounts, f"the demo printed no account:\n{output}"
    return accounts
