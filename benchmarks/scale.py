"""Every main page of every role, served as in production, at scale 1 and at a larger scale, on SQLite and
on PostgreSQL, against the floor of a bare page: the ratios the performance targets are set in.

    .venv/bin/python -m benchmarks.scale [--scale 10] [--rounds 15] [--backend sqlite --backend postgresql]

``commission demo`` is built at scale 1 and at ``--scale`` (benchmarks/demos.py: cached between runs;
PostgreSQL gets the same rows). Each of the four databases is served by its own waitress process
(benchmarks/server.py, ``commission serve``'s threads), in which every role is logged in once. Then, round
after round, every page of every role is asked for once from each server in turn, one request at a time
(interleaved, so the machine's load weighs on all alike), with the floor, ``/_benchmark/floor``, asked by
the same user on the same server each round.

The pages of a role: its menu (the policy says which pages each role's menu holds), and the records its
usual tasks open (a file, the hearing with the largest agenda, a place, a deposit), found in each database.
Two figures per page and backend:

- p95 at the large scale / p95 at scale 1 (target 1.5): a page shows a page of results, whatever the volume;
- p50 at the large scale / the floor's p50 there (target 5): what the page does above a bare page.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from benchmarks.client import Browser
from benchmarks.common import Figure, Size
from benchmarks.demos import (
    Demo,
    backends,
    copy_instance,
    postgres_demo,
    recreate_database,
    sqlite_demo,
)
from benchmarks.server import FLOOR_PATH
from commission.db import make_engine
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.hearings import AgendaItem, Hearing
from commission.models.housing import Place
from commission.models.treasury import Deposit
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag
from tests.demo_cache import ROOT

PASSWORD = "demo-commission"  # noqa: S105  (the demo's published password)
P95_RATIO_TARGET = 1.5
FLOOR_RATIO_TARGET = 5.0
# The accounts of the demo that the roles are measured as (the chair is the largest hearing's).
ACCOUNTS = {"coordinator": "coordination", "care_team": "soignant.ronchin", "member": "membre.unafam",
            "treasurer": "tresorerie", "landlord": "bailleur.hme", "data_protection": "protection.donnees"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    backend: str
    scale: int
    label: str  # "small" or "large": which of a pair
    port: int
    database_url: str
    instance: Path
    pages: dict[str, list[str]] = field(default_factory=dict)  # role -> paths
    logins: dict[str, str] = field(default_factory=dict)  # role -> the account measured
    followed: dict[str, list[int]] = field(default_factory=dict)  # care team login -> its followed files
    browsers: dict[str, Browser] = field(default_factory=dict)

    def browser(self, login: str) -> Browser:
        if login not in self.browsers:
            browser = Browser("127.0.0.1", self.port)
            browser.login(login, PASSWORD)
            self.browsers[login] = browser
        return self.browsers[login]


def _environment(database_url: str, instance: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMISSION_")}
    env.update({"COMMISSION_DATABASE_URL": database_url, "COMMISSION_INSTANCE_PATH": str(instance),
                "COMMISSION_ENV": "development", "COMMISSION_TWO_FACTOR": "optional",
                "COMMISSION_SECRET_KEY": secrets.token_hex(32), "PYTHONUNBUFFERED": "1",
                # COMMISSION_BENCH_CODE: serve another checkout's code (a "before" measurement), this harness
                "PYTHONPATH": os.environ.get("COMMISSION_BENCH_CODE", str(ROOT))})
    return env


@contextmanager
def serve(backend: str, demo: Demo, folder: Path, progress: object = print, label: str = "") -> Iterator[Server]:
    """A copy of the demo served by its own waitress process (a fresh copy: the server may write)."""
    label = label or f"s{demo.scale}"
    instance = copy_instance(demo, folder / f"{backend}-{label}")
    if backend == "sqlite":
        url = f"sqlite:///{instance / 'commission.sqlite'}"
    else:
        template = make_url(postgres_demo(demo, progress)).database
        url = recreate_database(f"bench_serve_{label}", template=template)
    port = free_port()
    log = (folder / f"{backend}-{label}.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.server", "--port", str(port)],
                               cwd=os.environ.get("COMMISSION_BENCH_CODE", str(ROOT)),
                               env=_environment(url, instance), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            probe = Browser("127.0.0.1", port, timeout=5)
            try:
                if probe.get("/login").status == 200:
                    break
            except OSError:
                pass
            finally:
                probe.close()
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: see {log.name}")
            time.sleep(0.3)
        server = Server(backend, demo.scale, label, port, url, instance)
        discover(server)
        yield server
    finally:
        for browser in server.browsers.values() if "server" in locals() else ():
            browser.close()
        process.terminate()
        process.wait(timeout=30)
        log.close()
        kept = Path(__file__).parent / "results" / Path(log.name).name  # the server's log, kept to read after
        kept.parent.mkdir(exist_ok=True)
        kept.write_bytes(Path(log.name).read_bytes())


def discover(server: Server) -> None:
    """The pages each role's usual tasks reach in this database: its menu, and the records it opens."""
    from commission.config import Settings
    from commission.web import create_app
    from commission.web.shell import navigation_for

    engine = make_engine(server.database_url)
    app = create_app(Settings(database_url=server.database_url, secret_key="discover",  # noqa: S106
                              instance_path=server.instance, environment="development",
                              two_factor_required=False), engine=engine)
    with engine.connect() as connection, app.test_request_context():
        from flask import url_for
        from sqlalchemy.orm import Session

        session = Session(bind=connection)
        users = {user.login: user for user in session.execute(select(User)).scalars()}
        largest = session.execute(
            select(AgendaItem.hearing_id).group_by(AgendaItem.hearing_id)
            .order_by(func.count().desc(), AgendaItem.hearing_id.desc()).limit(1)).scalar_one()
        hearing = session.get(Hearing, largest)
        assert hearing is not None and hearing.chair_id is not None
        chair = session.get(User, hearing.chair_id)
        assert chair is not None
        care = users[ACCOUNTS["care_team"]]
        followed = list(session.execute(
            select(Case.id).where(Case.care_team_id == care.care_team_id,
                                  Case.state.in_(CASE_MACHINE.tagged(Tag.FOLLOWED))).order_by(Case.id)).scalars())
        place = session.execute(select(Place.id).order_by(Place.id).limit(1)).scalar_one()
        deposit = session.execute(select(Deposit.id).order_by(Deposit.id.desc()).limit(1)).scalar_one()
        records = {
            "coordinator": [f"/cases/{followed[0]}", f"/hearings/{largest}", f"/places/{place}",
                            f"/treasury/deposits/{deposit}"],
            "care_team": [f"/cases/{followed[0]}", f"/cases/{followed[0]}/followup"],
            "chair": [f"/hearings/{largest}"],
            "member": [f"/hearings/{largest}"],
            "treasurer": [f"/treasury/deposits/{deposit}"],
        }
        logins = {**ACCOUNTS, "chair": chair.login}
        for role, login in logins.items():
            menu = [url_for(item.endpoint) for group in navigation_for(users[login]) for item in group.items]
            server.pages[role] = list(dict.fromkeys([*menu, *records.get(role, [])]))
            server.logins[role] = login
        server.followed[care.login] = followed
        session.close()
    engine.dispose()


