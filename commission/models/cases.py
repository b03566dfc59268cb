"""A person's file (the case): the application, its medical part, its documents and its history."""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.housing import Place, PlaceKind
from commission.models.people import Applicant
from commission.models.reference import CareTeam, Town
from commission.models.steps import StepRecord
from commission.models.types import str_enum
from commission.workflow.case_states import HOLDING_STATES


class HousingSituation(enum.Enum):
    HOSPITALISED = "hospitalised"
    WITH_FAMILY = "with_family"
    HOSTEL = "hostel"
    OWN_TENANCY = "own_tenancy"
    HOMELESS = "homeless"
    TEMPORARY = "temporary"
    OTHER = "other"


class DocumentKind(enum.Enum):
    IDENTITY = "identity"
    RESOURCES = "resources"
    GUARDIANSHIP = "guardianship"
    MEDICAL_CERTIFICATE = "medical_certificate"
    OTHER = "other"


case_wished_town = Table(
    "case_wished_town",
    Base.metadata,
    Column("case_id", ForeignKey("case_file.id", ondelete="CASCADE"), primary_key=True),
    Column("town_id", ForeignKey("town.id"), primary_key=True),
)


HOLDING_CONDITION = "state IN ({}) AND allocated_place_id IS NOT NULL".format(
    ", ".join(f"'{state}'" for state in HOLDING_STATES)
)


