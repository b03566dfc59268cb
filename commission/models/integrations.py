"""The integration API's records: the tokens the coordinator issues to the council's partners (a landlord, the
hospital, the council's accountant), the requests that count against a token's rate limit, and the notices a
landlord sends through the API that one of its places is or will be available.

A notice is not a step of the place machine: the coordinator confirms it (then takes the place's own steps on
the place's page) or dismisses it. A token's secret is shown once, at its creation; only its SHA-256 is kept.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.accounts import User
from commission.models.housing import Place
from commission.models.reference import Organisation
from commission.models.types import str_enum


class IntegrationKind(enum.Enum):
    LANDLORD = "landlord"  # bound to one landlord organisation: its own places
    HOSPITAL = "hospital"  # the psychiatric sector's hospital: the state of the applications
    ACCOUNTANT = "accountant"  # the council's accountant: the ledger; bound to nothing


class NoticeStatus(enum.Enum):
    WAITING = "waiting"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class IntegrationToken(Base):
    """A partner system's key to the API: its kind, what it is bound to, its scopes, its life."""

    __tablename__ = "integration_token"
    __table_args__ = (
        CheckConstraint("(kind = 'landlord') = (organisation_id IS NOT NULL) OR kind = 'hospital'",
                        name="binding"),
        CheckConstraint("(revoked_at IS NULL) = (revoked_by_id IS NULL)", name="revoked_by_whom"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), doc="What the partner's system is, as the coordinator names it.")
    kind: Mapped[IntegrationKind] = mapped_column(str_enum(IntegrationKind, "integration_kind"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True,
        doc="The landlord a landlord's token is bound to; the hospital a hospital's token may be bound to.")
    scopes: Mapped[str] = mapped_column(String(300), doc="Its scopes, separated by spaces (places:read ...).")
    prefix: Mapped[str] = mapped_column(String(24), doc="The secret's first characters, to recognise it.")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="SHA-256 of the secret, in hex.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime] = mapped_column(doc="Refused from then on.")
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(doc="The last request it authenticated, to the minute.")
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class ApiRequest(Base):
    """One request a token made, kept a short while in the database so that its rate limit holds across server
    processes (as the failed logins are)."""

    __tablename__ = "api_request"
    __table_args__ = (Index("ix_api_request_token_at", "token_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("integration_token.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AvailabilityNotice(Base):
    """A landlord's notice, through the API, that one of its places is or will be available from a date."""

    __tablename__ = "availability_notice"
    __table_args__ = (
        CheckConstraint("(status = 'waiting') = (decided_at IS NULL)", name="decided_when"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("integration_token.id"))
    available_from: Mapped[date]
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NoticeStatus] = mapped_column(str_enum(NoticeStatus, "notice_status"), default=NoticeStatus.WAITING,
                                                 index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1, doc="Row version: concurrent changes are refused.")

    place: Mapped[Place] = relationship()
    token: Mapped[IntegrationToken] = relationship()
    decided_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
