"""What the treasurer reads: balances, deposits outstanding, overdue refunds, the ledger, the year's statement.

Plain data, computed by the database in a fixed number of queries whatever the number of deposits or
entries (sums and counts are grouped in SQL; nothing is loaded row by row). Every figure is derived
from the ledger or the deposits as they stand: nothing here is stored. Who may read what is asked of
:mod:`commission.policy`: the fund is for those who may view the treasury; a landlord's representative
reaches the deposits on their own landlord's places, and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from commission import clock, policy
from commission.errors import NotFound
from commission.i18n import N_
from commission.models.accounts import Role, User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.people import Applicant
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.models.treasury import (
    Account,
    Contribution,
    Deposit,
    EntryKind,
    LedgerEntry,
    LedgerLine,
    PaymentMethod,
)
from commission.services.paging import PER_PAGE, Page, paginate, paginate_rows
from commission.services.treasury import OUTSTANDING, balances

OVERDUE_AFTER_DAYS = 60  # a refund claimed longer ago than this, and not settled, is chased

ACCOUNT_LABELS: dict[Account, str] = {
    Account.BANK: N_("Bank account"),
    Account.DEPOSITS_RECEIVABLE: N_("Deposits paid, owed back"),
    Account.CONTRIBUTIONS_RECEIVABLE: N_("Contributions called, not yet received"),
    Account.CONTRIBUTIONS: N_("Contributions of the towns and the hospital"),
    Account.RETENTIONS: N_("Deposits retained by landlords"),
    Account.WRITE_OFFS: N_("Deposits written off"),
    Account.OTHER_EXPENSES: N_("Other expenses"),
}

ENTRY_KIND_LABELS: dict[EntryKind, str] = {
    EntryKind.CONTRIBUTION_CALLED: N_("Contribution called"),
    EntryKind.CONTRIBUTION_RECEIVED: N_("Contribution received"),
    EntryKind.DEPOSIT_PAID: N_("Deposit paid"),
    EntryKind.REFUND_RECEIVED: N_("Deposit refunded"),
    EntryKind.RETENTION: N_("Deposit partly retained"),
    EntryKind.WRITE_OFF: N_("Deposit written off"),
    EntryKind.EXPENSE: N_("Other expense"),
    EntryKind.CORRECTION: N_("Correction"),
}

METHOD_LABELS: dict[PaymentMethod, str] = {
    PaymentMethod.TRANSFER: N_("Bank transfer"),
    PaymentMethod.CHEQUE: N_("Cheque"),
    PaymentMethod.OTHER: N_("Other means of payment"),
}

# How long a deposit has been out, since it was paid: (key, label, from years, to years).
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("0-1", N_("Less than a year"), 0, 1),
    ("1-3", N_("One to three years"), 1, 3),
    ("3+", N_("Three years or more"), 3, None),
)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def case_reference(case_id: int, created_year: int) -> str:
    """As :attr:`commission.models.cases.Case.reference`, from columns rather than a loaded row."""
    return f"D-{created_year}-{case_id:05d}"


def _shows_names(actor: User) -> bool:
    """A landlord's representative reads the deposits on their places, not who the persons are."""
    return actor.role is not Role.LANDLORD


def _person(actor: User, first_name: str, last_name: str) -> str:
    if _shows_names(actor):
        return f"{first_name} {last_name}"
    return f"{first_name[:1]}. {last_name[:1]}."


# ---------------------------------------------------------------- balances


@dataclass(frozen=True)
class AccountBalance:
    account: Account
    label: str  # a message id: translate it where the reader's language is known
    cents: int  # debit minus credit


@dataclass(frozen=True)
class Balances:
    until: date | None
    accounts: list[AccountBalance]

    @property
    def fund_cents(self) -> int:
        """The fund's balance: what is in the bank account."""
        return self.of(Account.BANK)

    def of(self, account: Account) -> int:
        return next(row.cents for row in self.accounts if row.account is account)


