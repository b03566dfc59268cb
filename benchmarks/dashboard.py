"""How the dashboard holds up with twenty times the demo's volume: its response time, as a ratio.

Run on demand (never in the test suite), from the project's folder, after the README's test command:

    .venv/bin/python -m benchmarks.dashboard [--scale 20] [--repeat 15]

Two demo databases are built in the same run, on the same machine (``commission demo``'s data, same
seed): the baseline at scale 1, then one at ``--scale`` (twenty by default; building it takes a good
ten minutes). The coordinator and a member of the housing sub-group then ask for the current year's
dashboard and the last full year's, each ``--repeat`` times after one warm-up request (the median
counts), three ways:

- *cold*: the figures kept and the charts drawn both forgotten before each request, so the figures are
  computed and the four charts drawn every time (what the first viewer of a new process waits for);
- *figures*: the figures forgotten, the charts kept: what the first viewer after a change of the data
  waits for (the figures computed again in their grouped queries; a chart is drawn again only if its
  own figures changed);
- *warm*: the figures kept (the data has not changed): what every other view costs.

Also counted: the database queries per request (cold and warm), which must not change with the volume.
The targets: the cold and the figures' times grow by less than ``TIME_RATIO_TARGET`` for twenty times the
data, the warm time by less than ``WARM_RATIO_TARGET``. The figures are written to
``benchmarks/results/dashboard.json``; the exit code is 1 when a target is missed.
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
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, event, func, select
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
from commission.services.dashboard import cache
from commission.storage import DocumentStore
from commission.web import create_app
from tests.conftest import World, login
from tests.demo_cache import sqlite_demo
from tests.web.test_dashboard_pages import grow_activity

DEMO_LOGINS, DEMO_PASSWORD = ("coordination", "membre.unafam"), "demo-commission"  # the demo's published accounts
TIME_RATIO_TARGET = 5.0  # cold and figures, scale N over scale 1; the queries group in SQL, charts do not grow
WARM_RATIO_TARGET = 1.5  # the figures kept: one query, whatever the volume


@dataclass
class Measure:
    scale: int
    login: str
    path: str
    applicants: int
    case_steps: int
    build_s: float
    queries: int  # cold
    warm_queries: int
    cold_ms: float
    figures_ms: float
    warm_ms: float


def _median_ms(client: FlaskClient, path: str, repeat: int, *, forget: tuple[str, ...] = ()) -> float:
    times = []
    for _ in range(repeat):
        if "figures" in forget:
            cache.forget()
        if "charts" in forget:
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
    year = clock.today().year
    results = []
    for login_name in DEMO_LOGINS:
        client = app.test_client()
        login(client, login_name, DEMO_PASSWORD)
        for path in (f"/dashboard/{year}", f"/dashboard/{year - 1}"):
            assert client.get(path).status_code == 200, path  # warm-up: templates, fonts, the font cache
            counted = [_queries(engine, client, path, forget) for forget in (("figures", "charts"), ())]
            results.append(Measure(
                scale, login_name, path, applicants, steps, built, counted[0], counted[1],
                _median_ms(client, path, repeat, forget=("figures", "charts")),
                _median_ms(client, path, repeat, forget=("figures",)), _median_ms(client, path, repeat)))
    engine.dispose()
    return results


def _queries(engine: Engine, client: FlaskClient, path: str, forget: tuple[str, ...]) -> int:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    if "figures" in forget:
        cache.forget()
    if "charts" in forget:
        charts._bar_chart.cache_clear()
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


# The baseline is the demo at scale 1; the large database is the demo at ``scale`` with ``grown``
# synthetic housed people added; each page is timed ``repeat`` times.
SIZES = {Size.SMALLEST: {"scale": 1, "grown": 100, "repeat": 1},
         Size.SMALL: {"scale": 1, "grown": 2_000, "repeat": 5},
         Size.FULL: {"scale": 20, "grown": 0, "repeat": 15}}
TARGETS = (f"the dashboard (coordinator, member) with more data (demo x20 in full): time ratio <= {TIME_RATIO_TARGET} "
           f"cold (figures computed, charts drawn) and with the figures computed again, <= {WARM_RATIO_TARGET} "
           f"with the figures kept; the same number of queries")


def figures(size: Size) -> list[Figure]:
    sizes = SIZES[size]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        small = measure(1, 0, sizes["repeat"], folder)
        large = measure(sizes["scale"], sizes["grown"], sizes["repeat"], folder)
    out = []
    for base, big in zip(small, large, strict=True):
        subject = f"{base.path} {base.login} ({base.applicants} -> {big.applicants} files)"
        for measure_name, low, high, target in (("cold time ratio", base.cold_ms, big.cold_ms, TIME_RATIO_TARGET),
                                                ("figures time ratio", base.figures_ms, big.figures_ms,
                                                 TIME_RATIO_TARGET),
                                                ("warm time ratio", base.warm_ms, big.warm_ms, WARM_RATIO_TARGET)):
            out.append(Figure("dashboard", subject, measure_name, high / low, target,
                              detail=f"{low:.0f} -> {high:.0f} ms"))
        out.append(Figure("dashboard", subject, "extra queries",
                          max(big.queries - base.queries, big.warm_queries - base.warm_queries), 0, Kind.COUNT,
                          detail=f"cold {base.queries} -> {big.queries}, warm {base.warm_queries} -> "
                                 f"{big.warm_queries} queries"))
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
    print(f"{'scale':>5} {'login':14} {'page':16} {'files':>6} {'steps':>7} {'build s':>8} {'queries':>7} "
          f"{'cold ms':>8} {'figures':>8} {'warm ms':>8}")
    for m in (*small, *large):
        print(f"{m.scale:5} {m.login:14} {m.path:16} {m.applicants:6} {m.case_steps:7} {m.build_s:8.0f} "
              f"{m.queries:3}/{m.warm_queries:<3} {m.cold_ms:8.1f} {m.figures_ms:8.1f} {m.warm_ms:8.1f}")
    ratios: list[dict[str, Any]] = [
        {"login": base.login, "path": base.path, "cold_ratio": big.cold_ms / base.cold_ms,
         "figures_ratio": big.figures_ms / base.figures_ms, "warm_ratio": big.warm_ms / base.warm_ms,
         "queries_equal": (big.queries, big.warm_queries) == (base.queries, base.warm_queries)}
        for base, big in zip(small, large, strict=True)]
    missed = [f"{row['path']} ({row['login']})" for row in ratios
              if row["cold_ratio"] > TIME_RATIO_TARGET or row["figures_ratio"] > TIME_RATIO_TARGET
              or row["warm_ratio"] > WARM_RATIO_TARGET or not row["queries_equal"]]
    print()
    for row in ratios:
        print(f"{row['path']} ({row['login']}): cold ratio {row['cold_ratio']:.2f}, figures ratio "
              f"{row['figures_ratio']:.2f}, warm ratio {row['warm_ratio']:.2f}, same number of queries: "
              f"{row['queries_equal']}")
    print(f"target: cold and figures ratios <= {TIME_RATIO_TARGET}, warm ratio <= {WARM_RATIO_TARGET}, the same "
          f"queries: {'met' if not missed else 'MISSED on ' + ', '.join(missed)}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "dashboard.json").write_text(json.dumps({
        "scale": args.scale, "repeat": args.repeat,
        "target": {"cold_time_ratio": TIME_RATIO_TARGET, "warm_time_ratio": WARM_RATIO_TARGET},
        "measures": [asdict(m) for m in (*small, *large)], "ratios": ratios, "missed": missed,
    }, indent=2) + "\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
