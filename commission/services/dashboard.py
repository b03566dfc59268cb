"""The figures of the scheme for a year: the dashboard of the coordinator and the housing sub-group, and the
annual activity report, which both read :func:`year_figures` (so they agree by construction).

A past year is seen as it stood on 31 December; the current year as it stands today. What a record was at
a date is read from its workflow's step records (:mod:`commission.models.steps`): the state of a place, a
file or a deposit on day D is the state its last step at or before D led to (or, for a record whose first
step came later, the state that step left). Flows (applications, decisions, moves, exits, money) are
those dated within the year, up to that day.

Every figure is a count, a rate, a duration in days or a sum of money: never a person. The records behind
a figure are listed by :func:`figure_records`, to those who may read them (:mod:`commission.policy`: the
files to the coordinator, the places to whoever sees the stock, the deposits to those who see them).

Queries: a fixed number whatever the volume (about fifteen for the figures, three for a list of records),
each aggregated in SQL or fetching the few columns a median needs, once.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, distinct, extract, func, literal, or_, select, true
from sqlalchemy import case as when
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Subquery

from commission import clock, policy
from commission.clock import COUNCIL_ZONE
from commission.db import UTCDateTime
from commission.errors import Forbidden, NotFound
from commission.i18n import N_, msg
from commission.models.accounts import User
from commission.models.cases import Case, CaseTransition
from commission.models.followup import CaseExit, ExitReason
from commission.models.hearings import AgendaItem, Decision, Hearing, ItemKind
from commission.models.housing import Place, PlaceKind, PlaceTransition
from commission.models.people import Applicant
from commission.models.reference import CareTeam, Organisation, Town
from commission.models.tenancy import Agreement, Occupancy
from commission.models.treasury import Account, Deposit, DepositTransition, EntryKind, LedgerEntry, LedgerLine
from commission.services.paging import PER_PAGE, paginate_rows
from commission.services.stock import RENEWAL_HORIZON_MONTHS, add_months, renewal_deadline
from commission.services.treasury import OUTSTANDING, balances
from commission.services.treasury_reports import _PAYMENTS, _RECEIPTS, case_reference

FIRST_YEAR = 2000
PLACE_STATES = ("available", "offered", "occupied", "vacated", "withdrawn")
FREE_STATES = ("available", "vacated")  # a vacancy: nobody lives there, nobody has been offered it
# The hearing's decisions on an application, as the case machine records them (a candidate ranked for a
# place is placed on the waiting list until the place comes to them).
DECISION_TRIGGERS = ("allocate", "place_on_waiting_list", "defer", "refuse")
OFFER_TRIGGERS = ("allocate", "offer_next")
HELD_HEARING_STATES = ("in_session", "closed", "minutes_approved", "minutes_signed")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Rows = Select[*tuple[Any, ...]]  # a query of several columns

DECISION_LABELS: dict[str, str] = {
    "allocate": N_("Place allocated"),
    "place_on_waiting_list": N_("Favourable, waiting list"),
    "defer": N_("Deferred"),
    "refuse": N_("Refused"),
}
HEARING_DECISION_LABELS: dict[Decision, str] = {
    Decision.ALLOCATE: N_("Place allocated"),
    Decision.RANKED: N_("Ranked for a place"),
    Decision.WAITING_LIST: N_("Favourable, waiting list"),
    Decision.DEFER: N_("Deferred"),
    Decision.REFUSE: N_("Refused"),
    Decision.REVIEW_NOTED: N_("Follow-up review noted"),
}

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
RECORD_ACTIONS: dict[str, policy.Action] = {
    "place": policy.Action.VIEW_PLACES,
    "case": policy.Action.VIEW_CASES,
    "deposit": policy.Action.VIEW_DEPOSITS,
    "agreement": policy.Action.MANAGE_STOCK,
    "hearing": policy.Action.VIEW_HEARINGS,
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


# ---------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    """A calendar year, seen as of its last day, or as of today for the current year."""

    year: int
    as_of: date
    current: bool

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def start(self) -> datetime:
        """The first instant of the year, council time, in UTC."""
        return _midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """The first instant after ``as_of``, council time, in UTC: steps strictly before it count."""
        return _midnight(self.as_of + timedelta(days=1))

    def quarter_of(self, day: date) -> int:
        return (day.month - 1) // 3 + 1


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=COUNCIL_ZONE).astimezone(UTC)


def _council_day(moment: datetime) -> date:
    return moment.astimezone(COUNCIL_ZONE).date()


def available_years(session: Session, actor: User, today: date | None = None) -> list[int]:
    """The years with any record of the scheme, up to the current one, latest first; one query."""
    policy.require(actor, policy.Action.VIEW_DASHBOARD)
    return _years(session, today or clock.today())


def _years(session: Session, today: date) -> list[int]:
    firsts = session.execute(select(
        select(func.min(Case.created_at)).scalar_subquery(),
        select(func.min(Place.created_at)).scalar_subquery(),
        select(func.min(LedgerEntry.value_date)).scalar_subquery(),
        select(func.min(Hearing.day)).scalar_subquery(),
    )).one()
    years = [value.year for value in firsts if value is not None]
    first = max(FIRST_YEAR, min([*years, today.year]))
    return list(range(today.year, first - 1, -1))


def period(session: Session, year: int, today: date | None = None) -> Period:
    """The year's period; a year before the scheme's records or after the current one is not found."""
    today = today or clock.today()
    years = _years(session, today)
    if year not in years:
        raise NotFound(msg("There are no figures for %(year)s: the years with figures are %(first)s to %(last)s.",
                           year=year, first=years[-1], last=years[0]))
    if year == today.year:
        return Period(year, today, current=True)
    return Period(year, date(year, 12, 31), current=False)


# ---------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Durations:
    """How long, in days, for ``count`` records: median and mean (None when there are none)."""

    count: int
    median_days: float | None
    mean_days: float | None

    @classmethod
    def of(cls, days: Sequence[int]) -> Durations:
        if not days:
            return cls(0, None, None)
        return cls(len(days), float(statistics.median(days)), round(statistics.fmean(days), 1))


@dataclass(frozen=True)
class PlaceRow:
    kind: PlaceKind
    counts: dict[str, int]  # per state of PLACE_STATES

    @property
    def in_stock(self) -> int:
        """Every place but those withdrawn from the stock."""
        return sum(count for state, count in self.counts.items() if state != "withdrawn")


@dataclass(frozen=True)
class Finances:
    """The fund over the year, from the ledger: what came in, what went out, the balance on the last day."""

    contributions_received_cents: int
    deposits_paid_cents: int
    refunds_received_cents: int
    retained_cents: int
    written_off_cents: int
    other_expenses_cents: int
    fund_balance_cents: int


@dataclass(frozen=True)
class HearingFigures:
    held: int
    applications_heard: int
    reviews: int
    decisions: dict[Decision, int]


@dataclass(frozen=True)
class YearFigures:
    period: Period
    places: list[PlaceRow]
    vacancies: Durations  # places vacant on the day, and for how long
    waiting_list: Durations  # files on the waiting list on the day, and since when
    applications_received: int
    decisions: dict[str, int]  # per trigger of DECISION_TRIGGERS
    submission_to_decision: Durations
    waiting_to_allocation: Durations
    admissions: list[int]  # per quarter
    exits: list[int]  # per quarter
    exits_by_reason: dict[ExitReason, int]
    housed: int  # on the day
    followed: int  # at any time in the year
    deposits_outstanding: int
    deposits_outstanding_cents: int
    finances: Finances
    agreements_in_force: int
    agreements_to_renew: int
    hearings: HearingFigures

    @property
    def places_in_stock(self) -> int:
        return sum(row.in_stock for row in self.places)

    @property
    def occupied(self) -> int:
        return sum(row.counts["occupied"] for row in self.places)

    @property
    def occupancy_rate(self) -> float | None:
        """Occupied places per hundred places in the stock, one decimal."""
        return round(100 * self.occupied / self.places_in_stock, 1) if self.places_in_stock else None

    def places_in(self, state: str) -> int:
        return sum(row.counts[state] for row in self.places)

    @property
    def decisions_total(self) -> int:
        return sum(self.decisions.values())

    @property
    def admissions_total(self) -> int:
        return sum(self.admissions)

    @property
    def exits_total(self) -> int:
        return sum(self.exits)


def year_figures(session: Session, actor: User, year: int, today: date | None = None) -> YearFigures:
    """Every figure of the year, as the dashboard and the annual report show them."""
    policy.require(actor, policy.Action.VIEW_DASHBOARD)
    found = period(session, year, today)
    places = _place_rows(session, found)
    vacant = [days for _id, _kind, state, days in places if state in FREE_STATES]
    decisions = session.execute(_decisions(found)).all()
    outcomes = Counter(trigger for _case, trigger, _at, _submitted in decisions)
    admissions, exits, by_reason = _movements(session, found)
    housed, followed = _housed_counts(session, found)
    outstanding, outstanding_cents = _outstanding_totals(session, found)
    in_force, to_renew = _agreement_counts(session, found)
    return YearFigures(
        period=found,
        places=[PlaceRow(kind, {state: sum(1 for _id, k, s, _d in places if k is kind and s == state)
                                for state in PLACE_STATES}) for kind in PlaceKind],
        vacancies=Durations.of(vacant),
        waiting_list=Durations.of([days for _case, days in _waiting(session, found)]),
        applications_received=session.execute(
            select(func.count()).select_from(_submissions(found).subquery())).scalar_one(),
        decisions={trigger: outcomes.get(trigger, 0) for trigger in DECISION_TRIGGERS},
        submission_to_decision=Durations.of([
            (_council_day(at) - _council_day(submitted)).days for _case, _trigger, at, submitted in decisions
            if submitted is not None]),
        waiting_to_allocation=Durations.of([
            (_council_day(at) - _council_day(entered)).days
            for _case, at, entered in session.execute(_allocations_from_waiting_list(found)).all()]),
        admissions=admissions, exits=exits, exits_by_reason=by_reason,
        housed=housed, followed=followed,
        deposits_outstanding=outstanding, deposits_outstanding_cents=outstanding_cents,
        finances=_finances(session, found),
        agreements_in_force=in_force, agreements_to_renew=to_renew,
        hearings=_hearing_figures(session, found),
    )


@dataclass(frozen=True)
class AnnualReport:
    """What the printed annual report shows: the year's figures (no person), who issues it, when."""

    council: str
    figures: YearFigures
    issued_on: date