def account_balances(session: Session, actor: User, *, until: date | None = None) -> Balances:
    """Every account's balance (debit minus credit) from the ledger; one query."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    totals = balances(session, until=until)
    return Balances(until, [AccountBalance(account, ACCOUNT_LABELS[account], totals[account]) for account in Account])


# ---------------------------------------------------------------- deposits outstanding


@dataclass(frozen=True)
class OutstandingGroup:
    key: str  # the landlord's or place's id, or the age band
    label: str  # a name, a place reference, or (for an age band) a message id
    count: int
    cents: int
    detail: str = ""  # for a place: its town


@dataclass(frozen=True)
class OverdueRefund:
    deposit_id: int
    case_reference: str
    person: str
    place: str
    landlord: str
    cents: int
    claimed_on: date
    days: int


@dataclass(frozen=True)
class Overview:
    today: date
    balances: Balances
    outstanding_count: int
    outstanding_cents: int
    by_landlord: list[OutstandingGroup]
    by_place: list[OutstandingGroup]
    by_age: list[OutstandingGroup]
    overdue: list[OverdueRefund]

    @property
    def overdue_cents(self) -> int:
        return sum(row.cents for row in self.overdue)


def _outstanding(actor: User) -> ColumnElement[bool]:
    return and_(Deposit.state.in_(OUTSTANDING), policy.deposit_scope(actor))


def outstanding_by_landlord(session: Session, actor: User) -> list[OutstandingGroup]:
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    rows = session.execute(
        select(Organisation.id, Organisation.name, func.count(Deposit.id), func.sum(Deposit.amount_cents))
        .join(Organisation, Organisation.id == Deposit.landlord_id)
        .where(_outstanding(actor))
        .group_by(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    return [OutstandingGroup(str(key), name, count, int(total or 0)) for key, name, count, total in rows]


def outstanding_by_place(session: Session, actor: User) -> list[OutstandingGroup]:
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    rows = session.execute(
        select(Place.id, Place.reference, Town.name, func.count(Deposit.id), func.sum(Deposit.amount_cents))
        .join(Place, Place.id == Deposit.place_id).join(Town, Town.id == Place.town_id)
        .where(_outstanding(actor))
        .group_by(Place.id, Place.reference, Town.name).order_by(Place.reference)
    ).all()
    return [OutstandingGroup(str(key), reference, count, int(total or 0), town)
            for key, reference, town, count, total in rows]


def outstanding_by_age(session: Session, actor: User, today: date) -> list[OutstandingGroup]:
    """The deposits outstanding by how long ago they were paid: each band, even an empty one."""
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    one_year, three_years = years_before(today, 1), years_before(today, 3)
    band = case(
        (Deposit.paid_on > one_year, literal("0-1")),
        (Deposit.paid_on > three_years, literal("1-3")),
        else_=literal("3+"),
    )
    rows = session.execute(
        select(band, func.count(Deposit.id), func.sum(Deposit.amount_cents))
        .where(_outstanding(actor)).group_by(band)
    ).all()
    found = {key: (count, int(total or 0)) for key, count, total in rows}
    return [OutstandingGroup(key, label, *found.get(key, (0, 0))) for key, label, _from, _to in AGE_BANDS]


def overdue_refunds(session: Session, actor: User, today: date, days: int = OVERDUE_AFTER_DAYS
                    ) -> list[OverdueRefund]:
    """Refunds claimed more than ``days`` days ago and still not settled, the oldest first."""
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    limit = today - timedelta(days=days)
    rows = session.execute(
        select(Deposit.id, Case.id, Case.created_at, Applicant.first_name, Applicant.last_name, Place.reference,
               Organisation.name, Deposit.amount_cents, Deposit.refund_claimed_on)
        .join(Case, Case.id == Deposit.case_id).join(Applicant, Applicant.id == Case.applicant_id)
        .join(Place, Place.id == Deposit.place_id).join(Organisation, Organisation.id == Deposit.landlord_id)
        .where(Deposit.state == "refund_claimed", Deposit.refund_claimed_on < limit, policy.deposit_scope(actor))
        .order_by(Deposit.refund_claimed_on, Deposit.id)
    ).all()
    found = []
    for deposit_id, case_id, created, first, last, place, landlord, cents, claimed in rows:
        assert claimed is not None  # the query asked for a claim date
        found.append(OverdueRefund(deposit_id, case_reference(case_id, created.year), _person(actor, first, last),
                                   place, landlord, cents, claimed, (today - claimed).days))
    return found


def overview(session: Session, actor: User, today: date | None = None) -> Overview:
    """The treasurer's first page: the balances, what is owed back and by whom, what is late."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    today = today or clock.today()
    by_landlord = outstanding_by_landlord(session, actor)
    return Overview(
        today=today,
        balances=account_balances(session, actor),
        outstanding_count=sum(group.count for group in by_landlord),
        outstanding_cents=sum(group.cents for group in by_landlord),
        by_landlord=by_landlord,
        by_place=outstanding_by_place(session, actor),
        by_age=outstanding_by_age(session, actor, today),
        overdue=overdue_refunds(session, actor, today),
    )


