"""Agreements with landlords and structures, who occupies each place, and the council's signing delegation."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.reference import Organisation
from commission.models.types import str_enum


class Renewal(enum.Enum):
    TACIT = "tacit"  # renewed unless one party gives notice
    EXPLICIT = "explicit"  # must be renewed by a new signature
    NONE = "none"  # ends on its end date


class Agreement(Base):
    """A convention with a landlord or a structure: the places it covers, its term and its renewal."""

    __tablename__ = "agreement"
    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date > start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True, doc="The convention's own reference.")
    title: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(doc="Empty for an agreement without a term.")
    renewal: Mapped[Renewal] = mapped_column(str_enum(Renewal, "renewal"), default=Renewal.EXPLICIT)
    notice_months: Mapped[int] = mapped_column(default=3, doc="Notice before the end date, for renewals.")
    notes: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[date | None] = mapped_column(doc="Set when the agreement has ended: its places leave the stock.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    __mapper_args__ = {"version_id_col": version}


class LeaseKind(enum.Enum):
    DIRECT = "direct"  # the person is the landlord's tenant
    SUBLEASE = "sublease"  # the council holds the main lease and sublets to the person
    OCCUPANCY = "occupancy"  # an occupancy agreement in a hostel, structure or residence


# A place holds at most one current occupancy, and a person at most one place: the database refuses more.
CURRENT = "ended_on IS NULL"


class Occupancy(Base):
    """A person living in a place, from the lease to the exit."""

    __tablename__ = "occupancy"
    __table_args__ = (
        Index("uq_occupancy_current_place", "place_id", unique=True,
              sqlite_where=text(CURRENT), postgresql_where=text(CURRENT)),
        Index("uq_occupancy_current_case", "case_id", unique=True,
              sqlite_where=text(CURRENT), postgresql_where=text(CURRENT)),
        CheckConstraint("ended_on IS NULL OR ended_on >= move_in_date", name="ends_after_move_in"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    lease_kind: Mapped[LeaseKind] = mapped_column(str_enum(LeaseKind, "lease_kind"))
    lease_start: Mapped[date]
    lease_end: Mapped[date | None]
    move_in_date: Mapped[date]
    ended_on: Mapped[date | None] = mapped_column(doc="The day the place was handed back.")
    exit_inventory: Mapped[str] = mapped_column(Text, default="", doc="The inventory of fixtures at the exit.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    place: Mapped[Place] = relationship()
    case: Mapped[Case] = relationship()


class SigningDelegation(Base):
    """Who held the council's signing delegation, and when: letters committing the council name them."""

    __tablename__ = "signing_delegation"
    __table_args__ = (
        Index("uq_signing_delegation_current", "held", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    held: Mapped[bool] = mapped_column(default=True, doc="Constant: makes 'one current holder' an index.")
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AgreementDocumentKind(enum.Enum):
    CONVENTION = "convention"  # the signed convention itself
    AMENDMENT = "amendment"  # an amendment (avenant)
    RENEWAL = "renewal"  # a renewal
    OTHER = "other"


class AgreementDocument(Base):
    """A document of an agreement: the signed convention, an amendment, a renewal. The bytes live in the
    instance's document store, named by their hash."""

    __tablename__ = "agreement_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    kind: Mapped[AgreementDocumentKind] = mapped_column(str_enum(AgreementDocumentKind, "agreement_document_kind"),
                                                        doc="The convention, an amendment, a renewal, other.")
    filename: Mapped[str] = mapped_column(String(200), doc="The name it was uploaded with, cleaned.")
    content_type: Mapped[str] = mapped_column(String(100), doc="Detected from the content, not the name.")
    size: Mapped[int] = mapped_column(doc="In bytes.")
    sha256: Mapped[str] = mapped_column(String(64), doc="The hash naming the bytes in the document store.")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="Who attached it.")
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


__all__ = ["Agreement", "AgreementDocument", "AgreementDocumentKind", "LeaseKind", "Occupancy", "Renewal",
           "SigningDelegation"]
