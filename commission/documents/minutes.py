"""The minutes (procès-verbal) of a hearing, as PDF/A.

The full minutes name each person; the version for the whole commission is rendered from
:func:`commission.documents.data.redact_minutes` and says so on every page; a landlord's representative
reads an extract (the items about their places), from data the policy narrowed for them.
"""

from __future__ import annotations

from commission.documents.data import MinutesData
from commission.documents.pdf import gettext, hearing_label, render_pdf
from commission.documents.rendered import RenderedDocuments
from commission.i18n import DEFAULT_LOCALE


def render_minutes(data: MinutesData, *, locale: str = DEFAULT_LOCALE, kept: RenderedDocuments | None = None,
                   slot: str = "") -> bytes:
    """The minutes' PDF; with ``kept``, served from there when they were rendered already (see
    :class:`commission.documents.rendered.RenderedDocuments`)."""
    _ = gettext(locale)
    label = hearing_label(data.hearing, locale)
    title = _("Minutes — %(hearing)s — version %(version)s") % {"hearing": label, "version": data.version}
    return render_pdf(
        "minutes.html",
        {"data": data, "hearing_label": label},
        title=title,
        author=data.council.name,
        locale=locale,
        subject=label,
        keywords=(_("minutes"), data.hearing.reference, data.hearing.town),
        created=data.signed_at or data.approved_at,
        kept=kept,
        slot=slot,
    )
