"""The printed guide of the territory's structures (« Guide des structures du territoire »), as an A4 PDF/A, and
the directory's spreadsheets for the partners (CSV and XLSX).

Plain data in (:mod:`commission.documents.dir_data`), with the kinds' and needs' names already translated by the
caller: a chapter per need, a section per town, each structure with its address, telephone, e-mail, website,
hours, what it offers and to whom. The structures' public details only: no person is named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from commission.documents.dir_data import Guide, GuideEntry
from commission.documents.exports import Column, Table, to_csv, to_xlsx
from commission.documents.pdf import gettext as document_gettext
from commission.documents.pdf import render_pdf, supported_locale
from commission.i18n import DEFAULT_LOCALE
from commission.models.directory import Need, StructureKind

Gettext = Callable[[str], str]


def guide_title(gettext: Gettext) -> str:
    return gettext("Guide to the structures of the territory")


def render_guide(guide: Guide, *, kind_labels: Mapping[StructureKind, str], need_labels: Mapping[Need, str],
                 locale: str = DEFAULT_LOCALE) -> bytes:
    """The guide as a PDF/A; ``kind_labels`` and ``need_labels`` in the reader's language."""
    _ = document_gettext(locale)
    locale = supported_locale(locale)
    title = guide_title(_)
    scope = [part for part in (need_labels[guide.need] if guide.need else "", guide.town) if part]
    return render_pdf(
        "guide.html",
        {"guide": guide, "title": title, "scope": " — ".join(scope), "kind_labels": dict(kind_labels),
         "need_labels": dict(need_labels)},
        title=title,
        author=guide.council,
        locale=locale,
        subject=title,
        keywords=(_("directory"), _("guide"), *scope),
        created=guide.issued_on,
    )


def directory_table(entries: Sequence[GuideEntry], gettext: Gettext, *, kind_labels: Mapping[StructureKind, str],
                    need_labels: Mapping[Need, str]) -> Table:
    """The directory as one sheet: a structure per row, its public details only."""
    _ = gettext
    columns = (
        Column(_("Name"), "text", 36), Column(_("Need"), "text", 20), Column(_("Kind"), "text", 28),
        Column(_("Town"), "text", 18), Column(_("Address"), "text", 40), Column(_("Telephone"), "text", 16),
        Column(_("E-mail"), "text", 30), Column(_("Website"), "text", 30), Column(_("Opening hours"), "text", 40),
        Column(_("What it offers"), "text", 60), Column(_("For whom"), "text", 50), Column(_("Status"), "text", 10),
    )
    outside = _("Outside the member towns")
    body = [
        (entry.name, str(need_labels[entry.need]), str(kind_labels[entry.kind]), entry.town or outside,
         entry.address, entry.phone, entry.email, entry.website, entry.opening_hours, entry.offer, entry.audience,
         _("In activity") if entry.active else _("Closed down"))
        for entry in entries
    ]
    return Table(_("Directory"), columns, body)


def directory_export(entries: Sequence[GuideEntry], fmt: str, gettext: Gettext, *,
                     kind_labels: Mapping[StructureKind, str], need_labels: Mapping[Need, str],
                     author: str = "") -> bytes:
    """The directory as CSV or XLSX (text cells never read as formulas: see :mod:`commission.documents.exports`)."""
    table = directory_table(entries, gettext, kind_labels=kind_labels, need_labels=need_labels)
    if fmt == "csv":
        return to_csv(table)
    if fmt == "xlsx":
        return to_xlsx([table], title=guide_title(gettext), author=author)
    raise ValueError(f"unknown spreadsheet format {fmt!r}")
