"""What every part of the follow-up shares: reading what is typed, and reaching a followed file."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import policy
from commission.errors import NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.parsing import collect, parse_date, parse_whole
from commission.services.unit import FRESH_LOCK
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

MAX_TEXT = 5000


# ---------------------------------------------------------------- parsing


def _text(value: str | None, limit: int = MAX_TEXT) -> str:
    return (value or "").strip()[:limit]


def _days(value: str, field_name: str, errors: dict[str, list[Message]]) -> int | None:
    return collect(errors, parse_whole, value, field_name, minimum=1, maximum=366, required=False)


def _date(value: str, field_name: str, errors: dict[str, list[Message]], *, required: bool = True) -> date | None:
    return collect(errors, parse_date, value, field_name, required=required)


def _choice(enum_class: Any, value: str, field_name: str, errors: dict[str, list[Message]],
            *, required: bool = True) -> Any:
    value = (value or "").strip()
    if not value:
        if required:
            errors[field_name] = [msg("Choose one.")]
        return None
    try:
        return enum_class(value)
    except ValueError:
        errors[field_name] = [msg("Choose one of the listed values.")]
        return None


# ---------------------------------------------------------------- access


def _followed_case(session: Session, actor: User, case_id: int, action: policy.Action, *,
                   lock: bool = False) -> Case:
    policy.require(actor, action)
    query = select(Case).where(Case.id == case_id)
    if lock:
        query = query.with_for_update().execution_options(**FRESH_LOCK)
    case = session.execute(query).scalar_one_or_none()
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_CASES, case)
    policy.require(actor, action, case)
    return case


def _require_followed(case: Case) -> None:
    if not CASE_MACHINE.means(case.state, Tag.FOLLOWED):
        raise TransitionRefused(msg("The follow-up starts when the person has moved in."))

