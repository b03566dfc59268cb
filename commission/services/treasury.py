"""The council's fund: deposits through their machine, contributions, expenses, and the double-entry ledger.

Every movement of money is one balanced ledger entry, written in the same transaction as the step
that caused it (a deposit paid, a refund received...). Entries are never changed: a mistake is
reversed by a correcting entry. Balances are computed from the entries, and :func:`check` proves that
every entry balances and that every deposit's state matches its entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.db import utcnow
from commission.errors import ConcurrentChange, InvalidInput, NotFound
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.models.treasury import (
    Account,
    Contribution,
    Deposit,
    DepositTransition,
    EntryKind,
    LedgerEntry,
    LedgerLine,
    PaymentMethod,
)
from commission.parsing import parse_date, parse_euros
from commission.services import audit
from commission.services.steps import record_step
from commission.services.unit import flush, locked
from commission.workflow import engine
from commission.workflow.deposit import DEPOSIT_MACHINE

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
    audit.record(session, actor, f"ledger.{kind.value}", "ledger_entry", entry.id, {
        "value_date": value_date.isoformat(), "label": label, "deposit_id": deposit_id,
        "lines": [[line.account.value, line.debit, line.credit] for line in lines],
    })
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


# ---------------------------------------------------------------- contributions


def contributions(session: Session, actor: User, year: int) -> list[Contribution]:
    """The year's contributions: each town's, by its population, and the hospital's, matching the towns'
    total (created as proposed the first time the year is opened; amounts may then be edited)."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    existing = list(session.execute(
        select(Contribution).options(joinedload(Contribution.town), joinedload(Contribution.organisation))
        .where(Contribution.year == year).order_by(Contribution.id)
    ).scalars())
    if existing or not policy.can(actor, policy.Action.MANAGE_TREASURY):
        return existing
    towns = list(session.execute(select(Town).order_by(Town.name)).scalars())
    total = sum(town.population for town in towns)
    rows = [Contribution(year=year, town_id=town.id, population=town.population, rate_cents=RATE_CENTS,
                         amount_cents=town.population * RATE_CENTS) for town in towns]
    hospital = session.execute(
        select(Organisation).where(Organisation.kind == OrganisationKind.HOSPITAL, Organisation.active)
        .order_by(Organisation.id).limit(1)
    ).scalar_one_or_none()
    if hospital is not None:
        rows.append(Contribution(year=year, organisation_id=hospital.id, population=total, rate_cents=RATE_CENTS,
                                 amount_cents=total * RATE_CENTS))
    session.add_all(rows)
    flush(session)
    audit.record(session, actor, "contribution.year_opened", "contribution_year", year,
                 {"total_cents": sum(row.amount_cents for row in rows)})
    flush(session)
    return contributions(session, actor, year)


def _contribution(session: Session, contribution_id: int) -> Contribution:
    row = session.execute(locked(select(Contribution).where(Contribution.id == contribution_id))
                          ).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def set_contribution_amount(session: Session, actor: User, contribution_id: int, amount: str) -> Contribution:
    policy.require(actor, policy.Action.MANAGE_TREASURY)
    row = _contribution(session, contribution_id)
    if row.called_on is not None:
        raise InvalidInput({"amount": [msg("The contribution has been called: its amount no longer changes.")]})
    cents = parse_amount(amount, allow_zero=True)
    audit.record(session, actor, "contribution.amount_set", "contribution", row.id,
                 {"from": row.amount_cents, "to": cents})
    row.amount_cents = cents
    flush(session)
    return row


def call_contribution(session: Session, actor: User, contribution_id: int, value_date: str) -> Contribution:
    policy.require(actor, policy.Action.MANAGE_TREASURY)
    row = _contribution(session, contribution_id)
    day = parse_day(value_date)
    if row.called_on is not None:
        raise InvalidInput({"": [msg("This contribution has already been called.")]})
    if row.amount_cents <= 0:
        raise InvalidInput({"": [msg("A contribution of zero is not called.")]})
    row.called_on = day
    post(session, actor, EntryKind.CONTRIBUTION_CALLED, day,
         str(msg("Contribution %(year)s called: %(who)s", year=row.year, who=row.contributor)),
         [Line(Account.CONTRIBUTIONS_RECEIVABLE, debit=row.amount_cents),
          Line(Account.CONTRIBUTIONS, credit=row.amount_cents)], contribution_id=row.id)
    flush(session)
    return row


