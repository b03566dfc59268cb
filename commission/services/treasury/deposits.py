"""The deposits through their machine: requested, committed, paid, refunded, written off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.db import utcnow
from commission.errors import ConcurrentChange, InvalidInput, NotFound
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.treasury import (
    Account,
    Deposit,
    DepositTransition,
    EntryKind,
)
from commission.services import audit
from commission.services.steps import record_step
from commission.services.treasury.ledger import Line, parse_amount, parse_day, parse_method, post
from commission.services.unit import flush, locked
from commission.workflow import engine
from commission.workflow.deposit import DEPOSIT_MACHINE

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
    if not DEPOSIT_MACHINE.allows("write_off", deposit.state):
        raise InvalidInput({"": [msg("Only a deposit whose refund is claimed can be written off.")]})
    # Each of the two approves once: a second approval in the same name is refused.
    approval = policy.write_off_approval(actor, deposit)
    if approval is None:
        raise InvalidInput({"": [msg("This approval of the write-off is already recorded: the treasurer and the "
                                     "coordinator each approve once.")]})
    if approval == "treasurer":
        deposit.write_off_treasurer_id, deposit.write_off_treasurer_at = actor.id, utcnow()
    else:
        deposit.write_off_coordinator_id, deposit.write_off_coordinator_at = actor.id, utcnow()
    audit.record(session, actor, "deposit.write_off_approved", "deposit", deposit.id, {"role": approval})
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
    # The action each step needs is the policy's (``policy.may_take`` reads the same table).
    deposit = _load(session, actor, deposit_id,
                    policy.DEPOSIT_STEP_ACTIONS.get(trigger, policy.Action.MANAGE_TREASURY), expected_version)
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