def annual_report(session: Session, actor: User, year: int, council: str, today: date | None = None
                  ) -> AnnualReport:
    """The annual activity report's data: the very figures the dashboard shows for the year."""
    today = today or clock.today()
    return AnnualReport(council, year_figures(session, actor, year, today), today)


# ---------------------------------------------------------------- state on a day, from the step records


def _state_on(step: Any, owner: Any, record: Any, end: datetime) -> Subquery:
    """``(id, state)`` of every record created before ``end``: the state its last step before ``end`` led
    to; for a record whose steps all came later, the state the first of them left; else its state now."""
    before = (select(owner.label("owner"), step.to_state.label("state"),
                     func.row_number().over(partition_by=owner, order_by=(step.at.desc(), step.id.desc()))
                     .label("n"))
              .where(step.at < end).subquery())
    after = (select(owner.label("owner"), step.from_state.label("state"),
                    func.row_number().over(partition_by=owner, order_by=(step.at, step.id)).label("n"))
             .where(step.at >= end).subquery())
    return (
        select(record.id.label("id"), func.coalesce(before.c.state, after.c.state, record.state).label("state"))
        .outerjoin(before, and_(before.c.owner == record.id, before.c.n == 1))
        .outerjoin(after, and_(after.c.owner == record.id, after.c.n == 1))
        .where(record.created_at < end)
        .subquery()
    )


