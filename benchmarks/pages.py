"""How the listing pages hold up as the data grows: time and memory per request, as ratios.

Run on demand (never in the test suite), from the project's folder, after the README's test command:

    .venv/bin/python -m benchmarks.pages [--small 100] [--large 10000] [--repeat 15]

Each page is requested by a logged-in coordinator (and the care team's pages by a care-team member)
first with ``--small`` files, places and accounts in the database (the baseline), then with
``--large``, in the same run, on the same machine. What is compared is the ratio large / small of the
median time and of the peak memory allocated per request: pages show a page of results and count the
rest in the database, so the targets are ratios close to 1, whatever the machine's speed. The figures
are written to ``benchmarks/results/pages.json``; the exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import asdict, dataclass
from pathlib import Path

from flask.testing import FlaskClient

from benchmarks.common import Figure, Size
from commission import migrate
from commission.config import Settings
from commission.db import make_engine, make_session_factory
from commission.web import create_app
from tests.conftest import build_world, login
from tests.volume import grow

PAGES = {
    "coordinator": ["/", "/cases", "/places", "/reference", "/admin/users", "/admin/audit"],
    "care_a": ["/", "/cases"],
}
# large / small, with a hundred times the data (the defaults): a paginated page renders one page, so
# its memory stays flat; its time grows only with what the database counts (totals, counts by state),
# which is far below the growth of the data.
TIME_RATIO_TARGET = 5.0
MEMORY_RATIO_TARGET = 1.5
# Measured and shown, but not held to the targets: the reference page lists every town, partner and
# care team on one page on purpose (a council has six towns and a few dozen partners).
UNPAGINATED = {"/reference"}


@dataclass
class Measure:
    role: str
    path: str
    small_ms: float
    large_ms: float
    small_kib: float
    large_kib: float

    @property
    def time_ratio(self) -> float:
        return self.large_ms / self.small_ms

    @property
    def memory_ratio(self) -> float:
        return self.large_kib / self.small_kib


def measure(client: FlaskClient, path: str, repeat: int) -> tuple[float, float]:
    """Median milliseconds and peak KiB allocated per request (after one warm-up request)."""
    assert client.get(path).status_code == 200, path
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    tracemalloc.start()
    client.get(path)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 1024


def run(small: int, large: int, repeat: int) -> list[Measure]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        engine = make_engine(url)
        migrate.upgrade(engine)
        session = make_session_factory(engine)()
        world = build_world(session)
        # A password logs in: the benchmark measures pages, not the two-factor step (tested on its own).
        settings = Settings(database_url=url, secret_key="benchmark",  # noqa: S106
                            instance_path=Path(folder) / "instance",
                            environment="development", two_factor_required=False)
        app = create_app(settings, engine=engine, testing=True)
        clients = {}
        for role in PAGES:
            clients[role] = app.test_client()
            login(clients[role], role)
        grow(session, world, small, "s")
        baseline = {(role, path): measure(clients[role], path, repeat) for role, paths in PAGES.items()
                    for path in paths}
        grow(session, world, large - small, "l")
        results = []
        for (role, path), (small_ms, small_kib) in baseline.items():
            large_ms, large_kib = measure(clients[role], path, repeat)
            results.append(Measure(role, path, small_ms, large_ms, small_kib, large_kib))
        session.close()
        engine.dispose()
        return results


SIZES = {Size.SMALLEST: {"small": 60, "large": 200, "repeat": 2},  # small: a full page already
         Size.SMALL: {"small": 100, "large": 1_000, "repeat": 5},
         Size.FULL: {"small": 100, "large": 10_000, "repeat": 15}}
TARGETS = (f"each listing's median time and peak memory per request, {10_000 // 100}x the rows over 1x: "
           f"time ratio <= {TIME_RATIO_TARGET}, memory ratio <= {MEMORY_RATIO_TARGET} (/reference shown, not held)")


def figures(size: Size) -> list[Figure]:
    results = run(**SIZES[size])
    out = []
    for m in results:
        if m.path in UNPAGINATED:
            continue
        subject = f"{m.path} ({m.role})"
        out.append(Figure("pages", subject, "time ratio", m.time_ratio, TIME_RATIO_TARGET,
                          detail=f"{m.small_ms:.1f} -> {m.large_ms:.1f} ms"))
        out.append(Figure("pages", subject, "memory ratio", m.memory_ratio, MEMORY_RATIO_TARGET,
                          detail=f"{m.small_kib:.0f} -> {m.large_kib:.0f} KiB"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    if not 0 < args.small < args.large:
        parser.error("--small must be positive and below --large")
    results = run(args.small, args.large, args.repeat)
    missed = 0
    print(f"{'role':12} {'page':14} {'ms small':>9} {'ms large':>9} {'ratio':>6}   {'KiB small':>9} "
          f"{'KiB large':>9} {'ratio':>6}")
    for m in results:
        held = m.path not in UNPAGINATED
        ok = m.time_ratio <= TIME_RATIO_TARGET and m.memory_ratio <= MEMORY_RATIO_TARGET
        missed += held and not ok
        verdict = ("" if ok else "   MISSED") if held else "   (not held to the targets)"
        print(f"{m.role:12} {m.path:14} {m.small_ms:9.1f} {m.large_ms:9.1f} {m.time_ratio:6.2f}   "
              f"{m.small_kib:9.0f} {m.large_kib:9.0f} {m.memory_ratio:6.2f}{verdict}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "pages.json").write_text(json.dumps({
        "small": args.small, "large": args.large, "repeat": args.repeat,
        "targets": {"time_ratio": TIME_RATIO_TARGET, "memory_ratio": MEMORY_RATIO_TARGET},
        "not_held": sorted(UNPAGINATED),
        "pages": [{**asdict(m), "time_ratio": m.time_ratio, "memory_ratio": m.memory_ratio} for m in results],
    }, indent=2))
    print(f"\ntargets: time and memory ratios <= {TIME_RATIO_TARGET} "
          f"({'all met' if not missed else f'{missed} missed'})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
