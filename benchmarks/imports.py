"""Importing places from a spreadsheet, against the same places created by the service directly.

    .venv/bin/python -m benchmarks.imports [--places 1000] [--backend sqlite --backend postgresql]

A coordinator imports ``--places`` places from a CSV file (the places' template, French headers) as
``commission import places FILE`` does: the file read, the columns mapped, then ``run_import`` three times
in a unit of work each: a dry run (every row applied in a savepoint of its own, then everything rolled
back), the real run (committed), and the same file again (every row found unchanged: nothing written).
The floor, measured in the same run on as many other places: ``create_place`` called for each, the towns
and partner already known by id, in one unit of work, committed: what an import cannot do without.

The ratio held is (real run's time / floor's time). Measured on this project's 2-core machine (1,000
places), the real run took 1.6-1.7 times the floor on SQLite (290 rows/s against 470) and 1.7-1.8 times on
PostgreSQL (150 against 250-280): each row read and parsed, its town and partner looked up by name, its
reference checked against the rows imported before, a savepoint around it and an imported-record row with
its fingerprint written besides the place. The target, <= 3.5 on both backends, leaves twice that for the
machine's load (the floor and the import are interleaved so that load weighs on both alike) and fails when
the import grows a per-row cost the service has not (several queries a row for its lookups, a flush too
many). The dry run (measured 1.6 and 1.9) is held to <= 4; the same file again (every row read, found
unchanged, nothing written: measured 0.09 to 0.21) to <= 0.5, which it misses should it start applying
rows again. Also reported: rows per second, and the peak memory (tracemalloc) of a dry run over that of
the floor (measured 1.6 on both): <= 4, the file and the report held in memory beside the session's
objects (tracemalloc counts the Python objects allocated, not the process's resident memory: 1.2 MiB for
a dry run of 1,000 places). And the statements a row of the real run sends: 15 against the service's 8 (a
savepoint and its release, the town and partner looked up by name, the reference checked, the imported
record written), held to <= 17, a count the same on any machine (the test suite holds it).
The people's import (files arriving in their states) is not measured here: its floor would be a file's
whole history through the case services, a benchmark of its own.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, event, func, select

from benchmarks.common import Figure, Kind, Size
from benchmarks.demos import POSTGRES_URL, backends, recreate_database
from commission import migrate
from commission.db import make_engine, make_session_factory
from commission.services import unit
from commission.services.imports import core, mapping, reading
from commission.services.stock.places import PlaceInput, create_place

LIMITS = {"real": 3.5, "dry": 4.0, "again": 0.5, "memory": 4.0, "statements": 17.0}
TODAY = date(2026, 3, 2)


@dataclass
class ImportFigures:
    backend: str
    places: int
    dry_s: float
    real_s: float
    again_s: float
    floor_s: float
    dry_peak_mib: float
    floor_peak_mib: float
    real_statements: float  # a row of the real run, on average
    floor_statements: float  # a place of the floor

    def ratio(self, phase: str) -> float:
        return getattr(self, f"{phase}_s") / self.floor_s  # type: ignore[no-any-return]

    def per_s(self, phase: str) -> float:
        return self.places / getattr(self, f"{phase}_s")  # type: ignore[no-any-return]


def _rows(prefix: str, count: int) -> list[dict[str, str]]:
    return [{"external_ref": f"{prefix}-{n:05d}", "reference": f"{prefix}-{n:05d}", "kind": "apartment",
             "town": "Lesquin" if n % 3 else "Ronchin", "address": f"{n} avenue de la Gare", "partner": "Habitat A",
             "rooms": str(1 + n % 3), "rent": "350,00", "charges": "60,00", "deposit": "450,00"}
            for n in range(1, count + 1)]


def _csv(prefix: str, count: int) -> bytes:
    from tests.import_sheets import to_csv

    return to_csv("places", _rows(prefix, count))


class _Bench:
    """A migrated database with the test world (towns, partners, accounts), and a writing unit's sessions."""

    def __init__(self, engine: Engine) -> None:
        from tests.conftest import build_world

        self.engine = engine
        self.factory = make_session_factory(unit.writing(engine))
        with make_session_factory(engine)() as session:
            world = build_world(session)
            unit.commit(session)
            self.actor_id = world.users["coordinator"].id
            self.towns = {name: town.id for name, town in world.towns.items()}
            self.partner = world.landlord_a.id

    def imported(self, data: bytes, *, dry_run: bool) -> core.ImportReport:
        """The CLI's import of a file: read, mapped, run, committed."""
        from commission.models import User

        with self.factory() as session:
            actor = session.get(User, self.actor_id)
            assert actor is not None
            table = reading.read_table(data, "places.csv")
            kind = core.get_kind("places")
            report = core.run_import(session, actor, "places", table, mapping.propose_mapping(kind, table.headers),
                                     filename="places.csv", sha256=hashlib.sha256(data).hexdigest(),
                                     dry_run=dry_run, today=TODAY)
            assert not report.issues, report.issues[:3]
            unit.commit(session)
            return report

    def floor(self, prefix: str, count: int, *, keep: bool = True) -> None:
        """The same places through ``create_place``, the ids known, in one unit of work."""
        from commission.models import User

        with self.factory() as session:
            actor = session.get(User, self.actor_id)
            assert actor is not None
            for row in _rows(prefix, count):
                create_place(session, actor, PlaceInput(
                    reference=row["reference"], kind=row["kind"], town_id=str(self.towns[row["town"]]),
                    address=row["address"], organisation_id=str(self.partner), rooms=row["rooms"],
                    rent=row["rent"], charges=row["charges"], deposit=row["deposit"]), today=TODAY)
            if keep:
                unit.commit(session)
            else:
                unit.rollback(session)

    def count(self, prefix: str) -> int:
        from commission.models import Place

        with make_session_factory(self.engine)() as session:
            return session.execute(select(func.count()).select_from(Place)
                                   .where(Place.reference.like(f"{prefix}-%"))).scalar_one()


