"""How the dashboard holds up with twenty times the demo's volume: its response time, as a ratio.

Run on demand (never in the test suite), from the project's folder, after the README's test command:

    .venv/bin/python -m benchmarks.dashboard [--scale 20] [--repeat 15]

Two demo databases are built in the same run, on the same machine (``commission demo``'s data, same
seed): the baseline at scale 1, then one at ``--scale`` (twenty by default; building it takes a good
ten minutes). The coordinator then asks for the current year's dashboard and the last full year's,
each ``--repeat`` times after one warm-up request (the median counts), two ways:

- *cold*: the chart cache emptied before each request, so the figures are computed and the four charts
  drawn every time (what the first viewer after a change of the data waits for);
- *warm*: charts cached (the same figures, the same language): what every later view costs.

Also counted: the database queries per request, which must not change with the volume. The target:
the cold time grows by less than ``TIME_RATIO_TARGET`` for twenty times the data. The figures are
written to ``benchmarks/results/dashboard.json``; the exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from benchmarks.common import Figure, Kind, Size
from commission import clock, migrate
from commission.config import Settings
from commission.db import make_engine, make_session_factory
from commission.demo import build_demo
from commission.documents import charts
from commission.models import (
    Applicant,
    CareTeam,
    CaseTransition,
    Organisation,
    OrganisationKind,
    Place,
    Town,
    User,
)
from commission.storage import DocumentStore
from commission.web import create_app
from tests.conftest import World, login
from tests.demo_cache import sqlite_demo
from tests.web.test_dashboard_pages import grow_activity

DEMO_LOGIN, DEMO_PASSWORD = "coordination", "demo-commission"  # the demo's published account
TIME_RATIO_TARGET = 5.0  # cold, scale N over scale 1; the queries aggregate in SQL, charts do not grow


@dataclass
class Measure:
    scale: int
    path: str
    applicants: int
    case_steps: int
    build_s: float
    queries: int
    cold_ms: float
    warm_ms: float


def _median_ms(client: FlaskClient, path: str, repeat: int, *, cold: bool) -> float:
    times = []
    for _ in range(repeat):
        if cold:
            charts._bar_chart.cache_clear()
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return statistics.median(times)


def _demo_world(session: Session) -> World:
    """The demo's records in the shape the test suite's volume helpers take (a town, two teams...)."""
    towns = {town.name: town for town in session.execute(select(Town)).scalars()}
    teams = list(session.execute(select(CareTeam).order_by(CareTeam.id)).scalars())
    landlords = list(session.execute(select(Organisation).where(Organisation.kind == OrganisationKind.LANDLORD)
                                     .order_by(Organisation.id)).scalars())
    places = list(session.execute(select(Place).order_by(Place.id).limit(2)).scalars())
    users = {user.login: user for user in session.execute(select(User)).scalars()}
    return World(towns, teams[0], teams[1], landlords[0], landlords[1], places[0], places[1], users)


def build(scale: int, grown: int, folder: Path) -> tuple[str, float]:
    """A demo database: at scale 1 a copy of the test suite's cached demo (built once per code change),
    grown by ``grown`` synthetic housed people with their steps, deposits and ledger entries; at a larger
    scale built here with ``build_demo`` (scale 20: a good ten minutes)."""
    name = f"demo-{scale}-{grown}"
    started = time.perf_counter()
    if scale == 1:
        path = sqlite_demo().copy_to(folder / name)
        url = f"sqlite:///{path}"
    else:
        url = f"sqlite:///{folder / name}.sqlite"
        engine = make_engine(url)
        migrate.upgrade(engine)
        with make_session_factory(engine)() as session:
            build_demo(session, DocumentStore(folder / f"documents-{name}"), scale=scale)
        engine.dispose()
    if grown:
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            grow_activity(session, _demo_world(session), grown, "b")
        engine.dispose()
    return url, time.perf_counter() - started


def measure(scale: int, grown: int, repeat: int, folder: Path) -> list[Measure]:
    url, built = build(scale, grown, folder)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        applicants = session.execute(select(func.count(Applicant.id))).scalar_one()
        steps = session.execute(select(func.count(CaseTransition.id))).scalar_one()
    # The demo's published account logs in with its password: the benchmark measures the dashboard, not
    # the two-factor step (a deployment's default).
    settings = Settings(database_url=url, secret_key="benchmark",  # noqa: S106
                        instance_path=folder / f"instance-{scale}-{grown}", environment="development",
                        two_factor_required=False)
    app = create_app(settings, engine=engine, testing=True)
    client = app.test_client()
    login(client, DEMO_LOGIN, DEMO_PASSWORD)
    year = clock.today().year
    results = []
    for path in (f"/dashboard/{year}", f"/dashboard/{year - 1}"):
        assert client.get(path).status_code == 200, path  # warm-up: templates, fonts, the font cache
        statements: list[str] = []

        def count(*args: object, _statements: list[str] = statements) -> None:
            _statements.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        client.get(path)
        event.remove(engine, "before_cursor_execute", count)
        results.append(Measure(scale, path, applicants, steps, built, len(statements),
                               _median_ms(client, path, repeat, cold=True),
                               _median_ms(client, path, repeat, cold=False)))
    engine.dispose()
    return results


# The baseline is the demo at scale 1; the large database is the demo at ``scale`` with ``grown``
# synthetic housed people added; each page is timed ``repeat`` times.
SIZES = {Size.SMALLEST: {"scale": 1, "grown": 100, "repeat": 1},
         Size.SMALL: {"scale": 1, "grown": 2_000, "repeat": 5},
         Size.FULL: {"scale": 20, "grown": 0, "repeat": 15}}
TARGETS = (f"the dashboard, cold (charts redrawn), with more data (demo x20 in full): time ratio <= "
           f"{TIME_RATIO_TARGET}; the same number of queries")


def figures(size: Size) -> list[Figure]:
    sizes = SIZES[size]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        small = measure(1, 0, sizes["repeat"], folder)
        large = measure(sizes["scale"], sizes["grown"], sizes["repeat"], folder)
    out = []
    for base, big in zip(small, large, strict=True):
        subject = f"{base.path} ({base.applicants} -> {big.applicants} files)"
        out.append(Figure("dashboard", subject, "cold time ratio", big.cold_ms / base.cold_ms, TIME_RATIO_TARGET,
                          detail=f"{base.cold_ms:.0f} -> {big.cold_ms:.0f} ms (warm {base.warm_ms:.0f} -> "
                                 f"{big.warm_ms:.0f} ms)"))
        out.append(Figure("dashboard", subject, "extra queries", big.queries - base.queries, 0, Kind.COUNT,
                          detail=f"{base.queries} -> {big.queries} queries"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    if args.scale <= 1:
        parser.error("--scale must be above 1 (scale 1 is the baseline)")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        small, large = measure(1, 0, args.repeat, folder), measure(args.scale, 0, args.repeat, folder)
    print(f"{'scale':>5} {'page':18} {'files':>6} {'steps':>7} {'build s':>8} {'queries':>7} {'cold ms':>8} "
          f"{'warm ms':>8}")
    for m in (*small, *large):
        print(f"{m.scale:5} {m.path:18} {m.applicants:6} {m.case_steps:7} {m.build_s:8.0f} {m.queries:7} "
              f"{m.cold_ms:8.1f} {m.warm_ms:8.1f}")
    ratios = [{"path": base.path, "cold_ratio": big.cold_ms / base.cold_ms, "warm_ratio": big.warm_ms / base.warm_ms,
               "queries_equal": big.queries == base.queries} for base, big in zip(small, large, strict=True)]
    missed = [row["path"] for row in ratios if row["cold_ratio"] > TIME_RATIO_TARGET or not row["queries_equal"]]
    print()
    for row in ratios:
        print(f"{row['path']}: cold ratio {row['cold_ratio']:.2f}, warm ratio {row['warm_ratio']:.2f}, "
              f"same number of queries: {row['queries_equal']}")
    print(f"target: cold ratio <= {TIME_RATIO_TARGET} and the same queries: "
          f"{'met' if not missed else 'MISSED on ' + ', '.join(str(path) for path in missed)}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "dashboard.json").write_text(json.dumps({
        "scale": args.scale, "repeat": args.repeat, "target": {"cold_time_ratio": TIME_RATIO_TARGET},
        "measures": [asdict(m) for m in (*small, *large)], "ratios": ratios, "missed": missed,
    }, indent=2) + "\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
