"""Imports from spreadsheets: each run (who, when, which file), and each record a row created, by its external
reference, so that the same file imported again changes nothing and a changed row is seen as a conflict."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commission.db import Base, utcnow


class ImportRun(Base):
    """One import applied: its file, who ran it, and what it did (a dry run or a refused run leaves none)."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True, doc="The kind of records imported (partners, places...).")
    file_name: Mapped[str] = mapped_column(String(255), doc="The file's name, as uploaded or given.")
    sha256: Mapped[str] = mapped_column(String(64), doc="The SHA-256 of the file's bytes.")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), doc="Who ran it.")
    actor_name: Mapped[str] = mapped_column(String(200), doc="Their name then.")
    at: Mapped[datetime] = mapped_column(default=utcnow, doc="When it was applied.")
    rows: Mapped[int] = mapped_column(default=0, doc="The rows read.")
    created: Mapped[int] = mapped_column(default=0, doc="The records it created.")
    unchanged: Mapped[int] = mapped_column(default=0, doc="The rows already imported, the same.")


class ImportedRecord(Base):
    """A record created by an import, known by its reference in the council's former files."""

    __tablename__ = "imported_record"
    __table_args__ = (UniqueConstraint("kind", "external_ref", name="uq_imported_record_kind_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), doc="The kind of the import.")
    external_ref: Mapped[str] = mapped_column(String(100), doc="The row's reference in the former files.")
    object_type: Mapped[str] = mapped_column(String(40), doc="What was created (as the audit trail names it).")
    object_id: Mapped[int] = mapped_column(doc="Its id.")
    fingerprint: Mapped[str] = mapped_column(String(64), doc="The SHA-256 of the row's values, as read.")
    run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id"), index=True, doc="The run that created it.")


__all__ = ["ImportRun", "ImportedRecord"]