# ---------------------------------------------------------------- the list of deposits


@dataclass(frozen=True)
class DepositRow:
    id: int
    case_reference: str
    person: str
    place: str
    address: str
    town: str
    landlord: str
    cents: int
    state: str
    committed_on: date | None
    paid_on: date | None
    refund_claimed_on: date | None
    settled_on: date | None
    refunded_cents: int
    retained_cents: int


@dataclass(frozen=True)
class DepositFilter:
    state: str | None = None
    landlord_id: int | None = None


def list_deposits(session: Session, actor: User, deposit_filter: DepositFilter | None = None, *, page: int = 1,
                  per_page: int = PER_PAGE) -> Page[DepositRow]:
    """One page of the deposits the actor may see (a landlord: their own), newest first; two queries."""
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    deposit_filter = deposit_filter or DepositFilter()
    conditions = [policy.deposit_scope(actor)]
    if deposit_filter.state:
        conditions.append(Deposit.state == deposit_filter.state)
    if deposit_filter.landlord_id is not None:
        conditions.append(Deposit.landlord_id == deposit_filter.landlord_id)
    rows = paginate_rows(
        session,
        select(Deposit.id, Case.id, Case.created_at, Applicant.first_name, Applicant.last_name, Place.reference,
               Place.address, Town.name, Organisation.name, Deposit.amount_cents, Deposit.state,
               Deposit.committed_on, Deposit.paid_on, Deposit.refund_claimed_on, Deposit.settled_on,
               Deposit.refunded_cents, Deposit.retained_cents)
        .join(Case, Case.id == Deposit.case_id).join(Applicant, Applicant.id == Case.applicant_id)
        .join(Place, Place.id == Deposit.place_id).join(Town, Town.id == Place.town_id)
        .join(Organisation, Organisation.id == Deposit.landlord_id)
        .where(and_(*conditions)).order_by(Deposit.id.desc()),
        page, per_page,
    )
    items = [
        DepositRow(deposit_id, case_reference(case_id, created.year), _person(actor, first, last), place, address,
                   town, landlord, cents, state, committed, paid, claimed, settled, refunded, retained)
        for (deposit_id, case_id, created, first, last, place, address, town, landlord, cents, state, committed,
             paid, claimed, settled, refunded, retained) in rows
    ]
    return Page(items, rows.total, rows.page, rows.pages)


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


def landlords(session: Session, actor: User) -> list[Choice]:
    """The landlords a deposit list may be filtered by (none for a landlord's representative)."""
    if not policy.can(actor, policy.Action.VIEW_TREASURY):
        return []
    rows = session.execute(select(Organisation.id, Organisation.name)
                           .where(Organisation.kind == OrganisationKind.LANDLORD).order_by(Organisation.name)).all()
    return [Choice(key, name) for key, name in rows]


# ---------------------------------------------------------------- contributions


@dataclass(frozen=True)
class ContributionRow:
    id: int
    year: int
    contributor: str
    population: int
    rate_cents: int
    cents: int
    called_on: date | None
    received_on: date | None