# ---------------------------------------------------------------- places


def _places(found: Period) -> Rows:
    """Every place of the stock on the day: id, kind, state, and since when it is vacant (if it is)."""
    states = _state_on(PlaceTransition, PlaceTransition.place_id, Place, found.end)
    vacancy = (
        select(PlaceTransition.place_id.label("place_id"), func.max(PlaceTransition.at).label("since"))
        .where(PlaceTransition.at < found.end, PlaceTransition.to_state.in_(FREE_STATES),
               or_(PlaceTransition.from_state.is_(None), PlaceTransition.from_state.not_in(FREE_STATES)))
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


# ---------------------------------------------------------------- files


def _last_submission(found: Period) -> Subquery:
    return (select(CaseTransition.case_id.label("case_id"), func.max(CaseTransition.at).label("at"))
            .where(CaseTransition.trigger == "submit", CaseTransition.at < found.end)
            .group_by(CaseTransition.case_id).subquery())


def _waiting_since(found: Period) -> Rows:
    """(file, since): the files on the waiting list on the day, and when they first entered it since they
    were last submitted (a declined offer brings a file back to the list: its wait goes on)."""
    states = _state_on(CaseTransition, CaseTransition.case_id, Case, found.end)
    submitted = _last_submission(found)
    entered = (
        select(CaseTransition.case_id.label("case_id"), func.min(CaseTransition.at).label("at"))
        .outerjoin(submitted, submitted.c.case_id == CaseTransition.case_id)
        .where(CaseTransition.to_state == "waiting_list", CaseTransition.at < found.end,
               or_(submitted.c.at.is_(None), CaseTransition.at > submitted.c.at))
        .group_by(CaseTransition.case_id).subquery()
    )
    return (select(Case.id.label("id"), func.coalesce(entered.c.at, Case.created_at).label("since"))
            .join(states, states.c.id == Case.id).outerjoin(entered, entered.c.case_id == Case.id)
            .where(states.c.state == "waiting_list"))


def _waiting(session: Session, found: Period) -> list[tuple[int, int]]:
    return [(case_id, (found.as_of - _council_day(since)).days)
            for case_id, since in session.execute(_waiting_since(found)).all()]


def _in_year(step: Any, found: Period) -> ColumnElement[bool]:
    return and_(step.at >= found.start, step.at < found.end)


def _submissions(found: Period) -> Rows:
    """(file, when): each submission of an application within the year (a file reopened and submitted
    again is a new application)."""
    return select(CaseTransition.case_id, CaseTransition.at).where(
        CaseTransition.trigger == "submit", _in_year(CaseTransition, found))


def _decisions(found: Period) -> Rows:
    """(file, trigger, when, submitted): each decision on an application within the year, with the
    file's submission before it."""
    earlier = aliased(CaseTransition)
    submitted = (select(func.max(earlier.at))
                 .where(earlier.case_id == CaseTransition.case_id, earlier.trigger == "submit",
                        earlier.at <= CaseTransition.at)
                 .correlate(CaseTransition).scalar_subquery())
    return (select(CaseTransition.case_id, CaseTransition.trigger, CaseTransition.at, submitted)
            .where(CaseTransition.trigger.in_(DECISION_TRIGGERS), _in_year(CaseTransition, found)))


def _allocations_from_waiting_list(found: Period) -> Rows:
    """(file, when, entered): each place offered within the year to a file that was on the waiting list,
    with when it entered the list (first time since its last submission)."""
    submit, waiting = aliased(CaseTransition), aliased(CaseTransition)
    submitted = (select(func.max(submit.at))
                 .where(submit.case_id == CaseTransition.case_id, submit.trigger == "submit",
                        submit.at <= CaseTransition.at)
                 .correlate(CaseTransition).scalar_subquery())
    entered = (select(func.min(waiting.at))
               .where(waiting.case_id == CaseTransition.case_id, waiting.to_state == "waiting_list",
                      waiting.at < CaseTransition.at,
                      waiting.at > func.coalesce(submitted, literal(EPOCH, UTCDateTime())))
               .correlate(CaseTransition).scalar_subquery())
    query = (select(CaseTransition.case_id, CaseTransition.at, entered.label("entered"))
             .where(CaseTransition.trigger.in_(OFFER_TRIGGERS), _in_year(CaseTransition, found))
             .subquery())
    return select(query.c.case_id, query.c.at, query.c.entered).where(query.c.entered.is_not(None))


# ---------------------------------------------------------------- movements and people housed


def _admissions(found: Period) -> ColumnElement[bool]:
    return and_(Occupancy.move_in_date >= found.first_day, Occupancy.move_in_date <= found.as_of)


def _exits(found: Period) -> ColumnElement[bool]:
    return and_(CaseExit.exit_date >= found.first_day, CaseExit.exit_date <= found.as_of)


def _movements(session: Session, found: Period) -> tuple[list[int], list[int], dict[ExitReason, int]]:
    """Move-ins and exits per quarter, and the exits by reason; two queries."""
    month = extract("month", Occupancy.move_in_date)
    admissions = [0, 0, 0, 0]
    for number, count in session.execute(select(month, func.count()).where(_admissions(found)).group_by(month)):
        admissions[(int(number) - 1) // 3] += count
    exit_month = extract("month", CaseExit.exit_date)
    exits = [0, 0, 0, 0]
    by_reason = dict.fromkeys(ExitReason, 0)
    for number, reason, count in session.execute(
            select(exit_month, CaseExit.reason, func.count()).where(_exits(found))
            .group_by(exit_month, CaseExit.reason)):
        exits[(int(number) - 1) // 3] += count
        by_reason[reason] += count
    return admissions, exits, by_reason


def _housed_on_day(found: Period) -> ColumnElement[bool]:
    """Moved in by the day, and not left by then (the day of an exit, the place has been handed back)."""
    return and_(Occupancy.move_in_date <= found.as_of,
                or_(Occupancy.ended_on.is_(None), Occupancy.ended_on > found.as_of))


def _housed_in_year(found: Period) -> ColumnElement[bool]:
    return and_(Occupancy.move_in_date <= found.as_of,
                or_(Occupancy.ended_on.is_(None), Occupancy.ended_on >= found.first_day))


def _housed_counts(session: Session, found: Period) -> tuple[int, int]:
    housed, followed = session.execute(select(
        func.count(distinct(when((_housed_on_day(found), Occupancy.case_id)))),
        func.count(distinct(when((_housed_in_year(found), Occupancy.case_id)))),
    )).one()
    return int(housed), int(followed)


# ---------------------------------------------------------------- money


def _outstanding(found: Period) -> Subquery:
    states = _state_on(DepositTransition, DepositTransition.deposit_id, Deposit, found.end)
    return select(states.c.id).where(states.c.state.in_(OUTSTANDING)).subquery()


def _outstanding_totals(session: Session, found: Period) -> tuple[int, int]:
    """How many deposits were out with a landlord on the day (paid, or their refund claimed), and how much."""
    ids = _outstanding(found)
    count, cents = session.execute(
        select(func.count(Deposit.id), func.coalesce(func.sum(Deposit.amount_cents), 0))
        .join(ids, ids.c.id == Deposit.id)
    ).one()
    return int(count), int(cents)


def _finances(session: Session, found: Period) -> Finances:
    """The year's money from the ledger's entries (value dates within the year, up to the day), grouped as
    the treasurer's statement groups them; two queries."""
    corrected = aliased(LedgerEntry)
    grouped = session.execute(
        select(LedgerEntry.kind, corrected.kind, LedgerLine.account, func.sum(LedgerLine.debit_cents),
               func.sum(LedgerLine.credit_cents))
        .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
        .outerjoin(corrected, corrected.id == LedgerEntry.corrects_id)
        .where(LedgerEntry.value_date >= found.first_day, LedgerEntry.value_date <= found.as_of)
        .group_by(LedgerEntry.kind, corrected.kind, LedgerLine.account)
    ).all()
    figures: Counter[str] = Counter()
    for kind, corrected_kind, account, debit_sum, credit_sum in grouped:
        debit, credit = int(debit_sum or 0), int(credit_sum or 0)
        # A correction counts in the figure of the entry it reverses, as on the statement.
        effective = corrected_kind if kind is EntryKind.CORRECTION and corrected_kind is not None else kind
        if account is Account.BANK and effective in _RECEIPTS:
            figures[_RECEIPTS[effective]] += debit - credit
        elif account is Account.BANK and effective in _PAYMENTS:
            figures[_PAYMENTS[effective]] += credit - debit
        elif account is Account.RETENTIONS:
            figures["retentions_cents"] += debit - credit
        elif account is Account.WRITE_OFFS:
            figures["write_offs_cents"] += debit - credit
    return Finances(
        contributions_received_cents=figures["contributions_received_cents"],
        deposits_paid_cents=figures["deposits_paid_cents"],
        refunds_received_cents=figures["refunds_received_cents"],
        retained_cents=figures["retentions_cents"],
        written_off_cents=figures["write_offs_cents"],
        other_expenses_cents=figures["other_expenses_cents"],
        fund_balance_cents=balances(session, until=found.as_of)[Account.BANK],
    )


# ---------------------------------------------------------------- agreements and hearings


def _agreements_in_force(session: Session, found: Period) -> list[tuple[Agreement, date | None]]:
    """The agreements in force on the day, each with its renewal deadline."""
    agreements = session.execute(
        select(Agreement).where(Agreement.start_date <= found.as_of,
                                or_(Agreement.ended_at.is_(None), Agreement.ended_at > found.as_of))
        .order_by(Agreement.end_date.is_(None), Agreement.end_date, Agreement.reference)
    ).scalars()
    return [(agreement, renewal_deadline(agreement)) for agreement in agreements]


def _renewal_due(deadline: date | None, found: Period) -> bool:
    """Due for renewal as the coordinator's list counts it: the deadline within the horizon, or passed."""
    return deadline is not None and deadline <= add_months(found.as_of, RENEWAL_HORIZON_MONTHS)


def _agreement_counts(session: Session, found: Period) -> tuple[int, int]:
    rows = _agreements_in_force(session, found)
    return len(rows), sum(1 for _agreement, deadline in rows if _renewal_due(deadline, found))


def _held(found: Period) -> ColumnElement[bool]:
    return and_(Hearing.year == found.year, Hearing.day <= found.as_of, Hearing.state.in_(HELD_HEARING_STATES))


def _hearing_figures(session: Session, found: Period) -> HearingFigures:
    held = session.execute(select(func.count(Hearing.id)).where(_held(found))).scalar_one()
    decisions = dict.fromkeys(Decision, 0)
    heard = reviews = 0
    for kind, decision, count in session.execute(
            select(AgendaItem.kind, AgendaItem.decision, func.count(AgendaItem.id))
            .join(Hearing, Hearing.id == AgendaItem.hearing_id)
            .where(_held(found), AgendaItem.decision.is_not(None))
            .group_by(AgendaItem.kind, AgendaItem.decision)):
        if decision is None:
            continue
        decisions[decision] += count
        if kind is ItemKind.REVIEW:
            reviews += count
        else:
            heard += count
    return HearingFigures(held, heard, reviews, decisions)


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
    return kind is not None and policy.can(actor, RECORD_ACTIONS[kind])


def figure_records(session: Session, actor: User, year: int, key: str, filters: dict[str, str] | None = None, *,
                   today: date | None = None, page: int = 1, per_page: int = PER_PAGE) -> FigureRecords:
    """The records behind one figure of the year that the actor may read, one page of them; three queries."""
    policy.require(actor, policy.Action.VIEW_DASHBOARD)
    if key not in RECORD_KINDS:
        raise NotFound()
    if not may_see(actor, key):
        raise Forbidden(msg("The records behind this figure are not among those your role may read."))
    found = period(session, year, today)
    filters = _clean_filters(key, filters or {})
    listing = _listing(session, actor, key, filters, found)
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


def _listing(session: Session, actor: User, key: str, filters: dict[str, str], found: Period) -> _Listing:
    kind = RECORD_KINDS[key]
    if kind == "place":
        return _place_listing(actor, key, filters, found)
    if kind == "case":
        return _case_listing(actor, key, filters, found)
    if kind == "deposit":
        ids = _outstanding(found)
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


def _place_listing(actor: User, key: str, filters: dict[str, str], found: Period) -> _Listing:
    places = _places(found).subquery()
    query = (select(places.c.id, Place.reference, places.c.kind, Town.name, places.c.state, places.c.since)
             .join(Place, Place.id == places.c.id).join(Town, Town.id == Place.town_id)
             .where(policy.place_scope(actor)))
    if key == "vacancies":
        query = query.where(places.c.state.in_(FREE_STATES))
    if "kind" in filters:
        query = query.where(places.c.kind == PlaceKind(filters["kind"]))
    state = filters.get("state")
    if state == "in_stock":
        query = query.where(places.c.state != "withdrawn")
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


def _case_listing(actor: User, key: str, filters: dict[str, str], found: Period) -> _Listing:
    """The files behind a figure: (file, day, detail) rows joined to who and which team, in the actor's scope."""
    day_column: tuple[str, ...]
    if key == "waiting_list":
        source = _waiting_since(found).subquery()
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
