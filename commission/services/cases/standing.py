"""What a file's page says beyond its state's name, derived from the records on the day it is read: whether
an offer can still be answered, whether a due date has passed, where the file's deposit stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.treasury import Deposit
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.engine import StateSpec
from commission.workflow.tags import Tag


@dataclass(frozen=True)
class Standing:
    offer_open: bool  # a place is offered and its reply deadline has not passed
    offer_expired: bool  # a place is offered but its reply deadline has passed without an answer
    due_passed: bool  # the file's due date is behind us
    money_settled: bool  # nothing is owed on the file: every deposit of it is closed (refunded, retained...)
    deposit: StateSpec | None  # the state of the deposit of the file's place, for a reader who may see it


def standing(session: Session, actor: User, case: Case, today: date | None = None) -> Standing:
    policy.require(actor, policy.Action.VIEW_CASES, case)
    today = today or clock.today()
    pending = CASE_MACHINE.means(case.state, Tag.OFFER_PENDING) and case.allocated_place_id is not None
    deadline = case.offer_deadline
    expired = pending and deadline is not None and deadline < today
    deposits = list(session.execute(select(Deposit).where(Deposit.case_id == case.id)
                                    .order_by(Deposit.id)).scalars())
    settled = all(DEPOSIT_MACHINE.means(deposit.state, Tag.CLOSED_ACCOUNT) for deposit in deposits)
    current = next((deposit for deposit in reversed(deposits) if deposit.place_id == case.allocated_place_id), None)
    shown = current is not None and policy.can(actor, policy.Action.VIEW_DEPOSITS, current)
    return Standing(
        offer_open=pending and not expired, offer_expired=expired,
        due_passed=case.due_date is not None and case.due_date < today, money_settled=settled,
        deposit=DEPOSIT_MACHINE.state(current.state) if shown and current is not None else None,
    )
