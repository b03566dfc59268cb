"""The named fields a letter's text may use, filled in from a file: every value a finished string, formatted the
way the letter's language writes it (« 1er décembre 2026 », « 407,91 € »), or "" when the file does not say.

The fields offered to each letter are listed with the texts (:data:`commission.services.letters.texts.FIELDS`);
this module gives their values, from the file as it stands and from what the step that writes the letter knows
(``extra``: the hearing's day, the place, the rank, the reason, the exit's date...). Nothing here reads the
medical part or the follow-up: a letter holds no health detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.i18n import DEFAULT_LOCALE, translations
from commission.labels import PLACE_KIND_LABELS, REVIEW_OUTCOME_LABELS
from commission.models.cases import Case
from commission.models.followup import ReviewOutcome
from commission.models.hearings import AgendaItem, Hearing
from commission.models.housing import Place
from commission.models.letters import Audience, CouncilProfile, LetterKind
from commission.services.letters.profile import current as current_profile
from commission.typography import typeset_date


def day_text(value: date | None, locale: str = DEFAULT_LOCALE) -> str:
    """A date written out, as a letter gives it: « 1er décembre 2026 »; "" for none."""
    return typeset_date(format_date(value, "long", locale=locale), locale) if value is not None else ""


def money_text(cents: int | None, locale: str = DEFAULT_LOCALE) -> str:
    """Cents as euros, the letter's language's way: « 407,91 € »; "" for none."""
    return format_currency(Decimal(cents) / 100, "EUR", locale=locale) if cents is not None else ""


def ordinal_text(rank: int | None, locale: str = DEFAULT_LOCALE) -> str:
    """« 2e » in French, "2nd" in English; "" for none."""
    if rank is None:
        return ""
    if locale.startswith("fr"):
        return "1er" if rank == 1 else f"{rank}e"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def place_address(place: Place) -> str:
    """The place's address on one line, with its postcode and town: « 12 rue des Lilas, 59790 Ronchin »."""
    town = place.town
    return f"{place.address}, {town.postcode} {town.name}".strip(", ") if town else place.address


def last_hearing_day(session: Session, case: Case) -> date | None:
    """The day of the last hearing the file was on the agenda of, if any."""
    return session.execute(
        select(Hearing.day).join(AgendaItem, AgendaItem.hearing_id == Hearing.id)
        .where(AgendaItem.case_id == case.id).order_by(Hearing.day.desc()).limit(1)
    ).scalar_one_or_none()


def _common(case: Case, profile: CouncilProfile, council_name: str, hearing_day: date | None,
            locale: str) -> dict[str, str]:
    applicant = case.applicant
    return {
        "person_name": applicant.full_name, "file_reference": case.reference,
        "hearing_date": day_text(hearing_day, locale), "council_name": council_name,
        "contact_phone": profile.phone, "contact_email": profile.email,
    }


def _place_fields(place: Place | None, locale: str) -> dict[str, str]:
    gettext = translations(locale).gettext
    if place is None:
        return dict.fromkeys(("place_kind", "place_address", "place_town", "place_reference", "landlord", "rooms",
                              "rent", "charges", "deposit"), "")
    return {
        "place_kind": gettext(PLACE_KIND_LABELS[place.kind]).lower(), "place_address": place_address(place),
        "place_town": place.town.name if place.town else "", "place_reference": place.reference,
        "landlord": place.organisation.name if place.organisation else "", "rooms": str(place.rooms),
        "rent": money_text(place.rent_cents, locale), "charges": money_text(place.charges_cents, locale),
        "deposit": money_text(place.deposit_cents, locale),
    }


def values_for(session: Session, case: Case, kind: LetterKind, audience: Audience, today: date,
               extra: Mapping[str, Any], *, locale: str = DEFAULT_LOCALE, council_name: str = "") -> dict[str, str]:
    """Every field a letter of this kind to this audience may use, filled in. ``extra`` holds what the step that
    writes the letter knows (keys: ``hearing_day``, ``place``, ``rank``, ``reason``, ``next_hearing``,
    ``review_outcome``, ``next_review``, ``exit_date``, ``awaited``); what it does not give is read from the file
    as it stands (a preview on a real file gives no ``extra``)."""
    from commission.services.hearing_documents import council

    profile = current_profile(session)
    gettext = translations(locale).gettext
    hearing_day = extra.get("hearing_day") or last_hearing_day(session, case)
    place: Place | None = extra.get("place") or case.allocated_place
    values = _common(case, profile, council_name or council().name, hearing_day, locale)
    values.update(_place_fields(place, locale))
    outcome: ReviewOutcome | None = extra.get("review_outcome")
    examination_days = profile.new_examination_days
    values.update({
        "reply_by": day_text(extra.get("reply_by") or case.offer_deadline, locale),
        "rank": ordinal_text(extra.get("rank"), locale),
        "reason": str(extra.get("reason") or case.decision_reason).strip(),
        "awaited": str(extra.get("awaited") or case.awaited_items).strip(),
        "next_hearing": day_text(extra.get("next_hearing") or case.scheduled_for, locale),
        "new_examination_days": str(examination_days),
        "new_examination_by": day_text(today + timedelta(days=examination_days), locale),
        "move_in_date": day_text(extra.get("move_in_date") or case.move_in_date, locale),
        "lease_start": day_text(extra.get("lease_start") or case.lease_start, locale),
        "review_outcome": gettext(REVIEW_OUTCOME_LABELS[outcome]) if outcome is not None else "",
        "next_review": day_text(extra.get("next_review") or case.review_due, locale),
        "exit_date": day_text(extra.get("exit_date"), locale),
    })
    from commission.services.letters.texts import FIELDS

    offered = {spec.name for spec in FIELDS[(kind, audience)]}
    return {name: value for name, value in values.items() if name in offered}
