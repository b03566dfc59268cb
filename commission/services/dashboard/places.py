"""The places of the stock on the day: their kind, their state, since when they are vacant."""

from __future__ import annotations

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from commission.documents.figures import PLACE_STATES, Durations, Period, PlaceRow
from commission.models.housing import Place, PlaceKind, PlaceTransition
from commission.services.dashboard.days import council_day, day_value, days_between
from commission.services.dashboard.period import Rows, _state_on
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- places


def _places(found: Period, *, settled: bool = False) -> Rows:
    """Every place of the stock on the day: id, kind, state, and since when it is vacant (if it is)."""
    states = _state_on(PlaceTransition, PlaceTransition.place_id, Place, found.end, settled=settled)
    free = PLACE_MACHINE.tagged(Tag.FREE)  # a vacancy: nobody lives there, nobody has been offered it
    vacancy = (
        select(PlaceTransition.place_id.label("place_id"), func.max(PlaceTransition.at).label("since"))
        .where(PlaceTransition.at < found.end, PlaceTransition.to_state.in_(free),
               or_(PlaceTransition.from_state.is_(None), PlaceTransition.from_state.not_in(free)))
        .group_by(PlaceTransition.place_id).subquery()
    )
    return (
        select(Place.id.label("id"), Place.kind.label("kind"), states.c.state.label("state"),
               func.coalesce(vacancy.c.since, Place.created_at).label("since"))
        .join(states, states.c.id == Place.id)
        .outerjoin(vacancy, vacancy.c.place_id == Place.id)
    )


def _place_figures(session: Session, found: Period, years: tuple[int, int], *, settled: bool = False
                   ) -> tuple[list[PlaceRow], Durations]:
    """The places of the stock on the day by kind and state, and how long the vacant ones have been vacant;
    one query, grouped by kind, state and days vacant."""
    dialect = session.get_bind().dialect.name
    places = _places(found, settled=settled).subquery()
    vacant = case((places.c.state.in_(PLACE_MACHINE.tagged(Tag.FREE)),
                   days_between(dialect, day_value(dialect, found.as_of), council_day(dialect, places.c.since, years))),
                  else_=None)
    grouped = select(places.c.kind.label("kind"), places.c.state.label("state"), vacant.label("days")).subquery()
    counts: dict[tuple[PlaceKind, str], int] = {}
    vacancies: list[tuple[int, int]] = []
    for kind, state, days, count in session.execute(
            select(grouped.c.kind, grouped.c.state, grouped.c.days, func.count())
            .group_by(grouped.c.kind, grouped.c.state, grouped.c.days)):
        counts[kind, state] = counts.get((kind, state), 0) + count
        if days is not None:
            vacancies.append((days, count))
    rows = [PlaceRow(kind, {state: counts.get((kind, state), 0) for state in PLACE_STATES}) for kind in PlaceKind]
    return rows, Durations.of_counts(vacancies)
