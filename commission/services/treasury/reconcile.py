"""Every ledger entry reconciled with its audit entry and with the record that caused it, one by one.

Posting an entry writes an audit entry that holds the entry as stored and its digest
(:func:`.ledger.entry_content`); the audit trail's keyed chain seals it (`commission audit verify`). Here
each entry is read back as the database holds it, raw, and compared: an entry without its audit entry
was written around the application; an audit entry without its entry names an entry deleted with its
lines; a label, a value date, a line's account or amount that differ name the entry changed. Then each
entry is compared with what caused it: a contribution called or received, a deposit's step, an expense
(its own record, the audit entry), a correction (the reverse of the entry it corrects).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from commission.models.audit import AuditEntry
from commission.models.treasury import Account, Contribution, Deposit, EntryKind, LedgerEntry, LedgerLine
from commission.services.treasury.ledger import entry_content, entry_digest

LABEL_LENGTH = 300  # what the entry keeps of a label (the entries audited before the digest hold it whole)
FIELD_NAMES = {
    "kind": "kind", "value_date": "value date", "label": "label", "method": "method", "reference": "reference",
    "deposit_id": "deposit", "contribution_id": "contribution", "corrects_id": "corrected entry",
    "lines": "lines (accounts and amounts)",
}
Lines = list[list[Any]]


def _raw(column: Any) -> Any:
    """A column as the database holds it, unparsed: a damaged value is reported, not raised."""
    return type_coerce(column, String)


def _stored(session: Session) -> dict[int, dict[str, Any]]:
    lines: dict[int, list[tuple[str, int, int]]] = {}
    for entry_id, account, debit, credit in session.execute(
            select(LedgerLine.entry_id, _raw(LedgerLine.account), LedgerLine.debit_cents, LedgerLine.credit_cents)
            .order_by(LedgerLine.id)):
        lines.setdefault(entry_id, []).append((str(account), debit, credit))
    stored = {}
    for row in session.execute(
            select(LedgerEntry.id, _raw(LedgerEntry.kind), _raw(LedgerEntry.value_date), LedgerEntry.label,
                   _raw(LedgerEntry.method), LedgerEntry.reference, LedgerEntry.deposit_id,
                   LedgerEntry.contribution_id, LedgerEntry.corrects_id).order_by(LedgerEntry.id)):
        entry_id, kind, value_date, label, method, reference, deposit_id, contribution_id, corrects_id = row
        stored[entry_id] = entry_content(
            kind=str(kind), value_date=str(value_date), label=label, method=None if method is None else str(method),
            reference=reference, deposit_id=deposit_id, contribution_id=contribution_id, corrects_id=corrects_id,
            lines=lines.get(entry_id, []))
    return stored


def _audited(session: Session, problems: list[str]) -> dict[int, list[tuple[int, dict[str, Any]]]]:
    """The audit entries of the ledger's postings, by the entry they name."""
    found: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for audit_id, action, object_id, details in session.execute(
            select(AuditEntry.id, AuditEntry.action, AuditEntry.object_id, AuditEntry.details)
            .where(AuditEntry.object_type == "ledger_entry").order_by(AuditEntry.id)):
        if not action.startswith("ledger."):
            continue
        try:
            entry_id = int(object_id)
            content = json.loads(details)
            if not isinstance(content, dict):
                raise ValueError(details)
        except (ValueError, TypeError):
            problems.append(f"audit entry {audit_id} of a ledger posting cannot be read")
            continue
        content.setdefault("kind", action.removeprefix("ledger."))
        found.setdefault(entry_id, []).append((audit_id, content))
    return found


def _recorded(name: str, value: Any, sealed: bool) -> Any:
    if name == "lines" and isinstance(value, list):
        return sorted(list(line) if isinstance(line, list) else line for line in value)
    if name == "label" and isinstance(value, str) and not sealed:
        return value[:LABEL_LENGTH]
    return value


def _differences(stored: Mapping[str, Any], recorded: Mapping[str, Any]) -> str:
    """What differs, in words, '' if nothing does (entries audited before the digest hold fewer fields)."""
    sealed = "digest" in recorded
    changed = []
    for name, words in FIELD_NAMES.items():
        if name not in recorded:
            continue
        want = _recorded(name, recorded[name], sealed)
        if stored[name] != want:
            changed.append(words if name == "lines" else f"{words} {stored[name]!r} (recorded: {want!r})")
    if not changed and sealed and entry_digest(dict(stored)) != recorded["digest"]:
        changed.append("content")
    return "; ".join(changed)


