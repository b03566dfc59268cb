"""The demo looks like the council's commission (its own figures: 73 places, more than a hundred people helped
over the years, a waiting list), read on the demo the suite builds once (``commission demo --no-serve``, the
seed, scale 1: tests/demo_cache.py): nearly every place lived in, vacancies of weeks, people waiting with a
favourable opinion; and every invariant ``commission check`` checks holds on it.
"""

from __future__ import annotations

import itertools
import sqlite3
import statistics
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.db import make_engine
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.tenancy import Occupancy
from commission.services import integrity
from commission.workflow.case import CASE_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag
from tests.demo_cache import DemoBuild

STOCK = 73  # the council's places, as the demo prints them
WEEKS = 8  # "a few weeks": the median time between an exit and the next move-in, at most
LONGEST_VACANCY_WEEKS = 10  # the longest a place is vacant today


@pytest.fixture(scope="module")
def demo(demo_build: DemoBuild) -> Iterator[Session]:
    """The demo's database, read only (the cached SQLite demo is never written to)."""
    if demo_build.instance is not None:
        path = Path(demo_build.instance) / "commission.sqlite"
        engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True))
    else:
        engine = make_engine(demo_build.database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _places(session: Session) -> list[Place]:
    return list(session.execute(select(Place).where(Place.active)).scalars())


def _tenancies(session: Session) -> dict[int, list[tuple[date, date | None]]]:
    """Each place's tenancies, in order: (moved in, ended)."""
    found: dict[int, list[tuple[date, date | None]]] = {}
    for place_id, moved_in, ended in session.execute(
            select(Occupancy.place_id, Occupancy.move_in_date, Occupancy.ended_on)
            .order_by(Occupancy.place_id, Occupancy.move_in_date)):
        found.setdefault(place_id, []).append((moved_in, ended))
    return found


def test_the_demo_prints_the_councils_stock(demo_build: DemoBuild, demo: Session) -> None:
    assert f"6 towns, {STOCK} places" in demo_build.output
    # a place whose tenant took the lease over leaves the stock; its landlord puts another in its place
    assert len(_places(demo)) >= STOCK - 1


def test_nearly_every_place_is_lived_in(demo: Session) -> None:
    occupied = [place for place in _places(demo) if PLACE_MACHINE.means(place.state, Tag.OCCUPIED)]
    assert len(occupied) > 0.85 * STOCK, f"{len(occupied)} of the {STOCK} places occupied"


def test_people_wait_for_a_place_with_a_favourable_opinion(demo: Session) -> None:
    waiting = demo.execute(select(func.count(Case.id)).where(
        Case.state.in_(CASE_MACHINE.tagged(Tag.ON_WAITING_LIST)))).scalar_one()
    assert waiting > 0


def test_more_than_a_hundred_people_were_housed_over_the_years(demo: Session) -> None:
    housed = demo.execute(select(func.count(func.distinct(Occupancy.case_id)))).scalar_one()
    assert housed > 100, housed


def test_vacancies_last_weeks(demo: Session) -> None:
    """Between an exit and the next move-in a few weeks pass (none of years); no place is vacant for long today."""
    today = clock.today()
    tenancies = _tenancies(demo)
    gaps = [(moved_in - ended).days for rows in tenancies.values()
            for (_moved_in, ended), (moved_in, _ended) in itertools.pairwise(rows) if ended is not None]
    assert gaps, "no place changed hands in the demo's years"
    assert statistics.median(gaps) <= WEEKS * 7, sorted(gaps)
    assert max(gaps) < 365, sorted(gaps)
    vacant = {}
    for place in _places(demo):
        if PLACE_MACHINE.means(place.state, Tag.FREE):
            ended = [end for _moved_in, end in tenancies.get(place.id, []) if end is not None]
            since = max(ended) if ended else place.vacant_since
            assert since is not None, place.reference
            vacant[place.reference] = (today - since).days
    assert vacant, "no vacancy for the next hearing to fill"
    assert max(vacant.values()) <= LONGEST_VACANCY_WEEKS * 7, vacant


def test_every_invariant_holds_on_the_demo(demo: Session) -> None:
    """What ``commission check`` checks: the register taken over in bulk and the replayed years alike."""
    count, problems = integrity.check_all(demo)
    assert count and not problems, problems
