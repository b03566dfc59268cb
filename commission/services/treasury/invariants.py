"""What must hold between the ledger and the deposits, checked in words; and every entry reconciled with its
audit entry and its cause (:mod:`.reconcile`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.models.treasury import (
    Account,
    Deposit,
    EntryKind,
    LedgerEntry,
    LedgerLine,
)
from commission.services.treasury.ledger import balances
from commission.services.treasury.reconcile import reconcile
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- invariants


# The entry each step that moves money writes (see take_deposit_step).
STEP_ENTRIES: dict[str, EntryKind] = {
    "pay": EntryKind.DEPOSIT_PAID, "refund": EntryKind.REFUND_RECEIVED, "retain": EntryKind.RETENTION,
    "write_off": EntryKind.WRITE_OFF,
}


def _expected_entries() -> dict[str, set[EntryKind]]:
    """The entries a deposit has in each state: those of the steps that led there from the first state."""
    expected: dict[str, set[EntryKind]] = {DEPOSIT_MACHINE.initial: set()}
    pending = [DEPOSIT_MACHINE.initial]
    while pending:
        source = pending.pop(0)
        for step in DEPOSIT_MACHINE.available(source):
            if step.dest not in expected:
                expected[step.dest] = expected[source] | ({STEP_ENTRIES[step.trigger]}
                                                          if step.trigger in STEP_ENTRIES else set())
                pending.append(step.dest)
    return expected


EXPECTED_ENTRIES = _expected_entries()


def check(session: Session) -> list[str]:
    """Every problem of the ledger and the deposits, in words (empty when all is well)."""
    problems: list[str] = []
    unbalanced = session.execute(
        select(LedgerLine.entry_id).group_by(LedgerLine.entry_id)
        .having(func.sum(LedgerLine.debit_cents) != func.sum(LedgerLine.credit_cents))
    ).scalars().all()
    problems += [f"ledger entry {entry_id} does not balance" for entry_id in unbalanced]
    empty = session.execute(
        select(LedgerEntry.id).outerjoin(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
        .group_by(LedgerEntry.id).having(func.count(LedgerLine.id) == 0)
    ).scalars().all()
    problems += [f"ledger entry {entry_id} has no lines" for entry_id in empty]
    totals = balances(session)
    if sum(totals.values()) != 0:
        problems.append(f"the ledger's debits and credits differ by {sum(totals.values())} cents")
    kinds: dict[int, set[EntryKind]] = {}
    net: dict[int, int] = {}
    rows = session.execute(
        select(LedgerEntry.deposit_id, LedgerEntry.kind, LedgerLine.debit_cents - LedgerLine.credit_cents)
        .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
        .where(LedgerEntry.deposit_id.is_not(None), LedgerLine.account == Account.DEPOSITS_RECEIVABLE)
    ).all()
    for deposit_id, kind, amount in rows:
        assert deposit_id is not None
        kinds.setdefault(deposit_id, set()).add(kind)
        net[deposit_id] = net.get(deposit_id, 0) + amount
    outstanding = 0
    for deposit in session.execute(select(Deposit).order_by(Deposit.id)).scalars():
        expected = EXPECTED_ENTRIES.get(deposit.state)
        found = kinds.get(deposit.id, set())
        if EntryKind.OPENING_BALANCE in found and EntryKind.DEPOSIT_PAID not in found:
            # A deposit paid before the books opened here arrives with its opening balance instead of its payment.
            found = (found - {EntryKind.OPENING_BALANCE}) | {EntryKind.DEPOSIT_PAID}
        if expected is None:
            problems.append(f"deposit {deposit.id} is in an unknown state {deposit.state!r}")
            continue
        if found != expected:
            problems.append(f"deposit {deposit.id} is {deposit.state} but its entries are "
                            f"{sorted(kind.value for kind in found) or 'none'}")
        owed = deposit.amount_cents if DEPOSIT_MACHINE.means(deposit.state, Tag.OUTSTANDING) else 0
        if net.get(deposit.id, 0) != owed:
            problems.append(f"deposit {deposit.id} is {deposit.state}: the fund should be owed {owed} cents on it, "
                            f"the ledger says {net.get(deposit.id, 0)}")
        if DEPOSIT_MACHINE.means(deposit.state, Tag.PARTLY_RETAINED) \
                and deposit.refunded_cents + deposit.retained_cents != deposit.amount_cents:
            problems.append(f"deposit {deposit.id}: refunded and retained do not add up to its amount")
        outstanding += owed
    if totals[Account.DEPOSITS_RECEIVABLE] != outstanding:
        problems.append(f"deposits receivable: the ledger says {totals[Account.DEPOSITS_RECEIVABLE]} cents, "
                        f"the deposits outstanding add up to {outstanding}")
    return problems + reconcile(session)
