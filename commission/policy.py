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
from commission.models.cases import Case
from commission.models.hearings import Hearing
from commission.models.housing import Place
from commission.models.treasury import Deposit


class Action(enum.Enum):
    USE_APP = "use_app"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    VIEW_REFERENCE = "view_reference"
    VIEW_PLACES = "view_places"
    VIEW_CASES = "view_cases"
    CREATE_CASE = "create_case"
    EDIT_CASE = "edit_case"
    VIEW_MEDICAL = "view_medical"
    EDIT_MEDICAL = "edit_medical"
    ATTACH_DOCUMENT = "attach_document"
    FIRE_CASE = "fire_case"
    VIEW_ALL_CASES = "view_all_cases"
    VIEW_WORKFLOW = "view_workflow"
    VIEW_HEARINGS = "view_hearings"
    VIEW_FULL_AGENDA = "view_full_agenda"
    MANAGE_HEARINGS = "manage_hearings"
    RUN_SESSION = "run_session"
    EDIT_MINUTES = "edit_minutes"
    APPROVE_MINUTES = "approve_minutes"
    SIGN_MINUTES = "sign_minutes"
    MANAGE_STOCK = "manage_stock"
    VIEW_TREASURY = "view_treasury"
    MANAGE_TREASURY = "manage_treasury"
    VIEW_DEPOSITS = "view_deposits"
    ISSUE_COMMITMENT = "issue_commitment"
    APPROVE_WRITE_OFF = "approve_write_off"
    VIEW_FOLLOWUP = "view_followup"
    RECORD_FOLLOWUP = "record_followup"
    RECORD_EXIT = "record_exit"
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_OUTBOX = "view_outbox"
    VIEW_ACCESS_REVIEW = "view_access_review"
    EXPORT_PERSON = "export_person"


ALL_ROLES = frozenset(Role)
# Everyone who takes part in the commission's work; the data-protection officer only reads the logs.
STAFF_ROLES = ALL_ROLES - {Role.DATA_PROTECTION}
# Those who sit on the commission and hear the persons.
COMMISSION_SEATS = frozenset({Role.COORDINATOR, Role.CHAIR, Role.MEMBER, Role.LANDLORD})

ROLE_RULES: dict[Action, frozenset[Role]] = {
    Action.USE_APP: ALL_ROLES,
    Action.MANAGE_USERS: frozenset({Role.COORDINATOR}),
    # The logs (the audit trail, the reads of the files): the coordinator, and the data-protection officer,
    # who reads them and nothing else.
    Action.VIEW_AUDIT: frozenset({Role.COORDINATOR, Role.DATA_PROTECTION}),
    Action.VIEW_ACCESS_REVIEW: frozenset({Role.COORDINATOR, Role.DATA_PROTECTION}),
    # Everything held on one person, for their right of access: the coordinator produces it.
    Action.EXPORT_PERSON: frozenset({Role.COORDINATOR}),
    Action.VIEW_REFERENCE: frozenset({Role.COORDINATOR, Role.TREASURER, Role.CHAIR, Role.MEMBER}),
    Action.VIEW_PLACES: frozenset({Role.COORDINATOR, Role.TREASURER, Role.CHAIR, Role.MEMBER, Role.LANDLORD}),
    # Case files: the care team of the person, and the coordinator. Nobody else opens a file; the
    # commission sees what a hearing needs through the hearing's own pages.
    Action.VIEW_CASES: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    Action.VIEW_ALL_CASES: frozenset({Role.COORDINATOR}),
    Action.CREATE_CASE: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    Action.EDIT_CASE: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    Action.VIEW_MEDICAL: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    Action.EDIT_MEDICAL: frozenset({Role.CARE_TEAM}),
    Action.ATTACH_DOCUMENT: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    Action.FIRE_CASE: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    Action.VIEW_WORKFLOW: STAFF_ROLES,
    # Hearings: everyone sees the dates and the redacted agenda; those who sit on the commission see
    # the persons' names (never the medical part); a care team sees its own people's items in full.
    Action.VIEW_HEARINGS: STAFF_ROLES,
    Action.VIEW_FULL_AGENDA: COMMISSION_SEATS,
    Action.MANAGE_HEARINGS: frozenset({Role.COORDINATOR}),
    # The chair runs the session of the hearing they chair; the coordinator, as its secretary, too.
    Action.RUN_SESSION: frozenset({Role.COORDINATOR, Role.CHAIR}),
    Action.EDIT_MINUTES: frozenset({Role.COORDINATOR, Role.CHAIR}),
    Action.APPROVE_MINUTES: frozenset({Role.COORDINATOR, Role.CHAIR}),
    # The hearing's chair, or whoever holds the council's signing delegation (checked per record).
    Action.SIGN_MINUTES: STAFF_ROLES,
    # The stock of places and the agreements: the coordinator keeps them.
    Action.MANAGE_STOCK: frozenset({Role.COORDINATOR}),
    # The fund: the treasurer answers for every euro; the coordinator sees it.
    Action.VIEW_TREASURY: frozenset({Role.COORDINATOR, Role.TREASURER}),
    Action.MANAGE_TREASURY: frozenset({Role.TREASURER}),
    # Deposits: the treasurer and the coordinator, and a landlord's representative for their own places.
    Action.VIEW_DEPOSITS: frozenset({Role.COORDINATOR, Role.TREASURER, Role.LANDLORD}),
    # Only the holder of the signing delegation commits the council (checked on the user).
    Action.ISSUE_COMMITMENT: STAFF_ROLES,
    Action.APPROVE_WRITE_OFF: frozenset({Role.COORDINATOR, Role.TREASURER}),
    # The follow-up of a housed person (care plan, events, resource meetings) is a care record: the
    # person's care team and the coordinator, no one else (checked per file through case_scope).
    Action.VIEW_FOLLOWUP: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    Action.RECORD_FOLLOWUP: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    # The exit closes the occupancy, the place's tenancy, the deposit and the file: the coordinator.
    Action.RECORD_EXIT: frozenset({Role.COORDINATOR}),
    # The housing sub-group's view of the scheme: figures only, no person; the records behind a figure
    # are shown to those who may read them (the files to the coordinator).
    Action.VIEW_DASHBOARD: frozenset({Role.COORDINATOR, Role.CHAIR, Role.MEMBER, Role.TREASURER}),
    Action.VIEW_OUTBOX: frozenset({Role.COORDINATOR}),
}

