"""What the commission writes to people: the council's letterhead, the texts of its letters (versioned,
edited by the coordinator), each letter sent (the register of outgoing mail), the print runs of the letters
posted, and the three-party commitment to a care and reintegration project signed at an allocation."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.types import str_enum


class LetterKind(enum.Enum):
    """The outcomes and steps a letter tells someone outside the office about."""

    OFFER = "offer"  # a place allocated and offered (to the person; to the landlord: the allocation on its place)
    RANKED = "ranked"  # a further candidate for a place, offered it if those ranked before decline
    WAITING_LIST = "waiting_list"  # favourable, waiting for a place
    DEFERRAL = "deferral"  # what is awaited, and when the file comes back
    REFUSAL = "refusal"  # the reason, and how and within what time to ask for a new examination
    OFFER_EXPIRED = "offer_expired"  # no answer by the deadline: back on the waiting list
    WELCOME = "welcome"  # the move-in (to the landlord: its place occupied)
    REVIEW = "review"  # what the commission saw and decided at a review of the tenancy
    EXIT = "exit"  # the tenancy ended (to the landlord: its place vacated)


class Audience(enum.Enum):
    """Whom a letter's text is written for: the person (their guardian and care team get a copy of it), or the
    landlord of the place (its own text: the allocation, the move-in, the exit; never a health detail)."""

    PERSON = "person"
    LANDLORD = "landlord"


class Recipient(enum.Enum):
    PERSON = "person"
    GUARDIAN = "guardian"  # a copy of the person's letter
    CARE_TEAM = "care_team"  # a copy of the person's letter, by e-mail
    LANDLORD = "landlord"


class Channel(enum.Enum):
    POST = "post"  # printed in a print run, posted in a window envelope
    EMAIL = "email"  # to a partner's professional address, through the outbox, the letter attached


class LetterStatus(enum.Enum):
    TO_POST = "to_post"  # waits for the next print run
    PRINTED = "printed"  # in a print run not yet marked as posted
    POSTED = "posted"
    TO_SEND = "to_send"  # in the outbox, waiting for the mail server (or kept there when mail is not configured)
    SENT = "sent"
    FAILED = "failed"  # the mail server refused it: the outbox says why; it can be printed instead
    NO_ADDRESS = "no_address"  # the recipient has no usable postal or e-mail address: to complete, then send


DEFAULT_MEANS_THRESHOLD_CENTS = 30000  # 300 € a month left to live on, about 10 € a day
DEFAULT_NEW_EXAMINATION_DAYS = 60  # two months to ask for a new examination after a refusal


class CouncilProfile(Base):
    """What the council's letters carry: its letterhead, its contact, its president, its logo; and the settings of
    the letters and the means check the coordinator keeps. One row."""

    __tablename__ = "council_profile"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_profile"),
        CheckConstraint("means_threshold_cents >= 0", name="means_threshold_not_negative"),
        CheckConstraint("new_examination_days BETWEEN 1 AND 365", name="new_examination_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    street: Mapped[str] = mapped_column(String(38), default="", doc="Number and street, as La Poste writes it.")
    address_extra: Mapped[str] = mapped_column(String(38), default="", doc="Building, PO box: a line of its own.")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    town: Mapped[str] = mapped_column(String(32), default="", doc="Where the letters are written from.")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="", doc="Whom the letters name to call.")
    president_name: Mapped[str] = mapped_column(String(120), default="")
    president_capacity: Mapped[str] = mapped_column(String(160), default="", doc="e.g. Président du conseil")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, doc="PNG or JPEG, checked by its content.")
    logo_type: Mapped[str] = mapped_column(String(20), default="", doc="image/png or image/jpeg")
    means_threshold_cents: Mapped[int] = mapped_column(
        default=DEFAULT_MEANS_THRESHOLD_CENTS, doc="Left to live on per month below which a proposed place is flagged.")
    new_examination_days: Mapped[int] = mapped_column(
        default=DEFAULT_NEW_EXAMINATION_DAYS, doc="Days a refused person has to ask for a new examination.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __mapper_args__ = {"version_id_col": version}


class LetterTemplate(Base):
    """One version of a letter's text, as the coordinator saved it: never changed, a change is a new version.
    Without any version of its own, a letter uses the text the software ships (version 0)."""

    __tablename__ = "letter_template"
    __table_args__ = (UniqueConstraint("kind", "audience", "version", name="uq_letter_template_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(str_enum(LetterKind, "letter_template_kind"))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, "letter_audience"))
    version: Mapped[int] = mapped_column(doc="1, 2, ... for this letter and audience.")
    subject: Mapped[str] = mapped_column(String(300), doc="The letter's Objet, a template too.")
    body: Mapped[str] = mapped_column(Text, doc="Paragraphs separated by a blank line, with named fields.")
    note: Mapped[str] = mapped_column(String(300), default="", doc="What changed, in the coordinator's words.")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()


class PrintRun(Base):
    """Letters printed together to be posted: one PDF, the addresses placed for window envelopes (DL)."""

    __tablename__ = "print_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    posted_on: Mapped[date | None] = mapped_column(doc="Set when the envelopes went to the post.")
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __mapper_args__ = {"version_id_col": version}


class OutgoingLetter(Base):
    """One letter to one recipient: the register of outgoing mail. Its text and letterhead are kept as they were
    sent (``content``): a later change of template or of the council's details does not touch it."""

    __tablename__ = "outgoing_letter"
    __table_args__ = (
        Index("ix_outgoing_letter_status", "status", "created_at"),
        Index("ix_outgoing_letter_case", "case_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True, doc="N/Réf.: CA-<year>-<number>.")
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"))
    kind: Mapped[LetterKind] = mapped_column(str_enum(LetterKind, "letter_kind"))
    recipient: Mapped[Recipient] = mapped_column(str_enum(Recipient, "letter_recipient"))
    recipient_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="", doc="The postal address's lines (La Poste), one a line.")
    email: Mapped[str] = mapped_column(String(200), default="", doc="Where an e-mailed letter goes.")
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "letter_channel"))
    status: Mapped[LetterStatus] = mapped_column(str_enum(LetterStatus, "letter_status"))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("letter_template.id"),
                                                    doc="The version of the text used; empty: the shipped text.")
    letter_date: Mapped[date]
    content: Mapped[dict[str, Any]] = mapped_column(JSON, doc="Everything printed, as it was sent.")
    print_run_id: Mapped[int | None] = mapped_column(ForeignKey("print_run.id"), index=True)
    posted_on: Mapped[date | None]
    sent_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    template: Mapped[LetterTemplate | None] = relationship()
    print_run: Mapped[PrintRun | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class CareCommitment(Base):
    """The *projet de soin et de réinsertion*: at an allocation, the person, the care team of the sector and the
    council commit together to it. Drafted from the file, signed by the three (each signature's date, or the
    signed copy uploaded), read again at each review of the tenancy."""

    __tablename__ = "care_commitment"
    __table_args__ = (UniqueConstraint("case_id", "place_id", "allocated_on", name="uq_care_commitment_allocation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"))
    allocated_on: Mapped[date] = mapped_column(doc="The allocation it goes with.")
    goals: Mapped[str] = mapped_column(Text, default="", doc="The project: what the person wants to reach.")
    person_commitments: Mapped[str] = mapped_column(Text, default="")
    care_team_commitments: Mapped[str] = mapped_column(Text, default="", doc="The follow-up: never a diagnosis.")
    council_commitments: Mapped[str] = mapped_column(Text, default="")
    person_signed_on: Mapped[date | None]
    care_team_signed_on: Mapped[date | None]
    care_team_signatory: Mapped[str] = mapped_column(String(200), default="")
    council_signed_on: Mapped[date | None]
    council_signatory: Mapped[str] = mapped_column(String(200), default="")
    signed_document_id: Mapped[int | None] = mapped_column(ForeignKey("case_document.id"),
                                                           doc="The signed copy, when uploaded.")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    __mapper_args__ = {"version_id_col": version}

    @property
    def signed(self) -> bool:
        return self.signed_document_id is not None or None not in (
            self.person_signed_on, self.care_team_signed_on, self.council_signed_on)


__all__ = ["Audience", "CareCommitment", "Channel", "CouncilProfile", "LetterKind", "LetterStatus", "LetterTemplate",
           "OutgoingLetter", "PrintRun", "Recipient"]
