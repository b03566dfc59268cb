"""What the council decides for a year's contributions: the rate per inhabitant, who contributes, and on what base.

A year without settings reads the council's sentence as it always has (see :mod:`commission.services.treasury.
contribution_settings`): 0,40 € per inhabitant, each member town on its population, the hospital on the towns' total.
The settings change nothing once a contribution of the year has been called.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.reference import Organisation, Town
from commission.models.types import str_enum


class ContributionBase(enum.Enum):
    """What a contributor's amount is computed from."""

    POPULATION = "population"  # a population times the year's rate
    FIXED = "fixed"  # an amount the council sets


class ContributionSettings(Base):
    """The year's rate, as the coordinator set it before the call."""

    __tablename__ = "contribution_settings"
    __table_args__ = (CheckConstraint("rate_cents >= 0", name="rate_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True, doc="The year the settings are for.")
    rate_cents: Mapped[int] = mapped_column(doc="Cents per inhabitant, for the contributors on a population.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    shares: Mapped[list[ContributionShare]] = relationship(
        back_populates="settings", order_by="ContributionShare.position", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class ContributionShare(Base):
    """One contributor of the year (a member town or an organisation) and the base of its contribution."""

    __tablename__ = "contribution_share"
    __table_args__ = (
        UniqueConstraint("settings_id", "town_id", name="uq_contribution_share_town"),
        UniqueConstraint("settings_id", "organisation_id", name="uq_contribution_share_organisation"),
        CheckConstraint("(town_id IS NULL) <> (organisation_id IS NULL)", name="one_contributor"),
        CheckConstraint("population IS NULL OR population >= 0", name="population_not_negative"),
        CheckConstraint("base <> 'fixed' OR fixed_cents IS NOT NULL", name="fixed_has_amount"),
        CheckConstraint("fixed_cents IS NULL OR fixed_cents >= 0", name="fixed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    settings_id: Mapped[int] = mapped_column(ForeignKey("contribution_settings.id"), index=True)
    position: Mapped[int] = mapped_column(default=0, doc="Order of the contributors on the page and the call.")
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    base: Mapped[ContributionBase] = mapped_column(str_enum(ContributionBase, "contribution_base"))
    population: Mapped[int | None] = mapped_column(
        doc="The population the council sets; empty: a town's own, an organisation's the member towns' total.")
    fixed_cents: Mapped[int | None] = mapped_column(doc="The amount, for a fixed base.")

    settings: Mapped[ContributionSettings] = relationship(back_populates="shares")
    town: Mapped[Town | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
