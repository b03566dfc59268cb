"""The events feed: the changes a token may follow, from the audit trail, by id (``after``), so that a partner
reads what changed since its last call. Only an entry's id, time, action and record: never its details (which may
name a person) nor who acted. The records and actions are those of :func:`policy.integrations.event_types` and
:func:`policy.integrations.event_actions`, filtered to the records the token reads."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from commission.models.audit import AuditEntry
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.integrations import AvailabilityNotice, IntegrationToken
from commission.policy import integrations as api_policy
from commission.policy.integrations import Scope
from commission.services.integrations.tokens import require_scope

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def _of_type(token: IntegrationToken, object_type: str) -> ColumnElement[bool]:
    condition = and_(AuditEntry.object_type == object_type,
                     AuditEntry.action.in_(sorted(api_policy.event_actions(object_type))))
    if object_type == "place":
        return and_(condition, AuditEntry.object_ref.in_(select(Place.id).where(api_policy.place_scope(token))))
    if object_type == "availability_notice":
        return and_(condition, AuditEntry.object_ref.in_(select(AvailabilityNotice.id)
                                                         .where(api_policy.notice_scope(token))))
    if object_type == "case":
        return and_(condition, AuditEntry.object_ref.in_(select(Case.id).where(api_policy.case_scope(token))))
    return condition  # the ledger's entries: the accountant reads them all


def events(session: Session, token: IntegrationToken, *, after: int = 0,
           limit: int = DEFAULT_LIMIT) -> tuple[list[dict[str, Any]], int | None]:
    require_scope(token, Scope.EVENTS_READ)
    limit = max(1, min(limit, MAX_LIMIT))
    visible = or_(*(_of_type(token, object_type) for object_type in api_policy.event_types(token)))
    rows = session.execute(select(AuditEntry.id, AuditEntry.at, AuditEntry.action, AuditEntry.object_type,
                                  AuditEntry.object_id).where(AuditEntry.id > after, visible)
                           .order_by(AuditEntry.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    case_refs = _case_references(session, [int(row.object_id) for row in rows if row.object_type == "case"])
    return [{"id": row.id, "at": row.at.astimezone(UTC).isoformat(timespec="seconds"), "action": row.action,
             "object_type": row.object_type, "object_id": row.object_id,
             "reference": case_refs.get(row.object_id)} for row in rows], (rows[-1].id if more else None)


def _case_references(session: Session, ids: list[int]) -> dict[str, str]:
    """A file's reference by its id: the hospital knows its files by reference, not by the council's id."""
    if not ids:
        return {}
    return {str(case.id): case.reference for case in session.scalars(select(Case).where(Case.id.in_(ids)))}
