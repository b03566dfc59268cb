"""The year's contributions, the ledger (its pages, one entry, a deposit's entries, the lines for a
spreadsheet) and the year's statement, from the entries.

Plain data, computed by the database in a fixed number of queries (see the package's docstring).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from commission import clock, policy
from commission.documents.fund_data import (
    ContributionRow,
    LedgerRow,
    Statement,
    StatementDocument,
    statement_rows,
)
from commission.errors import NotFound
from commission.models.accounts import User
from commission.models.reference import Organisation, Town
from commission.models.treasury import Account, Contribution, EntryKind, LedgerEntry, LedgerLine, PaymentMethod
from commission.services.paging import PER_PAGE, Page, paginate
from commission.services.treasury import balances

# ---------------------------------------------------------------- contributions


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


def money_by_figure(session: Session, first: date, last: date) -> dict[str, int]:
    """The money of the entries dated from ``first`` to ``last``, by the statement's figures (receipts,
    payments, retentions, write-offs, contributions called); one query. The dashboard reads it too."""
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
    return figures


def statement(session: Session, actor: User, year: int) -> Statement:
    """The year's statement; three queries (the balances at both ends, the year's lines grouped)."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    first, last = _year_bounds(year)
    opening = balances(session, until=first - timedelta(days=1))
    closing = balances(session, until=last)
    figures = money_by_figure(session, first, last)
    return Statement(
        year=year, first_day=first, last_day=last,
        opening_cents=opening[Account.BANK], closing_cents=closing[Account.BANK],
        deposits_outstanding_opening_cents=opening[Account.DEPOSITS_RECEIVABLE],
        deposits_outstanding_closing_cents=closing[Account.DEPOSITS_RECEIVABLE],
        contributions_due_closing_cents=closing[Account.CONTRIBUTIONS_RECEIVABLE],
        **figures,
    )


def statement_document(session: Session, actor: User, year: int, council: str, today: date | None = None
                       ) -> StatementDocument:
    found = statement(session, actor, year)
    return StatementDocument(council=council, statement=found, rows=statement_rows(found),
                             contributions=year_contributions(session, actor, year),
                             issued_on=today or clock.today())
