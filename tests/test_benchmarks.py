"""The benchmarks run as shipped: each one, at its smallest size, measures what it says it measures.

Timings are never asserted here (they depend on the machine's load: ``python -m benchmarks`` holds
them to their targets on demand); counts are, since they are the same on any machine.
"""

from __future__ import annotations

import math

import pytest

from benchmarks.__main__ import describe, main, registry, run
from benchmarks.common import Kind, Size
from tests.conftest import is_postgres

pytestmark = pytest.mark.skipif(is_postgres(), reason="the benchmarks measure the SQLite embedded default")


def test_every_benchmark_runs_at_its_smallest_size_and_gives_its_figures() -> None:
    figures = run(Size.SMALLEST, [])
    assert {figure.benchmark for figure in figures} == set(registry())
    for figure in figures:
        assert math.isfinite(figure.value) and figure.target >= 0, figure
        if figure.kind is Kind.COUNT:  # a count (queries, errors) does not depend on the machine: it holds
            assert figure.met, figure
        else:  # a ratio or a time: measured, held to its target on demand only
            assert figure.value > 0, figure
    subjects = {figure.subject.split(" (")[0] for figure in figures if figure.benchmark == "pages"}
    assert {"/", "/cases", "/places", "/admin/users", "/admin/audit"} <= subjects


def test_the_help_lists_every_benchmark_with_its_targets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    printed = capsys.readouterr().out
    for name, module in registry().items():
        assert name in printed and module.TARGETS in describe()
    assert "smallest" in printed and "full" in printed
