"""What each reader reads of each document: part of the one permission policy (:mod:`commission.policy`), kept in
a module of its own for its length. Import it through :mod:`commission.policy`, which re-exports it."""

from __future__ import annotations

import enum

from commission.models.accounts import Role, User
from commission.models.cases import Case
from commission.policy import COMMISSION_SEATS, SEAT_VOTES, STAFF_ROLES, Action, can

# ---------------------------------------------------------------- what each reader reads of each document
# Data minimisation is a rule of the policy, like access. For each document, the groups of fields each role
# reads of it (a role without an entry does not read the document at all); a landlord's representative reads
# their own landlord's places only. The services that build a document's plain data ask
# :func:`document_fields` and leave out of the data what is not there, so that no template can print it.
# README.md, "What each reader sees in the documents", says the same in words.


class Document(enum.Enum):
    AGENDA = "agenda"
    CONVOCATIONS = "convocations"  # the letters to the person, their guardian and their care team
    INVITATIONS = "invitations"  # the calendar invitations: each member, each person and their team
    MINUTES = "minutes"  # the full minutes
    MINUTES_REDACTED = "minutes_redacted"  # the minutes for distribution, and what the other readers read
    OFFER = "offer"  # the offer of a place, to the person
    COMMITMENT = "commitment"  # the council's deposit commitment, to the landlord
    LEDGER = "ledger"  # the ledger's CSV and XLSX
    STATEMENT = "statement"  # the year's statement: PDF, CSV, XLSX (with the year's entries)
    PERSON_EXPORT = "person_export"  # everything held on one person, for their right of access
    ANNUAL_REPORT = "annual_report"
    ROOM_SCREEN = "room_screen"  # the room's screen during the session, and its JSON


class Field(enum.Enum):
    IDENTITY = "identity"  # the persons' names; without it, their initials
    BIRTH_DATE = "birth_date"
    LEGAL_PROTECTION = "legal_protection"  # the measure: curatorship, guardianship
    GUARDIAN = "guardian"  # the guardian's name (and address, on the letter to them)
    POSTAL_ADDRESS = "postal_address"  # the person's own address, on the letters to them
    MEDICAL = "medical"  # the medical part of a file and the follow-up
    CARE_TEAM = "care_team"  # the team that follows the person
    REQUEST = "request"  # the kind of place and the towns asked for
    DECISIONS = "decisions"  # the decisions, their reasons, votes, ranks and dates
    EVERY_ITEM = "every_item"  # every item of a hearing; without it, those about the reader's own places only
    ADDRESS_OF_PLACE = "address_of_place"  # the reference and address of a place of the reader's own landlord
    OTHER_LANDLORDS_PLACES = "other_landlords_places"  # any other place: all of them, for a reader who is no landlord
    MEMBERS = "members"  # who sat on the commission, and in which seat
    NOTES = "notes"  # the minutes' free texts: remarks, admissions and exits, the notes on items
    MONEY = "money"  # amounts and the ledger's entries (named by the file's reference, never the person)
    FILE_RECORDS = "file_records"  # a file's whole history: its steps, documents, reads, follow-up
    FIGURES = "figures"  # counts, rates, durations and sums: no person, no file, no place
    MEANS = "means"  # a person's resources and housing allowance, and what a place's rent would leave to live on


_PERSON = frozenset({Field.IDENTITY, Field.BIRTH_DATE, Field.LEGAL_PROTECTION, Field.GUARDIAN})
_PLACES = frozenset({Field.ADDRESS_OF_PLACE, Field.OTHER_LANDLORDS_PLACES})
# The minutes as signed, and the version for distribution stored beside them (initials; no birth date,
# legal protection or guardian). A reader whose fields are neither gets the minutes rendered for them.
FULL_MINUTES = _PERSON | _PLACES | {Field.CARE_TEAM, Field.REQUEST, Field.DECISIONS, Field.EVERY_ITEM,
                                    Field.MEMBERS, Field.NOTES}
REDACTED_MINUTES = FULL_MINUTES - _PERSON
# A landlord's representative reads what the commission decided about their own places: the decision, the
# place, the dates, who sat; the person by initials, and no free text (it may name anyone).
LANDLORD_MINUTES = frozenset({Field.DECISIONS, Field.ADDRESS_OF_PLACE, Field.MEMBERS})
# The agenda prepares the session: no birth date, protection or guardian; names for those who sit and hear.
_AGENDA = _PLACES | {Field.IDENTITY, Field.CARE_TEAM, Field.REQUEST, Field.EVERY_ITEM}
_TREASURY = frozenset({Field.MONEY, Field.OTHER_LANDLORDS_PLACES})
_SITTING = (Role.COORDINATOR, Role.CHAIR, Role.MEMBER)
# The means set against a place proposed: the coordinator and the chairs (their figures); the person's own care team
# reads them on its file (:func:`reads_means`); every other reader of the agenda sees only that the warning applies.
_MEANS_READERS = (Role.COORDINATOR, Role.CHAIR)

