"""Reading files: one file for its page, its timeline, and the list of files filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from commission import clock, policy
from commission.errors import ConcurrentChange, NotFound, TransitionRefused
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.cases import Case, CaseTransition
from commission.models.people import Applicant
from commission.models.reference import CareTeam, Town
from commission.services.paging import paginate
from commission.services.search import file_matches
from commission.services.sorting import Sort, in_machine_order, ordered
from commission.services.unit import locked, log_read
from commission.workflow.case_states import CASE_STATES

# ---------------------------------------------------------------- reading


def _case_query() -> Select[Case]:
    return select(Case).options(
        joinedload(Case.applicant).joinedload(Applicant.guardian),
        joinedload(Case.care_team),
        joinedload(Case.allocated_place),
        selectinload(Case.wished_towns),
    )


def get_case(session: Session, actor: User, case_id: int) -> Case:
    policy.require(actor, policy.Action.VIEW_CASES)
    case = session.execute(_case_query().where(Case.id == case_id)).unique().scalar_one_or_none()
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_CASES, case)
    return case


def open_case(session: Session, actor: User, case_id: int) -> Case:
    """The case for its page: the read of the file itself is logged (part "file") before it is shown."""
    case = get_case(session, actor, case_id)
    log_read(session, actor.id, case.id, "file")
    return case


def _load_for_change(
    session: Session, actor: User, case_id: int, action: policy.Action, expected_version: int | None,
    *, whole: bool = True,
) -> Case:
    """Load a case to change it: locked (PostgreSQL) so that concurrent changes queue up. ``whole=False``
    loads the file and its person only (what a step reads); the rest loads when a step asks for it."""
    policy.require(actor, action)
    query = _case_query() if whole else select(Case).options(joinedload(Case.applicant))
    case = session.execute(
        locked(query.where(Case.id == case_id), of=Case)
    ).unique().scalar_one_or_none()
    if case is None:
        raise NotFound()
    policy.require(actor, action, case)
    refuse_if_anonymised(case)
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentChange()
    return case


def refuse_if_anonymised(case: Case) -> None:
    """An anonymised file is kept for the figures and the decisions only: nothing changes it any more."""
    if case.applicant.anonymised_at is not None:
        raise TransitionRefused(msg("This file was anonymised under the retention rules: it can no longer change."))


def timeline(session: Session, actor: User, case: Case) -> list[CaseTransition]:
    policy.require(actor, policy.Action.VIEW_CASES, case)
    return list(
        session.execute(select(CaseTransition).where(CaseTransition.case_id == case.id)
                        .order_by(CaseTransition.id)).scalars()
    )


@dataclass(frozen=True)
class CaseFilter:
    state: str | None = None
    care_team_id: int | None = None
    town_id: int | None = None
    waiting_months: int | None = None
    query: str | None = None  # the person's name or the file's reference, as the search box matches them


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    total: int
    page: int
    pages: int
    counts_by_state: dict[str, int]


# The keys the list of files may be sorted by; a state sorts in the machine's order (draft first).
CASE_SORTS = {
    "reference": (Case.created_at, Case.id),
    "person": (Applicant.last_name, Applicant.first_name),
    "team": (CareTeam.name,),
    "state": (in_machine_order(Case.state, CASE_STATES),),
    "due": (Case.due_date,),
}


def list_cases(
    session: Session, actor: User, case_filter: CaseFilter | None = None, *, page: int = 1, per_page: int = 50,
    today: date | None = None, sort: Sort | None = None,
) -> CasePage:
    """The cases the actor may see, filtered and sorted; a bounded number of queries whatever their number."""
    policy.require(actor, policy.Action.VIEW_CASES)
    case_filter = case_filter or CaseFilter()
    conditions = [policy.case_scope(actor)]
    if case_filter.state:
        conditions.append(Case.state == case_filter.state)
    if case_filter.care_team_id:
        conditions.append(Case.care_team_id == case_filter.care_team_id)
    if case_filter.town_id:
        conditions.append(Case.wished_towns.any(Town.id == case_filter.town_id))
    if case_filter.waiting_months:
        since = (today or clock.today()) - timedelta(days=30 * case_filter.waiting_months)
        conditions.append(Case.created_at <= datetime.combine(since, time.min, tzinfo=UTC))
    if case_filter.query:
        conditions.append(file_matches(case_filter.query))
    query = (_case_query().join(Applicant, Applicant.id == Case.applicant_id)
             .join(CareTeam, CareTeam.id == Case.care_team_id).where(*conditions))
    query = ordered(query, CASE_SORTS, sort or Sort(),
                    default=(Case.due_date.is_(None), Case.due_date, Case.id.desc()), tiebreak=Case.id.desc())
    found = paginate(session, query, page, per_page)
    counts = dict(
        session.execute(
            select(Case.state, func.count(Case.id)).where(policy.case_scope(actor)).group_by(Case.state)
        ).all()
    )
    return CasePage(found.items, found.total, found.page, found.pages, counts)


@dataclass(frozen=True)
class Awaited:
    """What a file waits for, as the list says it: a message id, and the day it names, if any."""

    phrase: str
    day: date | None = None


_AWAITS = {spec.name: spec.awaits for spec in CASE_STATES}


def awaits(file: Case) -> Awaited | None:
    """What the file waits for, from its state's meaning and its due date (the hearing, the reply deadline,
    the move-in); None for a file that waits for nothing (refused, withdrawn, closed)."""
    spec = _AWAITS.get(file.state)
    if spec is None:
        return None
    if spec.dated is not None and file.due_date is not None:
        return Awaited(spec.dated, file.due_date)
    return Awaited(spec.phrase)
