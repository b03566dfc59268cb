"""The agenda (ordre du jour) of a hearing, as PDF/A: the files in order with their time slots.

The data holds only what the policy gives its reader (built by ``services.hearing_documents.agenda_data``):
initials for those without a seat, a landlord's own vacant places only.
"""

from __future__ import annotations

from commission.documents.data import AgendaData
from commission.documents.pdf import gettext, hearing_label, render_pdf
from commission.documents.rendered import RenderedDocuments
from commission.i18n import DEFAULT_LOCALE


def render_agenda(data: AgendaData, locale: str = DEFAULT_LOCALE, *, kept: RenderedDocuments | None = None,
                  slot: str = "") -> bytes:
    """The agenda's PDF; with ``kept``, served from there when it was rendered already (see
    :class:`commission.documents.rendered.RenderedDocuments`)."""
    _ = gettext(locale)
    label = hearing_label(data.hearing, locale)
    return render_pdf(
        "agenda.html",
        {"data": data, "hearing_label": label},
        title=_("Agenda — %(hearing)s") % {"hearing": label},
        author=data.council.name,
        locale=locale,
        subject=label,
        keywords=(_("agenda"), data.hearing.reference, data.hearing.town),
        kept=kept,
        slot=slot,
    )
