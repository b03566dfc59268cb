"""How long the places stay vacant: each available place now, and the gaps between tenancies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import policy
from commission.models.accounts import User
from commission.models.housing import Place, PlaceKind
from commission.models.tenancy import Occupancy
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- vacancies


@dataclass(frozen=True)
class VacantPlace:
    place: Place
    days: int | None  # None when the day it became vacant is not known


@dataclass(frozen=True)
class KindVacancy:
    kind: PlaceKind
    vacant_now: int
    gaps: int  # how many vacancies between two tenancies the history holds
    average_days: float | None


@dataclass(frozen=True)
class VacancyReport:
    places: list[VacantPlace]
    by_kind: list[KindVacancy]


def vacancy_durations(session: Session, actor: User, today: date) -> VacancyReport:
    """Each available place with the days since it became vacant (longest first), and, over the whole
    history, the average vacancy between one tenancy's end and the next move-in, per kind of place."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    available = list(session.execute(
        select(Place).where(Place.state.in_(PLACE_MACHINE.tagged(Tag.ALLOCATABLE)), Place.active)
        .options(joinedload(Place.town), joinedload(Place.organisation))
        .order_by(Place.vacant_since.is_(None), Place.vacant_since, Place.reference)
    ).scalars())
    places = [VacantPlace(place, (today - place.vacant_since).days if place.vacant_since else None)
              for place in available]
    gaps: dict[PlaceKind, list[int]] = {kind: [] for kind in PlaceKind}
    previous: tuple[int, date | None] | None = None
    for place_id, kind, move_in, ended_on in session.execute(
        select(Occupancy.place_id, Place.kind, Occupancy.move_in_date, Occupancy.ended_on)
        .join(Place, Place.id == Occupancy.place_id)
        .order_by(Occupancy.place_id, Occupancy.move_in_date, Occupancy.id)
    ).all():
        if previous is not None and previous[0] == place_id and previous[1] is not None:
            gaps[kind].append(max(0, (move_in - previous[1]).days))
        previous = (place_id, ended_on)
    vacant_now = {kind: sum(1 for row in places if row.place.kind is kind) for kind in PlaceKind}
    by_kind = [KindVacancy(kind, vacant_now[kind], len(gaps[kind]),
                           round(sum(gaps[kind]) / len(gaps[kind]), 1) if gaps[kind] else None)
               for kind in PlaceKind]
    return VacancyReport(places, by_kind)
