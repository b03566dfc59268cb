"""From a Jinja template and plain data to an archivable PDF: offline, escaped, in the reader's language.

What an HTML-to-PDF engine may load is the weak point of such a pipeline: a path or an internal URL
slipped into the data would be read and printed into a document sent to the whole commission. So the
templates escape everything they are given, and WeasyPrint gets a URL fetcher that serves the
documents' own assets (their stylesheet, the sRGB colour profile) and refuses anything else (other
files, the network, ``data:`` URLs); a refused load stops the document, since only a broken template
can cause one.

The documents are PDF/A-2b, the archival profile (fonts embedded, colours defined, metadata in XMP):
minutes are kept for years. The Jinja environment is this module's own, not Flask's, so that the CLI
renders the same documents as the web.

What does not change from one document to the next is prepared once: the stylesheet is parsed once per
process (a ``CSS`` object, read-only once built, shared by the server's threads) and given to WeasyPrint
with each page rather than linked from it; each thread keeps its Fontconfig configuration, with the
caches WeasyPrint fills in it. A rendered document can be kept (:mod:`commission.documents.rendered`):
under the digest of its very HTML and of the renderer (:func:`document_key`), so that it is served again
only where rendering would give that same document.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint import __version__ as WEASYPRINT_VERSION
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from commission.clock import COUNCIL_ZONE
from commission.documents.data import HearingInfo
from commission.documents.rendered import RenderedDocuments
from commission.i18n import DEFAULT_LOCALE, LOCALES, translations
from commission.resources import templates_dir
from commission.typography import punctuation, typeset_date

PDF_VARIANT = "pdf/a-2b"
# PDF/A needs an output intent: the sRGB profile WeasyPrint ships, declared by a ``@color-profile`` rule
# and so loaded through the fetcher. WeasyPrint's own shortcut (``output_intent="srgb"``) leaves the
# profile's file open (a ResourceWarning on every document); this way goes through a closed response.
SRGB_PROFILE = Path(str(files("weasyprint.pdf") / "sRGB2014.icc"))
OUTPUT_INTENT = "--srgb"


def documents_dir() -> Path:
    """The templates and the stylesheet of the documents (``templates/documents``)."""
    return templates_dir() / "documents"


def supported_locale(locale: str) -> str:
    """The locale itself when the catalogues have it, French otherwise (as :mod:`commission.i18n`)."""
    return locale if locale in LOCALES else DEFAULT_LOCALE


def gettext(locale: str) -> Callable[[str], str]:
    """The translation function for texts the renderers build in Python (titles, metadata)."""
    return translations(supported_locale(locale)).gettext


def hearing_label(hearing: HearingInfo, locale: str) -> str:
    """How every document names its hearing: « Commission du 19 mars 2026 — Ronchin »."""
    _ = gettext(locale)
    day = typeset_date(format_date(hearing.day, "long", locale=supported_locale(locale)), locale)
    if hearing.extraordinary:
        return _("Extraordinary apartment commission of %(date)s — %(town)s") % {"date": day, "town": hearing.town}
    return _("Apartment commission of %(date)s — %(town)s") % {"date": day, "town": hearing.town}


class RefusedResourceError(RuntimeError):
    """A document asked WeasyPrint for something other than its own assets; it is not produced."""


class AssetsOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves the given local files and refuses every other URL, remembering what it refused.

    Subclassing :class:`URLFetcher` is what WeasyPrint asks of a custom fetcher; only ``fetch`` is
    replaced, so no opener, handler or socket is ever used.
    """

    def __init__(self, assets: Iterable[Path]) -> None:
        super().__init__(allow_redirects=False)
        self._assets = frozenset(path.resolve() for path in assets)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        path = _local_path(url)
        if path is None or path not in self._assets:
            self.refused.append(url)
            raise PermissionError(f"documents load only their own assets, not {url[:200]!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def _local_path(url: str) -> Path | None:
    """The resolved path of a plain ``file:`` URL (no host, query or fragment), or None."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
        return None
    return Path(url2pathname(parts.path)).resolve()


def document_assets() -> list[Path]:
    """What a document may load: the stylesheets next to the templates and the sRGB profile, nothing else."""
    return [*sorted(documents_dir().glob("*.css")), SRGB_PROFILE]


@dataclass(frozen=True)
class DocumentMeta:
    """What the template writes into ``<head>``, and WeasyPrint into the PDF's metadata and XMP."""

    title: str
    author: str
    locale: str
    subject: str = ""
    keywords: tuple[str, ...] = ()
    created: date | datetime | None = None

    @property
    def created_w3c(self) -> str:
        """The creation date in the W3C profile of ISO 8601 that WeasyPrint reads (second precision)."""
        if self.created is None:
            return ""
        if isinstance(self.created, datetime):
            return self.created.astimezone(UTC).replace(microsecond=0).isoformat()
        return self.created.isoformat()


def _date_filter(locale: str) -> Callable[..., str]:
    def format_day(value: date | datetime, style: str = "long") -> str:
        """A date in the council's calendar: an instant is first brought to Paris time. ``numeric``
        gives all digits with a four-digit year (01/01/1955, 1/1/1955): Babel's ``short`` would write
        a birth date "1/1/55" in English. In French the first of a month is « 1er »."""
        if isinstance(value, datetime):
            value = value.astimezone(COUNCIL_ZONE).date()
        if style == "numeric":
            return format_skeleton("yMd", value, locale=locale)
        return typeset_date(format_date(value, style, locale=locale), locale)

    return format_day


def _time_filter(locale: str) -> Callable[[time], str]:
    def format_hour(value: time) -> str:
        """« 14 h », « 14 h 30 » in French; "2:30 PM" in English."""
        return typeset_date(format_time(value, "short", locale=locale), locale)

    return format_hour


def _number_filter(locale: str) -> Callable[[float], str]:
    def format_number(value: float) -> str:
        return format_decimal(value, locale=locale)

    return format_number


def _money_filter(locale: str) -> Callable[[int], str]:
    def format_money(cents: int) -> str:
        """Integer cents as euros, the locale's way (350,00 €)."""
        return format_currency(Decimal(cents) / 100, "EUR", locale=locale)

    return format_money


def _punctuation_filters(locale: str) -> dict[str, Callable[..., str]]:
    """``colon`` and ``punct``, as the web's (commission.web.i18n): ``{{ _("Decision")|colon }}``."""

    def punct(text: object, mark: str) -> str:
        return (text if isinstance(text, Markup) else str(text)) + punctuation(mark, locale)

    def colon(text: object) -> str:
        return punct(text, ":")

    return {"colon": colon, "punct": punct}


@cache
def environment(locale: str) -> Environment:
    """One environment per locale: gettext and the formatting filters are bound to it once, so that
    rendering in one language never changes another rendering's language."""
    env = Environment(
        loader=FileSystemLoader(documents_dir()),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(date=_date_filter(locale), time=_time_filter(locale), number=_number_filter(locale),
                       money=_money_filter(locale), **_punctuation_filters(locale))
    return env


# White space beside a table's own tags (between cells, rows, row groups) is never printed, but WeasyPrint
# parses it and builds a box for it, then drops it: a large table's rows and cells are written without it.
# ASCII white space only: a no-break space is text. (Text from the data cannot hold a tag: it is escaped.)
_TABLE_SPACE = re.compile(r"[ \t\n\r\f]*(</?(?:table|caption|colgroup|col|thead|tbody|tfoot|tr|th|td)\b[^>]*>)"
                          r"[ \t\n\r\f]*")


def compact_tables(html: str) -> str:
    """The page without the white space that surrounds its table tags (it prints the same)."""
    return _TABLE_SPACE.sub(r"\1", html)


def render_html(template_name: str, context: Mapping[str, object], *, locale: str = DEFAULT_LOCALE) -> str:
    return compact_tables(environment(supported_locale(locale)).get_template(template_name).render(context))


STYLESHEET = "document.css"
_PER_THREAD = threading.local()


@cache
def document_stylesheet() -> CSS:
    """The documents' stylesheet, parsed once per process (WeasyPrint only reads it afterwards).

    Raises :class:`RefusedResourceError` when it asks for anything but the documents' assets."""
    path = documents_dir() / STYLESHEET
    fetcher = AssetsOnlyFetcher(document_assets())
    stylesheet = CSS(string=path.read_text(encoding="utf-8"), base_url=path.as_uri(), url_fetcher=fetcher)
    if fetcher.refused:
        raise RefusedResourceError(f"the stylesheet asked for refused resources: {fetcher.refused[:5]}")
    return stylesheet


def font_configuration() -> FontConfiguration:
    """This thread's Fontconfig configuration: loading it costs every document a few milliseconds, and
    WeasyPrint keeps caches in it (struts, font features) that serve the next document. Pango's font map
    is not to be used by two threads at once, hence one per thread."""
    config: FontConfiguration | None = getattr(_PER_THREAD, "fonts", None)
    if config is None:
        config = _PER_THREAD.fonts = FontConfiguration()
    return config


def html_to_pdf(html: str, *, fetcher: AssetsOnlyFetcher | None = None) -> bytes:
    """The PDF/A of an HTML page whose relative URLs resolve in ``templates/documents``, styled by the
    documents' stylesheet (:func:`document_stylesheet`).

    Raises :class:`RefusedResourceError` when the page asked for anything but its own assets.
    """
    fetcher = fetcher if fetcher is not None else AssetsOnlyFetcher(document_assets())
    color_profiles: dict[str, object] = {}
    page = HTML(string=html, base_url=documents_dir().as_uri() + "/", url_fetcher=fetcher)
    pdf: bytes = page.write_pdf(stylesheets=[document_stylesheet(), _output_intent(fetcher, color_profiles)],
                                font_config=font_configuration(), color_profiles=color_profiles,
                                output_intent=OUTPUT_INTENT, pdf_variant=PDF_VARIANT)
    if fetcher.refused:
        raise RefusedResourceError(f"the document asked for refused resources: {fetcher.refused[:5]}")
    return pdf


def _output_intent(fetcher: AssetsOnlyFetcher, color_profiles: dict[str, object]) -> CSS:
    """The stylesheet declaring the sRGB profile, which WeasyPrint records into ``color_profiles``. One per
    document: WeasyPrint writes the profile's place in the PDF into the profile's object."""
    rule = f'@color-profile {OUTPUT_INTENT} {{ src: url("{SRGB_PROFILE.as_uri()}"); components: r, g, b }}'
    return CSS(string=rule, url_fetcher=fetcher, color_profiles=color_profiles)


@cache
def renderer_fingerprint() -> bytes:
    """What makes a document besides its HTML: the stylesheet and the profile it loads, the engine and the
    PDF profile. Part of every kept document's key, so that a new stylesheet or WeasyPrint renders anew (the
    system's fonts are not: a new release of DejaVu reaches kept documents as they change)."""
    digest = hashlib.sha256(f"weasyprint {WEASYPRINT_VERSION}; {PDF_VARIANT}; {OUTPUT_INTENT}".encode())
    for path in document_assets():
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.digest()


def document_key(html: str) -> str:
    """The key a document is kept under: the SHA-256 of the renderer and of the document's HTML."""
    return hashlib.sha256(renderer_fingerprint() + html.encode()).hexdigest()


def render_pdf(
    template_name: str,
    context: Mapping[str, object],
    *,
    title: str,
    author: str,
    locale: str = DEFAULT_LOCALE,
    subject: str = "",
    keywords: Sequence[str] = (),
    created: date | datetime | None = None,
    kept: RenderedDocuments | None = None,
    slot: str = "",
) -> bytes:
    """Render a template of ``templates/documents`` to PDF/A bytes.

    The template receives ``context`` and ``meta`` (a :class:`DocumentMeta`): title, author (the
    council), subject, keywords, creation date and language, which end up in the PDF's metadata. With
    ``kept`` (and the ``slot`` the document is filed under), a document already rendered from the same
    HTML is served from there, and a new one is kept there.
    """
    locale = supported_locale(locale)
    meta = DocumentMeta(title=title, author=author, locale=locale, subject=subject, keywords=tuple(keywords),
                        created=created)
    html = render_html(template_name, {**context, "meta": meta}, locale=locale)
    if kept is None:
        return html_to_pdf(html)
    key = document_key(html)
    pdf = kept.get(slot, key)
    if pdf is None:
        pdf = html_to_pdf(html)
        kept.put(slot, key, pdf)
    return pdf
