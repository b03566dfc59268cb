"""The one permission policy. Every service asks it; the web only hides what it would refuse.

Three kinds of rule: which roles may perform an action at all (``ROLE_RULES``); which records a user
may reach (the ``*_scope`` functions, used both to check one record and to filter lists); and which
steps of a machine a user may take on a record (:func:`may_take`, :func:`steps_for`: the pages offer
those, the first as the primary button). Every other question about a role (who must log in with a
code, who sees a person's name, who is invited to a hearing, who approves a write-off) is answered by
a function of this module: no other module compares a role by name (``tests/test_one_home.py``).
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, true

from commission import clock
from commission.errors import Forbidden
from commission.i18n import N_
from commission.models.accounts import Role, User
from commission.models.cases import Case
from commission.models.hearings import AttendanceStatus, Hearing
from commission.models.housing import Place
from commission.models.treasury import Deposit
from commission.workflow.engine import FireContext, MachineSpec, TransitionSpec, offered
from commission.workflow.tags import Screen


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
    FOLLOW_SESSION = "follow_session"
    MANAGE_USUAL_REASONS = "manage_usual_reasons"
    ANSWER_CONSULTATION = "answer_consultation"
    MANAGE_LETTERS = "manage_letters"
    # The housing sub-group (issue 21): the agreements read, who sits in it, the contributions set before the call.
    VIEW_AGREEMENTS = "view_agreements"  # the agreements and their renewals, read (the coordinator keeps them)
    MANAGE_SUBGROUP = "manage_subgroup"  # who sits in the sub-group
    SET_CONTRIBUTIONS = "set_contributions"  # the year's rate, contributors and bases, before the call
    VIEW_LETTERS = "view_letters"
    RECORD_COMMITMENT = "record_commitment"
    VIEW_DIRECTORY = "view_directory"  # the territory's structures, their guide and export
    EDIT_DIRECTORY = "edit_directory"
    ORIENT = "orient"  # orient a person towards a structure, and record its answer (checked per file)
    SEARCH = "search"  # the one search box (each result shown only if its reader may open it)
    VIEW_SUBGROUP = "view_subgroup"  # its workspace: members, meetings, correspondence register, prospects, read
    RECORD_SUBGROUP = "record_subgroup"  # its meetings and actions, the correspondence, the prospects, written
    MANAGE_INTEGRATIONS = "manage_integrations"  # the integration API's tokens, and the notices sent through it
    IMPORT_DATA = "import_data"


ALL_ROLES: frozenset[Role] = frozenset(Role)
# Everyone who takes part in the commission's work; the data-protection officer only reads the logs.
STAFF_ROLES: frozenset[Role] = ALL_ROLES - {Role.DATA_PROTECTION}
# Those who sit on the commission and hear the persons.
COMMISSION_SEATS: frozenset[Role] = frozenset({Role.COORDINATOR, Role.CHAIR, Role.MEMBER, Role.LANDLORD})

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
    # The room's screen follows the session (initials only): those who run it, and the members present.
    Action.FOLLOW_SESSION: COMMISSION_SEATS,
    # The commission's usual reasons for its decisions, offered to the chair: the coordinator keeps them.
    Action.MANAGE_USUAL_REASONS: frozenset({Role.COORDINATOR}),
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
    # A written consultation between hearings: the coordinator puts it (MANAGE_HEARINGS) and records its
    # outcome; the voting members answer it (each their own answer, checked per record by the service).
    Action.ANSWER_CONSULTATION: frozenset({Role.CHAIR, Role.MEMBER, Role.LANDLORD}),
    # The letters: the coordinator keeps their texts, the council's letterhead, the print runs and the register of
    # outgoing mail; a care team reads the letters sent about its own people (checked per file).
    Action.MANAGE_LETTERS: frozenset({Role.COORDINATOR}),
    Action.VIEW_LETTERS: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    # The three-party care and reintegration project: drafted and its signatures recorded by the person's care
    # team and the coordinator (checked per file).
    Action.RECORD_COMMITMENT: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    # The housing sub-group: the coordinator, and the accounts that sit in it (:func:`_role_allows`).
    Action.VIEW_AGREEMENTS: frozenset({Role.COORDINATOR}),
    Action.MANAGE_SUBGROUP: frozenset({Role.COORDINATOR}),
    Action.SET_CONTRIBUTIONS: frozenset({Role.COORDINATOR}),
    # The territory's directory: everyone who takes part in the work reads it (it names structures, never a person);
    # the coordinator and the care teams keep it up to date. Orienting a person is a step of their file: their care
    # team and the coordinator (checked per file).
    Action.VIEW_DIRECTORY: STAFF_ROLES,
    Action.EDIT_DIRECTORY: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    Action.ORIENT: frozenset({Role.COORDINATOR, Role.CARE_TEAM}),
    Action.SEARCH: STAFF_ROLES,
    # Its workspace, meetings, register of official correspondence and search for new partners: the coordinator
    # and the sub-group's members, who read and write there alike (no decision on a person is taken there).
    Action.VIEW_SUBGROUP: frozenset({Role.COORDINATOR}),
    Action.RECORD_SUBGROUP: frozenset({Role.COORDINATOR}),
    # The integration API's tokens (issued to a landlord, the hospital, the accountant): the coordinator.
    Action.MANAGE_INTEGRATIONS: frozenset({Role.COORDINATOR}),
    Action.IMPORT_DATA: frozenset({Role.COORDINATOR}),
}
# What sitting in the housing sub-group adds to an account's role: the agreements, the fund and the scheme's
# figures, read; its own workspace, read and written.
SUBGROUP_ACTIONS = frozenset({Action.VIEW_AGREEMENTS, Action.VIEW_TREASURY, Action.VIEW_DASHBOARD,
                              Action.VIEW_SUBGROUP, Action.RECORD_SUBGROUP})

# The steps of the hearing machine, and the action each needs (the others: managing the hearings).
HEARING_STEP_ACTIONS: dict[str, Action] = {
    "open_session": Action.RUN_SESSION, "close": Action.RUN_SESSION,
    "approve_minutes": Action.APPROVE_MINUTES, "sign_minutes": Action.SIGN_MINUTES,
}
# The deposit's: committing the council takes the signing delegation; the rest is the treasurer's.
DEPOSIT_STEP_ACTIONS: dict[str, Action] = {"commit": Action.ISSUE_COMMITMENT}
# A prospective partner's: the sub-group follows it; the signed agreement enters the stock, which the coordinator
# keeps.
PROSPECT_STEP_ACTIONS: dict[str, Action] = {"sign": Action.MANAGE_STOCK}


def may_clause(action: Action) -> ColumnElement[bool]:
    """A filter of the accounts whose role may perform an action (who can help with access: the coordination)."""
    return User.role.in_(ROLE_RULES[action])


def _role_allows(user: User | None, action: Action) -> bool:
    if user is None or not user.active:
        return False
    # Whoever holds the signing delegation reads the deposits, to commit the council to them; a member of the
    # housing sub-group holds its actions (the data-protection officer never sits in it).
    return user.role in ROLE_RULES[action] or (action is Action.VIEW_DEPOSITS and user.signing_delegation) or (
        action in SUBGROUP_ACTIONS and user.housing_subgroup and user.role is not Role.DATA_PROTECTION)


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
    if action is Action.FOLLOW_SESSION and user.role is not Role.COORDINATOR and hearing.chair_id != user.id:
        return any(attendance.user_id == user.id and attendance.status is AttendanceStatus.PRESENT
                   for attendance in hearing.attendances)
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
    """May the user take this step of a file? The coordinator takes them all; others, those the
    case machine gives their role (``TransitionSpec.roles``), on files they may reach."""
    if not can(user, Action.FIRE_CASE, case):
        return False
    assert user is not None
    from commission.workflow.case import CASE_MACHINE

    roles = {role for step in CASE_MACHINE.transitions if step.trigger == trigger for role in step.roles}
    return user.role is Role.COORDINATOR or user.role in roles


def may_take(user: User | None, spec: MachineSpec, trigger: str, record: Any) -> bool:
    """May the user take this step of any machine's record (its guards are checked when it is taken)?"""
    if spec.is_import(trigger):  # a record arriving from a spreadsheet: never offered on a page
        return can(user, Action.IMPORT_DATA, record)
    if spec.name == "case":
        return can_fire(user, trigger, record)
    if spec.name == "hearing":
        from commission.workflow.hearing import step_fits

        return step_fits(trigger, record) and can(user, HEARING_STEP_ACTIONS.get(trigger, Action.MANAGE_HEARINGS),
                                                  record)
    if spec.name == "deposit":
        return can(user, DEPOSIT_STEP_ACTIONS.get(trigger, Action.MANAGE_TREASURY), record)
    if spec.name == "place":
        return can(user, Action.MANAGE_STOCK, record)
    if spec.name == "prospect":
        return can(user, PROSPECT_STEP_ACTIONS.get(trigger, Action.RECORD_SUBGROUP), record)
    if spec.name == "orientation":  # a step of the person's file: checked on the file
        return can(user, Action.ORIENT, record.case)
    raise KeyError(spec.name)