def _timed(work: Callable[[], object], engine: Engine, sent: list[int]) -> float:
    """Seconds the work took; the statements it sent added to ``sent``."""
    def count(*_args: object) -> None:
        sent[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    try:
        work()
        return time.perf_counter() - started
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _peak_mib(work: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(backend: str, places: int, folder: Path) -> ImportFigures:
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'imports.sqlite'}"
    else:
        url = recreate_database("bench_imports", url=POSTGRES_URL)
    engine = make_engine(url)
    migrate.upgrade(engine)
    bench = _Bench(engine)
    warm = max(places // 10, 5)  # the first statements and objects of each kind, out of the timings
    bench.imported(_csv("WARM", warm), dry_run=False)
    bench.floor("WFLR", warm)
    data = _csv("IMP", places)
    # interleaved: the machine's load weighs on the import and the floor alike
    half = places // 2
    floor_sent, real_sent, other = [0], [0], [0]
    floor_s = _timed(lambda: bench.floor("FLR", half), engine, floor_sent)
    dry_s = _timed(lambda: bench.imported(data, dry_run=True), engine, other)
    real_s = _timed(lambda: bench.imported(data, dry_run=False), engine, real_sent)
    again_s = _timed(lambda: bench.imported(data, dry_run=False), engine, other)
    floor_s += _timed(lambda: bench.floor("FLS", places - half), engine, floor_sent)
    assert bench.count("IMP") == places and bench.count("FLR") + bench.count("FLS") == places
    dry_peak = _peak_mib(lambda: bench.imported(_csv("MEM", places), dry_run=True))
    floor_peak = _peak_mib(lambda: bench.floor("MEM", places, keep=False))
    assert bench.count("MEM") == 0  # both rolled back
    engine.dispose()
    return ImportFigures(backend, places, dry_s, real_s, again_s, floor_s, dry_peak, floor_peak,
                         real_sent[0] / places, floor_sent[0] / places)


def run(places: int, asked: list[str] | None = None) -> list[ImportFigures]:
    with tempfile.TemporaryDirectory(prefix="commission-imports-") as folder:
        return [measure(backend, places, Path(folder)) for backend in backends(asked)]


SIZES = {Size.SMALLEST: {"places": 20, "asked": ["sqlite"]}, Size.SMALL: {"places": 500, "asked": None},
         Size.FULL: {"places": 2000, "asked": None}}
TARGETS = (f"importing places from a CSV over creating them by the service: real run <= {LIMITS['real']}, "
                f"dry run <= {LIMITS['dry']}, the same file again <= {LIMITS['again']} (time ratios); "
                f"a dry run's peak memory <= {LIMITS['memory']} x the service's")

PHASES = (("dry", "dry run"), ("real", "real run"), ("again", "same file again"))


def to_figures(results: list[ImportFigures]) -> list[Figure]:
    out = []
    for result in results:
        subject = f"{result.backend}, places x {result.places}"
        floor = result.per_s("floor")
        for phase, name in PHASES:
            seconds = getattr(result, f"{phase}_s")
            out.append(Figure("imports", subject, f"{phase}/service time", result.ratio(phase), LIMITS[phase],
                              detail=f"{name}: {result.per_s(phase):.0f} vs {floor:.0f} rows/s ({seconds:.2f} vs "
                                     f"{result.floor_s:.2f} s)"))
        out.append(Figure("imports", subject, "peak memory ratio", result.dry_peak_mib / result.floor_peak_mib,
                          LIMITS["memory"], detail=f"dry run {result.dry_peak_mib:.1f} MiB vs service "
                                                    f"{result.floor_peak_mib:.1f} MiB (tracemalloc)"))
        out.append(Figure("imports", subject, "statements a row", result.real_statements, LIMITS["statements"],
                          kind=Kind.COUNT, detail=f"real run; the service alone: {result.floor_statements:.1f}"))
    return out


def figures(size: Size, progress: object = print) -> list[Figure]:
    return to_figures(run(**SIZES[size]))  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    from benchmarks.common import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--places", type=int, default=1000)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    results = run(args.places, args.backend)
    found = to_figures(results)
    print(table(found))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "imports.json").write_text(json.dumps(
        [{**asdict(r), **{f"{phase}_ratio": r.ratio(phase) for phase, _name in PHASES}} for r in results],
        indent=2) + "\n")
    return 0 if all(figure.met for figure in found) else 1


if __name__ == "__main__":
    sys.exit(main())
