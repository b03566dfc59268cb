"""Reading a spreadsheet: CSV (``;`` or ``,``, UTF-8 with or without its BOM, else Windows-1252) or XLSX.

What comes out is a :class:`Table`: the headers of the first line and the rows below, every cell a stripped
string (an XLSX date as ``YYYY-MM-DD``, a number as it would be typed), so that the same parsers as the forms
read them. A file that cannot be read, is too large or has too many rows is refused with one clear message
on the field ``file``. XLSX is read by openpyxl, which parses its XML through ``defusedxml`` (installed
with the application): no entity expansion, no external entity.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from commission.errors import InvalidInput
from commission.i18n import N_, msg

MAX_BYTES = 5 * 1024 * 1024  # 5 MB: years of paper fit well within
MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_CELL = 5000  # characters
FIRST_ROW = 2  # the line number of the first row below the headers


@dataclass(frozen=True)
class Table:
    """The headers and the rows of a sheet; ``rows[i]`` is the file's line :meth:`line` ``(i)``."""

    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    first_line: int = FIRST_ROW  # the file's line number of rows[0] (blank lines above the headers skipped)

    def line(self, index: int) -> int:
        return index + self.first_line


def _refuse(message: str, **params: object) -> InvalidInput:
    return InvalidInput({"file": [msg(message, **params)]})


def _decoded(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise _refuse(N_("The file's characters cannot be read: save it as CSV UTF-8 (or as XLSX).")) from None


def _delimiter(first_line: str) -> str:
    """``;`` (the French spreadsheets' CSV) or ``,``: whichever splits the header line in more columns."""
    return ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decoded(data)
    if "\x00" in text:
        raise _refuse(N_("This file is not a CSV or XLSX spreadsheet."))
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    try:
        return [row for row in _bounded(reader)]
    except csv.Error:
        raise _refuse(N_("This CSV file is damaged (a quotation mark is not closed?).")) from None


def _bounded(rows: object) -> list[list[str]]:
    kept: list[list[str]] = []
    for row in rows:  # type: ignore[attr-defined]
        if len(kept) > MAX_ROWS:
            raise _refuse(N_("The file has more than %(count)s rows: split it."), count=MAX_ROWS)
        kept.append(list(row))
    return kept


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return f"{Decimal(repr(value)).normalize():f}" if value != int(value) else str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0] if book.worksheets else None
            if sheet is None:
                return []
            return _bounded([_cell(value) for value in row[:MAX_COLUMNS]]
                            for row in sheet.iter_rows(values_only=True))
        finally:
            book.close()
    except InvalidInput:
        raise
    except Exception as error:  # openpyxl wraps what its parser refused (defusedxml's refusals among them)
        if _refused_xml(error):
            raise _refuse(N_("This XLSX file holds XML that is refused (entities or external references).")) from None
        if isinstance(error, (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, SyntaxError)):
            raise _refuse(N_("This XLSX file cannot be opened: is it an Excel or LibreOffice spreadsheet saved as "
                          "XLSX?")) from None
        raise


def _refused_xml(error: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (an entity, a DTD, an external reference), however openpyxl wrapped it."""
    seen = 0
    while error is not None and seen < 10:
        if type(error).__module__.startswith("defusedxml"):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def read_table(data: bytes, filename: str) -> Table:
    """The table of a CSV or XLSX file (its first sheet); refused with a clear message when it cannot be read."""
    if not data:
        raise _refuse(N_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise _refuse(N_("The file is larger than %(size)s MB: split it."), size=MAX_BYTES // (1024 * 1024))
    name = filename.lower()
    if data.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        raw = _read_xlsx(data)
    elif name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(N_("The old Excel format (.xls) is not read: save the file as XLSX or CSV."))
    else:
        raw = _read_csv(data)
    rows = [[cell.strip() for cell in row] for row in raw]
    skipped = 0
    while rows and not any(rows[0]):
        rows.pop(0)
        skipped += 1
    if not rows:
        raise _refuse(N_("The file has no header line."))
    headers = rows[0]
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise _refuse(N_("The file has more than %(count)s columns."), count=MAX_COLUMNS)
    if not headers:
        raise _refuse(N_("The file has no header line."))
    body: list[list[str]] = []
    for row in rows[1:]:
        if any(len(cell) > MAX_CELL for cell in row):
            raise _refuse(N_("A cell holds more than %(count)s characters."), count=MAX_CELL)
        cells = (row + [""] * len(headers))[: len(headers)]
        body.append(cells)
    while body and not any(body[-1]):
        body.pop()
    return Table(headers=headers, rows=body, first_line=FIRST_ROW + skipped)
