"""The letters a council signs, as PDF/A: one or many, each on its own pages, laid out as a French administrative
letter (letterhead, references, the address placed for a window envelope, place and date, subject, text,
signature, copies), from the content kept with each letter (:class:`~commission.documents.data.LetterPage`).

The council's logo is the one thing such a letter loads that is not one of the documents' assets: it is
embedded as a ``data:`` URI, which :mod:`commission.documents.pdf` refuses by design. Only this exact URI, built
here from the logo the coordinator uploaded (a PNG or a JPEG checked by its content when it was saved, and its
type checked again here), is served to WeasyPrint; any other URL is still refused.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from babel.dates import format_date
from weasyprint.urls import URLFetcherResponse

from commission.documents.data import LetterPage
from commission.documents.pdf import (
    AssetsOnlyFetcher,
    DocumentMeta,
    document_assets,
    gettext,
    html_to_pdf,
    render_html,
    supported_locale,
)
from commission.i18n import DEFAULT_LOCALE
from commission.typography import typeset_date

TEMPLATE = "correspondence.html"
LOGO_TYPES = frozenset({"image/png", "image/jpeg"})


def place_date_line(town: str, day: date, locale: str = DEFAULT_LOCALE) -> str:
    """« Mons-en-Barœul, le 1er décembre 2026 »: the place and date line (the date alone without a town)."""
    locale = supported_locale(locale)
    when = typeset_date(format_date(day, "long", locale=locale), locale)
    return gettext(locale)("%(town)s, %(date)s") % {"town": town, "date": when} if town.strip() else when


def logo_uri(logo: bytes | None, logo_type: str) -> str:
    """The logo as a ``data:`` URI, or ``""`` without a logo (or with a type other than PNG or JPEG)."""
    if not logo or logo_type not in LOGO_TYPES:
        return ""
    return f"data:{logo_type};base64,{base64.b64encode(logo).decode('ascii')}"


class LetterFetcher(AssetsOnlyFetcher):
    """The documents' assets, and the council's logo under the one URI built for it; nothing else."""

    def __init__(self, logo: bytes | None, logo_type: str) -> None:
        super().__init__(document_assets())
        self._logo = (logo_uri(logo, logo_type), logo or b"", logo_type)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        uri, data, content_type = self._logo
        if uri and url == uri:
            return URLFetcherResponse("about:logo", body=data, headers={"Content-Type": content_type})
        return super().fetch(url, headers)


def render_council_document(
    template_name: str, context: Mapping[str, object], *, logo: bytes | None, logo_type: str, title: str,
    author: str, locale: str = DEFAULT_LOCALE, subject: str = "", keywords: Sequence[str] = (),
    created: date | datetime | None = None,
) -> bytes:
    """As :func:`commission.documents.pdf.render_pdf`, the template receiving ``logo`` (its data URI, or "")."""
    locale = supported_locale(locale)
    meta = DocumentMeta(title=title, author=author, locale=locale, subject=subject, keywords=tuple(keywords),
                        created=created)
    html = render_html(template_name, {**context, "meta": meta, "logo": logo_uri(logo, logo_type)}, locale=locale)
    return html_to_pdf(html, fetcher=LetterFetcher(logo, logo_type))


def render_letters(pages: Sequence[LetterPage], *, logo: bytes | None = None, logo_type: str = "",
                   locale: str = DEFAULT_LOCALE, title: str = "") -> bytes:
    """Every letter in one PDF, each starting on a new page. Raises ValueError when there is none."""
    if not pages:
        raise ValueError("render_letters needs at least one letter")
    _ = gettext(locale)
    first = pages[0]
    if not title:
        title = (f"{first.reference} — {first.subject}" if len(pages) == 1
                 else _("Letters to post (%(count)s)") % {"count": len(pages)})
    return render_council_document(
        TEMPLATE, {"pages": pages}, logo=logo, logo_type=logo_type, title=title, author=first.council,
        locale=locale, subject=first.subject if len(pages) == 1 else title,
        keywords=tuple(page.reference for page in pages[:20]),
    )


__all__ = ["LetterFetcher", "logo_uri", "place_date_line", "render_council_document", "render_letters"]
