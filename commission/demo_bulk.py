"""Writing the demo's records in batches, where the services' checks are not the point: rows inserted many at
a time, and their audit entries appended to the trail's signed chain in order, as :func:`commission.services.
audit.record` appends one (the same content, the same keyed hash, the head moved on once per batch).

What is written here is what the services would write for the same steps (a step's record and its audit
entry ``<subject>.<trigger>``, see :func:`commission.services.steps.record_step`): ``commission check`` and
``commission audit verify`` hold on it as on the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from commission import clock
from commission.models import audit as audit_model
from commission.models.accounts import User
from commission.models.audit import AuditEntry
from commission.services import audit

# The entry's record id as a number, where the model keeps one beside object_id (derived, not signed).
_OBJECT_REF: Callable[[str], int | None] | None = getattr(audit_model, "object_ref", None)


@dataclass(frozen=True)
class Entry:
    """One audit entry to append, as :func:`commission.services.audit.record` takes it."""

    actor: User | None
    action: str
    object_type: str
    object_id: object
    details: Mapping[str, object] = field(default_factory=dict)
    actor_name: str | None = None
    at: datetime | None = None  # the clock's now when None


def insert_rows(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert the rows of an ORM model at once (its defaults filled in); their ids, in the rows' order."""
    if not rows:
        return []
    result = session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), list(rows))
    return list(result.scalars())


def insert_plain(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows of a table without an id of its own (an association table)."""
    if rows:
        session.execute(insert(table), list(rows))


def append_audit(session: Session, entries: Sequence[Entry]) -> None:
    """Append the entries to the trail in their order, chained and signed as the audit service does, in the
    caller's transaction."""
    if not entries:
        return
    session.flush()
    head = audit._lock_head(session)
    ring = audit._signing_keys(session, head)
    last_id, last_hash = head.last_id, head.last_hash
    rows = []
    for entry in entries:
        actor = entry.actor
        fields: dict[str, Any] = {
            "id": last_id + 1,
            "at": entry.at or clock.now(),
            "actor_id": actor.id if actor is not None else None,
            "actor_name": entry.actor_name or (actor.login if actor is not None else audit.SYSTEM_ACTOR),
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": str(entry.object_id),
            "details": audit.canonical_json(entry.details),
            "prev_hash": last_hash,
        }
        last_hash = audit.signed_hash(ring.current, ring.current_id, **fields)
        last_id += 1
        row = {**fields, "key_id": ring.current_id, "hash": last_hash}
        if _OBJECT_REF is not None:
            row["object_ref"] = _OBJECT_REF(fields["object_id"])
        rows.append(row)
    session.execute(insert(AuditEntry), rows)
    head.last_id, head.last_hash = last_id, last_hash
    session.flush()


@dataclass(frozen=True)
class Step:
    """One workflow step already taken on a row written in bulk: its record's values (``owner`` names the row
    and the version the step produced) and the audit entry's."""

    actor: User | None
    trigger: str
    source: str | None
    dest: str
    subject: str
    subject_id: int
    owner: Mapping[str, Any]
    reason: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)
    at: datetime | None = None


def record_steps(session: Session, record: Any, steps: Sequence[Step]) -> None:
    """The steps' records and their audit entries, as :func:`commission.services.steps.record_step` writes
    them one at a time."""
    if not steps:
        return
    rows = []
    entries = []
    for step in steps:
        at = step.at or clock.now()
        actor = step.actor
        rows.append({"actor_id": actor.id if actor else None,
                     "actor_name": actor.display_name if actor else audit.SYSTEM_ACTOR, "trigger": step.trigger,
                     "from_state": step.source, "to_state": step.dest, "reason": step.reason, "at": at,
                     **step.owner})
        entries.append(Entry(actor, f"{step.subject}.{step.trigger}", step.subject, step.subject_id,
                             {"from": step.source, "to": step.dest, "reason_given": bool(step.reason.strip()),
                              **step.extra}, at=at))
    insert_rows(session, record, rows)
    append_audit(session, entries)