def _against_audit(stored: dict[int, dict[str, Any]], audited: dict[int, list[tuple[int, dict[str, Any]]]]
                   ) -> list[str]:
    problems = []
    for entry_id, content in stored.items():
        records = audited.get(entry_id, [])
        if not records:
            problems.append(f"ledger entry {entry_id} ({content['kind']}, {content['value_date']}, "
                            f"{content['label']!r}) has no audit entry: it was written outside the application")
            continue
        if len(records) > 1:
            problems.append(f"ledger entry {entry_id} has {len(records)} audit entries "
                            f"({', '.join(str(audit_id) for audit_id, _ in records)}): one was forged")
        audit_id, recorded = records[0]
        changed = _differences(content, recorded)
        if changed:
            problems.append(f"ledger entry {entry_id} differs from its audit entry {audit_id}: {changed}")
    for entry_id in sorted(set(audited) - set(stored)):
        audit_id, recorded = audited[entry_id][0]
        problems.append(f"ledger entry {entry_id} was deleted: audit entry {audit_id} records it "
                        f"({recorded.get('kind')}, {recorded.get('value_date')}, {recorded.get('label')!r})")
    return problems


def _pair(debit: Account, credit: Account, cents: int) -> Lines:
    return sorted([[debit.value, cents, 0], [credit.value, 0, cents]])


def _contributions(session: Session, stored: dict[int, dict[str, Any]]) -> list[str]:
    problems = []
    by_cause: dict[tuple[int, str], int] = {}
    contributions = {row.id: row for row in session.execute(select(Contribution)).scalars()}
    kinds = (EntryKind.CONTRIBUTION_CALLED.value, EntryKind.CONTRIBUTION_RECEIVED.value)
    for entry_id, content in stored.items():
        if content["kind"] not in kinds:
            if content["contribution_id"] is not None:
                problems.append(f"ledger entry {entry_id} is a {content['kind']} entry of a contribution")
            continue
        if content["contribution_id"] not in contributions:
            problems.append(f"ledger entry {entry_id} ({content['kind']}) names no contribution")
            continue
        by_cause[(content["contribution_id"], content["kind"])] = entry_id
    for contribution in contributions.values():
        steps = ((EntryKind.CONTRIBUTION_CALLED, contribution.called_on, "called",
                  _pair(Account.CONTRIBUTIONS_RECEIVABLE, Account.CONTRIBUTIONS, contribution.amount_cents)),
                 (EntryKind.CONTRIBUTION_RECEIVED, contribution.received_on, "received",
                  _pair(Account.BANK, Account.CONTRIBUTIONS_RECEIVABLE, contribution.amount_cents)))
        for kind, day, done, lines in steps:
            name = f"contribution {contribution.id} ({contribution.year})"
            if (contribution.id, kind.value) not in by_cause:
                if day is not None:
                    problems.append(f"{name} was {done} on {day.isoformat()}, but no ledger entry records it")
                continue
            entry_id = by_cause[(contribution.id, kind.value)]
            content = stored[entry_id]
            if day is None:
                problems.append(f"ledger entry {entry_id}: {name} is not {done}, yet the entry says it is")
            elif content["value_date"] != day.isoformat():
                problems.append(f"ledger entry {entry_id} is dated {content['value_date']}, {name} was {done} "
                                f"on {day.isoformat()}")
            if content["lines"] != lines:
                problems.append(f"ledger entry {entry_id}: its lines do not match {name}'s amount "
                                f"({contribution.amount_cents} cents)")
    return problems


def _deposit_lines(kind: str, deposit: Deposit) -> Lines:
    amount = deposit.amount_cents
    if kind == EntryKind.DEPOSIT_PAID.value:
        return _pair(Account.DEPOSITS_RECEIVABLE, Account.BANK, amount)
    if kind == EntryKind.REFUND_RECEIVED.value:
        return _pair(Account.BANK, Account.DEPOSITS_RECEIVABLE, amount)
    if kind == EntryKind.WRITE_OFF.value:
        return _pair(Account.WRITE_OFFS, Account.DEPOSITS_RECEIVABLE, amount)
    lines = [[Account.RETENTIONS.value, deposit.retained_cents, 0], [Account.DEPOSITS_RECEIVABLE.value, 0, amount]]
    if deposit.refunded_cents:
        lines.append([Account.BANK.value, deposit.refunded_cents, 0])
    return sorted(lines)


