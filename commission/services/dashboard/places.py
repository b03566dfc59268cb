"""The places of the stock on the day: their kind, their state, since when they are vacant."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from commission.documents.figures import Period
from commission.models.housing import Place, PlaceKind, PlaceTransition
from commission.services.dashboard.period import Rows, _council_day, _state_on
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

# Every state of a place, in the machine's order: the columns of the table of places by kind and state.


# ---------------------------------------------------------------- places


def _places(found: Period) -> Rows:
    """Every place of the stock on the day: id, kind, state, and since when it is vacant (if it is)."""
    states = _state_on(PlaceTransition, PlaceTransition.place_id, Place, found.end)
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


def _place_rows(session: Session, found: Period) -> list[tuple[int, PlaceKind, str, int]]:
    """(id, kind, state, days vacant on the day) of every place of the stock on the day."""
    return [(place_id, kind, state, (found.as_of - _council_day(since)).days)
            for place_id, kind, state, since in session.execute(_places(found)).all()]
