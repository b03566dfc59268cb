"""User accounts, their role, their sessions, and the failed logins that throttle guessing."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commission.db import Base, utcnow
from commission.models.reference import CareTeam, Organisation, Town
from commission.models.types import str_enum


class Role(enum.Enum):
    COORDINATOR = "coordinator"
    CARE_TEAM = "care_team"
    CHAIR = "chair"
    MEMBER = "member"
    TREASURER = "treasurer"
    LANDLORD = "landlord"
    # The data-protection officer: reads the access logs and the audit trail, nothing else.
    DATA_PROTECTION = "data_protection"


def new_session_nonce() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    """Someone who logs in. One role per account; the role's binding (team, town, landlord) is set."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "(role = 'care_team') = (care_team_id IS NOT NULL)", name="care_team_binding"
        ),
        CheckConstraint("(role = 'chair') = (town_id IS NOT NULL)", name="chair_binding"),
        CheckConstraint("(role = 'landlord') = (organisation_id IS NOT NULL)", name="landlord_binding"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True, doc="Lower-case login name.")
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255), doc="Argon2id hash.")
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    care_team_id: Mapped[int | None] = mapped_column(ForeignKey("care_team.id"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(default=True, doc="A disabled account cannot log in.")
    signing_delegation: Mapped[bool] = mapped_column(default=False, doc="May sign minutes for the council.")
    housing_subgroup: Mapped[bool] = mapped_column(
        default=False, server_default=false(),
        doc="Sits in the housing sub-group (kept by its membership: commission.services.subgroup).")
    title: Mapped[str] = mapped_column(String(160), default="", server_default=text("''"),
                                       doc="The capacity they sign in, e.g. « adjointe au maire de Ronchin ».")
    session_nonce: Mapped[str] = mapped_column(
        String(64), default=new_session_nonce,
        doc="Changes when the password changes or the account is disabled: older sessions end.",
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(
        String(64), doc="Base32 secret of the authenticator app; set once enrolment is confirmed."
    )
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(
        doc="The time step of the last code accepted: a code is never accepted twice."
    )

    care_team: Mapped[CareTeam | None] = relationship()
    town: Mapped[Town | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class SessionEnd(enum.Enum):
    """Why a session ended before its idle limit or its lifetime did."""

    LOGOUT = "logout"
    ENDED_BY_USER = "ended_by_user"  # from the account page, in another browser
    PASSWORD_CHANGED = "password_changed"  # noqa: S105  (a reason, not a password)
    ACCOUNT_DISABLED = "account_disabled"
    TWO_FACTOR_RESET = "two_factor_reset"


class UserSession(Base):
    """A login known to the server: the browser's signed cookie holds its key, and a request is served
    only while its row is open, within the idle limit and the absolute lifetime."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, doc="The random id held in the browser's cookie.")
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, doc="When the login was complete.")
    last_seen_at: Mapped[datetime] = mapped_column(
        default=utcnow, doc="The last request, to the minute (not written on every request)."
    )
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[SessionEnd | None] = mapped_column(str_enum(SessionEnd, "session_end"))
    user_agent: Mapped[str] = mapped_column(String(300), default="", doc="The browser, as it names itself.")
    remote_addr: Mapped[str] = mapped_column(String(64), default="", doc="The client's address at login.")

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the normalised code.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A failed login, kept in the database so that throttling holds across server processes."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_login_key_at", "login_key", "at"),
        Index("ix_login_failure_remote_addr_at", "remote_addr", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login_key: Mapped[str] = mapped_column(String(80), doc="The login as typed, lower-cased.")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
