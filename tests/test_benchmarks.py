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
from tests.demo_cache import DemoBuild

pytestmark = pytest.mark.skipif(is_postgres(), reason="the benchmarks measure the SQLite embedded default")


# The benchmarks that serve the suite's own demo (tests/demo_cache.py): their tests wait for its build.
# ``demo`` times a build of the demo at scale 1: at its smallest size, the suite's own, timed as it was built.
ON_THE_SUITES_DEMO = ("scale", "load", "dashboard", "demo")


def check_figures(name: str) -> None:
    """The benchmark runs at its smallest size and gives its figures, its counts held to their targets."""
    figures = run(Size.SMALLEST, [name])
    assert {figure.benchmark for figure in figures} == {name}
    for figure in figures:
        assert math.isfinite(figure.value) and figure.target >= 0, figure
        if figure.kind is Kind.COUNT:  # a count (queries, errors) does not depend on the machine: it holds
            assert figure.met, figure
        else:  # a ratio or a time: measured, held to its target on demand only
            assert figure.value > 0, figure
    if name == "pages":
        subjects = {figure.subject.split(" (")[0] for figure in figures}
        assert {"/", "/cases", "/places", "/admin/users", "/admin/audit"} <= subjects


# One benchmark a test, so that the workers run them side by side (those on the demo once it is built).
@pytest.mark.parametrize("name", sorted(name for name in registry() if name not in ON_THE_SUITES_DEMO))
def test_each_benchmark_runs_at_its_smallest_size_and_gives_its_figures(name: str) -> None:
    check_figures(name)


@pytest.mark.parametrize("name", ON_THE_SUITES_DEMO)
def test_each_benchmark_on_the_demo_runs_at_its_smallest_size(name: str, demo_build: DemoBuild) -> None:
    check_figures(name)


def test_with_no_name_every_benchmark_runs_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m benchmarks`` names none: each benchmark of the registry is run (the test above runs each)."""
    called: list[tuple[str, Size]] = []
    for name, module in registry().items():
        monkeypatch.setattr(module, "figures", lambda size, name=name: called.append((name, size)) or [])
    assert run(Size.SMALLEST, []) == []
    assert called == [(name, Size.SMALLEST) for name in registry()]
    assert set(registry()) >= set(ON_THE_SUITES_DEMO)


def test_the_help_lists_every_benchmark_with_its_targets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    printed = capsys.readouterr().out
    for name, module in registry().items():
        assert name in printed and module.TARGETS in describe()
    assert "smallest" in printed and "full" in printed
