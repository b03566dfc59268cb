"""The one parsing module: what each parser reads, what it refuses and with which message."""

from __future__ import annotations

import enum
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commission.errors import InvalidInput
from commission.i18n import Message, msg
from commission.parsing import (
    MAX_CENTS,
    MAX_ID,
    as_id,
    as_page,
    as_whole,
    collect,
    parse_choice,
    parse_date,
    parse_euros,
    parse_id,
    parse_text,
    parse_time,
    parse_whole,
)


def refusal(parse, *args, **kwargs) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        parse(*args, **kwargs)
    ((field, messages),) = refused.value.errors.items()
    return field, messages[0].msgid


@pytest.mark.parametrize(("typed", "day"), [("2026-03-19", date(2026, 3, 19)), (" 2026-03-19 ", date(2026, 3, 19))])
def test_dates_are_read_as_iso_days(typed: str, day: date) -> None:
    assert parse_date(typed) == day


@pytest.mark.parametrize("typed", ["19/03/2026", "2026-02-30", "20260319", "2026-W12", "２０２６-03-19", "demain"])
def test_what_is_not_a_date_gets_one_message(typed: str) -> None:
    assert refusal(parse_date, typed, "day") == ("day", "This is not a date (expected: YYYY-MM-DD).")


def test_dates_are_bounded_and_may_be_optional() -> None:
    assert refusal(parse_date, "9999-12-31", "day")[1] == "Give a date between %(first)s and %(last)s."
    assert refusal(parse_date, "", "day") == ("day", "Give the date.")
    assert refusal(parse_date, "", "day", missing=msg("Give the birth date.")) == ("day", "Give the birth date.")
    assert parse_date("", required=False) is None


def test_times() -> None:
    assert parse_time("14:30") == time(14, 30)
    assert parse_time("9:05") == time(9, 5)
    for typed in ("24:00", "14h30", "14:61", "", "１４:00"):
        assert refusal(parse_time, typed, "start")[1] == "This is not a time (expected: HH:MM)."


@pytest.mark.parametrize(("typed", "cents"), [
    ("1 168,11", 116811), ("1\u202f168,11", 116811), ("1\xa0168,11 €", 116811), ("120,50", 12050),
    ("120.50", 12050), ("350", 35000), ("350,5", 35050), ("0", 0), ("+12", 1200),
])
def test_euros_as_the_french_type_them(typed: str, cents: int) -> None:
    assert parse_euros(typed) == cents


@pytest.mark.parametrize(("typed", "message"), [
    ("abc", "This is not an amount in euros (for example 350,00)."),
    ("12,345", "This is not an amount in euros (for example 350,00)."),
    ("1e3", "This is not an amount in euros (for example 350,00)."),
    ("NaN", "This is not an amount in euros (for example 350,00)."),
    ("1.234,56", "This is not an amount in euros (for example 350,00)."),
    ("３５０", "This is not an amount in euros (for example 350,00)."),
    (str(10**30), "This is not an amount in euros (for example 350,00)."),
    ("-5", "The amount cannot be negative."),
    ("1 000 001", "This amount is too large."),
    ("", "Give the amount in euros."),
])
def test_what_is_not_an_amount(typed: str, message: str) -> None:
    assert refusal(parse_euros, typed, "rent") == ("rent", message)


def test_zero_and_the_maximum_are_the_callers_choice() -> None:
    assert refusal(parse_euros, "0", allow_zero=False)[1] == "The amount must be more than zero."
    assert refusal(parse_euros, "-5", allow_zero=False)[1] == "The amount must be more than zero."
    assert refusal(parse_euros, "100,01", maximum=10_000)[1] == "This amount is too large."
    assert parse_euros("", required=False) is None


@given(st.integers(min_value=0, max_value=MAX_CENTS))
def test_an_amount_shown_for_editing_reads_back(cents: int) -> None:
    assert parse_euros(f"{cents // 100},{cents % 100:02d}") == cents


def test_whole_numbers_are_bounded() -> None:
    assert parse_whole(" 12 ", maximum=20) == 12
    assert parse_whole("-3", minimum=-5, maximum=5) == -3
    for typed in ("21", "-1", str(10**30)):
        assert refusal(parse_whole, typed, "rooms", maximum=20) == (
            "rooms", "Give a whole number between %(minimum)s and %(maximum)s.")
    for typed in ("²", "deux", "1.5", "٣", ""):
        assert refusal(parse_whole, typed, "rooms", maximum=20) == ("rooms", "Give a whole number.")
    assert parse_whole("", maximum=20, required=False) is None


@pytest.mark.parametrize("typed", ["²", "-1", "0", str(10**30), str(MAX_ID + 1), "", " ", "٣", "1.0", "0x10", None])
def test_what_is_not_an_id(typed: str | None) -> None:
    assert refusal(parse_id, typed, "town_id") == ("town_id", "This is not a valid id.")
    assert as_id(typed) is None


@given(st.integers(min_value=1, max_value=MAX_ID))
def test_every_id_in_range_is_read(value: int) -> None:
    assert parse_id(str(value)) == value == as_id(f" {value} ")


@given(st.text(max_size=40))
def test_the_lenient_readers_never_raise(text: str) -> None:
    found = as_id(text)
    assert found is None or 1 <= found <= MAX_ID
    number = as_whole(text, 0, 100)
    assert number is None or 0 <= number <= 100
    assert 1 <= as_page(text) <= MAX_ID


def test_pages() -> None:
    assert as_page("3") == 3
    assert as_page(str(10**30)) == MAX_ID  # paginate shows the last page
    assert as_page("-1") == as_page("²") == as_page("") == as_page(None) == 1


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def test_choices() -> None:
    assert parse_choice(Colour, " red ") is Colour.RED
    assert parse_choice(Colour, "", required=False) is None
    assert refusal(parse_choice, Colour, "green", "colour") == ("colour", "Choose one of the options in the list.")
    chosen = refusal(parse_choice, Colour, "", "colour", message=msg("Choose a colour."))
    assert chosen == ("colour", "Choose a colour.")


def test_free_text() -> None:
    assert parse_text("  Mme Roux ", limit=20) == "Mme Roux"
    assert parse_text("", limit=20) == ""
    assert refusal(parse_text, "x" * 21, "name", limit=20) == ("name", "At most %(count)s characters.")
    assert refusal(parse_text, " ", "name", limit=20, required=True) == ("name", "Fill in this field.")


def test_collect_gathers_every_fields_refusal() -> None:
    errors: dict[str, list[Message]] = {}
    assert collect(errors, parse_date, "demain", "day") is None
    assert collect(errors, parse_whole, "200", "quorum", minimum=1, maximum=100) is None
    assert collect(errors, parse_id, "7", "town_id") == 7
    assert {name: [message.msgid for message in messages] for name, messages in errors.items()} == {
        "day": ["This is not a date (expected: YYYY-MM-DD)."],
        "quorum": ["Give a whole number between %(minimum)s and %(maximum)s."],
    }


def test_the_module_knows_nothing_of_flask() -> None:
    import ast
    from pathlib import Path

    import commission.parsing

    tree = ast.parse(Path(commission.parsing.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] in {"flask", "flask_babel", "flask_wtf", "werkzeug"} for name in imported)