DOCUMENT_FIELDS: dict[Document, dict[Role, frozenset[Field]]] = {
    Document.AGENDA: {**dict.fromkeys(_SITTING, _AGENDA), **dict.fromkeys(_MEANS_READERS, _AGENDA | {Field.MEANS}),
                      Role.LANDLORD: _AGENDA - {Field.OTHER_LANDLORDS_PLACES},
                      Role.CARE_TEAM: _AGENDA - {Field.IDENTITY}, Role.TREASURER: _AGENDA - {Field.IDENTITY}},
    Document.CONVOCATIONS: {Role.COORDINATOR: frozenset({Field.IDENTITY, Field.GUARDIAN, Field.POSTAL_ADDRESS,
                                                         Field.CARE_TEAM})},
    Document.INVITATIONS: {Role.COORDINATOR: frozenset({Field.IDENTITY, Field.CARE_TEAM, Field.MEMBERS})},
    Document.MINUTES: dict.fromkeys(_SITTING, FULL_MINUTES),
    Document.MINUTES_REDACTED: {**dict.fromkeys((*_SITTING, Role.CARE_TEAM, Role.TREASURER), REDACTED_MINUTES),
                                Role.LANDLORD: LANDLORD_MINUTES},
    Document.OFFER: dict.fromkeys((Role.COORDINATOR, Role.CARE_TEAM), frozenset({
        Field.IDENTITY, Field.POSTAL_ADDRESS, Field.CARE_TEAM, Field.OTHER_LANDLORDS_PLACES, Field.MONEY})),
    # To whoever reads the deposit (its landlord's representative; the holder of the signing delegation,
    # whatever their role); a landlord's representative reads the deposits, not who the persons are.
    Document.COMMITMENT: {**dict.fromkeys(STAFF_ROLES - {Role.LANDLORD}, _TREASURY | {Field.IDENTITY}),
                          Role.LANDLORD: frozenset({Field.ADDRESS_OF_PLACE, Field.MONEY})},
    Document.LEDGER: dict.fromkeys((Role.COORDINATOR, Role.TREASURER), _TREASURY),
    Document.STATEMENT: dict.fromkeys((Role.COORDINATOR, Role.TREASURER), _TREASURY),
    # The right of access is to everything held on the person: the coordinator produces it for them.
    Document.PERSON_EXPORT: {Role.COORDINATOR: _PERSON | _TREASURY | {
        Field.POSTAL_ADDRESS, Field.MEDICAL, Field.CARE_TEAM, Field.REQUEST, Field.DECISIONS, Field.FILE_RECORDS}},
    Document.ANNUAL_REPORT: dict.fromkeys((*_SITTING, Role.TREASURER), frozenset({Field.FIGURES})),
    # Shown to the whole room: the persons by their initials, the decisions by their names (no reason: free text
    # may name anyone), no place, no team.
    Document.ROOM_SCREEN: dict.fromkeys(COMMISSION_SEATS, frozenset({Field.DECISIONS})),
}
# What a written consultation's page shows to answer it, to the coordinator and the members consulted: the person
# by initials, their team and request, the proposal and its place (reference, kind, town); never a name, a birth
# date or the medical part.
CONSULTATION_FIELDS = frozenset({Field.CARE_TEAM, Field.REQUEST, Field.DECISIONS})


def consultation_fields(user: User | None) -> frozenset[Field]:
    """What the user reads of a written consultation's proposal: nothing unless they put it or answer it."""
    if can(user, Action.MANAGE_HEARINGS) or can(user, Action.ANSWER_CONSULTATION):
        return CONSULTATION_FIELDS
    return frozenset()


def document_fields(user: User | None, document: Document) -> frozenset[Field]:
    """The groups of fields this user reads of this document; none when they do not read it."""
    if user is None or not user.active:
        return frozenset()
    return DOCUMENT_FIELDS[document].get(user.role, frozenset())


def minutes_fields(user: User | None, *, redacted: bool = False) -> frozenset[Field]:
    """What the user reads of a hearing's minutes: the full minutes when they may (and did not ask for the
    version for distribution), else what they read of the version for distribution."""
    full = frozenset() if redacted else document_fields(user, Document.MINUTES)
    return full or document_fields(user, Document.MINUTES_REDACTED)


def place_is_own(user: User, landlord_id: int | None) -> bool:
    """Whether a place belongs to the landlord the user represents (never, for a user who represents none)."""
    return user.role is Role.LANDLORD and landlord_id is not None and landlord_id == user.organisation_id


def shows_place(user: User, fields: frozenset[Field], landlord_id: int | None) -> bool:
    """Whether a document read with these fields shows this place (its reference and address)."""
    return (Field.ADDRESS_OF_PLACE if place_is_own(user, landlord_id) else Field.OTHER_LANDLORDS_PLACES) in fields


def reads_means(user: User | None, case: Case) -> bool:
    """Whether the user reads a person's means and what a place would leave them to live on (the figures); any
    other reader of a proposal sees only whether the warning applies."""
    if user is None or not user.active:
        return False
    if user.role in _MEANS_READERS:
        return True
    return user.role is Role.CARE_TEAM and case.care_team_id == user.care_team_id


def has_seat(user: User) -> bool:
    """Whether the user's role has a seat at the commission: only those are listed as its members (an
    attendance sheet drawn before a role lost its seat may still hold a row for them)."""
    return user.role in SEAT_VOTES


__all__ = ["CONSULTATION_FIELDS", "DOCUMENT_FIELDS", "FULL_MINUTES", "LANDLORD_MINUTES", "REDACTED_MINUTES", "Document",
           "Field", "consultation_fields", "document_fields", "has_seat", "minutes_fields", "place_is_own",
           "reads_means", "shows_place"]
