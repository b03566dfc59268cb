"""Reading the hearings: one hearing, a year's, the next one; the agenda's items; the vacant places; the
chairs. And what the other sections share: a hearing loaded for a change, a step recorded, a file locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy import case as sql_case
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


# What an agenda line shows: the file, its person and team, the place, the votes.
_ITEM_LOADS = (
    joinedload(AgendaItem.case).joinedload(Case.applicant).joinedload(Applicant.guardian),
    joinedload(AgendaItem.case).joinedload(Case.care_team),
    joinedload(AgendaItem.case).selectinload(Case.wished_towns),
    joinedload(AgendaItem.place).joinedload(Place.town),
    joinedload(AgendaItem.deferred_to),
    selectinload(AgendaItem.votes), selectinload(AgendaItem.recusals),
)


def items(session: Session, hearing: Hearing) -> list[AgendaItem]:
    """The agenda, with what each line shows, in a bounded number of queries."""
    return list(
        session.execute(
            select(AgendaItem).where(AgendaItem.hearing_id == hearing.id)
            .options(*_ITEM_LOADS)
            .order_by(AgendaItem.position)
        ).unique().scalars()
    )


# ---------------------------------------------------------------- the agenda, a page at a time

AGENDA_PER_PAGE = 25  # the agenda's page, on the hearing's page and in the session
UNDECIDED = "undecided"  # the agenda's filter for the items still to decide (else a decision's value)


@dataclass(frozen=True)
class AgendaCounts:
    """How many items the agenda holds, and how many took each decision: counted by the database."""

    total: int
    by_decision: dict[Decision, int]

    @property
    def decided(self) -> int:
        return sum(self.by_decision.values())

    @property
    def undecided(self) -> int:
        return self.total - self.decided


def agenda_counts(session: Session, hearing: Hearing) -> AgendaCounts:
    """The agenda's counts, by decision (None: still to decide), in one query whatever its length."""
    found: dict[Decision | None, int] = {decision: count for decision, count in session.execute(
        select(AgendaItem.decision, func.count()).where(AgendaItem.hearing_id == hearing.id)
        .group_by(AgendaItem.decision)
    ).all()}
    undecided = found.pop(None, 0)
    by_decision = {decision: found[decision] for decision in Decision if found.get(decision)}
    return AgendaCounts(undecided + sum(by_decision.values()), by_decision)


def agenda_filter(text: str | None) -> str | None:
    """The agenda's filter read from a query string: a decision's value, or "undecided"; None for anything else."""
    return text if text == UNDECIDED or text in {decision.value for decision in Decision} else None


def _lines(hearing: Hearing) -> Select[AgendaItem]:
    """The agenda's items in order, with what a line shows: the person, the file, its care team."""
    return (select(AgendaItem).where(AgendaItem.hearing_id == hearing.id)
            .options(joinedload(AgendaItem.case).joinedload(Case.applicant),
                     joinedload(AgendaItem.case).joinedload(Case.care_team))
            .order_by(AgendaItem.position, AgendaItem.id))


def agenda_page(session: Session, hearing: Hearing, page: int = 1, decision: str | None = None,
                per_page: int = AGENDA_PER_PAGE) -> Page[AgendaItem]:
    """One page of the agenda (all its items, or those of one decision, or those still to decide): two
    queries whatever its length; a page past the end shows the last."""
    query = _lines(hearing)
    if decision == UNDECIDED:
        query = query.where(AgendaItem.decision.is_(None))
    elif decision is not None:
        query = query.where(AgendaItem.decision == Decision(decision))
    return paginate(session, query, page, per_page)


def page_of(rank: int, per_page: int = AGENDA_PER_PAGE) -> int:
    """The page that shows the item at this rank (0 for the first item)."""
    return rank // per_page + 1


def agenda_item(session: Session, hearing: Hearing, item_id: int) -> AgendaItem:
    """One item of the agenda, with all its page shows (the file, the place, the votes)."""
    item = session.execute(
        select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.hearing_id == hearing.id)
        .options(*_ITEM_LOADS)
    ).unique().scalar_one_or_none()
    if item is None:
        raise NotFound()
    return item


@dataclass(frozen=True)
class Neighbours:
    """Where an item stands on its agenda: the items before and after it, its rank (0 for the first) and the
    agenda's length."""

    previous_id: int | None
    next_id: int | None
    rank: int
    count: int


def neighbours(session: Session, item: AgendaItem) -> Neighbours:
    """The items around one, and its rank: one query whatever the agenda's length."""
    same = AgendaItem.hearing_id == item.hearing_id
    before = _before(item)
    after = (AgendaItem.position > item.position) | ((AgendaItem.position == item.position)
                                                     & (AgendaItem.id > item.id))
    previous_id, next_id, rank, count = session.execute(select(
        select(AgendaItem.id).where(same, before).order_by(AgendaItem.position.desc(), AgendaItem.id.desc())
        .limit(1).scalar_subquery(),
        select(AgendaItem.id).where(same, after).order_by(AgendaItem.position, AgendaItem.id)
        .limit(1).scalar_subquery(),
        select(func.count()).select_from(AgendaItem).where(same, before).scalar_subquery(),
        select(func.count()).select_from(AgendaItem).where(same).scalar_subquery(),
    )).one()
    return Neighbours(previous_id, next_id, rank, count)


def rank_of(session: Session, item: AgendaItem) -> int:
    """An item's rank on its agenda (0 for the first), counted by the database."""
    return session.execute(
        select(func.count()).select_from(AgendaItem)
        .where(AgendaItem.hearing_id == item.hearing_id, _before(item))
    ).scalar_one()


def _before(item: AgendaItem) -> ColumnElement[bool]:
    return (AgendaItem.position < item.position) | ((AgendaItem.position == item.position)
                                                    & (AgendaItem.id < item.id))


def next_undecided(session: Session, item: AgendaItem) -> int | None:
    """After an item is decided, the next item still to decide: after it, else from the agenda's start."""
    later = sql_case((AgendaItem.position > item.position, 0), else_=1)
    return session.execute(
        select(AgendaItem.id).where(AgendaItem.hearing_id == item.hearing_id, AgendaItem.decision.is_(None),
                                    AgendaItem.id != item.id)
        .order_by(later, AgendaItem.position, AgendaItem.id).limit(1)
    ).scalar_one_or_none()


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
    # only the places that may be listed are loaded: allocatable ones, and those whose holder's tenancy is ending
    ending = [place_id for place_id, state in holders.items() if _tenancy_ending(state)]
    places = session.execute(
        select(Place).options(joinedload(Place.town), joinedload(Place.organisation))
        .where(Place.active, Place.state.in_(PLACE_MACHINE.tagged(Tag.ALLOCATABLE)) | Place.id.in_(ending))
        .order_by(Place.kind, Place.reference)
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
