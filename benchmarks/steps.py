"""Committed steps per second: a file's step through the services, against the same statements in raw SQL.

    .venv/bin/python -m benchmarks.steps [--files 300] [--backend sqlite --backend postgresql]

A care team submits ``--files`` drafts, one committed unit of work each (what a request does: the file
loaded and locked, the policy checked, the state, its record and the audit entry written together, then
committed). The floor, measured in the same run on as many other drafts: the statements such a step cannot
do without, in SQL through the database driver (read the file's row, update its state and version, insert
the step's record, read and move the audit trail's head, insert the audit entry with its hash, commit).
The ratio (service steps per second / floor steps per second) is held to its target on each backend.
Also reported: the statements a service step sends.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, event, text

from benchmarks.common import Figure, Kind, Size
from benchmarks.demos import POSTGRES_URL, backends, recreate_database
from commission import migrate
from commission.db import make_engine, make_session_factory, utcnow
from commission.services import cases, unit

TARGETS_BY_BACKEND = {"sqlite": 0.3, "postgresql": 0.5}
TODAY = date(2026, 3, 2)


@dataclass
class StepFigures:
    backend: str
    files: int
    service_per_s: float
    floor_per_s: float
    statements_per_step: float

    @property
    def ratio(self) -> float:
        return self.service_per_s / self.floor_per_s


def _drafts(engine: Engine, count: int) -> tuple[object, list[tuple[int, int]]]:
    """A world (towns, teams, accounts) and ``count`` complete drafts: (id, version) of each."""
    from tests.cases_helpers import complete_input
    from tests.conftest import build_world

    session = make_session_factory(engine)()
    world = build_world(session)
    drafts = []
    for _ in range(count):
        case = cases.create_case(session, world.users["care_a"], complete_input(world), today=TODAY)
        unit.commit(session)
        drafts.append((case.id, case.version))
    session.close()
    return world, drafts


def _service(engine: Engine, world: object, drafts: list[tuple[int, int]]) -> tuple[float, int]:
    """Seconds for the drafts' submissions through the services, each its own committed unit; statements sent."""
    from commission.models import User

    factory = make_session_factory(unit.writing(engine))  # a writing request's unit (BEGIN IMMEDIATE on SQLite)
    with factory() as session:
        known = session.get(User, world.users["care_a"].id)  # type: ignore[attr-defined]
        assert known is not None
        session.expunge(known)
    sent = [0]

    def count(*_args: object) -> None:
        sent[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    for case_id, version in drafts:
        session = factory()  # a request's session, its actor known (the login check is not the step's)
        actor = session.merge(known, load=False)
        cases.fire_case(session, actor, case_id, "submit", expected_version=version, today=TODAY)
        unit.commit(session)
        session.close()
    elapsed = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", count)
    return elapsed, sent[0]


FLOOR = {
    "read": "SELECT state, version FROM case_file WHERE id = :id",
    "update": "UPDATE case_file SET state = 'submitted', version = :next, submitted_at = :at, updated_at = :at "
              "WHERE id = :id AND version = :version",
    "step": "INSERT INTO case_transition (case_id, case_version, comment, at, actor_name, \"trigger\", from_state, "
            "to_state, reason, actor_id) VALUES (:id, :next, '', :at, 'care', 'submit', 'draft', 'submitted', '', "
            ":actor)",
    "head": "SELECT last_id, last_hash FROM audit_head WHERE id = 1",
    "audit": "INSERT INTO audit_entry (id, at, actor_id, actor_name, action, object_type, object_id, object_ref, "
             "details, prev_hash, hash, key_id) VALUES (:entry, :at, :actor, 'care', 'case.submit', 'case', :sid, "
             ":id, '{}', :prev, :hash, 'floor')",
    "move": "UPDATE audit_head SET last_id = :entry, last_hash = :hash WHERE id = 1",
}


def _floor(engine: Engine, actor: int, drafts: list[tuple[int, int]]) -> float:
    """Seconds for the same steps in plain SQL through the driver, each committed."""
    statements = {name: text(sql) for name, sql in FLOOR.items()}
    lock = " FOR UPDATE" if engine.dialect.name == "postgresql" else ""
    statements["read"] = text(FLOOR["read"] + lock)
    statements["head"] = text(FLOOR["head"] + lock)
    started = time.perf_counter()
    with engine.connect() as connection:
        for case_id, _version in drafts:
            with connection.begin():
                _state, version = connection.execute(statements["read"], {"id": case_id}).one()
                at = utcnow()
                connection.execute(statements["update"], {"id": case_id, "version": version, "next": version + 1,
                                                          "at": at})
                connection.execute(statements["step"], {"id": case_id, "next": version + 1, "at": at,
                                                        "actor": actor})
                last_id, last_hash = connection.execute(statements["head"]).one()
                digest = hashlib.sha256(f"{last_hash}{case_id}{at}".encode()).hexdigest()
                connection.execute(statements["audit"], {"entry": last_id + 1, "at": at, "actor": actor,
                                                         "sid": str(case_id), "id": case_id, "prev": last_hash,
                                                         "hash": digest})
                connection.execute(statements["move"], {"entry": last_id + 1, "hash": digest})
    return time.perf_counter() - started


def measure(backend: str, files: int, folder: Path) -> StepFigures:
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'steps.sqlite'}"
    else:
        url = recreate_database("bench_steps", url=POSTGRES_URL)
    engine = make_engine(url)
    migrate.upgrade(engine)
    world, drafts = _drafts(engine, 2 * files + 10)
    actor = world.users["care_a"].id  # type: ignore[attr-defined]
    warm, rest = drafts[:10], drafts[10:]
    _floor(engine, actor, warm[:5])
    _service(engine, world, warm[5:])
    # interleaved halves: the machine's load weighs on both alike
    service_s = floor_s = 0.0
    sent = 0
    chunk = max(files // 4, 1)
    service_drafts, floor_drafts = rest[:files], rest[files:]
    for start in range(0, files, chunk):
        seconds, statements = _service(engine, world, service_drafts[start:start + chunk])
        service_s, sent = service_s + seconds, sent + statements
        floor_s += _floor(engine, actor, floor_drafts[start:start + chunk])
    states = {state for (state,) in engine.connect().execute(text("SELECT DISTINCT state FROM case_file"))}
    assert states == {"submitted"}, states  # every step of both kinds was taken
    engine.dispose()
    return StepFigures(backend, files, files / service_s, files / floor_s, sent / files)


def run(files: int, asked: list[str] | None = None) -> list[StepFigures]:
    with tempfile.TemporaryDirectory(prefix="commission-steps-") as folder:
        return [measure(backend, files, Path(folder)) for backend in backends(asked)]


SIZES = {Size.SMALLEST: {"files": 20, "asked": ["sqlite"]}, Size.SMALL: {"files": 300, "asked": None},
         Size.FULL: {"files": 2000, "asked": None}}
TARGETS = ("a file's step through the services, committed, in steps per second over the same statements in raw "
           f"SQL: >= {TARGETS_BY_BACKEND['sqlite']} on SQLite, >= {TARGETS_BY_BACKEND['postgresql']} on PostgreSQL")


def to_figures(results: list[StepFigures]) -> list[Figure]:
    out = []
    for result in results:
        subject = f"{result.backend}, submit x {result.files}"
        # Figures are held as "value <= target": the inverse of the ratio, floor time over service time.
        out.append(Figure("steps", subject, "floor/service time", 1 / result.ratio,
                          1 / TARGETS_BY_BACKEND[result.backend],
                          detail=f"{result.service_per_s:.0f} vs {result.floor_per_s:.0f} steps/s "
                                 f"(ratio {result.ratio:.2f}, target >= {TARGETS_BY_BACKEND[result.backend]})"))
        out.append(Figure("steps", subject, "statements a step", result.statements_per_step, 9, kind=Kind.COUNT))
    return out


def figures(size: Size, progress: object = print) -> list[Figure]:
    return to_figures(run(**SIZES[size]))  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    from benchmarks.common import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    results = run(args.files, args.backend)
    found = to_figures(results)
    print(table(found))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "steps.json").write_text(json.dumps([{**asdict(r), "ratio": r.ratio} for r in results], indent=2) + "\n")
    return 0 if all(figure.met for figure in found) else 1


if __name__ == "__main__":
    sys.exit(main())
