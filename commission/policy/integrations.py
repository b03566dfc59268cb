"""The integration API's part of the one permission policy: the kinds of token, their scopes, which scopes each
kind may hold, and which records (and which of their fields) a token reaches.

A token is not a user: it acts for a partner's system, never for a person. What it reaches follows the same rules
as the pages (a landlord reads its own landlord's places only, as :func:`commission.policy.place_scope` says of a
landlord's representative) and the same rule of data minimisation (:mod:`commission.policy.documents`):

- a **landlord's** token: its own landlord's places (reference, kind, town, address, rooms, rent, state), and the
  availability notices it sends about them. Never a person: not who lives there, not who applied.
- the **hospital's** token: the state of the applications of the psychiatric sector (of its own care teams when it
  is bound to the hospital). What the hospital needs to follow a file it filed is where it stands: the file's
  reference (D-YYYY-NNNNN, which its team already holds), its state, its dates and the care team. No name, no birth
  date, no address, no resources, no free text (a reason or a note may name anyone) and never the medical part:
  the reference suffices to match the file in the hospital's own records.
- the **accountant's** token: the fund's ledger, entries with their lines (amounts, accounts, dates, labels that
  name a file by its reference, never a person, :attr:`Field.MONEY`). Bound to nothing.

The events feed gives the same reader the ids, times and kinds of the changes to what it reaches: an audit entry's
id, time, action (only the steps of the machines and the creation or update of a place: never ``medical``,
``document`` or ``followup``), the record's type, id and reference; never the entry's details or who acted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, select, true

from commission.i18n import N_
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.integrations import AvailabilityNotice, IntegrationKind, IntegrationToken
from commission.models.reference import CareTeam, OrganisationKind
from commission.policy.documents import Field


class Scope(enum.Enum):
    PLACES_READ = "places:read"
    PLACES_DECLARE = "places:declare"
    APPLICATIONS_READ = "applications:read"
    LEDGER_READ = "ledger:read"
    EVENTS_READ = "events:read"


# What each scope lets a partner's system do, for the management page and the OpenAPI document.
SCOPE_DESCRIPTIONS: dict[Scope, str] = {
    Scope.PLACES_READ: N_("Read its own landlord's places"),
    Scope.PLACES_DECLARE: N_("Declare that one of its places is or will be available (a notice the coordinator "
                             "confirms)"),
    Scope.APPLICATIONS_READ: N_("Read the state of the applications (reference, state, dates, care team)"),
    Scope.LEDGER_READ: N_("Read the fund's ledger"),
    Scope.EVENTS_READ: N_("Follow what changed among the records it may read"),
}

# Which scopes each kind of token may hold.
KIND_SCOPES: dict[IntegrationKind, frozenset[Scope]] = {
    IntegrationKind.LANDLORD: frozenset({Scope.PLACES_READ, Scope.PLACES_DECLARE, Scope.EVENTS_READ}),
    IntegrationKind.HOSPITAL: frozenset({Scope.APPLICATIONS_READ, Scope.EVENTS_READ}),
    IntegrationKind.ACCOUNTANT: frozenset({Scope.LEDGER_READ, Scope.EVENTS_READ}),
}

# What each kind of token may be bound to: the organisation kind, and whether the binding is required.
KIND_BINDING: dict[IntegrationKind, tuple[OrganisationKind, bool] | None] = {
    IntegrationKind.LANDLORD: (OrganisationKind.LANDLORD, True),
    IntegrationKind.HOSPITAL: (OrganisationKind.HOSPITAL, False),
    IntegrationKind.ACCOUNTANT: None,
}

# The fields a token reads, in the terms of the documents' policy: never the person, never the medical part.
KIND_FIELDS: dict[IntegrationKind, frozenset[Field]] = {
    IntegrationKind.LANDLORD: frozenset({Field.ADDRESS_OF_PLACE}),
    IntegrationKind.HOSPITAL: frozenset({Field.CARE_TEAM}),
    IntegrationKind.ACCOUNTANT: frozenset({Field.MONEY}),
}

# The longest life of a token, in days: a partner's key is renewed at least once a year.
MAX_LIFETIME_DAYS = 366


def allowed_scopes(kind: IntegrationKind) -> frozenset[Scope]:
    return KIND_SCOPES[kind]


def may_hold(kind: IntegrationKind, scopes: Iterable[Scope]) -> bool:
    return set(scopes) <= KIND_SCOPES[kind]


def binding_kind(kind: IntegrationKind) -> OrganisationKind | None:
    rule = KIND_BINDING[kind]
    return None if rule is None else rule[0]


def binding_required(kind: IntegrationKind) -> bool:
    rule = KIND_BINDING[kind]
    return rule is not None and rule[1]


def fields(token: IntegrationToken) -> frozenset[Field]:
    return KIND_FIELDS[token.kind]


def has_scope(token: IntegrationToken, scope: Scope) -> bool:
    """The token holds the scope, and its kind may hold it (a scope stored against the policy is never honoured)."""
    return scope.value in token.scope_set and scope in KIND_SCOPES[token.kind]


def place_scope(token: IntegrationToken) -> ColumnElement[bool]:
    """The places a token reads: a landlord's token, its own landlord's places; no other kind reads a place."""
    if token.kind is not IntegrationKind.LANDLORD or token.organisation_id is None:
        return false()
    return Place.organisation_id == token.organisation_id


def notice_scope(token: IntegrationToken) -> ColumnElement[bool]:
    """The availability notices a token reads: those sent about its landlord's places."""
    if token.kind is not IntegrationKind.LANDLORD or token.organisation_id is None:
        return false()
    return AvailabilityNotice.place_id.in_(select(Place.id).where(place_scope(token)))


def case_scope(token: IntegrationToken) -> ColumnElement[bool]:
    """The applications a hospital's token reads: all of the sector's, or its own care teams' when it is bound."""
    if token.kind is not IntegrationKind.HOSPITAL:
        return false()
    if token.organisation_id is None:
        return true()
    return Case.care_team_id.in_(select(CareTeam.id).where(CareTeam.organisation_id == token.organisation_id))


def event_types(token: IntegrationToken) -> tuple[str, ...]:
    """The audit trail's object types whose changes the token follows."""
    if token.kind is IntegrationKind.LANDLORD:
        return ("place", "availability_notice")
    if token.kind is IntegrationKind.HOSPITAL:
        return ("case",)
    return ("ledger_entry",)


def event_actions(object_type: str) -> frozenset[str]:
    """The actions on an object type a partner may follow: the steps of its machine, its creation and update; never
    what tells of the medical part, a document or the follow-up of a person."""
    from commission.workflow.case import CASE_MACHINE
    from commission.workflow.place import PLACE_MACHINE

    if object_type == "case":
        return frozenset(f"case.{step.trigger}" for step in CASE_MACHINE.transitions)
    if object_type == "place":
        return frozenset({"place.created", "place.updated",
                          *(f"place.{step.trigger}" for step in PLACE_MACHINE.transitions)})
    if object_type == "availability_notice":
        return frozenset({"availability_notice.created", "availability_notice.confirmed",
                          "availability_notice.dismissed"})
    if object_type == "ledger_entry":
        from commission.models.treasury import EntryKind

        return frozenset(f"ledger.{kind.value}" for kind in EntryKind)
    return frozenset()

