"""The one permission policy. Every service asks it; the web only hides what it would refuse.

Two kinds of rule: which roles may perform an action at all (``ROLE_RULES``), and which records a
user may reach (the ``*_scope`` functions, used both to check one record and to filter lists).
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import ColumnElement, false, true

from commission.errors import Forbidden
from commission.models.accounts import Role, User
from commission.models.housing import Place


class Action(enum.Enum):
    USE_APP = "use_app"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    VIEW_REFERENCE = "view_reference"
    VIEW_PLACES = "view_places"


ALL_ROLES = frozenset(Role)

ROLE_RULES: dict[Action, frozenset[Role]] = {
    Action.USE_APP: ALL_ROLES,
    Action.MANAGE_USERS: frozenset({Role.COORDINATOR}),
    Action.VIEW_AUDIT: frozenset({Role.COORDINATOR}),
    Action.VIEW_REFERENCE: frozenset({Role.COORDINATOR, Role.TREASURER, Role.CHAIR, Role.MEMBER}),
    Action.VIEW_PLACES: frozenset({Role.COORDINATOR, Role.TREASURER, Role.CHAIR, Role.MEMBER, Role.LANDLORD}),
}


def _role_allows(user: User | None, action: Action) -> bool:
    return user is not None and user.active and user.role in ROLE_RULES[action]


def place_scope(user: User) -> ColumnElement[bool]:
    """The places a user may see: a landlord's representative sees their own landlord's only."""
    if not _role_allows(user, Action.VIEW_PLACES):
        return false()
    if user.role is Role.LANDLORD:
        return Place.organisation_id == user.organisation_id
    return true()


def _record_allows(user: User, action: Action, record: Any) -> bool:
    if isinstance(record, Place):
        return user.role is not Role.LANDLORD or record.organisation_id == user.organisation_id
    return True


def can(user: User | None, action: Action, record: Any = None) -> bool:
    if not _role_allows(user, action):
        return False
    assert user is not None
    return record is None or _record_allows(user, action, record)


def require(user: User | None, action: Action, record: Any = None) -> User:
    """Return the user if allowed, else raise :class:`Forbidden`."""
    if not can(user, action, record):
        raise Forbidden()
    assert user is not None
    return user