def receive_contribution(session: Session, actor: User, contribution_id: int, value_date: str, method: str,
                         reference: str = "") -> Contribution:
    policy.require(actor, policy.Action.MANAGE_TREASURY)
    row = _contribution(session, contribution_id)
    day, payment = parse_day(value_date), parse_method(method)
    if row.called_on is None:
        raise InvalidInput({"": [msg("Call the contribution before recording its payment.")]})
    if row.received_on is not None:
        raise InvalidInput({"": [msg("This contribution has already been received.")]})
    if day < row.called_on:
        raise InvalidInput({"value_date": [msg("The payment cannot be dated before the call (%(date)s).",
                                               date=row.called_on.isoformat())]})
    row.received_on = day
    post(session, actor, EntryKind.CONTRIBUTION_RECEIVED, day,
         str(msg("Contribution %(year)s received: %(who)s", year=row.year, who=row.contributor)),
         [Line(Account.BANK, debit=row.amount_cents), Line(Account.CONTRIBUTIONS_RECEIVABLE, credit=row.amount_cents)],
         contribution_id=row.id, method=payment, reference=reference)
    flush(session)
    return row


# ---------------------------------------------------------------- deposits


def _deposit_query() -> Select[Deposit]:
    return select(Deposit).options(
        joinedload(Deposit.case).joinedload(Case.applicant), joinedload(Deposit.place).joinedload(Place.town),
        joinedload(Deposit.landlord),
    )


def request_deposit(session: Session, actor: User | None, case: Case, place: Place, day: date) -> Deposit | None:
    """The allocation of a place asks the council for its deposit (inside the allocation's transaction)."""
    if place.deposit_cents <= 0:
        return None
    existing = session.execute(
        select(Deposit).where(Deposit.case_id == case.id, Deposit.place_id == place.id)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    deposit = Deposit(case_id=case.id, place_id=place.id, landlord_id=place.organisation_id,
                      amount_cents=place.deposit_cents, state=DEPOSIT_MACHINE.initial)
    session.add(deposit)
    flush(session)
    _record(session, deposit, actor, "request", None, deposit.state, "")
    return deposit


def _record(session: Session, deposit: Deposit, actor: User | None, trigger: str, source: str | None, dest: str,
            reason: str) -> None:
    record_step(session, DepositTransition, actor=actor, trigger=trigger, source=source, dest=dest, reason=reason,
                subject="deposit", subject_id=deposit.id, extra={"amount_cents": deposit.amount_cents},
                deposit_id=deposit.id, deposit_version=deposit.version)


def get_deposit(session: Session, actor: User, deposit_id: int) -> Deposit:
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    deposit = session.execute(_deposit_query().where(Deposit.id == deposit_id)).unique().scalar_one_or_none()
    if deposit is None:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_DEPOSITS, deposit)
    return deposit


def list_deposits(session: Session, actor: User, *, states: Sequence[str] = ()) -> list[Deposit]:
    policy.require(actor, policy.Action.VIEW_DEPOSITS)
    query = _deposit_query().where(policy.deposit_scope(actor)).order_by(Deposit.id.desc())
    if states:
        query = query.where(Deposit.state.in_(list(states)))
    return list(session.execute(query).unique().scalars())


def transitions(session: Session, actor: User, deposit: Deposit) -> list[DepositTransition]:
    policy.require(actor, policy.Action.VIEW_DEPOSITS, deposit)
    return list(session.execute(select(DepositTransition).where(DepositTransition.deposit_id == deposit.id)
                                .order_by(DepositTransition.id)).scalars())


TRIGGER_ACTIONS = {
    "commit": policy.Action.ISSUE_COMMITMENT,
    "cancel": policy.Action.MANAGE_TREASURY,
}


