"""Writing a workflow step's record and its audit entry, the same way for every machine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from commission.models.accounts import User
from commission.models.steps import StepRecord
from commission.services import audit

R = TypeVar("R", bound=StepRecord)


def record_step(session: Session, record: type[R], *, actor: User | None, trigger: str, source: str | None,
                dest: str, reason: str, subject: str, subject_id: int, extra: Mapping[str, Any] | None = None,
                **owner: Any) -> R:
    """The step's record (``owner`` names the row it belongs to and the version it produced) and the
    audit entry ``<subject>.<trigger>``, in the caller's transaction.

    The reason, free text that may speak of the person, is kept in the step's record, which the retention
    rules can erase; the audit trail, kept for good and chained, only says that one was given."""
    # The audit entry first: it names the subject, not the step's record, so both go in one flush.
    audit.record(session, actor, f"{subject}.{trigger}", subject, subject_id,
                 {"from": source, "to": dest, "reason_given": bool(reason.strip()), **(extra or {})})
    row = record(actor_id=actor.id if actor else None, actor_name=actor.display_name if actor else audit.SYSTEM_ACTOR,
                 trigger=trigger, from_state=source, to_state=dest, reason=reason, **owner)  # type: ignore[call-arg]
    session.add(row)
    return row
