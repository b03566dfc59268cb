"""The fund's statement for a year (bilan de l'année), as an A4 PDF/A for the council's records."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from babel.numbers import format_currency

from commission.documents.pdf import gettext, render_pdf, supported_locale
from commission.i18n import DEFAULT_LOCALE

if TYPE_CHECKING:
    from commission.documents.fund_data import StatementDocument


def render_statement(data: StatementDocument, *, locale: str = DEFAULT_LOCALE) -> bytes:
    _ = gettext(locale)
    locale = supported_locale(locale)
    title = _("Statement of the fund — %(year)s") % {"year": data.statement.year}

    def money(cents: int) -> str:
        return format_currency(Decimal(cents) / 100, "EUR", locale=locale)

    return render_pdf(
        "statement.html",
        {"data": data, "money": money, "title": title},
        title=title,
        author=data.council,
        locale=locale,
        subject=title,
        keywords=(_("statement"), _("treasury"), str(data.statement.year)),
        created=data.issued_on,
    )
