"""The letters between an allocation and the keys: the offer of the place, and the council's
commitment to pay the landlord the deposit (signed by the holder of the signing delegation)."""

from __future__ import annotations

from commission.documents.data import CommitmentLetter, OfferLetter
from commission.documents.pdf import gettext, render_pdf
from commission.i18n import DEFAULT_LOCALE


def render_offer(letter: OfferLetter, locale: str = DEFAULT_LOCALE) -> bytes:
    _ = gettext(locale)
    return render_pdf("offer.html", {"letter": letter},
                      title=_("Offer of a place — %(name)s") % {"name": letter.person_name},
                      author=letter.council.name, locale=locale, subject=letter.place.reference,
                      keywords=(_("offer of a place"), letter.place.reference), created=letter.letter_date)


def render_commitment(letter: CommitmentLetter, locale: str = DEFAULT_LOCALE) -> bytes:
    _ = gettext(locale)
    return render_pdf("commitment.html", {"letter": letter},
                      title=_("Deposit commitment — %(place)s") % {"place": letter.place.reference},
                      author=letter.council.name, locale=locale, subject=letter.reference,
                      keywords=(_("deposit commitment"), letter.place.reference), created=letter.letter_date)