DEPOSIT_KINDS = frozenset({EntryKind.DEPOSIT_PAID.value, EntryKind.REFUND_RECEIVED.value,
                           EntryKind.RETENTION.value, EntryKind.WRITE_OFF.value})


def _deposits(session: Session, stored: dict[int, dict[str, Any]]) -> list[str]:
    """The kinds of entries each deposit's state implies are :func:`.invariants.check`'s; here, each entry's
    date and amounts against its deposit."""
    problems = []
    deposits = {row.id: row for row in session.execute(select(Deposit)).scalars()}
    for entry_id, content in stored.items():
        kind, deposit_id = content["kind"], content["deposit_id"]
        if kind == EntryKind.OPENING_BALANCE.value and deposit_id is not None:
            # A deposit paid before the books opened here, imported: what it is owed, brought forward.
            deposit = deposits.get(deposit_id)
            if deposit is None or content["lines"] != _pair(Account.DEPOSITS_RECEIVABLE, Account.BROUGHT_FORWARD,
                                                            deposit.amount_cents):
                problems.append(f"ledger entry {entry_id}: its lines do not match deposit {deposit_id}'s amount")
            continue
        if kind not in DEPOSIT_KINDS:
            if deposit_id is not None:
                problems.append(f"ledger entry {entry_id} is a {kind} entry of a deposit")
            continue
        deposit = deposits.get(deposit_id) if deposit_id is not None else None
        if deposit is None:
            problems.append(f"ledger entry {entry_id} ({kind}) names no deposit")
            continue
        day = deposit.paid_on if kind == EntryKind.DEPOSIT_PAID.value else deposit.settled_on
        if day is None or content["value_date"] != day.isoformat():
            problems.append(f"ledger entry {entry_id} is dated {content['value_date']}, deposit {deposit.id}'s "
                            f"step on {day.isoformat() if day else 'no date'}")
        if content["lines"] != _deposit_lines(kind, deposit):
            problems.append(f"ledger entry {entry_id}: its lines do not match deposit {deposit.id}'s amounts")
    return problems


def _expenses_and_corrections(stored: dict[int, dict[str, Any]]) -> list[str]:
    problems = []
    corrected: dict[int, int] = {}
    for entry_id, content in stored.items():
        kind, lines = content["kind"], content["lines"]
        if kind == EntryKind.EXPENSE.value:
            debits = [line for line in lines if line[1]]
            credits = [line for line in lines if line[2]]
            if len(lines) != 2 or len(debits) != 1 or len(credits) != 1 \
                    or debits[0][0] != Account.OTHER_EXPENSES.value or credits[0][0] != Account.BANK.value:
                problems.append(f"ledger entry {entry_id}: an expense is one debit of {Account.OTHER_EXPENSES.value} "
                                f"and one credit of {Account.BANK.value}")
        if kind != EntryKind.CORRECTION.value:
            if content["corrects_id"] is not None:
                problems.append(f"ledger entry {entry_id} is a {kind} entry, not a correction, yet it corrects one")
            continue
        original = stored.get(content["corrects_id"]) if content["corrects_id"] is not None else None
        if original is None or original["kind"] == EntryKind.CORRECTION.value:
            problems.append(f"ledger entry {entry_id} corrects no entry that can be corrected")
            continue
        if content["corrects_id"] in corrected:
            problems.append(f"ledger entry {content['corrects_id']} is corrected twice "
                            f"(entries {corrected[content['corrects_id']]} and {entry_id})")
        corrected[content["corrects_id"]] = entry_id
        if lines != sorted([account, credit, debit] for account, debit, credit in original["lines"]):
            problems.append(f"ledger entry {entry_id} does not reverse entry {content['corrects_id']} it corrects")
    return problems


def reconcile(session: Session) -> list[str]:
    """Every problem found between the ledger, the audit trail and the records behind each entry."""
    problems: list[str] = []
    stored = _stored(session)
    problems += _against_audit(stored, _audited(session, problems))
    problems += _contributions(session, stored)
    problems += _deposits(session, stored)
    problems += _expenses_and_corrections(stored)
    return problems
