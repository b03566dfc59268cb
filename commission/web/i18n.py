"""Language: French by default, English on request; dates, numbers and euros per locale."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from flask import Flask, request, session
from flask_babel import (
    Babel,
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
)
from flask_babel import gettext as _gettext
from markupsafe import Markup

from commission.i18n import DEFAULT_LOCALE, LOCALES, Message
from commission.resources import translations_dir
from commission.typography import punctuation, typeset_date


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked is not None:
        chosen = asked if asked in LOCALES else DEFAULT_LOCALE
        session["lang"] = chosen
        return chosen
    remembered = session.get("lang")
    return remembered if remembered in LOCALES else DEFAULT_LOCALE


def money(cents: int | None) -> str:
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, "EUR")


def render_message(message: Message | str) -> str:
    if isinstance(message, Message):
        return message.render(_gettext)
    return message


def current_locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


def locale_date(value: date | datetime | None, style: str = "medium") -> str:
    """A date, or a date and time, in the user's language: in French « 1er déc. 2026 », « 01/12/2026 14 h 05 »."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return typeset_date(format_datetime(value, style), current_locale())
    return typeset_date(format_date(value, style), current_locale())


def locale_time(value: time | datetime | None, style: str = "short") -> str:
    """A time of day in the user's language: « 14 h », « 14 h 30 » in French, "2:30 PM" in English."""
    if value is None:
        return ""
    # A time of day (a hearing's start) is the council's own: only an instant is brought to the user's zone.
    return typeset_date(format_time(value, style, rebase=isinstance(value, datetime)), current_locale())


def punctuate(text: object, mark: str) -> str:
    """``text`` followed by a punctuation mark, spaced as the user's language writes it: ``{{ _("State")|colon }}``
    gives « État : » in French and "State:" in English."""
    # Markup stays Markup (the mark is escaped into it, a no-op): an escaped text is not escaped twice.
    return (text if isinstance(text, Markup) else str(text)) + punctuation(mark, current_locale())


def colon(text: object) -> str:
    return punctuate(text, ":")


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories=str(translations_dir()))
    app.jinja_env.filters.update(
        money=money,
        date=locale_date,
        time=locale_time,
        colon=colon,
        punct=punctuate,
        number=format_decimal,
        message=render_message,
    )
    app.jinja_env.globals.update(current_locale=current_locale, locales=LOCALES)