@dataclass
class PageFigures:
    backend: str
    role: str
    path: str
    small_p50_ms: float
    small_p95_ms: float
    large_p50_ms: float
    large_p95_ms: float
    floor_p50_ms: float  # the floor on the large scale's server, same user

    @property
    def p95_ratio(self) -> float:
        return self.large_p95_ms / self.small_p95_ms

    @property
    def floor_ratio(self) -> float:
        return self.large_p50_ms / self.floor_p50_ms


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _path_key(server: Server, login: str, index: int) -> str:
    return server.pages[login][index]


def measure(pairs: list[tuple[Server, Server]], rounds: int, progress: object = print) -> list[PageFigures]:
    """``rounds`` interleaved rounds over every page of every role on every server."""
    times: dict[tuple[str, str, str, int], list[float]] = defaultdict(list)  # backend, label, role, page
    floors: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    servers = [server for pair in pairs for server in pair]
    for server in servers:  # every page once before the rounds: caches warm, logins done
        for role, paths in server.pages.items():
            for path in paths:
                answer = server.browser(server.logins[role]).get(path)
                if answer.status != 200:
                    raise RuntimeError(f"{role} {path} on {server.backend} s{server.scale}: {answer.status}")
    for number in range(rounds):
        progress(f"  round {number + 1}/{rounds}")  # type: ignore[operator]
        for small, large in pairs:
            for role in large.pages:
                for server in (small, large):
                    browser = server.browser(server.logins[role])
                    floors[server.backend, server.label, role].append(browser.get(FLOOR_PATH).seconds)
                    for index, path in enumerate(server.pages[role]):
                        answer = browser.get(path)
                        if answer.status != 200:
                            raise RuntimeError(f"{role} {path}: {answer.status}")
                        times[server.backend, server.label, role, index].append(answer.seconds)
    results = []
    for small, large in pairs:
        for role, paths in large.pages.items():
            for index, path in enumerate(paths):
                if index >= len(small.pages.get(role, [])):
                    continue
                small_times = times[small.backend, small.label, role, index]
                large_times = times[large.backend, large.label, role, index]
                floor = floors[large.backend, large.label, role]
                results.append(PageFigures(
                    large.backend, role, _generic(path), 1000 * statistics.median(small_times),
                    1000 * percentile(small_times, 0.95), 1000 * statistics.median(large_times),
                    1000 * percentile(large_times, 0.95), 1000 * statistics.median(floor)))
    return results