def _load(session: Session, actor: User, deposit_id: int, action: policy.Action, expected_version: int | None
          ) -> Deposit:
    policy.require(actor, action)
    deposit = session.execute(locked(_deposit_query().where(Deposit.id == deposit_id), of=Deposit)
                              ).unique().scalar_one_or_none()
    if deposit is None:
        raise NotFound()
    policy.require(actor, action, deposit)
    if expected_version is not None and deposit.version != expected_version:
        raise ConcurrentChange()
    return deposit


def approve_write_off(session: Session, actor: User, deposit_id: int) -> Deposit:
    """The treasurer's or the coordinator's approval of a write-off, each recorded with its time."""
    deposit = _load(session, actor, deposit_id, policy.Action.APPROVE_WRITE_OFF, None)
    if deposit.state != "refund_claimed":
        raise InvalidInput({"": [msg("Only a deposit whose refund is claimed can be written off.")]})
    if actor.role.value == "treasurer":
        deposit.write_off_treasurer_id, deposit.write_off_treasurer_at = actor.id, utcnow()
    else:
        deposit.write_off_coordinator_id, deposit.write_off_coordinator_at = actor.id, utcnow()
    audit.record(session, actor, "deposit.write_off_approved", "deposit", deposit.id, {"role": actor.role.value})
    flush(session)
    return deposit


@dataclass
class Movement:
    """What the treasurer types for a step that moves money."""

    value_date: str = ""
    method: str = "transfer"
    reference: str = ""
    refunded: str = ""  # for a partial refund: what came back
    reason: str = ""


def fire_deposit(session: Session, actor: User, deposit_id: int, trigger: str, *, expected_version: int | None,
                 movement: Movement | None = None, today: date | None = None) -> Deposit:
    """One step of a deposit; the ledger entry of the money it moves is written with it, or nothing is."""
    movement = movement or Movement()
    deposit = _load(session, actor, deposit_id, TRIGGER_ACTIONS.get(trigger, policy.Action.MANAGE_TREASURY),
                    expected_version)
    take_deposit_step(session, actor, deposit, trigger, movement, today or clock.today())
    flush(session)
    return deposit


