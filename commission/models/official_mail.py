"""The housing sub-group's register of official correspondence: the letters received from and sent to the
authorities, the towns, the landlords, the funders and the partners, with their documents and their answers.

It never holds health data nor anything of a person's care: its letters are about the scheme (agreements,
places, funding, partnerships), and the whole sub-group reads it.

Each letter gets a register number when it is registered, per year and per direction, and keeps it:
``2026-A-007`` is the 7th letter received (*arrivée*) in 2026, ``2026-D-003`` the 3rd sent (*départ*). The year
is the year of the date it was received or sent.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.housing import Place
from commission.models.reference import Organisation
from commission.models.tenancy import Agreement
from commission.models.types import str_enum


class MailDirection(enum.Enum):
    INCOMING = "incoming"  # received: an arrival (A) in the register
    OUTGOING = "outgoing"  # sent: a departure (D) in the register


# The letter of each direction in the register number (the French registers' arrivée / départ).
DIRECTION_LETTERS = {MailDirection.INCOMING: "A", MailDirection.OUTGOING: "D"}


class CorrespondentKind(enum.Enum):
    AUTHORITY = "authority"  # the préfecture, the ARS, the département, a State service
    TOWN = "town"
    LANDLORD = "landlord"
    FUNDER = "funder"
    PARTNER = "partner"
    HOSPITAL = "hospital"
    ASSOCIATION = "association"
    OTHER = "other"


INCOMING_ONLY = ("direction = 'incoming' OR (answer_due IS NULL AND answered_on IS NULL AND answer_id IS NULL "
                 "AND answer_note = '')")


class OfficialMail(Base):
    """One letter of the register, received or sent: who, what, when, who handles it and its answer."""

    __tablename__ = "official_mail"
    __table_args__ = (
        UniqueConstraint("direction", "year", "sequence"),
        CheckConstraint(INCOMING_ONLY, name="answer_only_incoming"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("answer_due IS NULL OR answer_due >= registered_on", name="answer_due_after_received"),
        CheckConstraint("answered_on IS NULL OR answered_on >= registered_on", name="answered_after_received"),
        CheckConstraint("answer_id IS NULL OR answered_on IS NOT NULL", name="answer_letter_dated"),
        CheckConstraint("answer_id IS NULL OR answer_id <> id", name="answer_not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[MailDirection] = mapped_column(str_enum(MailDirection, "mail_direction"),
                                                     doc="Received (incoming) or sent (outgoing).")
    year: Mapped[int] = mapped_column(doc="The year of its number: the year it was received or sent.")
    sequence: Mapped[int] = mapped_column(doc="Its rank in the year and the direction, from 1.")
    number: Mapped[str] = mapped_column(
        String(20), unique=True, doc="The register number, given once: 2026-A-007 (received), 2026-D-003 (sent).")
    correspondent: Mapped[str] = mapped_column(String(200), doc="Who wrote it, or whom it was sent to.")
    correspondent_kind: Mapped[CorrespondentKind] = mapped_column(
        str_enum(CorrespondentKind, "correspondent_kind"), doc="The kind of correspondent: authority, town, ...")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True,
                                                        doc="The partner it concerns, if any.")
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"), index=True,
                                                     doc="The agreement it concerns, if any.")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True,
                                                 doc="The place it concerns, if any.")
    subject: Mapped[str] = mapped_column(String(300), doc="Its subject (never a person's health).")
    summary: Mapped[str] = mapped_column(Text, default="", doc="What it says, in a few lines.")
    dated_on: Mapped[date] = mapped_column(doc="The date the letter itself bears.")
    registered_on: Mapped[date] = mapped_column(doc="The day it was received (incoming) or sent (outgoing).")
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True,
                                                   doc="The member of the sub-group who handles it.")
    answer_due: Mapped[date | None] = mapped_column(doc="When an answer is due (a received letter only).")
    answered_on: Mapped[date | None] = mapped_column(doc="The day it was answered (a received letter only).")
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("official_mail.id"), index=True,
                                                  doc="The letter sent in answer, when it is in the register.")
    answer_note: Mapped[str] = mapped_column(Text, default="", doc="How it was answered, if not by a letter.")
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), doc="Who registered it.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, doc="When it was registered.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    organisation: Mapped[Organisation | None] = relationship()
    agreement: Mapped[Agreement | None] = relationship()
    place: Mapped[Place | None] = relationship()
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    answer: Mapped[OfficialMail | None] = relationship(remote_side=[id], foreign_keys=[answer_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def awaiting_answer(self) -> bool:
        """A received letter whose answer is due and not given yet."""
        return self.answer_due is not None and self.answered_on is None


class OfficialMailDocument(Base):
    """A scan or a file of a letter. The bytes live in the instance's document store, named by their hash."""

    __tablename__ = "official_mail_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("official_mail.id"), index=True, doc="The letter it belongs to.")
    filename: Mapped[str] = mapped_column(String(200), doc="The name it was uploaded with, cleaned.")
    content_type: Mapped[str] = mapped_column(String(100), doc="Detected from the content, not the name.")
    size: Mapped[int] = mapped_column(doc="In bytes.")
    sha256: Mapped[str] = mapped_column(String(64), doc="The file's name in the document store.")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="Who attached it.")
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow, doc="When it was attached.")

    uploaded_by: Mapped[User | None] = relationship()


__all__ = ["CorrespondentKind", "MailDirection", "OfficialMail", "OfficialMailDocument"]
