"""Spreadsheets at the seed's scale, as a council arrives with them: partners, agreements, places, people with
their files in various states, deposits outstanding; written as CSV (``;`` or ``,``, UTF-8 or Windows-1252) or
XLSX, with the French headers of each kind's template. Pure data: built once per test module."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook

from commission.services.imports import core
from commission.services.imports.kinds import french

Rows = list[dict[str, str]]

PLACES = 73
AGREEMENTS = 10
PEOPLE = 120
DEPOSITS = 40

# How many files of each state (120 in all); the first ones hold the places LOG-001... in this order.
HOLDING = (("housed", 35), ("offer_accepted", 3), ("moving_in", 2))
OTHERS = (("closed", 8), ("draft", 10), ("submitted", 10), ("incomplete", 5), ("ready", 10), ("waiting_list", 20),
          ("deferred", 5), ("refused", 5), ("withdrawn", 7))
# Some states written as the French page shows them (« Logé »), the others by their name.
FRENCH_STATES = {"housed": "Logé", "waiting_list": "Liste d'attente"}


def place_ref(number: int) -> str:
    return f"LOG-{number:03d}"


def person_ref(number: int) -> str:
    return f"P-{number:03d}"


def _day(year: int, month: int, day: int) -> str:
    return date(year, month, day).isoformat()


def partners() -> Rows:
    return [{"external_ref": f"PART-{n:02d}", "name": f"Bailleur {n}", "kind": "Bailleur social" if n % 2
             else "landlord", "town": "Ronchin" if n % 2 else "59810", "address": f"{n} rue du Port"}
            for n in range(1, AGREEMENTS + 1)]


def agreements() -> Rows:
    return [{"external_ref": f"CONV-{n:02d}", "partner": f"PART-{n:02d}", "reference": f"C-2019-{n:02d}",
             "title": f"Convention avec le bailleur {n}", "start_date": f"0{1 + n % 9}/03/2019",
              "end_date": "2028-02-28"}
            for n in range(1, AGREEMENTS + 1)]


def places() -> Rows:
    rows = []
    for n in range(1, PLACES + 1):
        partner = 1 + n % AGREEMENTS
        rows.append({"external_ref": place_ref(n), "reference": place_ref(n), "kind": "apartment",
                     "town": "Lesquin" if n % 3 else "Ronchin", "address": f"{n} avenue de la Gare",
                     "partner": f"PART-{partner:02d}", "agreement": f"CONV-{partner:02d}", "rooms": str(1 + n % 3),
                     "rent": "350,00", "charges": "60,00", "deposit": "450,00"})
    return rows


def _person(number: int, state: str, team: str, place: str = "") -> dict[str, str]:
    year = 2019 + number % 5
    row = {"external_ref": person_ref(number), "last_name": f"Nom{number}", "first_name": f"Prénom{number}",
           "birth_date": _day(1960 + number % 30, 1 + number % 12, 1 + number % 28), "care_team": team,
           "state": FRENCH_STATES.get(state, state), "phone": f"06 00 00 {number:02d} {number % 100:02d}",
           "monthly_resources": "850,00", "consent_given": "oui", "consent_date": _day(year, 1, 10)}
    if state != "draft":
        row["submitted_on"] = _day(year, 2, 1)
    if state in ("incomplete", "deferred", "refused", "withdrawn"):
        row["reason"] = "Motif connu du dossier papier"
    if state not in ("draft", "submitted"):
        row["decision_on"] = _day(year, 6, 15)
    if place:
        row["place"] = place
    if state in ("housed", "closed"):
        row["moved_in_on"] = _day(year, 9, 1)
    if state == "moving_in":
        row["moved_in_on"] = _day(2026, 12, 20)
    if state == "closed":
        row["exit_on"] = _day(year + 1, 10, 31)
    return row


def people(teams: list[str]) -> Rows:
    rows, number = [], 0
    for state, count in HOLDING:
        for _ in range(count):
            number += 1
            rows.append(_person(number, state, teams[number % len(teams)], place_ref(number)))
    for state, count in OTHERS:
        for _ in range(count):
            number += 1
            # the closed files name the place they left (a place now held by no one)
            place = place_ref(number) if state == "closed" else ""
            rows.append(_person(number, state, teams[number % len(teams)], place))
    assert len(rows) == PEOPLE
    return rows


def deposits() -> Rows:
    rows = []
    for number in range(1, 31):  # housed: paid
        rows.append({"external_ref": f"DG-{number:03d}", "person": person_ref(number), "amount": "450,00",
                     "state": "Versé" if number % 2 else "paid", "committed_on": "2021-08-20",
                     "paid_on": "28/08/2021"})
    for number in (36, 37):  # an offer accepted: committed
        rows.append({"external_ref": f"DG-{number:03d}", "person": person_ref(number), "amount": "450,00",
                     "state": "committed", "committed_on": "2026-11-20"})
    rows.append({"external_ref": "DG-038", "person": person_ref(38), "amount": "450,00", "state": "requested"})
    for number in (39, 40):  # moving in: paid before the move-in
        rows.append({"external_ref": f"DG-{number:03d}", "person": person_ref(number), "amount": "450,00",
                     "state": "paid", "committed_on": "2026-11-02", "paid_on": "2026-11-10"})
    for number in range(41, 46):  # left: the refund is claimed
        rows.append({"external_ref": f"DG-{number:03d}", "person": person_ref(number), "amount": "450,00",
                     "state": "refund_claimed", "committed_on": "2020-08-01", "paid_on": "2020-08-05",
                     "refund_claimed_on": "2025-11-02"})
    assert len(rows) == DEPOSITS
    return rows


# ---------------------------------------------------------------- the files


def _headers(kind_name: str, rows: Rows) -> tuple[list[str], list[str]]:
    kind = core.get_kind(kind_name)
    names = ["external_ref", *[column.name for column in kind.columns if any(column.name in row for row in rows)]]
    headers = [french(column.label) for name in names if (column := kind.column(name)) is not None]
    return names, headers


def to_csv(kind_name: str, rows: Rows, *, delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    names, headers = _headers(kind_name, rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([row.get(name, "") for name in names] for row in rows)
    return out.getvalue().encode(encoding)


def to_xlsx(kind_name: str, rows: Rows) -> bytes:
    """An XLSX workbook; the ISO dates written as real dates, as a spreadsheet holds them."""
    names, headers = _headers(kind_name, rows)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        cells: list[object] = []
        for name in names:
            value = row.get(name, "")
            try:
                cells.append(datetime.fromisoformat(value) if len(value) == 10 and value[4] == "-" else value)
            except ValueError:
                cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Planted:
    """The people's rows with errors planted, and each error expected: (line, column name)."""

    rows: Rows
    expected: list[tuple[int, str]] = field(default_factory=list)


def plant_errors(rows: Rows) -> Planted:
    """Six errors in a copy of the people's rows, each on a row of its own (line = index + 2)."""
    planted = Planted([dict(row) for row in rows])

    def spoil(index: int, column: str, value: str) -> None:
        planted.rows[index][column] = value
        planted.expected.append((index + 2, column))

    spoil(60, "birth_date", "31/02/1980")  # a date that does not exist
    spoil(61, "care_team", "Équipe inconnue")  # no such care team
    spoil(2, "place", "LOG-999")  # a housed person on a place nobody knows
    spoil(62, "last_name", "")  # a required value missing
    spoil(63, "external_ref", person_ref(50))  # a reference already on an earlier line
    spoil(4, "place", place_ref(4))  # housed on the place the row before holds (line 5 holds LOG-004)
    return planted