def take_deposit_step(session: Session, actor: User | None, deposit: Deposit, trigger: str, movement: Movement,
                      today: date) -> None:
    """A deposit's step inside the caller's transaction (the caller checked who may take it)."""
    if trigger not in DEPOSIT_MACHINE.triggers():
        raise InvalidInput({"": [msg("This step does not exist.")]})
    moves_money = trigger in ("pay", "refund", "retain")
    values: dict[str, Any] = {}
    errors: dict[str, list[Message]] = {}
    day = today
    if moves_money:
        try:
            day = parse_day(movement.value_date)
            values["value_date"] = day
        except InvalidInput as invalid:
            errors.update(invalid.errors)
        method = None
        try:
            method = parse_method(movement.method)
        except InvalidInput as invalid:
            errors.update(invalid.errors)
        if day > today:
            errors["value_date"] = [msg("The date is in the future.")]
    refunded = 0
    if trigger == "retain":
        try:
            refunded = parse_amount(movement.refunded, "refunded", allow_zero=True)
        except InvalidInput as invalid:
            errors.update(invalid.errors)
        if refunded >= deposit.amount_cents:
            errors["refunded"] = [msg("The refund cannot reach the deposit's amount (%(amount)s cents): record "
                                      "a full refund instead.", amount=deposit.amount_cents)]
    if trigger in ("refund", "retain") and deposit.paid_on is not None and day < deposit.paid_on:
        errors["value_date"] = [msg("The refund cannot be dated before the payment (%(date)s).",
                                    date=deposit.paid_on.isoformat())]
    if errors:
        raise InvalidInput(errors)
    context = engine.FireContext(actor=actor, today=today, reason=movement.reason.strip(), values=values)
    fired = engine.fire(DEPOSIT_MACHINE, deposit, trigger, context)
    # The file's reference, never the person's name: the ledger is kept for good, the name is erased with the
    # file (retention).
    who = f"{deposit.case.reference} — {deposit.place.reference} ({deposit.landlord.name})"
    amount = deposit.amount_cents
    if trigger == "commit":
        deposit.committed_on = today
    elif trigger == "pay":
        deposit.paid_on = day
        post(session, actor, EntryKind.DEPOSIT_PAID, day, str(msg("Deposit paid: %(who)s", who=who)),
             [Line(Account.DEPOSITS_RECEIVABLE, debit=amount), Line(Account.BANK, credit=amount)],
             deposit_id=deposit.id, method=method, reference=movement.reference)
    elif trigger == "claim_refund":
        deposit.refund_claimed_on = today
    elif trigger == "refund":
        deposit.settled_on, deposit.refunded_cents = day, amount
        post(session, actor, EntryKind.REFUND_RECEIVED, day, str(msg("Deposit refunded: %(who)s", who=who)),
             [Line(Account.BANK, debit=amount), Line(Account.DEPOSITS_RECEIVABLE, credit=amount)],
             deposit_id=deposit.id, method=method, reference=movement.reference)
    elif trigger == "retain":
        retained = amount - refunded
        deposit.settled_on, deposit.refunded_cents, deposit.retained_cents = day, refunded, retained
        deposit.retention_reason = context.reason
        lines = [Line(Account.RETENTIONS, debit=retained), Line(Account.DEPOSITS_RECEIVABLE, credit=amount)]
        if refunded:
            lines.insert(0, Line(Account.BANK, debit=refunded))
        post(session, actor, EntryKind.RETENTION, day,
             str(msg("Deposit partly retained: %(who)s — %(reason)s", who=who, reason=context.reason)), lines,
             deposit_id=deposit.id, method=method, reference=movement.reference)
    elif trigger == "write_off":
        deposit.settled_on = today
        post(session, actor, EntryKind.WRITE_OFF, today,
             str(msg("Deposit written off: %(who)s — %(reason)s", who=who, reason=context.reason)),
             [Line(Account.WRITE_OFFS, debit=amount), Line(Account.DEPOSITS_RECEIVABLE, credit=amount)],
             deposit_id=deposit.id)
    flush(session)
    _record(session, deposit, actor, trigger, fired.source, fired.dest, context.reason)


# ---------------------------------------------------------------- invariants


OUTSTANDING = ("paid", "refund_claimed")
EXPECTED_ENTRIES: dict[str, set[EntryKind]] = {
    "requested": set(), "committed": set(), "cancelled": set(),
    "paid": {EntryKind.DEPOSIT_PAID}, "refund_claimed": {EntryKind.DEPOSIT_PAID},
    "refunded": {EntryKind.DEPOSIT_PAID, EntryKind.REFUND_RECEIVED},
    "retained": {EntryKind.DEPOSIT_PAID, EntryKind.RETENTION},
    "written_off": {EntryKind.DEPOSIT_PAID, EntryKind.WRITE_OFF},
}


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
        if expected is None:
            problems.append(f"deposit {deposit.id} is in an unknown state {deposit.state!r}")
            continue
        if found != expected:
            problems.append(f"deposit {deposit.id} is {deposit.state} but its entries are "
                            f"{sorted(kind.value for kind in found) or 'none'}")
        owed = deposit.amount_cents if deposit.state in OUTSTANDING else 0
        if net.get(deposit.id, 0) != owed:
            problems.append(f"deposit {deposit.id} is {deposit.state}: the fund should be owed {owed} cents on it, "
                            f"the ledger says {net.get(deposit.id, 0)}")
        if deposit.state == "retained" and deposit.refunded_cents + deposit.retained_cents != deposit.amount_cents:
            problems.append(f"deposit {deposit.id}: refunded and retained do not add up to its amount")
        outstanding += owed
    if totals[Account.DEPOSITS_RECEIVABLE] != outstanding:
        problems.append(f"deposits receivable: the ledger says {totals[Account.DEPOSITS_RECEIVABLE]} cents, "
                        f"the deposits outstanding add up to {outstanding}")
    return problems
