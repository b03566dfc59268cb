"""The append-only audit trail: who did what, when, to which record; each entry chained by a keyed hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commission.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, doc="Consecutive from 1.")
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200), doc="Who acted, as named at the time.")
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    details: Mapped[str] = mapped_column(Text, doc="Canonical JSON of what changed.")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="Hash of the entry before.")
    hash: Mapped[str] = mapped_column(String(64), unique=True,
                                      doc="HMAC-SHA256 under the key named by key_id; a plain SHA-256 without one.")
    key_id: Mapped[str | None] = mapped_column(
        String(16), doc="The id of the key that signed the entry (kept outside the database); empty on the "
                        "entries written before the trail was signed.")


class AuditHead(Base):
    """The chain's last entry, so that removing the newest entries is detected too.

    Its single row is also what serialises writers of the trail (it is locked while a
    transaction appends).
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
