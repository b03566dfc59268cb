"""Reading what people type: one parser per kind of input, the same message for the same mistake.

Used by the services (which read the forms' text), the web (query strings, URLs) and the CLI. It knows
nothing of Flask: its messages are :class:`~commission.i18n.Message` objects, rendered in the reader's
language by whoever shows them.

The contract, in two families:

- ``parse_*`` (dates, times, euros, whole numbers, ids, choices, free text) return the value read, or
  ``None`` for an empty optional input, and raise :class:`~commission.errors.InvalidInput` with one
  message on the field they were given (``field=``) otherwise. Every input is bounded: an id lies in
  ``1..MAX_ID`` (PostgreSQL's ``integer``), a whole number between the bounds it is given, an amount
  below ``maximum``, a date between :data:`FIRST_DAY` and :data:`LAST_DAY`, a text within its limit.
  :func:`collect` gathers the refusals of a whole form into one dictionary, so that a service reports
  every field's problem at once.
- ``as_*`` (:func:`as_id`, :func:`as_whole`, :func:`as_page`) never raise: they return ``None`` (or the
  first page) for anything they cannot read within bounds. They are for filters that a page ignores
  when bad, and for choices whose "choose from the list" message the service gives once the row is not
  found.

Only ASCII digits are digits here: ``"²"`` and ``"٣"`` pass ``str.isdigit`` but are no number anyone typed.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Collection
from datetime import date, time
from typing import ParamSpec, TypeVar

from commission.errors import InvalidInput
from commission.i18n import N_, Message, msg

P = ParamSpec("P")
T = TypeVar("T")
EnumT = TypeVar("EnumT", bound=enum.Enum)

MAX_ID = 2_147_483_647  # PostgreSQL's integer, the type of every primary key
MAX_CENTS = 100_000_000  # one million euros: anything above is a typing mistake
FIRST_DAY = date(1800, 1, 1)
LAST_DAY = date(2199, 12, 31)
MAX_DIGITS = 12  # longer runs of digits are refused before int() reads them

# The message of each mistake, one for all the forms (N_ marks them for the catalogues).
NOT_A_DATE = N_("This is not a date (expected: YYYY-MM-DD).")
NOT_A_TIME = N_("This is not a time (expected: HH:MM).")
NOT_AN_AMOUNT = N_("This is not an amount in euros (for example 350,00).")
NOT_A_WHOLE_NUMBER = N_("Give a whole number.")
NOT_AN_ID = N_("This is not a valid id.")

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{1,2}:[0-9]{2}")
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_EUROS = re.compile(rf"([+-]?)([0-9]{{1,{MAX_DIGITS}}})(?:[.,]([0-9]{{1,2}}))?")
_SPACES = re.compile(r"[\s\u00a0\u202f€]")


def _refuse(field: str, message: Message) -> InvalidInput:
    return InvalidInput({field: [message]})


def _cleaned(text: object) -> str:
    return "" if text is None else str(text).strip()


def collect(errors: dict[str, list[Message]], parse: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """Call a parser; on a refusal, add its messages to ``errors`` and return ``None``."""
    try:
        return parse(*args, **kwargs)
    except InvalidInput as refused:
        for name, messages in refused.errors.items():
            errors.setdefault(name, []).extend(messages)
        return None


# ---------------------------------------------------------------- dates and times


def parse_date(text: object, field: str = "date", *, required: bool = True, missing: Message | None = None,
               first: date = FIRST_DAY, last: date = LAST_DAY) -> date | None:
    """A day written ``YYYY-MM-DD`` (what a date field sends), between ``first`` and ``last``."""
    cleaned = _cleaned(text)
    if not cleaned:
        if required:
            raise _refuse(field, missing or msg("Give the date."))
        return None
    if not _DAY.fullmatch(cleaned):
        raise _refuse(field, msg(NOT_A_DATE))
    try:
        day = date.fromisoformat(cleaned)
    except ValueError:
        raise _refuse(field, msg(NOT_A_DATE)) from None
    if not first <= day <= last:
        raise _refuse(field, msg("Give a date between %(first)s and %(last)s.",
                                 first=first.isoformat(), last=last.isoformat()))
    return day


def parse_time(text: object, field: str = "time", *, required: bool = True,
               missing: Message | None = None) -> time | None:
    """A time of day written ``HH:MM``."""
    cleaned = _cleaned(text)
    if not cleaned:
        if required:
            raise _refuse(field, missing or msg(NOT_A_TIME))
        return None
    if not _TIME.fullmatch(cleaned):
        raise _refuse(field, msg(NOT_A_TIME))
    hours, minutes = (int(part) for part in cleaned.split(":"))
    if hours > 23 or minutes > 59:
        raise _refuse(field, msg(NOT_A_TIME))
    return time(hours, minutes)


# ---------------------------------------------------------------- money


def parse_euros(text: object, field: str = "amount", *, allow_zero: bool = True, maximum: int = MAX_CENTS,
                required: bool = True, missing: Message | None = None) -> int | None:
    """Euros as the French type them ("1 168,11", "120,50", "120.50", "350", "12 €") to integer cents.

    At most two decimals, a comma or a point before them, spaces (no-break ones too) between thousands.
    Never negative; zero only with ``allow_zero``; at most ``maximum`` cents.
    """
    cleaned = _SPACES.sub("", _cleaned(text))
    if not cleaned:
        if required:
            raise _refuse(field, missing or msg("Give the amount in euros."))
        return None
    found = _EUROS.fullmatch(cleaned)
    if found is None:
        raise _refuse(field, msg(NOT_AN_AMOUNT))
    sign, whole, decimals = found.groups()
    cents = int(whole) * 100 + int((decimals or "").ljust(2, "0"))
    if sign == "-" and cents:
        raise _refuse(field, msg("The amount cannot be negative.") if allow_zero
                      else msg("The amount must be more than zero."))
    if cents == 0 and not allow_zero:
        raise _refuse(field, msg("The amount must be more than zero."))
    if cents > maximum:
        raise _refuse(field, msg("This amount is too large."))
    return cents


# ---------------------------------------------------------------- numbers and ids


def parse_whole(text: object, field: str = "number", *, minimum: int = 0, maximum: int, required: bool = True,
                missing: Message | None = None) -> int | None:
    """A whole number (ASCII digits, an optional sign) between ``minimum`` and ``maximum``."""
    cleaned = _cleaned(text)
    if not cleaned:
        if required:
            raise _refuse(field, missing or msg(NOT_A_WHOLE_NUMBER))
        return None
    if not _WHOLE.fullmatch(cleaned):
        raise _refuse(field, msg(NOT_A_WHOLE_NUMBER))
    digits = cleaned.lstrip("+-").lstrip("0")
    value = int(cleaned) if len(digits) <= MAX_DIGITS else None
    if value is None or not minimum <= value <= maximum:
        raise _refuse(field, msg("Give a whole number between %(minimum)s and %(maximum)s.",
                                 minimum=minimum, maximum=maximum))
    return value


def parse_id(text: object, field: str = "id", *, required: bool = True,
             missing: Message | None = None) -> int | None:
    """A record's id: ASCII digits only, from 1 to :data:`MAX_ID`."""
    cleaned = _cleaned(text)
    if not cleaned:
        if required:
            raise _refuse(field, missing or msg(NOT_AN_ID))
        return None
    value = as_id(cleaned)
    if value is None:
        raise _refuse(field, msg(NOT_AN_ID))
    return value


