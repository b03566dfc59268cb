"""How long the places stay vacant: each available place now, and the gaps between tenancies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from commission import policy
from commission.models.accounts import User
from commission.models.housing import Place, PlaceKind
from commission.models.reference import Organisation, Town
from commission.models.tenancy import Occupancy
from commission.services.sorting import Sort, ordered
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


@dataclass(frozen=True)
class VacancyFilter:
    kind: PlaceKind | None = None
    town_id: int | None = None


# The keys the list of available places may be sorted by. The days vacant are the day it became vacant the
# other way round (see _DAYS), so that no backend's date arithmetic is needed.
VACANCY_SORTS = {
    "reference": (Place.reference,),
    "kind": (Place.kind,),
    "town": (Town.name,),
    "landlord": (Organisation.name,),
    "since": (Place.vacant_since,),
    "days": (Place.vacant_since,),
}
_DAYS = "days"


def vacancy_durations(session: Session, actor: User, today: date, vacancy_filter: VacancyFilter | None = None, *,
                      sort: Sort | None = None) -> VacancyReport:
    """Each available place (of a kind, in a town) with the days since it became vacant (longest first unless
    sorted), and, over the whole history, the average vacancy between one tenancy's end and the next move-in,
    per kind of place (the places vacant now counted whatever the filter)."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    vacancy_filter = vacancy_filter or VacancyFilter()
    sort = sort or Sort()
    if sort.key == _DAYS:  # the longest vacant has the earliest day: the days go the other way
        sort = Sort(sort.key, not sort.descending)
    vacant = (Place.state.in_(PLACE_MACHINE.tagged(Tag.ALLOCATABLE)), Place.active)
    query = (select(Place).join(Town, Town.id == Place.town_id)
             .join(Organisation, Organisation.id == Place.organisation_id).where(*vacant)
             .options(contains_eager(Place.town), contains_eager(Place.organisation)))
    if vacancy_filter.kind is not None:
        query = query.where(Place.kind == vacancy_filter.kind)
    if vacancy_filter.town_id is not None:
        query = query.where(Place.town_id == vacancy_filter.town_id)
    query = ordered(query, VACANCY_SORTS, sort, default=(Place.vacant_since.is_(None), Place.vacant_since,
                                                         Place.reference), tiebreak=Place.id)
    available = list(session.execute(query).scalars())
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
    vacant_now: dict[PlaceKind, int] = {kind: number for kind, number in session.execute(
        select(Place.kind, func.count()).where(*vacant).group_by(Place.kind)).all()}
    by_kind = [KindVacancy(kind, vacant_now.get(kind, 0), len(gaps[kind]),
                           round(sum(gaps[kind]) / len(gaps[kind]), 1) if gaps[kind] else None)
               for kind in PlaceKind]
    return VacancyReport(places, by_kind)