def year_contributions(session: Session, actor: User, year: int) -> list[ContributionRow]:
    """The year's contributions as they stand, without opening the year (see
    :func:`commission.services.treasury.contributions`, which does); one query."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    rows = session.execute(
        select(Contribution.id, Town.name, Organisation.name, Contribution.population, Contribution.rate_cents,
               Contribution.amount_cents, Contribution.called_on, Contribution.received_on)
        .outerjoin(Town, Town.id == Contribution.town_id)
        .outerjoin(Organisation, Organisation.id == Contribution.organisation_id)
        .where(Contribution.year == year).order_by(Contribution.id)
    ).all()
    return [ContributionRow(key, year, town or organisation or "—", population, rate, cents, called, received)
            for key, town, organisation, population, rate, cents, called, received in rows]


# ---------------------------------------------------------------- the ledger


@dataclass(frozen=True)
class EntryLine:
    account: Account
    debit_cents: int
    credit_cents: int


@dataclass(frozen=True)
class EntryRow:
    id: int
    kind: EntryKind
    value_date: date
    label: str
    method: PaymentMethod | None
    reference: str
    deposit_id: int | None
    contribution_id: int | None
    corrects_id: int | None
    corrected_by_id: int | None
    actor: str
    lines: list[EntryLine] = field(default_factory=list)

    @property
    def correctable(self) -> bool:
        """Only a free-standing entry may be reversed; a deposit's or a contribution's follow their steps."""
        return (self.kind is not EntryKind.CORRECTION and self.corrected_by_id is None
                and self.deposit_id is None and self.contribution_id is None)

    @property
    def cents(self) -> int:
        return sum(line.debit_cents for line in self.lines)


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _entry_rows(session: Session, entries: Sequence[LedgerEntry]) -> list[EntryRow]:
    ids = [entry.id for entry in entries]
    corrected: dict[int | None, int] = {}
    if ids:
        for corrects_id, correction_id in session.execute(
                select(LedgerEntry.corrects_id, LedgerEntry.id).where(LedgerEntry.corrects_id.in_(ids))):
            corrected[corrects_id] = correction_id
    return [
        EntryRow(entry.id, entry.kind, entry.value_date, entry.label, entry.method, entry.reference,
                 entry.deposit_id, entry.contribution_id, entry.corrects_id, corrected.get(entry.id),
                 entry.actor.display_name if entry.actor else "",
                 [EntryLine(line.account, line.debit_cents, line.credit_cents) for line in entry.lines])
        for entry in entries
    ]


def _entries() -> Select[LedgerEntry]:
    return select(LedgerEntry).options(selectinload(LedgerEntry.lines), joinedload(LedgerEntry.actor))


def ledger_page(session: Session, actor: User, year: int, *, page: int = 1, per_page: int = PER_PAGE
                ) -> Page[EntryRow]:
    """One page of the year's journal, in date order, each entry with its lines; four queries."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    first, last = _year_bounds(year)
    within = and_(LedgerEntry.value_date >= first, LedgerEntry.value_date <= last)
    entries = paginate(session, _entries().where(within).order_by(LedgerEntry.value_date, LedgerEntry.id),
                       page, per_page)
    return Page(_entry_rows(session, entries.items), entries.total, entries.page, entries.pages)


def ledger_entry(session: Session, actor: User, entry_id: int) -> EntryRow:
    policy.require(actor, policy.Action.VIEW_TREASURY)
    entry = session.execute(_entries().where(LedgerEntry.id == entry_id)).unique().scalar_one_or_none()
    if entry is None:
        raise NotFound()
    return _entry_rows(session, [entry])[0]


def deposit_entries(session: Session, actor: User, deposit_id: int) -> list[EntryRow]:
    """The ledger entries one deposit's steps wrote."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    entries = session.execute(_entries().where(LedgerEntry.deposit_id == deposit_id)
                              .order_by(LedgerEntry.value_date, LedgerEntry.id)).unique().scalars().all()
    return _entry_rows(session, entries)


@dataclass(frozen=True)
class LedgerRow:
    """One line of the journal, flat, as a spreadsheet wants it."""

    entry_id: int
    value_date: date
    kind: EntryKind
    label: str
    account: Account
    debit_cents: int
    credit_cents: int
    method: PaymentMethod | None
    reference: str
    corrects_id: int | None


def ledger_lines(session: Session, actor: User, year: int) -> list[LedgerRow]:
    """Every line of the year's entries, in date order; one query."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    first, last = _year_bounds(year)
    rows = session.execute(
        select(LedgerEntry.id, LedgerEntry.value_date, LedgerEntry.kind, LedgerEntry.label, LedgerLine.account,
               LedgerLine.debit_cents, LedgerLine.credit_cents, LedgerEntry.method, LedgerEntry.reference,
               LedgerEntry.corrects_id)
        .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
        .where(LedgerEntry.value_date >= first, LedgerEntry.value_date <= last)
        .order_by(LedgerEntry.value_date, LedgerEntry.id, LedgerLine.id)
    ).all()
    return [LedgerRow(entry_id, day, kind, label, account, debit, credit, method, reference, corrects_id)
            for entry_id, day, kind, label, account, debit, credit, method, reference, corrects_id in rows]