class Case(Base):
    """One person's application and its whole life, from draft to closed."""

    __tablename__ = "case_file"
    __table_args__ = (
        Index("ix_case_file_team_state", "care_team_id", "state"),
        # A place goes to one person at a time: the database itself refuses a second holder.
        Index(
            "uq_case_file_place_holder", "allocated_place_id", unique=True,
            sqlite_where=text(HOLDING_CONDITION), postgresql_where=text(HOLDING_CONDITION),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    care_team_id: Mapped[int] = mapped_column(ForeignKey("care_team.id"), doc="The team that files and follows it.")
    state: Mapped[str] = mapped_column(String(32), index=True, doc="The case machine's state.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")
    due_date: Mapped[date | None] = mapped_column(doc="When the current step is due, where it waits for one.")

    housing_situation: Mapped[HousingSituation | None] = mapped_column(
        str_enum(HousingSituation, "housing_situation")
    )
    housing_details: Mapped[str] = mapped_column(Text, default="")
    monthly_resources_cents: Mapped[int | None] = mapped_column(doc="Monthly income available for the rent.")
    housing_allowance_cents: Mapped[int | None] = mapped_column(
        doc="Monthly housing allowance expected (APL, ALS), set against the rent of a place proposed.")
    resources_details: Mapped[str] = mapped_column(Text, default="", doc="Kind of income, housing benefit...")
    referring_psychiatrist: Mapped[str] = mapped_column(String(200), default="")
    referring_nurse: Mapped[str] = mapped_column(String(200), default="")
    social_worker: Mapped[str] = mapped_column(String(200), default="")
    requested_kind: Mapped[PlaceKind | None] = mapped_column(str_enum(PlaceKind, "requested_kind"))
    needs_ground_floor: Mapped[bool] = mapped_column(default=False)
    needs_accessible: Mapped[bool] = mapped_column(default=False)
    needs_details: Mapped[str] = mapped_column(Text, default="")
    project: Mapped[str] = mapped_column(Text, default="", doc="The care and reintegration project.")
    consent_given: Mapped[bool] = mapped_column(default=False, doc="Consent to be presented to the commission.")
    consent_date: Mapped[date | None]

    missing_items: Mapped[str] = mapped_column(Text, default="", doc="Set when returned as incomplete.")
    awaited_items: Mapped[str] = mapped_column(Text, default="", doc="Set when deferred.")
    decision_reason: Mapped[str] = mapped_column(Text, default="", doc="The last decision's reason.")
    scheduled_for: Mapped[date | None] = mapped_column(doc="Date of the hearing it is on the agenda of.")
    scheduled_from_waiting_list: Mapped[bool] = mapped_column(
        default=False, doc="On the agenda from the waiting list: taken off it, it goes back there."
    )
    allocated_place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    offer_deadline: Mapped[date | None]
    move_in_date: Mapped[date | None]
    offered_on: Mapped[date | None] = mapped_column(doc="When the place now offered was allocated.")
    lease_kind: Mapped[str] = mapped_column(String(20), default="", doc="direct, sublease or occupancy.")
    lease_start: Mapped[date | None]
    lease_end: Mapped[date | None]
    review_due: Mapped[date | None] = mapped_column(doc="When a housed person's follow-up is next reviewed.")
    decline_count: Mapped[int] = mapped_column(default=0, doc="Offers declined or expired.")
    submitted_at: Mapped[datetime | None] = mapped_column(doc="First submission.")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    applicant: Mapped[Applicant] = relationship()
    care_team: Mapped[CareTeam] = relationship()
    allocated_place: Mapped[Place | None] = relationship()
    wished_towns: Mapped[list[Town]] = relationship(secondary=case_wished_town, order_by=Town.name)
    transitions: Mapped[list[CaseTransition]] = relationship(
        back_populates="case", order_by="CaseTransition.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        """Shown to users: D-<year created>-<number>."""
        return f"D-{self.created_at.year}-{self.id:05d}"


# A file's reference as people write it: D-<year created>-<number> (``Case.reference``), whatever the case.
FILE_REFERENCE = re.compile(r"^\s*D-(\d{4})-(\d{1,9})\s*$", re.IGNORECASE)


def reference_clause(text: str | None) -> ColumnElement[bool] | None:
    """The file a reference names, as a filter (its number, created that year); None when the text is no file's
    reference."""
    found = FILE_REFERENCE.match(text or "")
    if found is None or not 1 <= int(found[1]) < 9999:
        return None
    year = int(found[1])
    return and_(Case.id == int(found[2]), Case.created_at >= datetime(year, 1, 1, tzinfo=UTC),
                Case.created_at < datetime(year + 1, 1, 1, tzinfo=UTC))


class CaseMedical(Base):
    """The medical part of a file: read by the care team and the coordinator only, every read logged."""

    __tablename__ = "case_medical"

    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), primary_key=True)
    diagnosis_summary: Mapped[str] = mapped_column(Text, default="")
    treatment: Mapped[str] = mapped_column(Text, default="")
    hospitalisations: Mapped[str] = mapped_column(Text, default="")
    psychiatrist_opinion: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CaseDocument(Base):
    """An attached file. The bytes live in the instance's document store, named by their hash."""

    __tablename__ = "case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, "document_kind"))
    filename: Mapped[str] = mapped_column(String(200), doc="The name it was uploaded with, cleaned.")
    content_type: Mapped[str] = mapped_column(String(100), doc="Detected from the content, not the name.")
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    medical: Mapped[bool] = mapped_column(default=False, doc="Part of the protected medical part.")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class CaseTransition(StepRecord, Base):
    """One step of a case's life: who, when, from, to, which trigger, why."""

    __tablename__ = "case_transition"
    __table_args__ = (UniqueConstraint("case_id", "case_version", name="uq_case_transition_case_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    case_version: Mapped[int] = mapped_column(doc="The case's version this step produced: one step per version.")
    comment: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="transitions")


class AccessLog(Base):
    """A read of a sensitive part of a file (the medical part, a document): who, when, which file."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_case_at", "case_id", "at"), Index("ix_access_log_user_at", "user_id", "at"),
                      Index("ix_access_log_at", "at"),
                      CheckConstraint("(user_id IS NULL) <> (token_id IS NULL)", name="reader"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="Empty for a read through the API.")
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"))
    part: Mapped[str] = mapped_column(String(40), doc="file, medical, document:<id>, followup, export...")
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("integration_token.id"), index=True,
        doc="The integration token that read, for a read through the API (then no user).")
