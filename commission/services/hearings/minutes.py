"""The minutes: the current version, its draft edited, and what approving, signing and correcting it
write (the frozen content, the signer, the signed PDFs, a new version)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from commission import clock, policy
from commission.db import utcnow
from commission.documents.data import ConsultationReport
from commission.errors import ConcurrentChange, TransitionRefused
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.hearings import AgendaItem, AnswerChoice, Consultation, Hearing, Minutes, MinutesStatus
from commission.models.housing import Place
from commission.services import audit
from commission.services.hearings.agenda import capacity
from commission.services.hearings.reading import _load_for_change
from commission.services.unit import flush
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- the minutes


def current_minutes(hearing: Hearing) -> Minutes | None:
    return max(hearing.minutes, key=lambda minutes: minutes.number, default=None)


def update_minutes(session: Session, actor: User, hearing_id: int, *, remarks: str, movements: str,
                   notes: Mapping[int, str], expected_version: int | None = None) -> Minutes:
    hearing = _load_for_change(session, actor, hearing_id, policy.Action.EDIT_MINUTES, None)
    minutes = current_minutes(hearing)
    if minutes is None or minutes.status is not MinutesStatus.DRAFT \
            or not HEARING_MACHINE.means(hearing.state, Tag.MINUTES_DRAFT):
        raise TransitionRefused(msg("Only draft minutes can be edited; signed minutes never change."))
    if expected_version is not None and minutes.version_counter != expected_version:
        raise ConcurrentChange()
    minutes.remarks, minutes.movements = remarks.strip(), movements.strip()
    for item in hearing.items:
        if item.id in notes:
            item.minutes_note = notes[item.id].strip()
    flush(session)
    audit.record(session, actor, "minutes.edited", "minutes", minutes.id, {"hearing_id": hearing.id})
    flush(session)
    return minutes


def _minutes_step(session: Session, actor: User, hearing: Hearing, trigger: str, reason: str, renderer: Any) -> None:
    from commission.services.hearing_documents import build_minutes_data

    minutes = current_minutes(hearing)
    assert minutes is not None
    if trigger == "approve_minutes":
        data = build_minutes_data(session, hearing, minutes)
        minutes.snapshot = json.dumps(_jsonable(data), sort_keys=True)
        minutes.status, minutes.approved_at, minutes.approved_by_id = MinutesStatus.APPROVED, utcnow(), actor.id
    elif trigger == "sign_minutes":
        minutes.signed_at, minutes.signed_by_id = utcnow(), actor.id
        minutes.signer_capacity = (capacity(actor) if actor.id == hearing.chair_id
                                   else str(msg("Holder of the council's signing delegation")))
        data = build_minutes_data(session, hearing, minutes, signer=actor)
        # What was signed, frozen: the retention rules re-render it from here when they erase a name.
        minutes.snapshot = json.dumps(_jsonable(data), sort_keys=True)
        if renderer is not None:
            full, redacted = renderer(data)
            minutes.pdf_sha256, minutes.redacted_sha256 = full, redacted
        minutes.status = MinutesStatus.SIGNED
    else:  # correct_minutes: a new version, the signed one stays as it is
        session.add(Minutes(hearing=hearing, number=minutes.number + 1, remarks=minutes.remarks,
                            movements=minutes.movements, correction_reason=reason))


# ---------------------------------------------------------------- written consultations since the last hearing


def consultations_reported(session: Session, hearing: Hearing, gettext: Callable[[str], str]
                           ) -> tuple[ConsultationReport, ...]:
    """The written consultations concluded since the hearing before this one (up to this one's day), as its
    minutes report them: the proposal, the answers counted, the outcome; the person by initials only."""
    from commission import labels
    from commission.services.hearings.reading import initials

    previous = session.execute(
        select(Hearing.day).where(Hearing.day < hearing.day, Hearing.state.in_(HEARING_MACHINE.tagged(Tag.TAKES_PLACE)))
        .order_by(Hearing.day.desc()).limit(1)
    ).scalar_one_or_none()
    until = datetime.combine(hearing.day + timedelta(days=1), time.min, tzinfo=clock.COUNCIL_ZONE)
    query = (select(Consultation)
             .options(joinedload(Consultation.hearing), selectinload(Consultation.answers),
                      joinedload(Consultation.item).joinedload(AgendaItem.case).joinedload(Case.applicant),
                      joinedload(Consultation.place).joinedload(Place.town))
             .where(Consultation.concluded_at.is_not(None), Consultation.concluded_at < until)
             .order_by(Consultation.concluded_at, Consultation.id))
    if previous is not None:
        query = query.where(Consultation.concluded_at >= datetime.combine(
            previous + timedelta(days=1), time.min, tzinfo=clock.COUNCIL_ZONE))
    reports = []
    for consultation in session.execute(query).unique().scalars():
        counts = {choice: sum(1 for answer in consultation.answers if answer.choice is choice)
                  for choice in AnswerChoice}
        applicant, place, written = consultation.item.case.applicant, consultation.place, consultation.hearing
        reports.append(ConsultationReport(
            case_reference=consultation.item.case.reference, initials=initials(applicant.first_name,
                                                                               applicant.last_name),
            purpose=written.purpose, proposal=gettext(labels.DECISION_LABELS[consultation.proposal]),
            place=f"{place.reference}, {place.address}, {place.town.name}" if place else "",
            place_landlord_id=place.organisation_id if place else None, deadline=written.day,
            consulted=sum(1 for attendance in written.attendances if attendance.votes),
            in_favour=counts[AnswerChoice.IN_FAVOUR], against=counts[AnswerChoice.AGAINST],
            abstentions=counts[AnswerChoice.ABSTAIN], withdrawn=counts[AnswerChoice.WITHDRAWN],
            quorum=written.quorum, outcome=gettext(HEARING_MACHINE.state(written.state).label),
        ))
    return tuple(reports)


def _jsonable(value: Any) -> Any:
    from dataclasses import fields, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [_jsonable(element) for element in value]
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return value
