"""What a step of the workflow engine costs, against what building a `transitions` machine per step cost.

Run on demand (never in the test suite), from the project's folder:

    .venv/bin/python -m benchmarks.workflow [--files 500]

The engine keeps one model-less machine per spec, its transition table, built once at import
(:mod:`commission.workflow.engine`). The baseline, measured in the same run, is what the engine once
did for every step: build a machine bound to a stand-in of the row, then fire the trigger on it. Both
walk the same files along the same steps (each file's path through the case machine from the draft to
the closed file), without the database, so the figure is the engine's own share of a step. Targets:
the table's step costs at most a fifth of the per-step machine (a ratio, whatever the machine's speed);
and no machine is left holding a row after the walk (a count).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from dataclasses import dataclass
from typing import Any

from transitions import Machine

from benchmarks.common import Figure, Kind, Size
from commission.workflow.case import CASE_MACHINE
from commission.workflow.engine import MachineSpec

# One file's life, from the draft to the closed file: every step the case machine takes most often.
PATH = ("submit", "mark_ready", "schedule", "hear", "allocate", "accept_offer", "start_move_in", "confirm_housed",
        "start_exit", "close")


@dataclass
class _Row:
    """A stand-in for a file: its state is all the engine's table reads and writes."""

    id: int = 0
    state: str = "draft"


def _built_per_step(spec: MachineSpec, row: _Row, trigger: str) -> None:
    """The old way: a machine for this one step, bound to a stand-in holding the row's state."""

    class Proxy:
        state = row.state

    proxy = Proxy()
    Machine(model=proxy, states=[state.name for state in spec.states],
            transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in spec.transitions],
            initial=row.state, auto_transitions=False, ignore_invalid_triggers=False)
    getattr(proxy, trigger)()
    row.state = proxy.state


def _from_the_table(spec: MachineSpec, row: _Row, trigger: str) -> None:
    row.state = spec.table.get_transitions(trigger=trigger, source=row.state)[0].dest


def _walk(files: int, step: Any) -> float:
    """Seconds to move ``files`` files along the path, one step at a time."""
    rows = [_Row(id=number) for number in range(files)]
    started = time.perf_counter()
    for trigger in PATH:
        for row in rows:
            step(CASE_MACHINE, row, trigger)
    elapsed = time.perf_counter() - started
    assert all(row.state == "closed" for row in rows)
    return elapsed


def machines_alive() -> int:
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, Machine) and thing.models)


SIZES = {Size.SMALLEST: {"files": 20}, Size.SMALL: {"files": 500}, Size.FULL: {"files": 5000}}
TARGETS = "a step from the shared table costs <= 0.2 of a machine built per step; no machine holds a row afterwards"


def figures(size: Size) -> list[Figure]:
    files = SIZES[size]["files"]
    _walk(max(files // 10, 1), _from_the_table)  # warm up
    baseline = _walk(files, _built_per_step)
    table = _walk(files, _from_the_table)
    steps = files * len(PATH)
    subject = f"case machine, {steps} steps"
    return [
        Figure("workflow", subject, "time ratio", table / baseline, 0.2,
               detail=f"{baseline / steps * 1e6:.0f} -> {table / steps * 1e6:.1f} µs a step"),
        Figure("workflow", subject, "machines holding rows", machines_alive(), 0, kind=Kind.COUNT),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=SIZES[Size.SMALL]["files"])
    args = parser.parse_args(argv)
    if args.files < 1:
        parser.error("--files must be positive")
    baseline, table = _walk(args.files, _built_per_step), _walk(args.files, _from_the_table)
    steps = args.files * len(PATH)
    ratio = table / baseline
    print(f"{steps} steps: a machine built per step {baseline / steps * 1e6:.0f} µs, the shared table "
          f"{table / steps * 1e6:.1f} µs; ratio {ratio:.3f} (target <= 0.2): {'met' if ratio <= 0.2 else 'MISSED'}")
    return 0 if ratio <= 0.2 else 1


if __name__ == "__main__":
    sys.exit(main())
