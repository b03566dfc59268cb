"""Reading the hearings: one hearing, a year's, the next one; the agenda's items; the vacant places; the
chairs. And what the other sections share: a hearing loaded for a change, a step recorded, a file locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from commission import clock, policy
from commission.errors import ConcurrentChange, NotFound
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.hearings import AgendaItem, Decision, Hearing, HearingTransition
from commission.models.housing import Place
from commission.models.people import Applicant
from commission.models.reference import Town
from commission.services.paging import Page, paginate
from commission.services.sorting import Sort, in_machine_order, ordered
from commission.services.steps import record_step
from commission.services.unit import locked
from commission.workflow.case import CASE_MACHINE
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- reading


def _hearing_query() -> Select[Hearing]:
    return select(Hearing).options(joinedload(Hearing.town), joinedload(Hearing.chair))


def get_hearing(session: Session, actor: User, hearing_id: int) -> Hearing:
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    hearing = session.execute(_hearing_query().where(Hearing.id == hearing_id)).scalar_one_or_none()
    if hearing is None:
        raise NotFound()
    return hearing


def list_hearings(session: Session, actor: User, year: int | None = None) -> list[Hearing]:
    """The hearings of a year (default: all), latest first; a year holds four, so no paging is needed,
    but a listing of every year is limited to the last forty."""
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    query = _hearing_query().order_by(Hearing.day.desc())
    if year is not None:
        query = query.where(Hearing.year == year)
    return list(session.execute(query.limit(40)).scalars())


# The keys the list of hearings may be sorted by.
HEARING_SORTS = {
    "hearing": (Hearing.year, Hearing.quarter),
    "day": (Hearing.day,),
    "town": (Town.name,),
    "chair": (User.display_name,),
    "state": (in_machine_order(Hearing.state, HEARING_MACHINE.states),),
}


@dataclass(frozen=True)
class HearingFilter:
    year: int | None = None
    state: str | None = None


def hearing_page(session: Session, actor: User, hearing_filter: HearingFilter | None = None, *, page: int = 1,
                 sort: Sort | None = None) -> Page[Hearing]:
    """The list of hearings, filtered by year and state, latest first unless sorted; two queries."""
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    hearing_filter = hearing_filter or HearingFilter()
    query = (_hearing_query().join(Town, Town.id == Hearing.town_id)
             .outerjoin(User, User.id == Hearing.chair_id))
    if hearing_filter.year is not None:
        query = query.where(Hearing.year == hearing_filter.year)
    if hearing_filter.state is not None:
        query = query.where(Hearing.state == hearing_filter.state)
    query = ordered(query, HEARING_SORTS, sort or Sort(), default=(Hearing.day.desc(),), tiebreak=Hearing.id.desc())
    return paginate(session, query, page)


def hearing_years(session: Session, actor: User) -> list[int]:
    """The years that have hearings, latest first (the list's filter)."""
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    return list(session.execute(select(Hearing.year).distinct().order_by(Hearing.year.desc())).scalars())


def next_hearing(session: Session, actor: User, today: date | None = None) -> Hearing | None:
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    return session.execute(
        _hearing_query().where(Hearing.day >= (today or clock.today()),
                               Hearing.state.in_(HEARING_MACHINE.tagged(Tag.TAKES_PLACE)))
        .order_by(Hearing.day).limit(1)
    ).scalar_one_or_none()


def items(session: Session, hearing: Hearing) -> list[AgendaItem]:
    """The agenda, with what each line shows, in a bounded number of queries."""
    return list(
        session.execute(
            select(AgendaItem).where(AgendaItem.hearing_id == hearing.id)
            .options(
                joinedload(AgendaItem.case).joinedload(Case.applicant).joinedload(Applicant.guardian),
                joinedload(AgendaItem.case).joinedload(Case.care_team),
                joinedload(AgendaItem.case).selectinload(Case.wished_towns),
                joinedload(AgendaItem.place).joinedload(Place.town),
                joinedload(AgendaItem.deferred_to),
                selectinload(AgendaItem.votes), selectinload(AgendaItem.recusals),
            )
            .order_by(AgendaItem.position)
        ).unique().scalars()
    )


def initials(first_name: str, last_name: str) -> str:
    return "".join(f"{part[0].upper()}." for part in (first_name.strip(), last_name.strip()) if part)


def _tenancy_ending(state: str) -> bool:
    """The holder's tenancy is ending (the place is soon vacant): still followed, no longer simply housed."""
    return CASE_MACHINE.means(state, Tag.FOLLOWED) and not CASE_MACHINE.means(state, Tag.HOUSED)


def vacancies(session: Session, day: date | None = None) -> list[tuple[Place, bool]]:
    """The available places (False), and those whose tenancy is ending (True: soon vacant). A place
    vacated and waiting for its inventory and works is neither."""
    holders = dict(
        session.execute(
            select(Case.allocated_place_id, Case.state)
            .where(Case.state.in_(CASE_MACHINE.tagged(Tag.HOLDS_PLACE)), Case.allocated_place_id.is_not(None))
        ).all()
    )
    places = session.execute(
        select(Place).options(joinedload(Place.town), joinedload(Place.organisation))
        .where(Place.active).order_by(Place.kind, Place.reference)
    ).scalars()
    return [(place, place.id in holders) for place in places
            if (PLACE_MACHINE.means(place.state, Tag.ALLOCATABLE) and place.id not in holders)
            or (place.id in holders and _tenancy_ending(holders[place.id]))]


def fitting_places(session: Session, case: Case) -> list[Place]:
    """The vacant places that fit the request, what a hearing may allocate to the person: of the kind asked for,
    on the ground floor (or accessible) and accessible when the person needs it; in the towns the person wished
    first, then the others (each town's places together, by reference)."""
    wished = {town.id for town in case.wished_towns}
    fitting = [place for place, soon in vacancies(session) if not soon and place.kind is case.requested_kind
               and (not case.needs_ground_floor or place.floor == 0 or place.accessible)
               and (not case.needs_accessible or place.accessible)]
    return sorted(fitting, key=lambda place: (place.town_id not in wished, place.town.name, place.reference))


def in_wished_town(case: Case, place: Place) -> bool:
    return any(town.id == place.town_id for town in case.wished_towns)


def chairs(session: Session) -> list[User]:
    """The elected officials who may chair a hearing."""
    return list(session.execute(
        select(User).options(joinedload(User.town)).where(policy.chair_clause(), User.active)
        .order_by(User.display_name)
    ).scalars())


def places_allocated_at(session: Session, hearing: Hearing) -> list[Place]:
    """The places this hearing allocated: further candidates may be ranked for them."""
    return list(session.execute(
        select(Place).join(AgendaItem, AgendaItem.place_id == Place.id)
        .where(AgendaItem.hearing_id == hearing.id, AgendaItem.decision == Decision.ALLOCATE)
        .order_by(Place.reference)
    ).scalars())


def transitions(session: Session, actor: User, hearing: Hearing) -> list[HearingTransition]:
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    return list(session.execute(
        select(HearingTransition).where(HearingTransition.hearing_id == hearing.id).order_by(HearingTransition.id)
    ).scalars())


# ---------------------------------------------------------------- shared by the changes


def _load_for_change(session: Session, actor: User, hearing_id: int, action: policy.Action,
                     expected_version: int | None) -> Hearing:
    policy.require(actor, action)
    hearing = session.execute(
        locked(_hearing_query().where(Hearing.id == hearing_id), of=Hearing)
    ).scalar_one_or_none()
    if hearing is None:
        raise NotFound()
    policy.require(actor, action, hearing)
    if expected_version is not None and hearing.version != expected_version:
        raise ConcurrentChange()
    return hearing


def _record(session: Session, hearing: Hearing, actor: User | None, trigger: str, source: str | None, dest: str,
            reason: str = "") -> None:
    record_step(session, HearingTransition, actor=actor, trigger=trigger, source=source, dest=dest, reason=reason,
                subject="hearing", subject_id=hearing.id, hearing_id=hearing.id, hearing_version=hearing.version)


def _lock_case(session: Session, case_id: int) -> Case:
    case = session.execute(locked(select(Case).where(Case.id == case_id))).scalar_one_or_none()
    if case is None:
        raise NotFound()
    return case
