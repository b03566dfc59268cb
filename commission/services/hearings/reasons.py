"""The commission's usual reasons: a short list per kind of decision, kept by the coordinator and offered to
the chair at the session, who chooses one (or types another) for every decision. A reason no longer offered
is retired, never deleted: the decisions that quoted it keep their words."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import policy
from commission.errors import ConcurrentChange, InvalidInput, NotFound
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.hearings import Decision, UsualReason
from commission.parsing import as_id, collect, parse_choice, parse_text
from commission.services import audit
from commission.services.unit import flush, locked

REASON_LIMIT = 300  # the column's length: a reason is a sentence or two


def usual_reasons(session: Session, decisions: Sequence[Decision] | None = None, *, retired: bool = False
                  ) -> dict[Decision, list[UsualReason]]:
    """The usual reasons of each kind of decision (all kinds, or those given), in their order; the retired ones
    too when asked (the coordinator's page)."""
    query = select(UsualReason).order_by(UsualReason.decision, UsualReason.position, UsualReason.id)
    if decisions is not None:
        query = query.where(UsualReason.decision.in_(list(decisions)))
    if not retired:
        query = query.where(UsualReason.active)
    by_decision: dict[Decision, list[UsualReason]] = {decision: [] for decision in decisions or Decision}
    for reason in session.execute(query).scalars():
        by_decision.setdefault(reason.decision, []).append(reason)
    return by_decision


def offered_reason(session: Session, decision: Decision, value: str) -> UsualReason | None:
    """The usual reason chosen for a decision, if it is one offered for that kind of decision."""
    reason_id = as_id(value)
    reason = session.get(UsualReason, reason_id) if reason_id is not None else None
    return reason if reason is not None and reason.active and reason.decision is decision else None


def add_usual_reason(session: Session, actor: User, decision: str, text: str) -> UsualReason:
    """A new usual reason, at the end of its decision's list."""
    policy.require(actor, policy.Action.MANAGE_USUAL_REASONS)
    errors: dict[str, list[Message]] = {}
    kind = collect(errors, parse_choice, Decision, decision, "decision",
                   message=msg("Choose the decision it is a reason for."))
    wording = collect(errors, parse_text, text, "text", limit=REASON_LIMIT, required=True,
                      missing=msg("Write the reason."))
    if kind is not None and wording and _taken(session, kind, wording, None):
        errors["text"] = [msg("This reason is already in the list.")]
    if errors:
        raise InvalidInput(errors)
    assert kind is not None and wording is not None
    last = session.execute(select(func.max(UsualReason.position)).where(UsualReason.decision == kind)).scalar()
    reason = UsualReason(decision=kind, text=wording, position=(last or 0) + 1, active=True)
    session.add(reason)
    flush(session)
    audit.record(session, actor, "usual_reason.added", "usual_reason", reason.id,
                 {"decision": kind.value, "text": wording})
    flush(session)
    return reason


def update_usual_reason(session: Session, actor: User, reason_id: int, text: str,
                        expected_version: int | None = None) -> UsualReason:
    """New words for a usual reason (the decisions already taken keep theirs)."""
    reason = _load(session, actor, reason_id, expected_version)
    wording = parse_text(text, "text", limit=REASON_LIMIT, required=True, missing=msg("Write the reason."))
    if _taken(session, reason.decision, wording, reason.id):
        raise InvalidInput({"text": [msg("This reason is already in the list.")]})
    before, reason.text = reason.text, wording
    flush(session)
    audit.record(session, actor, "usual_reason.changed", "usual_reason", reason.id, {"from": before, "to": wording})
    flush(session)
    return reason


def retire_usual_reason(session: Session, actor: User, reason_id: int, *, active: bool = False,
                        expected_version: int | None = None) -> UsualReason:
    """No longer offer a usual reason (``active=False``), or offer it again."""
    reason = _load(session, actor, reason_id, expected_version)
    reason.active = active
    flush(session)
    audit.record(session, actor, "usual_reason.restored" if active else "usual_reason.retired", "usual_reason",
                 reason.id, {"decision": reason.decision.value, "text": reason.text})
    flush(session)
    return reason


def _load(session: Session, actor: User, reason_id: int, expected_version: int | None) -> UsualReason:
    policy.require(actor, policy.Action.MANAGE_USUAL_REASONS)
    reason = session.execute(locked(select(UsualReason).where(UsualReason.id == reason_id))).scalar_one_or_none()
    if reason is None:
        raise NotFound()
    if expected_version is not None and reason.version != expected_version:
        raise ConcurrentChange()
    return reason


def _taken(session: Session, decision: Decision, text: str, other_than: int | None) -> bool:
    query = select(UsualReason.id).where(UsualReason.decision == decision, UsualReason.text == text)
    if other_than is not None:
        query = query.where(UsualReason.id != other_than)
    return session.execute(query).first() is not None
