"""What the documents show, as plain data: services build it, the renderers turn it into PDF or iCalendar.

Templates never see ORM objects. Every text here is final (already translated, already formatted where
a label is concerned); dates and times stay typed so that each renderer formats them for its locale.
A redacted document is built from redacted data (:func:`redact_minutes`, :func:`redact_agenda`): what
is not in the data cannot leak through a template.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

DEFAULT_COUNCIL_NAME = "Conseil intercommunal de santé, santé mentale et citoyenneté"


@dataclass(frozen=True)
class Council:
    name: str = DEFAULT_COUNCIL_NAME
    address: str = ""
    town: str = ""  # where its letters are written from: "Ronchin, le 2 mars 2026"; "" gives the date alone


@dataclass(frozen=True)
class HearingInfo:
    reference: str  # "2026-4": the year and the quarter
    day: date
    start: time
    town: str  # the host town
    venue: str  # the room, e.g. "Salle du conseil municipal"
    address: str
    chair_name: str
    chair_title: str  # e.g. "Adjoint au maire de Ronchin"
    extraordinary: bool = False  # convened outside the quarterly rhythm, for the reason below
    purpose: str = ""  # why an extraordinary hearing is held


@dataclass(frozen=True)
class PersonRef:
    """The person an item is about. Redacted: initials only, no birth date, protection or guardian."""

    full_name: str
    initials: str
    birth_date: date | None
    care_team: str
    protection: str = ""  # the legal protection's label, "" when none or redacted
    guardian: str = ""  # the guardian's name, "" when none or redacted

    def redacted(self) -> PersonRef:
        return PersonRef(full_name=self.initials, initials=self.initials, birth_date=None, care_team=self.care_team)


@dataclass(frozen=True)
class Attendee:
    name: str
    capacity: str  # the role they sit in, e.g. "Représentant du bailleur Habitat Métropole Est"
    status: str  # "present" | "excused" | "represented" | "absent"
    status_label: str  # translated
    represented_by: str = ""
    votes: bool = True


@dataclass(frozen=True)
class VoteTally:
    in_favour: int
    against: int
    abstentions: int
    withdrawn: tuple[str, ...] = ()  # names of those who withdrew for a conflict of interest


@dataclass(frozen=True)
class ConsultationReport:
    """A written consultation concluded since the last hearing, as the minutes report it: the file by its
    reference and the person's initials, what was proposed and why it was urgent, the answers counted, the
    outcome."""

    case_reference: str
    initials: str
    purpose: str
    proposal: str  # the decision proposed, in words
    place: str  # the place proposed, in words ("" for none)
    place_landlord_id: int | None
    deadline: date
    consulted: int
    in_favour: int
    against: int
    abstentions: int
    withdrawn: int
    quorum: int
    outcome: str  # in words


@dataclass(frozen=True)
class MinutesItem:
    position: int
    kind: str  # "application" | "review"
    kind_label: str
    case_reference: str
    person: PersonRef
    request: str  # what is asked: kind of place and towns wished, in words
    carried_over: bool  # deferred at an earlier hearing
    time_slot: time | None
    attended: bool | None  # did the person come; None: not recorded
    decision: str  # "allocate" | "waiting_list" | "defer" | "refuse" | "review_noted" | ""
    decision_label: str
    reason: str
    place: str = ""  # allocated or ranked place: reference and address
    place_landlord_id: int | None = None  # whose place it is: a landlord reads their own places only
    rank: int | None = None  # rank in the list of candidates for the place; 1 gets the offer
    awaited: str = ""
    deferred_to: str = ""  # the hearing it is deferred to, in words
    votes: VoteTally | None = None
    note: str = ""  # a line the minutes add to the item


@dataclass(frozen=True)
class MinutesData:
    council: Council
    hearing: HearingInfo
    version: int
    status: str  # "draft" | "approved" | "signed"
    status_label: str
    attendees: tuple[Attendee, ...]
    quorum_required: int
    quorum_present: int
    items: tuple[MinutesItem, ...]
    vacancies: tuple[str, ...] = ()  # places vacant or soon vacant, in words
    movements: tuple[str, ...] = ()  # admissions and exits since the last hearing, in words
    remarks: str = ""
    next_hearing: str = ""  # date and town of the next hearing, in words
    signed_by: str = ""
    signer_capacity: str = ""
    signed_at: datetime | None = None
    approved_at: datetime | None = None
    corrects_version: int | None = None
    correction_reason: str = ""
    redacted: bool = False
    erasure_note: str = ""  # set when the retention rules replaced anonymised persons' names after signature
    vacancy_landlord_ids: tuple[int | None, ...] = ()  # whose place each of ``vacancies`` is, in the same order
    extract_for: str = ""  # a landlord's name: the minutes are the extract about its places (no free text)
    consultations: tuple[ConsultationReport, ...] = ()  # written consultations concluded since the last hearing

    @property
    def quorum_met(self) -> bool:
        return self.quorum_present >= self.quorum_required


@dataclass(frozen=True)
class AgendaItem:
    position: int
    kind: str  # "application" | "review"
    kind_label: str
    case_reference: str
    person: PersonRef
    request: str
    carried_over: bool
    time_slot: time | None


@dataclass(frozen=True)
class AgendaData:
    council: Council
    hearing: HearingInfo
    items: tuple[AgendaItem, ...]
    vacancies: tuple[str, ...] = ()
    redacted: bool = False
    places_of: str = ""  # a landlord's name, when the vacant places listed are its own only


@dataclass(frozen=True)
class Letter:
    """A convocation: to the person, their guardian or their care team, for one agenda item."""

    council: Council
    hearing: HearingInfo
    recipient_name: str
    recipient_address: tuple[str, ...]  # postal address lines, may be empty
    salutation: str  # "Madame, Monsieur,"
    person: PersonRef
    time_slot: time | None
    role: str  # "person" | "guardian" | "care_team"
    signatory: str  # who signs the letter for the council
    letter_date: date
    moved_from: date | None = None  # a new convocation: the hearing was moved from this date


@dataclass(frozen=True)
class Invitation:
    """One recipient's calendar invitation to a hearing (or to their time slot at it)."""

    uid: str  # stable: the same recipient and hearing always give the same uid
    summary: str
    description: str
    location: str
    start: datetime  # timezone-aware
    end: datetime
    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str = ""
    sequence: int = 0  # raised when the hearing moves, so calendars update the event
    stamp: datetime | None = None


