"""The fund's year as plain data: the ledger's lines, the statement and its rows, the printed statement.

The treasury's service (:mod:`commission.services.treasury_reports`) computes them from the entries;
the pages, the spreadsheets and the printed statement read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from commission.i18n import N_
from commission.models.treasury import Account, EntryKind, PaymentMethod


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