# Who may fire each trigger of the case machine (the coordinator may fire them all).
CASE_TRIGGER_ROLES: dict[str, frozenset[Role]] = {
    "submit": frozenset({Role.CARE_TEAM}),
    "resubmit": frozenset({Role.CARE_TEAM}),
    "return_incomplete": frozenset(),
    "mark_ready": frozenset(),
    "schedule": frozenset(),
    "unschedule": frozenset(),
    "unschedule_to_waiting_list": frozenset(),
    "offer_next": frozenset(),
    "hear": frozenset(),
    "allocate": frozenset(),
    "place_on_waiting_list": frozenset(),
    "defer": frozenset(),
    "refuse": frozenset(),
    "accept_offer": frozenset({Role.CARE_TEAM}),
    "decline_offer": frozenset({Role.CARE_TEAM}),
    "expire_offer": frozenset(),
    "start_move_in": frozenset(),
    "confirm_housed": frozenset(),
    "start_exit": frozenset({Role.CARE_TEAM}),
    "close": frozenset(),
    "withdraw": frozenset({Role.CARE_TEAM}),
    "reopen": frozenset(),
}

# The steps a hearing takes: its agenda (schedule, unschedule) and its session's decisions. They are
# taken through the hearing's pages and service, never from the case's own page; the coordinator may
# still take them through the case service (to record a hearing held on paper, say).
HEARING_TRIGGERS = frozenset({"schedule", "unschedule", "unschedule_to_waiting_list", "hear", "allocate",
                              "place_on_waiting_list", "defer", "refuse", "offer_next"})


def _role_allows(user: User | None, action: Action) -> bool:
    if user is None or not user.active:
        return False
    # Whoever holds the signing delegation reads the deposits, to commit the council to them.
    return user.role in ROLE_RULES[action] or (action is Action.VIEW_DEPOSITS and user.signing_delegation)


def deposit_scope(user: User) -> ColumnElement[bool]:
    """The deposits a user may see: a landlord's representative, those on their own landlord's places."""
    if not _role_allows(user, Action.VIEW_DEPOSITS):
        return false()
    if user.role is Role.LANDLORD:
        return Deposit.landlord_id == user.organisation_id
    return true()


def place_scope(user: User) -> ColumnElement[bool]:
    """The places a user may see: a landlord's representative sees their own landlord's only."""
    if not _role_allows(user, Action.VIEW_PLACES):
        return false()
    if user.role is Role.LANDLORD:
        return Place.organisation_id == user.organisation_id
    return true()


def case_scope(user: User) -> ColumnElement[bool]:
    """The cases a user may open: all for the coordinator, their own team's for a care team."""
    if not _role_allows(user, Action.VIEW_CASES):
        return false()
    if user.role is Role.CARE_TEAM:
        return Case.care_team_id == user.care_team_id
    return true()


def _hearing_allows(user: User, action: Action, hearing: Hearing) -> bool:
    if action is Action.SIGN_MINUTES:
        return user.signing_delegation or (user.role is Role.CHAIR and hearing.chair_id == user.id)
    if action in (Action.RUN_SESSION, Action.EDIT_MINUTES, Action.APPROVE_MINUTES) and user.role is Role.CHAIR:
        return hearing.chair_id == user.id
    return True


def _record_allows(user: User, action: Action, record: Any) -> bool:
    if action is Action.ISSUE_COMMITMENT:
        return user.signing_delegation
    if isinstance(record, Deposit):
        return user.role is not Role.LANDLORD or record.landlord_id == user.organisation_id
    if isinstance(record, Hearing):
        return _hearing_allows(user, action, record)
    if isinstance(record, Place):
        return user.role is not Role.LANDLORD or record.organisation_id == user.organisation_id
    if isinstance(record, Case):
        if user.role is Role.COORDINATOR:
            return True
        if user.role is Role.CARE_TEAM:
            return record.care_team_id == user.care_team_id
        return False
    return True


def can_fire(user: User | None, trigger: str, case: Case) -> bool:
    if not can(user, Action.FIRE_CASE, case):
        return False
    assert user is not None
    return user.role is Role.COORDINATOR or user.role in CASE_TRIGGER_ROLES.get(trigger, frozenset())


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
