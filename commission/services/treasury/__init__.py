"""The council's fund: deposits through their machine, contributions, expenses, and the double-entry ledger.

Every movement of money is one balanced ledger entry, written in the same transaction as the step
that caused it (a deposit paid, a refund received...). Entries are never changed: a mistake is
reversed by a correcting entry. Balances are computed from the entries, and :func:`check` proves that
every entry balances and that every deposit's state matches its entries.

The sections: :mod:`.ledger` (the amounts typed, the entries, the balances, corrections and expenses),
:mod:`.contributions`, :mod:`.deposits` (the deposit machine's steps and their entries),
:mod:`.invariants` (:func:`check`) and :mod:`.reconcile` (each entry against its audit entry and its cause).
"""

from __future__ import annotations

from commission.services.treasury.contributions import (
    call_contribution,
    contributions,
    receive_contribution,
    set_contribution_amount,
)
from commission.services.treasury.deposits import (
    Movement,
    approve_write_off,
    fire_deposit,
    get_deposit,
    list_deposits,
    request_deposit,
    take_deposit_step,
    transitions,
)
from commission.services.treasury.invariants import (
    EXPECTED_ENTRIES,
    STEP_ENTRIES,
    check,
)
from commission.services.treasury.ledger import (
    MAX_CENTS,
    RATE_CENTS,
    Line,
    balances,
    correct_entry,
    fund_balance,
    parse_amount,
    parse_day,
    parse_method,
    post,
    record_expense,
)

__all__ = [
    "EXPECTED_ENTRIES",
    "MAX_CENTS",
    "RATE_CENTS",
    "STEP_ENTRIES",
    "Line",
    "Movement",
    "approve_write_off",
    "balances",
    "call_contribution",
    "check",
    "contributions",
    "correct_entry",
    "fire_deposit",
    "fund_balance",
    "get_deposit",
    "list_deposits",
    "parse_amount",
    "parse_day",
    "parse_method",
    "post",
    "receive_contribution",
    "record_expense",
    "request_deposit",
    "set_contribution_amount",
    "take_deposit_step",
    "transitions",
]
