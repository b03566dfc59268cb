"""The people the commission serves, and their legal guardians."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.reference import CareTeam, Organisation
from commission.models.types import str_enum
from commission.search import search_column, trigram_index


class ProtectionMeasure(enum.Enum):
    NONE = "none"
    SAFEGUARD = "safeguard"  # sauvegarde de justice
    CURATORSHIP = "curatorship"  # curatelle simple
    REINFORCED_CURATORSHIP = "reinforced_curatorship"  # curatelle renforcée
    GUARDIANSHIP = "guardianship"  # tutelle
    FAMILY_AUTHORISATION = "family_authorisation"  # habilitation familiale


class Guardian(Base):
    """A legal guardian (curateur, tuteur): a professional of a guardianship service, or a relative."""

    __tablename__ = "guardian"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), doc="The guardianship service, when not a relative."
    )
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(doc="Set when the retention rules erased the name.")

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Applicant(Base):
    """A person followed by the psychiatric sector who asks for a home through the commission."""

    __tablename__ = "applicant"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date]
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="", doc="Where the person can be written to.")
    notice_by_email: Mapped[bool] = mapped_column(
        default=False, server_default=false(),
        doc="Agreed to be told by e-mail (naming no one) that a letter from the commission is waiting.")
    care_team_id: Mapped[int] = mapped_column(ForeignKey("care_team.id"), doc="The team that follows them.")
    protection_measure: Mapped[ProtectionMeasure] = mapped_column(
        str_enum(ProtectionMeasure, "protection_measure"), default=ProtectionMeasure.NONE
    )
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(
        doc="Set when the retention rules replaced the name and contact details and erased the rest."
    )
    search_text: Mapped[str] = search_column("applicant")

    care_team: Mapped[CareTeam] = relationship()
    guardian: Mapped[Guardian | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


trigram_index(Applicant.__table__)
