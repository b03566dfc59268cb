"""The three-party commitment to a care and reintegration project, as PDF/A: to print and sign by the person,
their care team and the council (for its president, by delegation)."""

from __future__ import annotations

from commission.documents.data import CareCommitmentSheet
from commission.documents.pdf import gettext, render_pdf
from commission.i18n import DEFAULT_LOCALE


def render_care_commitment(sheet: CareCommitmentSheet, locale: str = DEFAULT_LOCALE) -> bytes:
    _ = gettext(locale)
    return render_pdf("care_commitment.html", {"sheet": sheet},
                      title=_("Care and reintegration project — %(name)s") % {"name": sheet.person_name},
                      author=sheet.council.name, locale=locale, subject=sheet.reference,
                      keywords=(_("care and reintegration project"), sheet.case_reference),
                      created=sheet.allocated_on)
