"""What the treasurer reads: balances, deposits outstanding, overdue refunds, the ledger, the year's statement.

Plain data, computed by the database in a fixed number of queries whatever the number of deposits or
entries (sums and counts are grouped in SQL; nothing is loaded row by row). Every figure is derived
from the ledger or the deposits as they stand: nothing here is stored. Who may read what is asked of
:mod:`commission.policy`: the fund is for those who may view the treasury; a landlord's representative
reaches the deposits on their own landlord's places, and nothing else.

The sections: :mod:`.fund` (the label tables, the balances, the deposits outstanding and overdue, the
list of deposits) and :mod:`.ledger` (the contributions, the ledger, the year's statement).
"""

from __future__ import annotations

from commission.documents.fund_data import (
    BANK_SECTION,
    LOSSES_SECTION,
    OWED_SECTION,
    ContributionRow,
    LedgerRow,
    Statement,
    StatementDocument,
    StatementRow,
    statement_rows,
    statement_sections,
)
from commission.services.treasury_reports.fund import (
    ACCOUNT_LABELS,
    AGE_BANDS,
    DEPOSIT_SORTS,
    ENTRY_KIND_LABELS,
    METHOD_LABELS,
    OVERDUE_AFTER_DAYS,
    AccountBalance,
    Balances,
    Choice,
    DepositFilter,
    DepositRow,
    OutstandingGroup,
    OverdueRefund,
    Overview,
    account_balances,
    case_reference,
    landlords,
    list_deposits,
    outstanding_by_age,
    outstanding_by_landlord,
    outstanding_by_place,
    overdue_refunds,
    overview,
    years_before,
)
from commission.services.treasury_reports.ledger import (
    EntryLine,
    EntryRow,
    deposit_entries,
    ledger_entry,
    ledger_lines,
    ledger_page,
    ledger_years,
    money_by_figure,
    statement,
    statement_document,
    year_contributions,
)

__all__ = [
    "ACCOUNT_LABELS",
    "AGE_BANDS",
    "BANK_SECTION",
    "DEPOSIT_SORTS",
    "ENTRY_KIND_LABELS",
    "LOSSES_SECTION",
    "METHOD_LABELS",
    "OVERDUE_AFTER_DAYS",
    "OWED_SECTION",
    "AccountBalance",
    "Balances",
    "Choice",
    "ContributionRow",
    "DepositFilter",
    "DepositRow",
    "EntryLine",
    "EntryRow",
    "LedgerRow",
    "OutstandingGroup",
    "OverdueRefund",
    "Overview",
    "Statement",
    "StatementDocument",
    "StatementRow",
    "account_balances",
    "case_reference",
    "deposit_entries",
    "landlords",
    "ledger_entry",
    "ledger_lines",
    "ledger_page",
    "ledger_years",
    "list_deposits",
    "money_by_figure",
    "outstanding_by_age",
    "outstanding_by_landlord",
    "outstanding_by_place",
    "overdue_refunds",
    "overview",
    "statement",
    "statement_document",
    "statement_rows",
    "statement_sections",
    "year_contributions",
    "years_before",
]
