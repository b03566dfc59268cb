"""Parsing what the stock's forms send: every field's problem at once, in the user's language."""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import TypeVar

from sqlalchemy.orm import Session

from commission.db import Base
from commission.i18n import Message, msg
from commission.parsing import as_id, collect, parse_date, parse_euros, parse_text, parse_whole

MAX_AMOUNT_CENTS = 10_000_000  # a hundred thousand euros a month: anything above is a typing mistake

EnumT = TypeVar("EnumT", bound=enum.Enum)
RowT = TypeVar("RowT", bound=Base)
Errors = dict[str, list[Message]]


# ---------------------------------------------------------------- parsing what a form sends


def _add(errors: Errors, name: str, message: Message) -> None:
    errors.setdefault(name, []).append(message)


def euros(cents: int | None) -> str:
    """Cents as the form shows them for editing: "350,00"."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


def _amount(errors: Errors, name: str, text: str) -> int:
    return collect(errors, parse_euros, text, name, maximum=MAX_AMOUNT_CENTS,
                   missing=msg("Give the amount in euros (0 if there is none).")) or 0


def _whole(errors: Errors, name: str, text: str, *, maximum: int, required: bool = True,
           minimum: int = 0) -> int | None:
    return collect(errors, parse_whole, text, name, minimum=minimum, maximum=maximum, required=required)


def _text(errors: Errors, name: str, text: str, limit: int, missing: Message | None = None) -> str:
    cleaned = (text or "").strip()
    collect(errors, parse_text, cleaned, name, limit=limit, required=missing is not None, missing=missing)
    return cleaned


def _choice(enum_type: type[EnumT], value: str) -> EnumT | None:
    return next((member for member in enum_type if member.value == (value or "").strip()), None)


def _row(session: Session, model: type[RowT], value: str) -> RowT | None:
    row_id = as_id(value)
    return session.get(model, row_id) if row_id is not None else None


def _day(errors: Errors, name: str, text: str, *, required: bool = True) -> date | None:
    return collect(errors, parse_date, text, name, required=required)


def _email(errors: Errors, name: str, text: str) -> str:
    cleaned = _text(errors, name, text, 200)
    if cleaned and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", cleaned):
        _add(errors, name, msg("This is not an e-mail address."))
    return cleaned
