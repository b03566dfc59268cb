"""The audit trail: appended in the same transaction as the change it records, verified on demand."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import policy
from commission.db import utcnow
from commission.models.accounts import User
from commission.models.audit import AuditEntry, AuditHead
from commission.services.paging import paginate
from commission.services.unit import locked

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"


def canonical_json(data: Mapping[str, object]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(
    *, id: int, at: datetime, actor_id: int | None, actor_name: str, action: str,
    object_type: str, object_id: str, details: str, prev_hash: str,
) -> str:
    payload = canonical_json(
        {
            "id": id,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_name": actor_name,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "details": details,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    head = session.execute(
        locked(select(AuditHead).where(AuditHead.id == 1))
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS_HASH)
        session.add(head)
    return head


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    details: Mapping[str, object] | None = None,
    *,
    actor_name: str | None = None,
) -> AuditEntry:
    """Append one entry. The caller commits it together with the change it describes."""
    session.flush()  # the record's id must be known before it is named
    head = _lock_head(session)
    at = utcnow()
    fields = {
        "id": head.last_id + 1,
        "at": at,
        "actor_id": actor.id if actor is not None else None,
        "actor_name": actor_name or (actor.login if actor is not None else SYSTEM_ACTOR),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "details": canonical_json(details or {}),
        "prev_hash": head.last_hash,
    }
    entry = AuditEntry(**fields, hash=entry_hash(**fields))  # type: ignore[arg-type]
    session.add(entry)
    head.last_id = entry.id
    head.last_hash = entry.hash
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    entry_id: int | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain; name the first entry that was altered, inserted or removed."""
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    entries = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for entry in entries.yield_per(1000):
        if entry.id != expected_id:
            if entry.id > expected_id:
                return VerifyResult(False, checked, f"entry {expected_id} was removed", expected_id)
            return VerifyResult(False, checked, f"entry {entry.id} was inserted", entry.id)
        recomputed = entry_hash(
            id=entry.id, at=entry.at, actor_id=entry.actor_id, actor_name=entry.actor_name,
            action=entry.action, object_type=entry.object_type, object_id=entry.object_id,
            details=entry.details, prev_hash=entry.prev_hash,
        )
        if entry.prev_hash != expected_prev:
            return VerifyResult(
                False, checked, f"entry {entry.id} does not follow entry {entry.id - 1}: "
                "an entry was inserted or removed before it", entry.id,
            )
        if recomputed != entry.hash:
            return VerifyResult(False, checked, f"entry {entry.id} was altered", entry.id)
        expected_prev = entry.hash
        expected_id += 1
        checked += 1
    head = session.get(AuditHead, 1)
    last_id = head.last_id if head is not None else 0
    last_hash = head.last_hash if head is not None else GENESIS_HASH
    if last_id != checked or last_hash != expected_prev:
        if last_id > checked:
            return VerifyResult(False, checked, f"entry {checked + 1} was removed", checked + 1)
        if last_id < checked:
            return VerifyResult(False, checked, f"entry {last_id + 1} was inserted", last_id + 1)
        return VerifyResult(False, checked, f"entry {last_id} was altered", last_id)
    return VerifyResult(True, checked)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def list_entries(
    session: Session, actor: User, *, page: int = 1, per_page: int = 50,
    object_type: str | None = None, object_id: str | None = None,
) -> AuditPage:
    policy.require(actor, policy.Action.VIEW_AUDIT)
    query = select(AuditEntry)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    found = paginate(session, query.order_by(AuditEntry.id.desc()), page, per_page)
    return AuditPage(found.items, found.page, found.pages, found.total)
