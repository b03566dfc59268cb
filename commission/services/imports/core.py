"""An import's run: every row read by its kind's columns and applied through the services, in a dry run that
keeps nothing or in a real run that keeps everything or nothing.

The rules (see the README, "Arriving with years of paper: importing spreadsheets"):

- every row carries its external reference (the framework's required column): a row already imported with
  the same values is *unchanged* (nothing done); with other values it is a *conflict*, reported and never
  applied (the record is changed in the application, or the row given a new reference);
- a dry run applies every row for real through the same services as the forms, each row in a savepoint of
  its own, then rolls everything back: what it reports is what the real run would do;
- a real run applies nothing unless every row can be applied: any error or conflict, and everything is
  rolled back (all or nothing); otherwise the run is recorded (:class:`ImportRun`, one audit entry
  ``import.run``, besides the services' own entry for each record created) and the caller commits it. A run
  with nothing to create (the same file again) changes nothing at all: no run is recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.errors import CommissionError, ConcurrentChange, InvalidInput
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.imports import ImportedRecord, ImportRun
from commission.services import audit
from commission.services.imports.kinds import (
    EXTERNAL_REF,
    Column,
    ImportContext,
    Kind,
    choice_value,
    date_value,
    euros_value,
    flag_value,
    get_kind,
    kinds,
    register,
    state_value,
    text,
    whole_value,
)
from commission.services.imports.mapping import ColumnMapping
from commission.services.imports.reading import Table
from commission.services.unit import flush

__all__ = [
    "EXTERNAL_REF",
    "Column",
    "ImportContext",
    "ImportReport",
    "Kind",
    "RowIssue",
    "choice_value",
    "date_value",
    "euros_value",
    "fingerprint",
    "flag_value",
    "get_kind",
    "kinds",
    "register",
    "run_import",
    "state_value",
    "text",
    "whole_value",
]


@dataclass(frozen=True)
class RowIssue:
    """One problem of one row: its line in the file, its column (the file's header, else the kind's column
    label, a msgid), the message; ``conflict`` for a row imported before with other values."""

    row: int
    header: str | None
    label: str | None
    message: Message
    conflict: bool = False
    ref: str = ""


@dataclass
class ImportReport:
    kind: str
    file_name: str
    sha256: str
    dry_run: bool
    mapping: list[tuple[str, str | None]] = field(default_factory=list)  # (the file's header, the column's label)
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    conflicts: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    applied: bool = False
    run_id: int | None = None

    @property
    def errors(self) -> list[RowIssue]:
        return [issue for issue in self.issues if not issue.conflict]

    @property
    def rows_in_error(self) -> int:
        return len({issue.row for issue in self.errors})

    @property
    def ready(self) -> bool:
        """Nothing stands in the way of the real run."""
        return not self.issues


def _plain(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def fingerprint(values: dict[str, object]) -> str:
    """The SHA-256 of a row's values as read (the external reference aside)."""
    plain = {name: _plain(value) for name, value in values.items()}
    return hashlib.sha256(json.dumps(plain, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class _Row:
    """One row being read: its values, its problems."""

    def __init__(self, kind: Kind, mapping: ColumnMapping, cells: list[str], line: int) -> None:
        self.kind = kind
        self.mapping = mapping
        self.line = line
        self.issues: list[RowIssue] = []
        self.values: dict[str, object] = {}
        self.failed: set[str] = set()  # the columns with a problem already
        self.ref = ""
        for column in kind.all_columns:
            index = mapping.index_of(column.name)
            raw = cells[index].strip() if index is not None and index < len(cells) else ""
            value: object = None
            if not raw:
                if column.required:
                    self.add(column, msg("Fill in this column."))
            else:
                try:
                    value = column.read(raw)
                except InvalidInput as refused:
                    for messages in refused.errors.values():
                        for message in messages:
                            self.add(column, message)
            if column is EXTERNAL_REF:
                self.ref = str(value or "")
            else:
                self.values[column.name] = value

    def add(self, column: Column | None, message: Message, *, conflict: bool = False) -> None:
        if column is not None:
            self.failed.add(column.name)
        header = self.mapping.header_of(column.name) if column is not None else None
        label = column.label if column is not None and header is None else None
        self.issues.append(RowIssue(self.line, header, label, message, conflict, self.ref))

    def refused(self, error: CommissionError) -> None:
        if isinstance(error, InvalidInput):
            for key, messages in error.errors.items():
                column = self.kind.column_of_field(key)
                if column is not None and column.name in self.failed:
                    continue  # its own problem is reported already
                for message in messages:
                    self.add(column, message)
            return
        for message in getattr(error, "messages", None) or [error.message]:
            self.add(None, message)


def _describe(kind: Kind, mapping: ColumnMapping) -> list[tuple[str, str | None]]:
    shown: list[tuple[str, str | None]] = []
    for index, header in enumerate(mapping.headers):
        name = mapping.assigned.get(index)
        column = kind.column(name) if name else None
        shown.append((header, column.label if column is not None else None))
    return shown


def run_import(session: Session, actor: User, kind_name: str, table: Table, mapping: ColumnMapping, *,
               filename: str, sha256: str = "", dry_run: bool, today: date | None = None) -> ImportReport:
    """Check (``dry_run``) or apply a table of records of one kind (see the module for the rules)."""
    policy.require(actor, policy.Action.IMPORT_DATA)
    kind = get_kind(kind_name)
    problems = mapping.problems(kind)
    if problems:
        raise InvalidInput({"map": problems})
    report = ImportReport(kind=kind.name, file_name=filename, sha256=sha256, dry_run=dry_run,
                          mapping=_describe(kind, mapping))
    outer = session.begin_nested()
    try:
        run = ImportRun(kind=kind.name, file_name=filename[:255], sha256=sha256, actor_id=actor.id,
                        actor_name=actor.display_name, rows=0)
        session.add(run)
        flush(session)
        context = ImportContext(session=session, actor=actor, today=today or clock.today(), dry_run=dry_run,
                                kind=kind)
        seen: dict[str, int] = {}
        for index, cells in enumerate(table.rows):
            if not any(cell.strip() for cell in cells):
                continue
            report.rows += 1
            _one(session, context, report, run, _Row(kind, mapping, cells, table.line(index)), seen)
        if dry_run or report.issues:
            outer.rollback()
            return report
        if not report.created:  # every row imported before, the same: nothing changes, not even a run recorded
            outer.rollback()
            report.applied = True
            return report
        run.rows, run.created, run.unchanged = report.rows, report.created, report.unchanged
        flush(session)
        audit.record(session, actor, "import.run", "import_run", run.id,
                     {"kind": kind.name, "file_name": run.file_name, "sha256": sha256, "rows": report.rows,
                      "created": report.created, "unchanged": report.unchanged})
        flush(session)
        outer.commit()
    except BaseException:
        if outer.is_active:
            outer.rollback()
        raise
    report.applied, report.run_id = True, run.id
    return report


def _one(session: Session, context: ImportContext, report: ImportReport, run: ImportRun, row: _Row,
         seen: dict[str, int]) -> None:
    kind = context.kind
    if row.ref and row.ref in seen:
        row.add(EXTERNAL_REF, msg("This reference is already on line %(line)s of the file.", line=seen[row.ref]))
    elif row.ref:
        seen[row.ref] = row.line
        if row.issues:
            _probe(session, context, row)
    if row.issues:
        report.issues.extend(row.issues)
        return
    print_ = fingerprint(row.values)
    existing = session.execute(
        select(ImportedRecord).where(ImportedRecord.kind == kind.name, ImportedRecord.external_ref == row.ref)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.fingerprint == print_:
            report.unchanged += 1
            return
        report.conflicts += 1
        row.add(EXTERNAL_REF, msg("This reference was imported before with other values: the row is not applied. "
                                  "Change the record in the application, or give the row a new reference."),
                conflict=True)
        report.issues.extend(row.issues)
        return
    context.row = row.line
    context.pending = {}
    nested = session.begin_nested()
    try:
        object_id = kind.apply(context, row.values)
        session.add(ImportedRecord(kind=kind.name, external_ref=row.ref, object_type=kind.object_type,
                                   object_id=object_id, fingerprint=print_, run_id=run.id))
        flush(session)
        nested.commit()
    except ConcurrentChange:
        raise
    except CommissionError as refused:
        if nested.is_active:
            nested.rollback()
        row.refused(refused)
        report.issues.extend(row.issues)
        return
    except BaseException:
        if nested.is_active:
            nested.rollback()
        raise
    context.known[(kind.name, row.ref)] = object_id
    report.created += 1


def _probe(session: Session, context: ImportContext, row: _Row) -> None:
    """A row with cells that could not be read: the service is asked about the others all the same, so that the
    row's every problem is reported at once (a column's own problem is not repeated); nothing is kept."""
    context.row = row.line
    context.pending = {}
    nested = session.begin_nested()
    try:
        context.kind.apply(context, row.values)
    except ConcurrentChange:
        raise
    except CommissionError as refused:
        row.refused(refused)
    except Exception:  # a kind may not expect an empty value where a cell could not be read: reported already
        row.failed.add("")
    finally:
        if nested.is_active:
            nested.rollback()


def recent_runs(session: Session, actor: User, limit: int = 20) -> list[ImportRun]:
    """The imports applied, newest first (for the import page)."""
    policy.require(actor, policy.Action.IMPORT_DATA)
    return list(session.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)).scalars())
