"""The records behind a figure, listed to those who may read them (:mod:`commission.policy`: the files
to the coordinator, the places to whoever sees the stock, the deposits to those who see them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, extract, func, literal, select, true
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.documents.figures import DECISION_LABELS, DECISION_TRIGGERS, PLACE_STATES, Period
from commission.errors import Forbidden, NotFound
from commission.i18n import N_, msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import CaseExit, ExitReason
from commission.models.hearings import AgendaItem, Hearing
from commission.models.housing import Place, PlaceKind
from commission.models.people import Applicant
from commission.models.reference import CareTeam, Organisation, Town
from commission.models.tenancy import Agreement, Occupancy
from commission.models.treasury import Deposit
from commission.services.dashboard.agreements import _agreements_in_force, _renewal_due
from commission.services.dashboard.files import (
    _admissions,
    _allocations_from_waiting_list,
    _decisions,
    _exits,
    _housed_in_year,
    _housed_on_day,
    _submissions,
    _waiting_since,
)
from commission.services.dashboard.hearings import _held
from commission.services.dashboard.money import _outstanding
from commission.services.dashboard.period import Rows, _council_day, calendar, period
from commission.services.dashboard.places import _places
from commission.services.paging import PER_PAGE, paginate_rows
from commission.services.treasury_reports import case_reference
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

# What each list of records behind a figure holds, and so who may read it.
RECORD_KINDS: dict[str, str] = {
    "places": "place",
    "vacancies": "place",
    "waiting_list": "case",
    "applications": "case",
    "decisions": "case",
    "allocations_from_waiting_list": "case",
    "admissions": "case",
    "exits": "case",
    "housed": "case",
    "followed": "case",
    "deposits": "deposit",
    "agreements": "agreement",
    "renewals": "agreement",
    "hearings": "hearing",
}
FIGURE_TITLES: dict[str, str] = {
    "places": N_("Places"),
    "vacancies": N_("Vacant places"),
    "waiting_list": N_("Files on the waiting list"),
    "applications": N_("Applications received"),
    "decisions": N_("Decisions on applications"),
    "allocations_from_waiting_list": N_("Places allocated to files on the waiting list"),
    "admissions": N_("Admissions (move-ins)"),
    "exits": N_("Exits"),
    "housed": N_("People housed"),
    "followed": N_("People housed during the year"),
    "deposits": N_("Deposits outstanding"),
    "agreements": N_("Agreements in force"),
    "renewals": N_("Agreements to renew"),
    "hearings": N_("Hearings held"),
}


# ---------------------------------------------------------------- the records behind a figure


@dataclass(frozen=True)
class RecordRow:
    """One record behind a figure: its id (for its page), what names it, and the figure's own columns."""

    id: int
    label: str
    cells: tuple[Any, ...]


