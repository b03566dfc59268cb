"""What every benchmark shares: a figure held to its target, the sizes a run can take, one table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Size(StrEnum):
    """How much data a run builds. ``smallest`` is what the test suite runs (so that the benchmarks
    cannot rot); ``small`` is ``python -m benchmarks``'s default, a few minutes in all; ``full`` gives
    the figures worth quoting (tens of minutes: the dashboard's builds a demo twenty times the size)."""

    SMALLEST = "smallest"
    SMALL = "small"
    FULL = "full"


class Kind(StrEnum):
    RATIO = "ratio"  # time or memory, large over small in the same run: depends on the machine's load
    COUNT = "count"  # a count (database queries, errors): the same on any machine
    TIME = "time"  # an absolute time: holds only on the machine and load it was set for (said with its target)


@dataclass(frozen=True)
class Figure:
    benchmark: str
    subject: str  # the page or document measured
    measure: str  # what was measured, e.g. "time ratio"
    value: float
    target: float  # the value must not exceed it
    kind: Kind = Kind.RATIO
    detail: str = ""  # the raw figures behind a ratio

    @property
    def met(self) -> bool:
        return math.isfinite(self.value) and self.value <= self.target


def table(figures: list[Figure]) -> str:
    header = f"{'benchmark':10} {'subject':34} {'measure':22} {'value':>8} {'target':>8}  verdict   detail"
    lines = [header, "-" * len(header)]
    for figure in figures:
        verdict = "met" if figure.met else "MISSED"
        lines.append(f"{figure.benchmark:10} {figure.subject[:34]:34} {figure.measure:22} {figure.value:8.2f} "
                     f"{figure.target:8.2f}  {verdict:8}  {figure.detail}")
    missed = sum(not figure.met for figure in figures)
    lines.append("")
    lines.append(f"{len(figures)} figures, {'all targets met' if not missed else f'{missed} target(s) missed'}")
    return "\n".join(lines)