def _generic(path: str) -> str:
    """/cases/1234 -> /cases/<id>: the same page at both scales, whatever its record's id."""
    return "/".join("<id>" if part.isdigit() else part for part in path.split("/"))


def demos(large: int, progress: object = print) -> tuple[Demo, Demo]:
    return sqlite_demo(1, progress, timed=False), sqlite_demo(large, progress, timed=False)


def run(large: int, rounds: int, asked: list[str] | None = None,
        progress: object = print) -> tuple[list[PageFigures], tuple[Demo, Demo]]:
    small_demo, large_demo = demos(large, progress)
    with tempfile.TemporaryDirectory(prefix="commission-bench-") as folder, ExitStack() as stack:
        pairs = []
        for backend in backends(asked):
            pairs.append((stack.enter_context(serve(backend, small_demo, Path(folder), progress, "small")),
                          stack.enter_context(serve(backend, large_demo, Path(folder), progress, "large"))))
        return measure(pairs, rounds, progress), (small_demo, large_demo)


# The smallest size serves the scale-1 demo twice (the suite's own build): it checks the harness, not the growth.
SIZES = {Size.SMALLEST: {"large": 1, "rounds": 2, "asked": ["sqlite"]},
         Size.SMALL: {"large": 10, "rounds": 12, "asked": None},
         Size.FULL: {"large": 10, "rounds": 40, "asked": None}}
TARGETS = (f"every main page of every role, served by waitress, scale 10 over scale 1: p95 ratio <= "
           f"{P95_RATIO_TARGET}; p50 over a bare page's (same app, session, one indexed query) <= {FLOOR_RATIO_TARGET}")


def figures(size: Size, progress: object = print) -> list[Figure]:
    results, _demos = run(**SIZES[size], progress=progress)  # type: ignore[arg-type]
    return to_figures(results)


def to_figures(results: list[PageFigures]) -> list[Figure]:
    out = []
    for page in results:
        subject = f"{page.backend[:2]} {page.role} {page.path}"
        out.append(Figure("scale", subject, "p95 large/small", page.p95_ratio, P95_RATIO_TARGET,
                          detail=f"{page.small_p95_ms:.0f} -> {page.large_p95_ms:.0f} ms"))
        out.append(Figure("scale", subject, "p50 / floor", page.floor_ratio, FLOOR_RATIO_TARGET,
                          detail=f"{page.large_p50_ms:.0f} ms / {page.floor_p50_ms:.0f} ms"))
    return out


def main(argv: list[str] | None = None) -> int:
    from benchmarks.common import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    results, _demos = run(args.scale, args.rounds, args.backend,
                          progress=lambda line: print(line, file=sys.stderr, flush=True))
    found = to_figures(results)
    print(table(found))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "scale.json").write_text(json.dumps(
        [{**asdict(page), "p95_ratio": page.p95_ratio, "floor_ratio": page.floor_ratio} for page in results],
        indent=2) + "\n")
    return 0 if all(figure.met for figure in found) else 1


if __name__ == "__main__":
    sys.exit(main())