def steps_for(user: User | None, spec: MachineSpec, record: Any, screen: Screen | None = None
              ) -> list[TransitionSpec]:
    """The steps a page offers this user on this record: those the machine has from the record's
    state (on one screen, or on all), that the user may take, and that can be taken now when the machine offers
    them only then (:func:`engine.offered`). The first is the page's primary button."""
    context = FireContext(actor=user, today=clock.today())
    return [step for step in spec.available(record.state, screen)
            if step.screen is not Screen.IMPORT and may_take(user, spec, step.trigger, record)
            and offered(step, record, context)]


# ---------------------------------------------------------------- rules on persons and roles


def is_staff(user: User | None) -> bool:
    """Takes part in the commission's work (the data-protection officer only reads the logs)."""
    return user is not None and user.role in STAFF_ROLES


def team_is_own(user: User) -> bool:
    """A care-team member files for their own team only; the coordinator chooses the team."""
    return user.role is Role.CARE_TEAM


def reads_other_team(role: Role | None, user_team: int | None, case_team: int | None) -> bool:
    """A care-team member reading a file of another team (they may have moved team since)."""
    return role is Role.CARE_TEAM and user_team != case_team


def reads_other_team_clause() -> ColumnElement[bool]:
    """:func:`reads_other_team` in a query of the reader (User) and the file read (Case)."""
    return and_(User.role == Role.CARE_TEAM, User.care_team_id.is_distinct_from(Case.care_team_id))