def redact_minutes(data: MinutesData) -> MinutesData:
    """The minutes for wider distribution: initials instead of names, no birth date, no health or
    legal-protection detail (the persons' parts only; members' names stay, they sat in public office)."""
    items = tuple(replace(item, person=item.person.redacted()) for item in data.items)
    return replace(data, items=items, redacted=True)


def redact_agenda(data: AgendaData) -> AgendaData:
    return replace(data, items=tuple(replace(item, person=item.person.redacted()) for item in data.items),
                   redacted=True)


__all__ = [
    "AgendaData", "AgendaItem", "Attendee", "ConsultationReport", "Council", "HearingInfo", "Invitation", "Letter",
    "MinutesData", "MinutesItem", "PersonRef", "VoteTally", "redact_agenda", "redact_minutes",
]


@dataclass(frozen=True)
class PlaceInfo:
    reference: str
    kind_label: str
    address: str
    town: str
    landlord: str
    rooms: int
    surface_m2: int | None
    floor: int
    rent_cents: int
    charges_cents: int
    deposit_cents: int


@dataclass(frozen=True)
class OfferLetter:
    """The offer of a place, to the person (and, as a copy, their care team)."""

    council: Council
    recipient_name: str
    recipient_address: tuple[str, ...]
    copy_to: str  # the care team
    person_name: str
    place: PlaceInfo
    hearing_day: date | None
    reply_by: date
    letter_date: date
    signatory: str


@dataclass(frozen=True)
class CommitmentLetter:
    """The council's commitment to pay a landlord the deposit of a place, signed by the delegation holder."""

    council: Council
    landlord_name: str
    landlord_address: tuple[str, ...]
    person_name: str
    place: PlaceInfo
    amount_cents: int
    letter_date: date
    signatory_name: str
    delegation_since: date
    reference: str
