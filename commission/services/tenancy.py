"""What a file's steps do to its place and its deposit, in the same transaction as the step.

An allocation offers the place and asks for the deposit; an offer that falls through frees the place
and cancels the deposit; a move-in starts the occupancy; an exit ends it, vacates the place and claims
the deposit back. The case service calls :func:`follow` after each step it takes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.errors import TransitionRefused
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.tenancy import LeaseKind, Occupancy
from commission.models.treasury import Deposit
from commission.services.unit import locked
from commission.workflow import engine
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

OFFER_TRIGGERS = ("allocate", "offer_next")
LOST_OFFER_TRIGGERS = ("decline_offer", "expire_offer")
LEAVING_TRIGGERS = ("withdraw",)


def place_step(session: Session, actor: User | None, place: Place, trigger: str, today: date, *, reason: str = "",
               values: dict[str, object] | None = None) -> None:
    """One step of the place machine inside the caller's transaction (the caller checked who may take it),
    recorded as every place step is (:func:`commission.services.stock.fire_place`)."""
    from commission.services import stock

    stock.fire_place(session, actor, place, trigger,
                     engine.FireContext(actor=actor, today=today, reason=reason, values=dict(values or {})))


def _locked_place(session: Session, place_id: int) -> Place:
    return session.execute(locked(select(Place).where(Place.id == place_id))).scalar_one()


def current_occupancy(session: Session, case_id: int) -> Occupancy | None:
    return session.execute(
        select(Occupancy).where(Occupancy.case_id == case_id, Occupancy.ended_on.is_(None))
    ).scalar_one_or_none()


def _open_deposit(session: Session, case: Case, place_id: int) -> Deposit | None:
    return session.execute(
        locked(select(Deposit).where(Deposit.case_id == case.id, Deposit.place_id == place_id))
    ).scalar_one_or_none()


def _held_before_housed(source: str) -> bool:
    """The file held its place but the person had not moved in (offered, accepted, moving in)."""
    return CASE_MACHINE.means(source, Tag.HOLDS_PLACE) and CASE_MACHINE.means(source, Tag.BEFORE_HOUSED)


def follow(session: Session, actor: User | None, case: Case, trigger: str, source: str, place_before: int | None,
           today: date, reason: str) -> None:
    """The place's and the deposit's side of a case step just taken."""
    from commission.services import treasury

    if trigger in OFFER_TRIGGERS and case.allocated_place_id is not None:
        place = _locked_place(session, case.allocated_place_id)
        if not PLACE_MACHINE.allows("offer", place.state):
            raise TransitionRefused(msg("This place is not available (it is %(state)s).", state=place.state))
        place_step(session, actor, place, "offer", today, reason=reason)
        treasury.request_deposit(session, actor, case, place, today)
    elif (trigger in LOST_OFFER_TRIGGERS or (trigger in LEAVING_TRIGGERS and _held_before_housed(source))) \
            and place_before is not None:
        place = _locked_place(session, place_before)
        if PLACE_MACHINE.allows("release", place.state):
            place_step(session, actor, place, "release", today, reason=reason)
        deposit = _open_deposit(session, case, place_before)
        if deposit is not None and DEPOSIT_MACHINE.allows("cancel", deposit.state):
            treasury.take_deposit_step(session, actor, deposit, "cancel",
                                       treasury.Movement(reason=reason or str(msg("The offer fell through."))),
                                       today)
    elif trigger == "confirm_housed" and case.allocated_place_id is not None:
        place = _locked_place(session, case.allocated_place_id)
        move_in = case.move_in_date or today
        session.add(Occupancy(
            place_id=place.id, case_id=case.id, lease_kind=LeaseKind(case.lease_kind or LeaseKind.DIRECT.value),
            lease_start=case.lease_start or move_in, lease_end=case.lease_end, move_in_date=move_in,
        ))
        place_step(session, actor, place, "occupy", today)
    elif trigger == "close" and place_before is not None:
        occupancy = current_occupancy(session, case.id)
        if occupancy is not None:
            occupancy.ended_on = max(today, occupancy.move_in_date)
        place = _locked_place(session, place_before)
        if PLACE_MACHINE.allows("vacate", place.state):
            place_step(session, actor, place, "vacate", today, reason=case.decision_reason)
        deposit = _open_deposit(session, case, place_before)
        if deposit is not None and DEPOSIT_MACHINE.allows("claim_refund", deposit.state):
            treasury.take_deposit_step(session, actor, deposit, "claim_refund", treasury.Movement(), today)


def check(session: Session) -> list[str]:
    """Every disagreement between files, places and occupancies, in words (empty when all is well)."""
    problems: list[str] = []
    occupancies = {row.place_id: row for row in session.execute(
        select(Occupancy).where(Occupancy.ended_on.is_(None))).scalars()}
    by_case = {row.case_id: row for row in occupancies.values()}
    holders = dict(session.execute(
        select(Case.allocated_place_id, Case.state).where(Case.allocated_place_id.is_not(None),
                                                          Case.state.in_(CASE_MACHINE.tagged(Tag.HOLDS_PLACE)))
    ).all())
    for place in session.execute(select(Place).order_by(Place.id)).scalars():
        held = holders.get(place.id)
        # A file holding its place before the move-in has it offered; once housed (or leaving), occupied.
        expected = None if held is None else Tag.OFFERED if CASE_MACHINE.means(held, Tag.BEFORE_HOUSED) \
            else Tag.OCCUPIED
        if expected is not None and not PLACE_MACHINE.means(place.state, expected):
            problems.append(f"place {place.reference} is {place.state} but its file is {held}")
        if expected is None and PLACE_MACHINE.means(place.state, Tag.TAKEN):
            problems.append(f"place {place.reference} is {place.state} but no file holds it")
        if PLACE_MACHINE.means(place.state, Tag.OCCUPIED) != (place.id in occupancies):
            problems.append(f"place {place.reference} is {place.state} "
                            f"{'with' if place.id in occupancies else 'without'} a current occupancy")
        if PLACE_MACHINE.means(place.state, Tag.OUT_OF_STOCK) and place.active:
            problems.append(f"place {place.reference} is withdrawn but marked active")
    for case_id, state in session.execute(select(Case.id, Case.state)
                                          .where(Case.state.in_(CASE_MACHINE.tagged(Tag.FOLLOWED)))):
        if case_id not in by_case:
            problems.append(f"file {case_id} is {state} without a current occupancy")
    for occupancy in by_case.values():
        held = holders.get(occupancy.place_id)
        if held is None or not CASE_MACHINE.means(held, Tag.FOLLOWED):
            problems.append(f"occupancy {occupancy.id} is current but its file is not housed")
    return problems