def sees_agenda_person(user: User, case: Case) -> bool:
    """Whether the user sees who an agenda item is about (else initials only): those who sit on the
    commission, and the person's own care team."""
    if can(user, Action.VIEW_FULL_AGENDA):
        return True
    return user.role is Role.CARE_TEAM and case.care_team_id == user.care_team_id


def sees_tenant_names(user: User) -> bool:
    """A landlord's representative reads the deposits on their places, not who the persons are."""
    return user.role is not Role.LANDLORD


# The roles that read medical details: they must log in with a code when the settings require it.
TWO_FACTOR_ROLES = frozenset({Role.COORDINATOR, Role.CARE_TEAM})


def needs_two_factor(user: User) -> bool:
    return user.role in TWO_FACTOR_ROLES


# The deposits' reminders go to those who chase the refunds: the treasurer, the coordinator, and a
# landlord's representative for the deposits their landlord owes back (the signing delegation,
# which lets a member read the deposits, is not a duty to chase them).
REFUND_CHASERS = frozenset({Role.COORDINATOR, Role.TREASURER, Role.LANDLORD})


def chases_refunds(user: User) -> bool:
    return user.role in REFUND_CHASERS and can(user, Action.VIEW_DEPOSITS)


def write_off_approval(user: User, deposit: Deposit) -> str | None:
    """Which approval of a write-off this user gives ("treasurer" or "coordinator"), or None when
    they may not give one now: each of the two approves once, while the refund is claimed (the
    machine's ``write_off`` step is open)."""
    from commission.workflow.deposit import DEPOSIT_MACHINE

    if not can(user, Action.APPROVE_WRITE_OFF, deposit) or not DEPOSIT_MACHINE.allows("write_off", deposit.state):
        return None
    if user.role is Role.TREASURER:
        return "treasurer" if deposit.write_off_treasurer_id is None else None
    return "coordinator" if deposit.write_off_coordinator_id is None else None


def may_sit_in_subgroup(user: User) -> bool:
    """The data-protection officer cannot sit in the housing sub-group (it reads the logs, nothing else)."""
    return user.role is not Role.DATA_PROTECTION


def may_hold_delegation(user: User) -> bool:
    """The data-protection officer cannot hold the council's signing delegation."""
    return user.role is not Role.DATA_PROTECTION


# What each role's account is bound to: a care team, a town, a landlord.
ROLE_BINDINGS: dict[Role, str] = {Role.CARE_TEAM: "care_team_id", Role.CHAIR: "town_id",
                                  Role.LANDLORD: "organisation_id"}


def binding(role: Role) -> str | None:
    """The field an account of this role must be bound to, if any."""
    return ROLE_BINDINGS.get(role)


# Who sits on the commission, and whether they vote: invited when a hearing is convened.
SEAT_VOTES: dict[Role, bool] = {Role.CHAIR: True, Role.MEMBER: True, Role.LANDLORD: True,
                                Role.COORDINATOR: False, Role.TREASURER: False}


def invited_clause() -> ColumnElement[bool]:
    """The accounts invited to sit at a hearing."""
    return User.role.in_(list(SEAT_VOTES))


def votes(user: User) -> bool:
    return SEAT_VOTES.get(user.role, False)


def chair_clause() -> ColumnElement[bool]:
    """The accounts that may chair a hearing: the elected officials."""
    return User.role == Role.CHAIR


