"""The hearing's steps: one step of the hearing machine, with what it entails for the agenda, the
invitations, the files and the minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.db import utcnow
from commission.errors import TransitionRefused
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.hearings import AgendaItem, Hearing, ItemKind, Minutes
from commission.services.hearings.agenda import _invite, _set_time_slots
from commission.services.hearings.minutes import _minutes_step
from commission.services.hearings.reading import _load_for_change, _lock_case, _record
from commission.services.unit import flush
from commission.workflow import engine
from commission.workflow.case import CASE_MACHINE
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- the hearing's steps


def fire_hearing(session: Session, actor: User, hearing_id: int, trigger: str, *, expected_version: int | None,
                 reason: str = "", today: date | None = None, renderer: Any = None) -> Hearing:
    """One step of the hearing machine, with what it entails (slots and invitations when convened,
    the draft minutes when closed, the frozen content when approved, the signed PDFs when signed)."""
    action = policy.HEARING_STEP_ACTIONS.get(trigger, policy.Action.MANAGE_HEARINGS)
    hearing = _load_for_change(session, actor, hearing_id, action, expected_version)
    if trigger not in HEARING_MACHINE.triggers():
        raise TransitionRefused(msg("This step does not exist."))
    today = today or clock.today()
    context = engine.FireContext(actor=actor, today=today, reason=reason.strip())
    fired = engine.fire(HEARING_MACHINE, hearing, trigger, context)
    now = utcnow()
    if trigger == "convene":
        hearing.convened_at = now
        _set_time_slots(hearing)
        _invite(session, hearing)
    elif trigger == "open_session":
        hearing.opened_at = now
    elif trigger == "close":
        hearing.closed_at = now
        session.add(Minutes(hearing=hearing, number=1, movements=_movements(session, hearing)))
    elif trigger == "cancel":
        for item in list(hearing.items):
            _unschedule(session, actor, item, context.reason, today)
    elif trigger in ("approve_minutes", "sign_minutes", "correct_minutes"):
        _minutes_step(session, actor, hearing, trigger, context.reason, renderer)
    flush(session)
    _record(session, hearing, actor, trigger, fired.source, fired.dest, context.reason)
    flush(session)
    return hearing


def _unschedule(session: Session, actor: User, item: AgendaItem, reason: str, today: date) -> None:
    from commission.services import cases as case_service

    if item.kind is ItemKind.APPLICATION:
        case = _lock_case(session, item.case_id)
        if CASE_MACHINE.means(case.state, Tag.ON_AGENDA):
            trigger = "unschedule_to_waiting_list" if case.scheduled_from_waiting_list else "unschedule"
            case_service.take_step(session, actor, case, trigger, reason=reason, today=today)


def _movements(session: Session, hearing: Hearing) -> str:
    """Admissions and exits since the previous hearing, one per line (drafted; the minutes may edit it)."""
    previous = session.execute(
        select(Hearing.day).where(Hearing.day < hearing.day, Hearing.state.in_(HEARING_MACHINE.tagged(Tag.TAKES_PLACE)))
        .order_by(Hearing.day.desc()).limit(1)
    ).scalar_one_or_none()
    since = datetime.combine(previous or hearing.day - timedelta(days=92), time.min, tzinfo=UTC)
    from commission.models.cases import CaseTransition

    rows = session.execute(
        select(CaseTransition.trigger, func.count(CaseTransition.id))
        .where(CaseTransition.at >= since, CaseTransition.trigger.in_(["confirm_housed", "close"]))
        .group_by(CaseTransition.trigger)
    ).all()
    counts = dict(rows)
    return "\n".join([
        str(msg("Moves into a place since the last hearing: %(count)s", count=counts.get("confirm_housed", 0))),
        str(msg("Exits since the last hearing: %(count)s", count=counts.get("close", 0))),
    ])
