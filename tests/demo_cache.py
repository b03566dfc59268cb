"""One demo database per run, shared by the browser tests and the command-line tests.

``commission demo --no-serve`` is run once, as an operator runs it (the installed command, in a
process of its own). On SQLite its database, documents and printed output are kept in a cache folder
under a fingerprint of everything that shapes them: the code (the demo is built through the
services), the migrations, the templates (signed minutes are rendered), the seed, the day it is built
for, and the version of Faker that invents its people. A later run with the same fingerprint reuses
it; a lock makes two pytest-xdist workers wait for one build rather than run two. The browser tests
serve a copy, so the cache is never written to.

On PostgreSQL the demo is built once per run into a database of the run's own: only the command-line
test uses it there (the browser tests always run against SQLite, in the SQLite pass).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from filelock import FileLock

from commission import clock

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


def _run_demo(instance: Path, **settings: str) -> str:
    """``commission demo --no-serve``; waits as long as the build goes on (its time grows with the machine's
    load, so no fixed limit), and fails with what it printed if it fails."""
    instance.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [*command(), "demo", "--no-serve", "--seed", str(SEED)], cwd=instance.parent, stdin=subprocess.DEVNULL,
        env=environment(instance, **settings), capture_output=True, text=True, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"`commission demo --no-serve` ended with {result.returncode}:\n{output}"
    return output


def cache_folder() -> Path:
    base = os.environ.get("COMMISSION_TEST_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "commission-tests"


def sqlite_demo() -> DemoBuild:
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    key = fingerprint()
    built = folder / f"demo-{key}"
    with FileLock(str(folder / f"demo-{key}.lock")):
        if not (built / "output.txt").is_file():
            shutil.rmtree(built, ignore_errors=True)
            output = _run_demo(built / "instance")
            (built / "output.txt").write_text(output, encoding="utf-8")  # written last: the build is complete
            for stale in folder.glob("demo-*"):  # earlier fingerprints: the code has changed since
                if stale.is_dir() and stale != built:
                    shutil.rmtree(stale, ignore_errors=True)
    instance = built / "instance"
    return DemoBuild(f"sqlite:///{instance / 'commission.sqlite'}", instance, (built / "output.txt").read_text("utf-8"))


def postgres_demo(database_url: str, folder: Path) -> DemoBuild:
    output = _run_demo(folder / "instance", COMMISSION_DATABASE_URL=database_url)
    return DemoBuild(database_url, None, output)


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