def ledger_years(session: Session, actor: User, today: date | None = None) -> list[int]:
    """The years with entries, and the current one: where the ledger may be read."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    first, last = session.execute(select(func.min(LedgerEntry.value_date), func.max(LedgerEntry.value_date))).one()
    current = (today or clock.today()).year
    low = min(first.year if first else current, current)
    high = max(last.year if last else current, current)
    return list(range(low, high + 1))


# ---------------------------------------------------------------- the year's statement


@dataclass(frozen=True)
class Statement:
    """The bank account over a year, and what the fund is owed; every figure from that year's entries.

    ``opening_cents + receipts_cents - payments_cents == closing_cents`` always holds: each line of the
    bank account within the year counts in exactly one figure (a correction in the figure of the entry
    it reverses; anything else in the other receipts or payments).
    """

    year: int
    first_day: date
    last_day: date
    opening_cents: int
    contributions_received_cents: int
    refunds_received_cents: int
    other_receipts_cents: int
    deposits_paid_cents: int
    other_expenses_cents: int
    other_payments_cents: int
    closing_cents: int
    retentions_cents: int
    write_offs_cents: int
    contributions_called_cents: int
    deposits_outstanding_opening_cents: int
    deposits_outstanding_closing_cents: int
    contributions_due_closing_cents: int

    @property
    def receipts_cents(self) -> int:
        return self.contributions_received_cents + self.refunds_received_cents + self.other_receipts_cents

    @property
    def payments_cents(self) -> int:
        return self.deposits_paid_cents + self.other_expenses_cents + self.other_payments_cents

    @property
    def balanced(self) -> bool:
        return self.opening_cents + self.receipts_cents - self.payments_cents == self.closing_cents


@dataclass(frozen=True)
class StatementRow:
    """One line of the statement as every rendering shows it (page, PDF, spreadsheet)."""

    section: str  # message id
    label: str  # message id
    cents: int
    day: date | None = None
    total: bool = False


BANK_SECTION = N_("Bank account")
LOSSES_SECTION = N_("Deposits not recovered")
OWED_SECTION = N_("Owed to the fund")


def statement_rows(statement: Statement) -> list[StatementRow]:
    rows = [
        StatementRow(BANK_SECTION, N_("Opening balance"), statement.opening_cents, statement.first_day, total=True),
        StatementRow(BANK_SECTION, N_("Contributions received"), statement.contributions_received_cents),
        StatementRow(BANK_SECTION, N_("Deposit refunds received"), statement.refunds_received_cents),
    ]
    if statement.other_receipts_cents:
        rows.append(StatementRow(BANK_SECTION, N_("Other receipts"), statement.other_receipts_cents))
    rows += [
        StatementRow(BANK_SECTION, N_("Total receipts"), statement.receipts_cents, total=True),
        StatementRow(BANK_SECTION, N_("Deposits paid out"), statement.deposits_paid_cents),
        StatementRow(BANK_SECTION, N_("Other expenses"), statement.other_expenses_cents),
    ]
    if statement.other_payments_cents:
        rows.append(StatementRow(BANK_SECTION, N_("Other payments"), statement.other_payments_cents))
    rows += [
        StatementRow(BANK_SECTION, N_("Total payments"), statement.payments_cents, total=True),
        StatementRow(BANK_SECTION, N_("Closing balance"), statement.closing_cents, statement.last_day, total=True),
        StatementRow(LOSSES_SECTION, N_("Retained by landlords"), statement.retentions_cents),
        StatementRow(LOSSES_SECTION, N_("Written off"), statement.write_offs_cents),
        StatementRow(OWED_SECTION, N_("Deposits outstanding at the opening"),
                     statement.deposits_outstanding_opening_cents, statement.first_day),
        StatementRow(OWED_SECTION, N_("Deposits outstanding at the closing"),
                     statement.deposits_outstanding_closing_cents, statement.last_day),
        StatementRow(OWED_SECTION, N_("Contributions called in the year"), statement.contributions_called_cents),
        StatementRow(OWED_SECTION, N_("Contributions still due at the closing"),
                     statement.contributions_due_closing_cents, statement.last_day),
    ]
    return rows


def statement_sections(rows: Sequence[StatementRow]) -> list[tuple[str, list[StatementRow]]]:
    """The rows grouped by section, in their order."""
    sections: dict[str, list[StatementRow]] = {}
    for row in rows:
        sections.setdefault(row.section, []).append(row)
    return list(sections.items())


# The bank account's figures, by the kind of entry that moved the money: receipts are debits, payments credits.
_RECEIPTS = {
    EntryKind.CONTRIBUTION_RECEIVED: "contributions_received_cents",
    EntryKind.REFUND_RECEIVED: "refunds_received_cents",
    EntryKind.RETENTION: "refunds_received_cents",  # what came back of a partly retained deposit
}
_PAYMENTS = {
    EntryKind.DEPOSIT_PAID: "deposits_paid_cents",
    EntryKind.EXPENSE: "other_expenses_cents",
}


def statement(session: Session, actor: User, year: int) -> Statement:
    """The year's statement; three queries (the balances at both ends, the year's lines grouped)."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    first, last = _year_bounds(year)
    opening = balances(session, until=first - timedelta(days=1))
    closing = balances(session, until=last)
    corrected = aliased(LedgerEntry)
    grouped = session.execute(
        select(LedgerEntry.kind, corrected.kind, LedgerLine.account, func.sum(LedgerLine.debit_cents),
               func.sum(LedgerLine.credit_cents))
        .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
        .outerjoin(corrected, corrected.id == LedgerEntry.corrects_id)
        .where(LedgerEntry.value_date >= first, LedgerEntry.value_date <= last)
        .group_by(LedgerEntry.kind, corrected.kind, LedgerLine.account)
    ).all()
    figures = dict.fromkeys(("contributions_received_cents", "refunds_received_cents", "other_receipts_cents",
                             "deposits_paid_cents", "other_expenses_cents", "other_payments_cents",
                             "retentions_cents", "write_offs_cents", "contributions_called_cents"), 0)
    for kind, corrected_kind, account, debit_sum, credit_sum in grouped:
        debit, credit = int(debit_sum or 0), int(credit_sum or 0)
        # A correction counts in the figure of the entry it reverses (its lines are that entry's, swapped).
        effective = corrected_kind if kind is EntryKind.CORRECTION and corrected_kind is not None else kind
        if account is Account.BANK:
            if effective in _RECEIPTS:
                figures[_RECEIPTS[effective]] += debit - credit
            elif effective in _PAYMENTS:
                figures[_PAYMENTS[effective]] += credit - debit
            else:
                figures["other_receipts_cents"] += debit
                figures["other_payments_cents"] += credit
        elif account is Account.RETENTIONS:
            figures["retentions_cents"] += debit - credit
        elif account is Account.WRITE_OFFS:
            figures["write_offs_cents"] += debit - credit
        elif account is Account.CONTRIBUTIONS:
            figures["contributions_called_cents"] += credit - debit
    return Statement(
        year=year, first_day=first, last_day=last,
        opening_cents=opening[Account.BANK], closing_cents=closing[Account.BANK],
        deposits_outstanding_opening_cents=opening[Account.DEPOSITS_RECEIVABLE],
        deposits_outstanding_closing_cents=closing[Account.DEPOSITS_RECEIVABLE],
        contributions_due_closing_cents=closing[Account.CONTRIBUTIONS_RECEIVABLE],
        **figures,
    )


@dataclass(frozen=True)
class StatementDocument:
    """What the printed statement shows: the statement, its rows, the year's contributions, who issues it."""

    council: str
    statement: Statement
    rows: list[StatementRow]
    contributions: list[ContributionRow]
    issued_on: date

    @property
    def sections(self) -> list[tuple[str, list[StatementRow]]]:
        return statement_sections(self.rows)


def statement_document(session: Session, actor: User, year: int, council: str, today: date | None = None
                       ) -> StatementDocument:
    found = statement(session, actor, year)
    return StatementDocument(council=council, statement=found, rows=statement_rows(found),
                             contributions=year_contributions(session, actor, year),
                             issued_on=today or clock.today())