@dataclass(frozen=True)
class FigureRecords:
    period: Period
    key: str
    kind: str  # place, case, deposit, agreement, hearing
    title: str  # message id
    filters: dict[str, str]
    columns: tuple[str, ...]  # message ids: the label's column, then the cells'
    rows: list[RecordRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class _Listing:
    kind: str
    columns: tuple[str, ...]
    query: Rows
    rows: Callable[[Any], RecordRow]  # turns a result row into a RecordRow


def may_see(actor: User, key: str) -> bool:
    """Whether the actor may read the records behind a figure (the figure itself, everyone on the dashboard)."""
    kind = RECORD_KINDS.get(key)
    return kind is not None and policy.sees_figure_records(actor, kind)


def figure_records(session: Session, actor: User, year: int, key: str, filters: dict[str, str] | None = None, *,
                   today: date | None = None, page: int = 1, per_page: int = PER_PAGE) -> FigureRecords:
    """The records behind one figure of the year that the actor may read, one page of them; three queries."""
    policy.require(actor, policy.Action.VIEW_DASHBOARD)
    if key not in RECORD_KINDS:
        raise NotFound()
    if not may_see(actor, key):
        raise Forbidden(msg("The records behind this figure are not among those your role may read."))
    today = today or clock.today()
    found = period(session, year, today)
    filters = _clean_filters(key, filters or {})
    # The current year's states are the records' own, when no step was recorded after today.
    settled = found.current and calendar(session, today).settled
    listing = _listing(session, actor, key, filters, found, settled)
    rows = paginate_rows(session, listing.query, page, per_page)
    return FigureRecords(found, key, listing.kind, FIGURE_TITLES[key], filters, listing.columns,
                         [listing.rows(row) for row in rows], rows.total, rows.page, rows.pages)


FILTERS: dict[str, dict[str, tuple[str, ...]]] = {
    "places": {"kind": tuple(kind.value for kind in PlaceKind), "state": (*PLACE_STATES, "in_stock")},
    "decisions": {"outcome": DECISION_TRIGGERS},
    "admissions": {"quarter": ("1", "2", "3", "4")},
    "exits": {"quarter": ("1", "2", "3", "4"), "reason": tuple(reason.value for reason in ExitReason)},
}


def _clean_filters(key: str, filters: dict[str, str]) -> dict[str, str]:
    """Only the filters the figure knows, with a value it knows; anything else is a bad link."""
    allowed = FILTERS.get(key, {})
    cleaned = {}
    for name, value in filters.items():
        if not value:
            continue
        if value not in allowed.get(name, ()):
            raise NotFound(msg("This figure has no such detail."))
        cleaned[name] = value
    return cleaned


def _quarter(column: Any, filters: dict[str, str]) -> ColumnElement[bool]:
    if "quarter" not in filters:
        return true()
    quarter = int(filters["quarter"])
    month = extract("month", column)
    return and_(month >= 3 * quarter - 2, month <= 3 * quarter)


def _listing(session: Session, actor: User, key: str, filters: dict[str, str], found: Period, settled: bool
             ) -> _Listing:
    kind = RECORD_KINDS[key]
    if kind == "place":
        return _place_listing(actor, key, filters, found, settled)
    if kind == "case":
        return _case_listing(actor, key, filters, found, settled)
    if kind == "deposit":
        ids = _outstanding(found, settled=settled)
        query = (select(Deposit.id, Place.reference, Organisation.name, Deposit.amount_cents, Deposit.paid_on)
                 .join(ids, ids.c.id == Deposit.id).join(Place, Place.id == Deposit.place_id)
                 .join(Organisation, Organisation.id == Deposit.landlord_id)
                 .where(policy.deposit_scope(actor)).order_by(Deposit.paid_on, Deposit.id))
        return _Listing(kind, (N_("Place"), N_("Landlord"), N_("Amount"), N_("Paid on")), query,
                        lambda row: RecordRow(row[0], row[1], (row[2], Cents(row[3]), row[4])))
    if kind == "agreement":
        return _agreement_listing(session, key, found)
    query = (select(Hearing.id, Hearing.year, Hearing.quarter, Hearing.day, Town.name,
                    select(func.count(AgendaItem.id)).where(AgendaItem.hearing_id == Hearing.id,
                                                            AgendaItem.decision.is_not(None))
                    .correlate(Hearing).scalar_subquery())
             .join(Town, Town.id == Hearing.town_id).where(_held(found)).order_by(Hearing.day))
    return _Listing(kind, (N_("Hearing"), N_("Date"), N_("Town"), N_("Items decided")), query,
                    lambda row: RecordRow(row[0], f"{row[1]}-T{row[2]}", (row[3], row[4], row[5])))


@dataclass(frozen=True)
class Cents:
    """A sum of money in a record's cells: shown as euros."""

    cents: int


@dataclass(frozen=True)
class Days:
    """A duration in a record's cells: shown as a number of days."""

    days: int


def _place_listing(actor: User, key: str, filters: dict[str, str], found: Period, settled: bool) -> _Listing:
    places = _places(found, settled=settled).subquery()
    query = (select(places.c.id, Place.reference, places.c.kind, Town.name, places.c.state, places.c.since)
             .join(Place, Place.id == places.c.id).join(Town, Town.id == Place.town_id)
             .where(policy.place_scope(actor)))
    if key == "vacancies":
        query = query.where(places.c.state.in_(PLACE_MACHINE.tagged(Tag.FREE)))
    if "kind" in filters:
        query = query.where(places.c.kind == PlaceKind(filters["kind"]))
    state = filters.get("state")
    if state == "in_stock":
        query = query.where(places.c.state.not_in(PLACE_MACHINE.tagged(Tag.OUT_OF_STOCK)))
    elif state is not None:
        query = query.where(places.c.state == state)
    since = places.c.since
    if key == "vacancies":
        return _Listing("place", (N_("Place"), N_("Kind of place"), N_("Town"), N_("State"), N_("Days vacant")),
                        query.order_by(since, Place.reference),
                        lambda row: RecordRow(row[0], row[1], (KindLabel(row[2]), row[3], StateLabel(row[4]),
                                                               Days((found.as_of - _council_day(row[5])).days))))
    return _Listing("place", (N_("Place"), N_("Kind of place"), N_("Town"), N_("State")),
                    query.order_by(places.c.kind, Place.reference),
                    lambda row: RecordRow(row[0], row[1], (KindLabel(row[2]), row[3], StateLabel(row[4]))))


@dataclass(frozen=True)
class KindLabel:
    kind: PlaceKind


@dataclass(frozen=True)
class StateLabel:
    """A place's state, named as the place machine names it."""

    state: str


@dataclass(frozen=True)
class Label:
    """A message id in a record's cells: translated where it is shown."""

    msgid: str


def _case_listing(actor: User, key: str, filters: dict[str, str], found: Period, settled: bool) -> _Listing:
    """The files behind a figure: (file, day, detail) rows joined to who and which team, in the actor's scope."""
    day_column: tuple[str, ...]
    if key == "waiting_list":
        source = _waiting_since(found, settled=settled).subquery()
        ids, day, detail = source.c.id, source.c.since, None
        day_column = (N_("On the waiting list since"), N_("Days waiting"))
    elif key == "applications":
        source = _submissions(found).subquery()
        ids, day, detail = source.c.case_id, source.c.at, None
        day_column = (N_("Submitted on"),)
    elif key == "decisions":
        source = _decisions(found).subquery()
        ids, day, detail = source.c.case_id, source.c.at, source.c.trigger
        day_column = (N_("Decided on"), N_("Decision"))
    elif key == "allocations_from_waiting_list":
        source = _allocations_from_waiting_list(found).subquery()
        ids, day, detail = source.c.case_id, source.c.at, source.c.entered
        day_column = (N_("Place offered on"), N_("Days on the waiting list"))
    elif key == "admissions":
        source = select(Occupancy.case_id, Occupancy.move_in_date).where(
            _admissions(found), _quarter(Occupancy.move_in_date, filters)).subquery()
        ids, day, detail = source.c.case_id, source.c.move_in_date, None
        day_column = (N_("Moved in on"),)
    elif key == "exits":
        conditions = [_exits(found), _quarter(CaseExit.exit_date, filters)]
        if "reason" in filters:
            conditions.append(CaseExit.reason == ExitReason(filters["reason"]))
        source = select(CaseExit.case_id, CaseExit.exit_date, CaseExit.reason).where(*conditions).subquery()
        ids, day, detail = source.c.case_id, source.c.exit_date, source.c.reason
        day_column = (N_("Exit on"), N_("Reason"))
    else:
        condition = _housed_on_day(found) if key == "housed" else _housed_in_year(found)
        source = (select(Occupancy.case_id, func.min(Occupancy.move_in_date).label("day"))
                  .where(condition).group_by(Occupancy.case_id).subquery())
        ids, day, detail = source.c.case_id, source.c.day, None
        day_column = (N_("Moved in on"),)
    if key == "decisions" and "outcome" in filters:
        outcome_filter: ColumnElement[bool] = source.c.trigger == filters["outcome"]
    else:
        outcome_filter = true()
    query = (select(Case.id, Case.created_at, Applicant.first_name, Applicant.last_name, CareTeam.name, day,
                    detail if detail is not None else literal(None))
             .join(source, ids == Case.id).join(Applicant, Applicant.id == Case.applicant_id)
             .join(CareTeam, CareTeam.id == Case.care_team_id)
             .where(policy.case_scope(actor), outcome_filter).order_by(day, Case.id))

    def row_of(row: Any) -> RecordRow:
        case_id, created, first, last, team, when, extra = row
        cells: tuple[Any, ...]
        when_day = _council_day(when) if isinstance(when, datetime) else when
        if key == "waiting_list":
            cells = (when_day, Days((found.as_of - when_day).days))
        elif key == "decisions":
            cells = (when_day, Label(DECISION_LABELS[extra]))
        elif key == "allocations_from_waiting_list":
            cells = (when_day, Days((when_day - _council_day(extra)).days))
        elif key == "exits":
            cells = (when_day, ExitLabel(extra))
        else:
            cells = (when_day,)
        return RecordRow(case_id, case_reference(case_id, created.year), (f"{first} {last}", team, *cells))

    return _Listing("case", (N_("File"), N_("Person"), N_("Care team"), *day_column), query, row_of)


@dataclass(frozen=True)
class ExitLabel:
    reason: ExitReason


def _agreement_listing(session: Session, key: str, found: Period) -> _Listing:
    """Agreements are few: which are in force, and which due for renewal, is decided as the counts decide
    it (one query), then their rows are read and paged in SQL."""
    deadlines = {agreement.id: deadline for agreement, deadline in _agreements_in_force(session, found)
                 if key == "agreements" or _renewal_due(deadline, found)}
    query = (select(Agreement.id, Agreement.reference, Organisation.name, Agreement.end_date)
             .join(Organisation, Organisation.id == Agreement.organisation_id)
             .where(Agreement.id.in_(list(deadlines)))
             .order_by(Agreement.end_date.is_(None), Agreement.end_date, Agreement.reference))
    return _Listing("agreement", (N_("Agreement"), N_("Partner"), N_("End date"), N_("Renewal deadline")), query,
                    lambda row: RecordRow(row[0], row[1], (row[2], row[3], deadlines.get(row[0]))))