def as_whole(text: object, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number between the bounds, or ``None`` for anything else (empty, not a number, out of range)."""
    try:
        return parse_whole(text, minimum=minimum, maximum=maximum, required=False)
    except InvalidInput:
        return None


def as_id(text: object) -> int | None:
    """A record's id, or ``None`` for anything that cannot be one (so that no row is found)."""
    cleaned = _cleaned(text)
    if not _DIGITS.fullmatch(cleaned) or len(cleaned.lstrip("0")) > len(str(MAX_ID)):
        return None
    value = int(cleaned)
    return value if 1 <= value <= MAX_ID else None


def as_page(text: object) -> int:
    """A page number: the first page for anything unreadable; a huge one stays huge (paginate shows the last)."""
    cleaned = _cleaned(text)
    if not _DIGITS.fullmatch(cleaned):
        return 1
    if len(cleaned.lstrip("0")) > len(str(MAX_ID)):
        return MAX_ID
    return min(max(int(cleaned), 1), MAX_ID)


# ---------------------------------------------------------------- choices and text


def parse_choice(enum_type: type[EnumT], text: object, field: str = "choice", *, required: bool = True,
                 message: Message | None = None) -> EnumT | None:
    """One member of an enumeration, by its value; ``message`` says what to choose (the same when empty)."""
    cleaned = _cleaned(text)
    if not cleaned and not required:
        return None
    for member in enum_type:
        if member.value == cleaned:
            return member
    raise _refuse(field, message or msg("Choose one of the options in the list."))


def parse_text(text: object, field: str = "text", *, limit: int, required: bool = False,
               missing: Message | None = None) -> str:
    """Free text, stripped, of at most ``limit`` characters; empty is refused only when ``required``."""
    cleaned = _cleaned(text)
    if not cleaned and required:
        raise _refuse(field, missing or msg("Fill in this field."))
    if len(cleaned) > limit:
        raise _refuse(field, msg("At most %(count)s characters.", count=limit))
    return cleaned


def as_sort(text: object, keys: Collection[str]) -> tuple[str, bool] | None:
    """A listing's order from the query string: ``key`` (ascending) or ``-key`` (descending), the key one
    of ``keys``; ``None`` (the listing's own order) for anything else."""
    cleaned = _cleaned(text)
    descending = cleaned.startswith("-")
    key = cleaned[1:] if descending else cleaned
    return (key, descending) if key in keys else None
