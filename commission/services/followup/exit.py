"""The exit that closes everything: the occupancy, the place's tenancy, the deposit and the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput, TransitionRefused
from commission.i18n import Message, msg
from commission.labels import EXIT_REASON_LABELS
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import CaseExit, ExitReason, PlaceCondition
from commission.models.housing import Place
from commission.models.letters import LetterKind
from commission.models.tenancy import Occupancy
from commission.services import audit
from commission.services import cases as case_service
from commission.services.followup.common import _choice, _date, _followed_case, _text
from commission.services.unit import flush
from commission.workflow.case import CASE_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- the exit


@dataclass
class ExitInput:
    reason: str = ""
    exit_date: str = ""
    place_condition: str = ""
    place_notes: str = ""
    note: str = ""
    version: int | None = None


def record_exit(session: Session, actor: User, case_id: int, data: ExitInput,
                today: date | None = None) -> CaseExit:
    """The tenancy has ended. In one transaction: the exit's record, the occupancy ended on the exit
    date, the place vacated through its machine (and withdrawn from the stock when the person took
    the lease over), the deposit's refund claimed, and the file closed."""
    today = today or clock.today()
    case = _followed_case(session, actor, case_id, policy.Action.RECORD_EXIT, lock=True)
    if data.version is not None and case.version != data.version:
        raise ConcurrentChange()
    if not CASE_MACHINE.means(case.state, Tag.FOLLOWED):
        raise TransitionRefused(msg("Only a housed person's tenancy can end (this file is %(state)s).",
                                    state=case.state))
    errors: dict[str, list[Message]] = {}
    reason = _choice(ExitReason, data.reason, "reason", errors)
    exit_date = _date(data.exit_date, "exit_date", errors)
    condition = _choice(PlaceCondition, data.place_condition, "place_condition", errors)
    if exit_date is not None and exit_date > today:
        errors["exit_date"] = [msg("Record the exit once the place has been handed back (the date is in the "
                                   "future).")]
    elif exit_date is not None and case.move_in_date is not None and exit_date < case.move_in_date:
        errors["exit_date"] = [msg("The exit cannot come before the move-in (%(date)s).",
                                   date=case.move_in_date.isoformat())]
    if reason is ExitReason.OTHER and not _text(data.note):
        errors["note"] = [msg("Say what the reason is.")]
    if errors:
        raise InvalidInput(errors)
    assert reason is not None and exit_date is not None and condition is not None
    place_id = case.allocated_place_id
    if place_id is None:
        raise TransitionRefused(msg("This file holds no place."))
    occupancy = session.execute(
        select(Occupancy).where(Occupancy.case_id == case.id, Occupancy.ended_on.is_(None))
    ).scalar_one_or_none()
    if occupancy is None:
        raise TransitionRefused(msg("This file has no current tenancy."))
    if exit_date < occupancy.move_in_date:
        raise InvalidInput({"exit_date": [msg("The exit cannot come before the move-in (%(date)s).",
                                              date=occupancy.move_in_date.isoformat())]})
    # Written down as the other reasons of a step are (in the council's language): the label, not the code.
    label = msg(EXIT_REASON_LABELS[reason])
    reason_text = str(msg("%(reason)s: %(note)s", reason=label, note=_text(data.note, 500))) if _text(data.note) \
        else str(label)
    record = CaseExit(
        case_id=case.id, occupancy_id=occupancy.id, place_id=place_id, reason=reason, exit_date=exit_date,
        place_condition=condition, place_notes=_text(data.place_notes), note=_text(data.note),
        recorded_by_id=actor.id,
    )
    session.add(record)
    flush(session)
    if CASE_MACHINE.allows("start_exit", case.state):
        case_service.take_step(session, actor, case, "start_exit", reason=reason_text, today=today)
    case.decision_reason = reason_text
    case_service.take_step(session, actor, case, "close", reason=reason_text, today=today)
    occupancy.ended_on = exit_date
    occupancy.exit_inventory = record.place_notes
    place = session.get(Place, place_id)
    assert place is not None
    if reason is ExitReason.LEASE_TAKEN_OVER and PLACE_MACHINE.means(place.state, Tag.VACATED):
        from commission.services import tenancy

        tenancy.place_step(session, actor, place, "withdraw", today,
                           reason=str(msg("The person took the lease over.")))
    from commission.services.letters import writing

    # Nobody writes to a person who died: their guardian and care team are told otherwise; the landlord is written to.
    writing.write_letters(session, actor, case, LetterKind.EXIT, today=today, to_person=reason is not ExitReason.DEATH,
                          extra={"exit_date": exit_date, "place": place})
    flush(session)
    audit.record(session, actor, "case.exit_recorded", "case", case.id, {
        "reason": reason.value, "exit_date": exit_date.isoformat(), "place_id": place_id,
        "place_condition": condition.value,
    })
    flush(session)
    return record


def check(session: Session) -> list[str]:
    """Every closed tenancy has its exit, on the day its occupancy ended; no exit without a closed file."""
    problems: list[str] = []
    exits = {row.occupancy_id: row for row in session.execute(select(CaseExit)).scalars()}
    last_occupancy = select(func.max(Occupancy.id)).group_by(Occupancy.case_id).scalar_subquery()
    closed_last = session.execute(
        select(Occupancy).join(Case, Case.id == Occupancy.case_id)
        .where(Occupancy.id.in_(last_occupancy), Case.state.in_(CASE_MACHINE.tagged(Tag.SETTLED)))
    ).scalars()
    for occupancy in closed_last:
        if occupancy.id not in exits:
            problems.append(f"file {occupancy.case_id} is closed after a tenancy without an exit record")
    ended = dict(session.execute(select(Occupancy.id, Occupancy.ended_on).where(
        Occupancy.id.in_(list(exits)))).all()) if exits else {}
    for occupancy_id, exit_record in exits.items():
        if ended.get(occupancy_id) != exit_record.exit_date:
            problems.append(f"file {exit_record.case_id}'s exit is dated {exit_record.exit_date} but its "
                            f"occupancy ended on {ended.get(occupancy_id)}")
    return problems
