"""The letters between an allocation and the keys: the offer of the place, and the council's
commitment to pay the landlord the deposit (signed by the holder of the signing delegation). Both are letters a
council signs: the letterhead, references, address and signature of :mod:`commission.documents.correspondence`."""

from __future__ import annotations

from commission.documents.correspondence import render_council_document
from commission.documents.data import CommitmentLetter, OfferLetter
from commission.documents.pdf import gettext
from commission.i18n import DEFAULT_LOCALE


def render_offer(letter: OfferLetter, locale: str = DEFAULT_LOCALE) -> bytes:
    _ = gettext(locale)
    return render_council_document(
        "offer.html", {"letter": letter}, logo=letter.logo, logo_type=letter.logo_type,
        title=_("Offer of a place — %(name)s") % {"name": letter.person_name}, author=letter.council.name,
        locale=locale, subject=letter.place.reference, keywords=(_("offer of a place"), letter.place.reference),
        created=letter.letter_date)


def render_commitment(letter: CommitmentLetter, locale: str = DEFAULT_LOCALE) -> bytes:
    _ = gettext(locale)
    return render_council_document(
        "commitment.html", {"letter": letter}, logo=letter.logo, logo_type=letter.logo_type,
        title=_("Deposit commitment — %(place)s") % {"place": letter.place.reference}, author=letter.council.name,
        locale=locale, subject=letter.reference, keywords=(_("deposit commitment"), letter.place.reference),
        created=letter.letter_date)
