"""What the documents show, as plain data: services build it, the renderers turn it into PDF or iCalendar.

Templates never see ORM objects. Every text here is final (already translated, already formatted where
a label is concerned); dates and times stay typed so that each renderer formats them for its locale.
A redacted document is built from redacted data (:func:`redact_minutes`, :func:`redact_agenda`): what
is not in the data cannot leak through a template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

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
class MeansLine:
    """What the place allocated or ranked for would leave the person to live on each month, as the reader reads
    it: the figures (``figures``) to a reader of the means, else only that the warning applies (``below``)."""

    below: bool
    figures: bool = False
    left_cents: int | None = None  # None with the figures: the monthly resources are not recorded
    threshold_cents: int = 0
    resources_cents: int | None = None
    allowance_cents: int | None = None
    rent_cents: int = 0
    charges_cents: int = 0


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
    means: MeansLine | None = None  # for an item with a place, when there is something to show this reader


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
    """The agenda for distribution: the persons by initials; of the means, only the warning where it applies."""
    return replace(data, items=tuple(replace(item, person=item.person.redacted(), means=_warning_only(item.means))
                                     for item in data.items), redacted=True)


def _warning_only(means: MeansLine | None) -> MeansLine | None:
    return MeansLine(below=True) if means is not None and means.below else None


__all__ = [
    "AgendaData", "AgendaItem", "Attendee", "ConsultationReport", "Council", "HearingInfo", "Invitation", "Letter",
    "MeansLine", "MinutesData", "MinutesItem", "PersonRef", "VoteTally", "redact_agenda", "redact_minutes",
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
    page: LetterPage  # what every letter a council signs carries: letterhead, references, address, signature
    person_name: str
    place: PlaceInfo
    hearing_day: date | None
    reply_by: date
    letter_date: date
    logo: bytes | None = None  # the council's logo (PNG or JPEG), printed on the letterhead
    logo_type: str = ""


@dataclass(frozen=True)
class CommitmentLetter:
    """The council's commitment to pay a landlord the deposit of a place, signed by the delegation holder."""

    council: Council
    page: LetterPage  # letterhead, references, the landlord's address, « Pour le président et par délégation »
    landlord_name: str
    person_name: str
    place: PlaceInfo
    amount_cents: int
    letter_date: date
    signatory_name: str
    reference: str
    logo: bytes | None = None
    logo_type: str = ""


@dataclass(frozen=True)
class CareCommitmentSheet:
    """The three-party commitment to a care and reintegration project, to print and sign: the person, their care
    team and the council. Its texts are the file's, never a diagnosis or a treatment."""

    council: Council
    reference: str  # "PSR-2026-00012"
    case_reference: str
    person_name: str
    guardian_name: str  # "" when the person has no guardian
    care_team: str
    place: str  # reference, address and town
    landlord: str
    allocated_on: date
    goals: tuple[str, ...]  # paragraphs
    person_commitments: tuple[str, ...]
    care_team_commitments: tuple[str, ...]
    council_commitments: tuple[str, ...]
    person_signed_on: date | None = None
    care_team_signed_on: date | None = None
    care_team_signatory: str = ""
    council_signed_on: date | None = None
    council_signatory: str = ""


@dataclass(frozen=True)
class LetterPage:
    """One letter a council signs, as printed: made from the content kept with the letter when it was written
    (``OutgoingLetter.content``), so that a letter printed again is the letter that was sent.

    The content (a JSON object; every key may be missing from an older letter, which then prints it empty)::

        {"letterhead": {"council": str, "lines": [str], "phone": str, "email": str},
         "reference": "CA-2026-00042", "file_reference": "D-2025-00017",
         "contact": {"name": str, "phone": str, "email": str},
         "recipient": [str],  # La Poste's lines, the name first
         "place_date": "Mons-en-Barœul, le 1er décembre 2026",
         "subject": str, "salutation": str (optional: "Madame," set apart before the paragraphs),
         "paragraphs": [str],
         "signature": {"preamble": "Pour le président et par délégation," or "", "name": str, "capacity": str},
         "copies": [str], "copy_of": str}  # copy_of: for a copy, whom the original went to; else ""
    """

    council: str
    council_lines: tuple[str, ...]
    council_phone: str
    council_email: str
    reference: str
    file_reference: str
    contact_name: str
    contact_phone: str
    contact_email: str
    recipient: tuple[str, ...]
    place_date: str
    subject: str
    paragraphs: tuple[str, ...]
    signature_preamble: str
    signature_name: str
    signature_capacity: str
    copies: tuple[str, ...] = ()
    copy_of: str = ""
    salutation: str = ""

    @classmethod
    def from_content(cls, content: Mapping[str, Any]) -> LetterPage:
        """The page of a letter's kept content; what is missing or of another type prints empty."""
        letterhead = _section(content, "letterhead")
        contact = _section(content, "contact")
        signature = _section(content, "signature")
        return cls(
            council=_string(letterhead, "council"), council_lines=_strings(letterhead, "lines"),
            council_phone=_string(letterhead, "phone"), council_email=_string(letterhead, "email"),
            reference=_string(content, "reference"), file_reference=_string(content, "file_reference"),
            contact_name=_string(contact, "name"), contact_phone=_string(contact, "phone"),
            contact_email=_string(contact, "email"), recipient=_strings(content, "recipient"),
            place_date=_string(content, "place_date"), subject=_string(content, "subject"),
            paragraphs=_strings(content, "paragraphs"), signature_preamble=_string(signature, "preamble"),
            signature_name=_string(signature, "name"), signature_capacity=_string(signature, "capacity"),
            copies=_strings(content, "copies"), copy_of=_string(content, "copy_of"),
            salutation=_string(content, "salutation"),
        )

    def content(self) -> dict[str, Any]:
        """The content this page is made from (:meth:`from_content` gives the page back)."""
        return {
            "letterhead": {"council": self.council, "lines": list(self.council_lines), "phone": self.council_phone,
                           "email": self.council_email},
            "reference": self.reference, "file_reference": self.file_reference,
            "contact": {"name": self.contact_name, "phone": self.contact_phone, "email": self.contact_email},
            "recipient": list(self.recipient), "place_date": self.place_date, "subject": self.subject,
            "salutation": self.salutation, "paragraphs": list(self.paragraphs),
            "signature": {"preamble": self.signature_preamble, "name": self.signature_name,
                          "capacity": self.signature_capacity},
            "copies": list(self.copies), "copy_of": self.copy_of,
        }


def _section(content: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = content.get(key)
    return value if isinstance(value, Mapping) else {}


def _string(content: Mapping[str, Any], key: str) -> str:
    value = content.get(key)
    return value if isinstance(value, str) else ""


def _strings(content: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = content.get(key)
    if isinstance(value, str) or not isinstance(value, Sequence):
        return ()
    return tuple(item for item in value if isinstance(item, str))