def may_chair(user: User) -> bool:
    return user.role is Role.CHAIR and user.active


def landlord_representatives_clause() -> ColumnElement[bool]:
    return User.role == Role.LANDLORD


def coordinators_clause() -> ColumnElement[bool]:
    return User.role == Role.COORDINATOR


def sees_every_hearing_reminder(user: User) -> bool:
    """The coordinator is reminded of every convened hearing; others of those they sit at, and the
    care teams of those where their people are heard."""
    return user.role is Role.COORDINATOR


def reminded_of_own_people(user: User) -> bool:
    return user.role is Role.CARE_TEAM


# The records behind a dashboard figure, by their kind, and the action that lets a user read them.
FIGURE_RECORD_ACTIONS: dict[str, Action] = {
    "place": Action.VIEW_PLACES,
    "case": Action.VIEW_CASES,
    "deposit": Action.VIEW_DEPOSITS,
    "agreement": Action.MANAGE_STOCK,
    "hearing": Action.VIEW_HEARINGS,
}


def sees_figure_records(user: User | None, kind: str) -> bool:
    """Whether the user may read the records of this kind behind a dashboard figure (the figures themselves
    are shown to everyone on the dashboard)."""
    action = FIGURE_RECORD_ACTIONS.get(kind)
    return action is not None and can(user, action)


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


# ---------------------------------------------------------------- who takes each step, in words

# Actions whose holders are qualified per record: the words say who, not only which role.
_QUALIFIED_TAKERS: dict[Action, tuple[str, ...]] = {
    Action.RUN_SESSION: (N_("Coordinator"), N_("the hearing's chair")),
    Action.EDIT_MINUTES: (N_("Coordinator"), N_("the hearing's chair")),
    Action.APPROVE_MINUTES: (N_("Coordinator"), N_("the hearing's chair")),
    Action.SIGN_MINUTES: (N_("the hearing's chair"), N_("the holder of the signing delegation")),
    Action.ISSUE_COMMITMENT: (N_("the holder of the signing delegation"),),
    Action.RECORD_SUBGROUP: (N_("Coordinator"), N_("the housing sub-group's members")),
}


def _action_of(spec: MachineSpec, trigger: str) -> Action | None:
    if spec.is_import(trigger):
        return Action.IMPORT_DATA
    if spec.name == "hearing":
        return HEARING_STEP_ACTIONS.get(trigger, Action.MANAGE_HEARINGS)
    if spec.name == "deposit":
        return DEPOSIT_STEP_ACTIONS.get(trigger, Action.MANAGE_TREASURY)
    if spec.name == "place":
        return Action.MANAGE_STOCK
    if spec.name == "prospect":
        return PROSPECT_STEP_ACTIONS.get(trigger, Action.RECORD_SUBGROUP)
    if spec.name == "orientation":
        return Action.ORIENT
    return None


def step_takers(spec: MachineSpec, trigger: str) -> tuple[str, ...]:
    """Who may take a step, in words (message ids), for the diagrams and the pages on the workflow."""
    from commission.labels import ROLE_LABELS

    steps = [step for step in (*spec.transitions, *spec.imports) if step.trigger == trigger]
    if not steps:
        raise KeyError(trigger)
    if spec.name not in ("case", "hearing", "deposit", "place", "prospect", "orientation"):
        return ()  # a machine the policy does not know (a test's, say): nobody is named
    if steps[0].screen is Screen.CONSEQUENCE:
        return (N_("follows from another record's step"),)
    action = _action_of(spec, trigger)
    if action is None:  # the case: the coordinator, and the roles the step names
        roles = {Role.COORDINATOR, *(role for step in steps for role in step.roles)}
    elif action in _QUALIFIED_TAKERS:
        return _QUALIFIED_TAKERS[action]
    else:
        roles = set(ROLE_RULES[action])
    return tuple(ROLE_LABELS[role] for role in Role if role in roles)


# The documents' part of the policy, re-exported: ``policy.Document``, ``policy.document_fields``...
from commission.policy.documents import (  # noqa: E402
    CONSULTATION_FIELDS,
    DOCUMENT_FIELDS,
    FULL_MINUTES,
    LANDLORD_MINUTES,
    REDACTED_MINUTES,
    Document,
    Field,
    consultation_fields,
    document_fields,
    has_seat,
    minutes_fields,
    place_is_own,
    reads_means,
    shows_place,
)

__all__ = ["CONSULTATION_FIELDS", "DOCUMENT_FIELDS", "FULL_MINUTES", "LANDLORD_MINUTES", "REDACTED_MINUTES", "Document",
           "Field", "consultation_fields", "document_fields", "has_seat", "minutes_fields", "place_is_own",
           "reads_means", "shows_place"]
