"""The letters written when a file takes a step that concerns someone outside the office.

The step's service calls :func:`after_case_step` (or :func:`write_letters` for a review or an exit) in its own
transaction: the letters are written with the step, or not at all. Each recipient gets a row of the register of
outgoing mail (:class:`OutgoingLetter`) holding the letter as it is sent: the text rendered from the version of
the template in force, the council's letterhead, the signatory. Later changes to either leave it as it was.

Who receives what: the person, on paper; a copy to their guardian, on paper, and to their care team, by e-mail at
its professional address (on paper when it has none); the landlord of the place, for an allocation, a move-in and
an exit on it, its own letter (never a health detail), by e-mail when it has an address, else on paper.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import postal
from commission.documents.correspondence import place_date_line
from commission.i18n import DEFAULT_LOCALE, translations
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import Place
from commission.models.letters import (
    Audience,
    Channel,
    CouncilProfile,
    LetterKind,
    LetterStatus,
    OutgoingLetter,
    Recipient,
)
from commission.models.reference import Organisation
from commission.models.tenancy import SigningDelegation
from commission.services import audit
from commission.services.letters import texts
from commission.services.letters.facts import values_for
from commission.services.letters.profile import contact, known_towns, letterhead
from commission.services.letters.profile import current as current_profile

# The steps of the case machine that tell the person something, and the letter each writes.
STEP_LETTERS: dict[str, LetterKind] = {
    "allocate": LetterKind.OFFER,
    "offer_next": LetterKind.OFFER,
    "place_on_waiting_list": LetterKind.WAITING_LIST,
    "defer": LetterKind.DEFERRAL,
    "refuse": LetterKind.REFUSAL,
    "expire_offer": LetterKind.OFFER_EXPIRED,
    "confirm_housed": LetterKind.WELCOME,
}
# The steps that allocate a place: the three-party commitment is drafted with them.
ALLOCATING = frozenset(trigger for trigger, kind in STEP_LETTERS.items() if kind is LetterKind.OFFER)
# The letters the landlord of the place gets too.
LANDLORD_LETTERS = frozenset({LetterKind.OFFER, LetterKind.WELCOME, LetterKind.EXIT})


@dataclass(frozen=True)
class Addressee:
    recipient: Recipient
    name: str
    address: tuple[str, ...]  # La Poste's lines, the name first; () when no usable postal address
    email: str
    channel: Channel


def after_case_step(session: Session, actor: User | None, case: Case, trigger: str, today: date,
                    extra: Mapping[str, Any]) -> list[OutgoingLetter]:
    """The letters a step writes, if it writes any (a ranked candidate's waiting list is a letter of its own)."""
    kind = STEP_LETTERS.get(trigger)
    if kind is LetterKind.WAITING_LIST and extra.get("rank"):
        kind = LetterKind.RANKED
    if kind is None:
        return []
    return write_letters(session, actor, case, kind, today=today, extra=extra)


def write_letters(session: Session, actor: User | None, case: Case, kind: LetterKind, *, today: date,
                  extra: Mapping[str, Any], to_person: bool = True, locale: str = DEFAULT_LOCALE
                  ) -> list[OutgoingLetter]:
    """The person's letter and its copies (none with ``to_person`` False), and the landlord's when the step
    concerns its place, in the caller's transaction."""
    profile = current_profile(session)
    towns = known_towns(session)
    frame = _frame(session, profile, today, locale)
    written: list[OutgoingLetter] = []
    if to_person:
        person, copies = _person_addressees(case, towns)
        values = values_for(session, case, kind, Audience.PERSON, today, extra, locale=locale)
        text = texts.render(session, kind, Audience.PERSON, values, locale)
        gettext = translations(locale).gettext
        copy_names = [copy.name if copy.recipient is Recipient.GUARDIAN else gettext("the team that accompanies you")
                      for copy in copies]
        written.append(_letter(session, actor, case, kind, person, frame, text, today, copies=copy_names))
        for copy in copies:
            written.append(_letter(session, actor, case, kind, copy, frame, text, today, copies=copy_names,
                                   copy_of=person.name, shown_to=person.address or (person.name,)))
    place: Place | None = extra.get("place") or case.allocated_place
    if kind in LANDLORD_LETTERS and place is not None:
        landlord = _landlord_addressee(session, place, towns)
        landlord_values = values_for(session, case, kind, Audience.LANDLORD, today, extra, locale=locale)
        landlord_text = texts.render(session, kind, Audience.LANDLORD, landlord_values, locale)
        written.append(_letter(session, actor, case, kind, landlord, frame, landlord_text, today, copies=[]))
    session.flush()
    audit.record(session, actor, "case.letters_written", "case", case.id, {
        "kind": kind.value, "letters": [letter.reference for letter in written],
        "recipients": [letter.recipient.value for letter in written],
    })
    return written


# ---------------------------------------------------------------- the addressees


def _postal(name: str, lines: Sequence[str], address: str, known_towns: Mapping[str, str]) -> tuple[str, ...]:
    """La Poste's lines (``lines`` after the name: a service's name), or () when it cannot be posted."""
    result = postal.address_lines(name, address, known_towns=known_towns, extra_lines=tuple(lines))
    return tuple(result.lines) if result.complete else ()


def _person_addressees(case: Case, known_towns: Mapping[str, str]) -> tuple[Addressee, list[Addressee]]:
    applicant = case.applicant
    lines = _postal(applicant.full_name, (), applicant.address, known_towns)
    person = Addressee(Recipient.PERSON, applicant.full_name, lines, applicant.email, Channel.POST)
    copies: list[Addressee] = []
    guardian = applicant.guardian
    if guardian is not None and guardian.anonymised_at is None:
        service = guardian.organisation
        address = guardian.address or (service.address if service else "")
        copies.append(Addressee(Recipient.GUARDIAN, guardian.full_name,
                                _postal(guardian.full_name, (service.name,) if service else (), address, known_towns),
                                guardian.email, Channel.POST))
    team = case.care_team
    if team.email:
        copies.append(Addressee(Recipient.CARE_TEAM, team.name, (), team.email, Channel.EMAIL))
    else:
        copies.append(Addressee(Recipient.CARE_TEAM, team.name,
                                _postal(team.name, (), team.organisation.address, known_towns), "", Channel.POST))
    return person, copies


def _landlord_addressee(session: Session, place: Place, known_towns: Mapping[str, str]) -> Addressee:
    landlord = session.get(Organisation, place.organisation_id)
    assert landlord is not None
    if landlord.email:
        return Addressee(Recipient.LANDLORD, landlord.name, (), landlord.email, Channel.EMAIL)
    return Addressee(Recipient.LANDLORD, landlord.name, _postal(landlord.name, (), landlord.address, known_towns),
                     "", Channel.POST)


# ---------------------------------------------------------------- the letter


def signatory(session: Session, profile: CouncilProfile, locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    """Who signs the council's letters: the holder of its signing delegation, « Pour le président et par
    délégation, »; without one, its president."""
    from commission.services.hearings import capacity

    holder = session.execute(
        select(User).join(SigningDelegation, SigningDelegation.user_id == User.id)
        .where(SigningDelegation.revoked_at.is_(None)).options(joinedload(User.town), joinedload(User.organisation))
    ).scalars().first()
    gettext = translations(locale).gettext
    if holder is not None:
        return {"preamble": gettext("For the president and by delegation,"), "name": holder.display_name,
                "capacity": capacity(holder)}
    return {"preamble": "", "name": profile.president_name,
            "capacity": profile.president_capacity or gettext("The president of the council")}


def _frame(session: Session, profile: CouncilProfile, today: date, locale: str) -> dict[str, Any]:
    """What every letter of this batch carries besides its text: the letterhead, the contact, the date line, the
    signature."""
    from commission.services.hearing_documents import council

    return {
        "letterhead": letterhead(profile, council().name), "contact": contact(profile),
        "place_date": place_date_line(profile.town, today, locale), "signature": signatory(session, profile, locale),
    }


def reference_of(letter_id: int, letter_date: date) -> str:
    """N/Réf. of a letter: CA-<year>-<its number in the register>. The number is the row's: two letters written
    at once never get the same."""
    return f"CA-{letter_date:%Y}-{letter_id:06d}"


def _letter(session: Session, actor: User | None, case: Case, kind: LetterKind, to: Addressee,
            frame: Mapping[str, Any], text: texts.RenderedText, today: date, *, copies: Sequence[str],
            copy_of: str = "", shown_to: Sequence[str] = ()) -> OutgoingLetter:
    """One recipient's letter. A copy e-mailed shows the original's addressee (``shown_to``) in its address block:
    the e-mail goes to the team's own address, and the letter names no care team."""
    if to.channel is Channel.EMAIL:
        status = LetterStatus.TO_SEND
    else:
        status = LetterStatus.TO_POST if to.address else LetterStatus.NO_ADDRESS
    letter = OutgoingLetter(
        reference=f"pending-{uuid.uuid4().hex}", case_id=case.id, kind=kind, recipient=to.recipient,
        recipient_name=to.name, address="\n".join(to.address),
        email=to.email if to.channel is Channel.EMAIL else "", channel=to.channel, status=status,
        template_id=text.template_id, letter_date=today, created_by_id=actor.id if actor else None,
        content={},
    )
    session.add(letter)
    session.flush()
    letter.reference = reference_of(letter.id, today)
    letter.content = {
        **frame, "reference": letter.reference, "file_reference": case.reference,
        "recipient": list(to.address) or list(shown_to if to.channel is Channel.EMAIL and shown_to else [to.name]),
        "subject": text.subject, "paragraphs": list(text.paragraphs),
        "copies": list(copies), "copy_of": copy_of, "template_version": text.version,
    }
    return letter
