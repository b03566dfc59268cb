"""The fund's spreadsheets: the ledger and the year's statement, as CSV and as XLSX, from plain data.

CSV is written the way French spreadsheets read it without asking: UTF-8 with a byte-order mark, ``;``
between fields, a decimal comma, dates in ISO form. XLSX cells are typed: dates are dates (with a date
format), amounts are numbers in euros (``#,##0.00``), and totals are plain numbers, never formulas.

A spreadsheet runs what looks like a formula. A label typed by a user ("=HYPERLINK(...)", "+33...",
"@SUM(...)") must not become one: every text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading ``'`` in both formats, and XLSX text cells are written as strings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from commission.documents.fund_data import LedgerRow, Statement, statement_rows
from commission.labels import ACCOUNT_LABELS, ENTRY_KIND_LABELS, METHOD_LABELS

Cell = str | int | date | None
Kind = Literal["text", "date", "money", "integer"]
Gettext = Callable[[str], str]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = "text"
    width: int = 14


@dataclass(frozen=True)
class Table:
    """One sheet: typed columns, rows (money in cents), an optional totals row, rows to emphasise."""

    name: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]]
    totals: tuple[Cell, ...] | None = None
    emphasised: frozenset[int] = field(default_factory=frozenset)


def neutralise(text: str) -> str:
    """A text a spreadsheet will show, never run."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def euros_text(cents: int) -> str:
    """Cents as a French spreadsheet reads a number: ``-1234,56``."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole},{part:02d}"


def euros(cents: int) -> Decimal:
    return Decimal(cents) / 100


# ---------------------------------------------------------------- CSV


def _csv_cell(value: Cell, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == "money" and isinstance(value, int):
        return euros_text(value)
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(column.title) for column in table.columns])
    rows = [*table.rows, table.totals] if table.totals is not None else list(table.rows)
    for row in rows:
        writer.writerow([_csv_cell(value, column.kind) for value, column in zip(row, table.columns, strict=True)])
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- XLSX


def _put(sheet: Any, row: int, column: int, value: Cell, kind: Kind, bold: bool) -> None:
    cell = sheet.cell(row=row, column=column)
    if value is None:
        pass
    elif kind == "money" and isinstance(value, int):
        cell.value = euros(value)
        cell.number_format = MONEY_FORMAT
    elif kind == "date" and isinstance(value, date):
        cell.value = datetime.combine(value, time()) if not isinstance(value, datetime) else value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str):
        cell.value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # a string, whatever it looks like
    else:
        cell.value = value
    if bold:
        cell.font = Font(bold=True)


def _sheet_name(name: str) -> str:
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in name).strip("' ")
    return cleaned[:31] or "Sheet"


def to_xlsx(tables: Sequence[Table], *, title: str = "", author: str = "") -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = title
    workbook.properties.creator = author
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.name))
        for index, column in enumerate(table.columns, start=1):
            _put(sheet, 1, index, column.title, "text", True)
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        for number, values in enumerate(table.rows, start=2):
            bold = (number - 2) in table.emphasised
            for index, (value, column) in enumerate(zip(values, table.columns, strict=True), start=1):
                _put(sheet, number, index, value, column.kind, bold)
        if table.totals is not None:
            number = len(table.rows) + 2
            for index, (value, column) in enumerate(zip(table.totals, table.columns, strict=True), start=1):
                _put(sheet, number, index, value, column.kind, True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the fund's tables


def ledger_table(rows: Sequence[LedgerRow], gettext: Gettext, name: str | None = None) -> Table:
    """The journal, one line per account movement, with the debit and credit totals."""
    _ = gettext
    columns = (
        Column(_("Date"), "date", 12), Column(_("Entry"), "integer", 8), Column(_("Kind"), "text", 22),
        Column(_("Label"), "text", 50), Column(_("Account"), "text", 9), Column(_("Account name"), "text", 34),
        Column(_("Debit"), "money", 14), Column(_("Credit"), "money", 14), Column(_("Payment"), "text", 16),
        Column(_("Reference"), "text", 18), Column(_("Reverses entry"), "integer", 10),
    )
    body = [
        (row.value_date, row.entry_id, _(ENTRY_KIND_LABELS[row.kind]), row.label, row.account.value,
         _(ACCOUNT_LABELS[row.account]), row.debit_cents or None, row.credit_cents or None,
         _(METHOD_LABELS[row.method]) if row.method else "", row.reference, row.corrects_id)
        for row in rows
    ]
    totals: tuple[Cell, ...] = (None, None, None, _("Total"), None, None, sum(row.debit_cents for row in rows),
                                sum(row.credit_cents for row in rows), None, None, None)
    return Table(name or _("Ledger"), columns, body, totals)


def statement_table(statement: Statement, gettext: Gettext) -> Table:
    """The statement's figures: the bank account from opening to closing, then what is lost and owed."""
    _ = gettext
    columns = (Column(_("Section"), "text", 26), Column(_("Item"), "text", 42), Column(_("Date"), "date", 12),
               Column(_("Amount"), "money", 16))
    rows = statement_rows(statement)
    body = [(_(row.section), _(row.label), row.day, row.cents) for row in rows]
    emphasised = frozenset(index for index, row in enumerate(rows) if row.total)
    return Table(_("Statement %(year)s") % {"year": statement.year}, columns, body, emphasised=emphasised)


def ledger_export(rows: Sequence[LedgerRow], year: int, fmt: str, gettext: Gettext, author: str = "") -> bytes:
    _ = gettext
    table = ledger_table(rows, gettext, _("Ledger %(year)s") % {"year": year})
    if fmt == "csv":
        return to_csv(table)
    if fmt == "xlsx":
        return to_xlsx([table], title=table.name, author=author)
    raise ValueError(f"unknown spreadsheet format {fmt!r}")


def statement_export(statement: Statement, rows: Sequence[LedgerRow], fmt: str, gettext: Gettext,
                     author: str = "") -> bytes:
    """The statement as CSV (its figures), or as XLSX (its figures, then the year's entries on a second sheet)."""
    _ = gettext
    table = statement_table(statement, gettext)
    if fmt == "csv":
        return to_csv(table)
    if fmt == "xlsx":
        entries = ledger_table(rows, gettext, _("Entries %(year)s") % {"year": statement.year})
        return to_xlsx([table, entries], title=table.name, author=author)
    raise ValueError(f"unknown spreadsheet format {fmt!r}")


def filename(stem: str, year: int, fmt: str) -> str:
    return f"{stem}-{year}.{fmt}"
