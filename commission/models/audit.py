"""The append-only audit trail: who did what, when, to which record; each entry chained by a keyed hash."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commission.db import Base

# A record's id as the trail writes it: digits, no sign, no leading zero; within a 32-bit integer column.
_RECORD_ID = re.compile(r"(?:0|[1-9][0-9]{0,9})")
_LARGEST_REF = 2**31 - 1


def object_ref(object_id: str) -> int | None:
    """The record's id as a number, when ``object_id`` is one (``"42"``); None otherwise (``"2026-03-10"``)."""
    if _RECORD_ID.fullmatch(object_id) is None:
        return None
    number = int(object_id)
    return number if number <= _LARGEST_REF else None


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    # The records of a kind joined on their ids (object_ref), and their entries newest first (the access
    # review reads the newest entries about files and deposits without sorting them all).
    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),
                      Index("ix_audit_entry_object_ref", "object_type", "object_ref"),
                      Index("ix_audit_entry_type_at", "object_type", "at"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, doc="Consecutive from 1.")
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200), doc="Who acted, as named at the time.")
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    object_ref: Mapped[int | None] = mapped_column(
        doc="object_id as a number when it is one (a record's id), to join on; empty otherwise. Derived "
            "from object_id, hence not part of what the entry's hash covers.")
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
