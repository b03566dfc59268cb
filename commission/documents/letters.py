"""Convocations to a hearing, as PDF/A: to the person, their guardian, their care team.

The letters of a hearing come as one PDF, one letter per page, to print and post in one go.
"""

from __future__ import annotations

from collections.abc import Sequence

from commission.documents.data import Letter
from commission.documents.pdf import gettext, hearing_label, render_pdf
from commission.i18n import DEFAULT_LOCALE


def render_letters(letters: Sequence[Letter], locale: str = DEFAULT_LOCALE) -> bytes:
    """All the letters in one PDF, each on its own page(s). Raises ValueError when there is none."""
    if not letters:
        raise ValueError("render_letters needs at least one letter")
    _ = gettext(locale)
    first = letters[0]
    label = hearing_label(first.hearing, locale)
    title = (_("Notice to attend — %(hearing)s — %(name)s") % {"hearing": label, "name": first.recipient_name}
             if len(letters) == 1 else _("Notices to attend — %(hearing)s") % {"hearing": label})
    return render_pdf(
        "letters.html",
        {"letters": letters},
        title=title,
        author=first.council.name,
        locale=locale,
        subject=label,
        keywords=(_("notice to attend"), first.hearing.reference),
        created=max(letter.letter_date for letter in letters),
    )


def render_letter(letter: Letter, locale: str = DEFAULT_LOCALE) -> bytes:
    return render_letters([letter], locale)
