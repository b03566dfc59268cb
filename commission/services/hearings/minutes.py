"""The minutes: the current version, its draft edited, and what approving, signing and correcting it
write (the frozen content, the signer, the signed PDFs, a new version)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from commission import policy
from commission.db import utcnow
from commission.errors import ConcurrentChange, TransitionRefused
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.hearings import Hearing, Minutes, MinutesStatus
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


def _jsonable(value: Any) -> Any:
    from dataclasses import fields, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [_jsonable(element) for element in value]
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return value
