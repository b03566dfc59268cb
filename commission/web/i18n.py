"""Language: French by default, English on request; dates, numbers and euros per locale."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, request, session
from flask_babel import Babel, format_currency, format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _gettext

from commission.i18n import DEFAULT_LOCALE, LOCALES, Message
from commission.resources import translations_dir


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


def locale_date(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, style)
    return format_date(value, style)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories=str(translations_dir()))
    app.jinja_env.filters.update(
        money=money,
        date=locale_date,
        number=format_decimal,
        message=render_message,
    )
    app.jinja_env.globals.update(current_locale=lambda: str(get_locale() or DEFAULT_LOCALE), locales=LOCALES)
