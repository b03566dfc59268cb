"""The amounts typed for the fund, and the double-entry ledger: entries, balances, corrections, expenses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import InvalidInput, NotFound
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.treasury import (
    Account,
    EntryKind,
    LedgerEntry,
    LedgerLine,
    PaymentMethod,
)
from commission.parsing import parse_date, parse_euros
from commission.services import audit
from commission.services.unit import flush

RATE_CENTS = 40  # per inhabitant and per year
MAX_CENTS = 100_000_000  # one million euros: anything above is a typing mistake


# ---------------------------------------------------------------- amounts


def parse_amount(text: str, field: str = "amount", *, allow_zero: bool = False) -> int:
    """An amount of the fund, in cents (:func:`commission.parsing.parse_euros`): required, below a million euros."""
    cents = parse_euros(text, field, allow_zero=allow_zero, maximum=MAX_CENTS)
    assert cents is not None
    return cents


def parse_day(text: str, field: str = "value_date") -> date:
    """A value date (:func:`commission.parsing.parse_date`): required."""
    day = parse_date(text, field)
    assert day is not None
    return day


def parse_method(text: str) -> PaymentMethod:
    try:
        return PaymentMethod(text)
    except ValueError:
        raise InvalidInput({"method": [msg("Choose how the money was paid.")]}) from None


# ---------------------------------------------------------------- the ledger


@dataclass(frozen=True)
class Line:
    account: Account
    debit: int = 0
    credit: int = 0


def entry_content(*, kind: str, value_date: str, label: str, method: str | None, reference: str,
                  deposit_id: int | None, contribution_id: int | None, corrects_id: int | None,
                  lines: Iterable[tuple[str, int, int]]) -> dict[str, Any]:
    """What the audit trail holds of an entry as stored, and :func:`entry_digest` seals (its lines in a fixed
    order); built alike when the entry is posted and when ``commission check`` reads it back."""
    return {
        "kind": kind, "value_date": value_date, "label": label, "method": method, "reference": reference,
        "deposit_id": deposit_id, "contribution_id": contribution_id, "corrects_id": corrects_id,
        "lines": sorted([account, debit, credit] for account, debit, credit in lines),
    }


def entry_digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(audit.canonical_json(content).encode()).hexdigest()


def post(session: Session, actor: User | None, kind: EntryKind, value_date: date, label: str,
         lines: Sequence[Line], *, deposit_id: int | None = None, contribution_id: int | None = None,
         method: PaymentMethod | None = None, reference: str = "", corrects_id: int | None = None) -> LedgerEntry:
    """Write one balanced entry (not committed: it belongs to the caller's step)."""
    if not lines or any((line.debit == 0) == (line.credit == 0) or min(line.debit, line.credit) < 0
                        for line in lines):
        raise ValueError("each line is a positive debit or a positive credit")
    if sum(line.debit for line in lines) != sum(line.credit for line in lines):
        raise ValueError("an entry's debits and credits must balance")
    entry = LedgerEntry(kind=kind, value_date=value_date, label=label[:300], method=method,
                        reference=reference.strip()[:100], deposit_id=deposit_id, contribution_id=contribution_id,
                        corrects_id=corrects_id, actor_id=actor.id if actor else None)
    session.add(entry)
    session.add_all(LedgerLine(entry=entry, account=line.account, debit_cents=line.debit, credit_cents=line.credit)
                    for line in lines)
    flush(session)
    # The entry as stored, sealed by the audit trail's chain: `commission check` compares them one by one.
    content = entry_content(
        kind=kind.value, value_date=value_date.isoformat(), label=entry.label, method=method.value if method else None,
        reference=entry.reference, deposit_id=deposit_id, contribution_id=contribution_id, corrects_id=corrects_id,
        lines=[(line.account.value, line.debit, line.credit) for line in lines])
    audit.record(session, actor, f"ledger.{kind.value}", "ledger_entry", entry.id,
                 {**content, "digest": entry_digest(content)})
    return entry


def balances(session: Session, *, until: date | None = None, since: date | None = None) -> dict[Account, int]:
    """Debit minus credit per account, from the entries (value dates within the bounds given)."""
    query = (select(LedgerLine.account, func.sum(LedgerLine.debit_cents - LedgerLine.credit_cents))
             .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id).group_by(LedgerLine.account))
    if until is not None:
        query = query.where(LedgerEntry.value_date <= until)
    if since is not None:
        query = query.where(LedgerEntry.value_date >= since)
    found = {account: int(total or 0) for account, total in session.execute(query).all()}
    return {account: found.get(account, 0) for account in Account}


def fund_balance(session: Session, actor: User, until: date | None = None) -> int:
    policy.require(actor, policy.Action.VIEW_TREASURY)
    return balances(session, until=until)[Account.BANK]


def correct_entry(session: Session, actor: User, entry_id: int, reason: str, value_date: date | None = None
                  ) -> LedgerEntry:
    """Reverse an entry by a new one (the original stays as it was)."""
    policy.require(actor, policy.Action.MANAGE_TREASURY)
    if not reason.strip():
        raise InvalidInput({"reason": [msg("Say why the entry is corrected.")]})
    original = session.execute(
        select(LedgerEntry).options(joinedload(LedgerEntry.lines)).where(LedgerEntry.id == entry_id)
    ).unique().scalar_one_or_none()
    if original is None:
        raise NotFound()
    if original.kind is EntryKind.CORRECTION or session.execute(
            select(LedgerEntry.id).where(LedgerEntry.corrects_id == entry_id)).first() is not None:
        raise InvalidInput({"": [msg("This entry is already corrected, or is itself a correction.")]})
    if original.deposit_id is not None or original.contribution_id is not None:
        raise InvalidInput({"": [msg("Entries of a deposit or a contribution follow their steps; they cannot be "
                                     "reversed on their own.")]})
    entry = post(session, actor, EntryKind.CORRECTION, value_date or clock.today(),
                 str(msg("Correction of entry %(id)s: %(reason)s", id=entry_id, reason=reason.strip())),
                 [Line(line.account, debit=line.credit_cents, credit=line.debit_cents) for line in original.lines],
                 corrects_id=entry_id)
    flush(session)
    return entry


def record_expense(session: Session, actor: User, *, amount: str, value_date: str, label: str, method: str,
                   reference: str = "") -> LedgerEntry:
    """Another expense of the scheme (works, fees...), paid from the fund."""
    policy.require(actor, policy.Action.MANAGE_TREASURY)
    errors: dict[str, list[Message]] = {}
    parsed: dict[str, Any] = {}
    for name, parse in (("amount", lambda: parse_amount(amount)), ("value_date", lambda: parse_day(value_date)),
                        ("method", lambda: parse_method(method))):
        try:
            parsed[name] = parse()
        except InvalidInput as invalid:
            errors.update(invalid.errors)
    if not label.strip():
        errors["label"] = [msg("Say what the expense is.")]
    if errors:
        raise InvalidInput(errors)
    entry = post(session, actor, EntryKind.EXPENSE, parsed["value_date"], label.strip(),
                 [Line(Account.OTHER_EXPENSES, debit=parsed["amount"]), Line(Account.BANK, credit=parsed["amount"])],
                 method=parsed["method"], reference=reference)
    flush(session)
    return entry


