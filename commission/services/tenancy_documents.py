"""The data of the letters between an allocation and the keys: the offer, the deposit commitment; each
holding the fields the policy gives its reader (``policy.Document.OFFER``, ``policy.Document.COMMITMENT``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy, postal
from commission.documents.correspondence import place_date_line
from commission.documents.data import CommitmentLetter, LetterPage, OfferLetter, PlaceInfo
from commission.errors import Forbidden, NotFound, TransitionRefused
from commission.i18n import DEFAULT_LOCALE, msg, translations
from commission.models.accounts import User
from commission.models.cases import CaseTransition
from commission.models.housing import Place
from commission.models.letters import CouncilProfile, LetterKind, OutgoingLetter, Recipient
from commission.models.tenancy import SigningDelegation
from commission.models.treasury import Deposit, DepositTransition
from commission.policy import Document, Field
from commission.services import cases, treasury
from commission.services.hearing_documents import COUNCIL_ZONE, PLACE_KIND_WORDS, council
from commission.services.hearings import capacity, initials
from commission.services.letters import profile as letters_profile
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag


def place_info(place: Place, locale: str = DEFAULT_LOCALE) -> PlaceInfo:
    return PlaceInfo(
        reference=place.reference, kind_label=translations(locale).gettext(PLACE_KIND_WORDS[place.kind.value]),
        address=place.address, town=place.town.name, landlord=place.organisation.name, rooms=place.rooms,
        surface_m2=place.surface_m2, floor=place.floor, rent_cents=place.rent_cents,
        charges_cents=place.charges_cents, deposit_cents=place.deposit_cents,
    )


def _name(first_name: str, last_name: str, fields: frozenset[Field]) -> str:
    """The person's name for a reader who reads who they are; their initials for the others."""
    return f"{first_name} {last_name}" if Field.IDENTITY in fields else initials(first_name, last_name)


def offer_letter(session: Session, actor: User, case_id: int, locale: str = DEFAULT_LOCALE) -> OfferLetter:
    """The offer of the place allocated to a file (its care team and the coordinator may print it)."""
    case = cases.get_case(session, actor, case_id)
    fields = policy.document_fields(actor, Document.OFFER)
    if not fields:
        raise Forbidden()
    if not CASE_MACHINE.means(case.state, Tag.OFFER_PENDING) or case.allocated_place is None \
            or case.offer_deadline is None:
        raise TransitionRefused(msg("There is no offer waiting for an answer on this file."))
    place = session.execute(select(Place).options(joinedload(Place.town), joinedload(Place.organisation))
                            .where(Place.id == case.allocated_place.id)).scalar_one()
    offered = session.execute(
        select(CaseTransition).where(CaseTransition.case_id == case.id,
                                     CaseTransition.trigger.in_(["allocate", "offer_next"]))
        .order_by(CaseTransition.id.desc()).limit(1)
    ).scalar_one_or_none()
    offered_on = offered.at.astimezone(COUNCIL_ZONE).date() if offered else clock.today()
    from commission.models.hearings import AgendaItem, Hearing

    hearing_day = session.execute(
        select(Hearing.day).join(AgendaItem, AgendaItem.hearing_id == Hearing.id)
        .where(AgendaItem.case_id == case.id, AgendaItem.place_id == place.id).order_by(Hearing.day.desc()).limit(1)
    ).scalar_one_or_none()
    applicant = case.applicant
    name = _name(applicant.first_name, applicant.last_name, fields)
    if not policy.shows_place(actor, fields, place.organisation_id):
        raise Forbidden()
    gettext = translations(locale).gettext
    profile = letters_profile.current(session)
    address = applicant.address if Field.POSTAL_ADDRESS in fields else ""
    copies = [case.care_team.name] if Field.CARE_TEAM in fields else []
    if Field.GUARDIAN in fields and applicant.guardian is not None:
        copies.append(applicant.guardian.full_name)
    registered = session.execute(
        select(OutgoingLetter.reference).where(OutgoingLetter.case_id == case.id,
                                               OutgoingLetter.kind == LetterKind.OFFER,
                                               OutgoingLetter.recipient == Recipient.PERSON)
        .order_by(OutgoingLetter.id.desc()).limit(1)
    ).scalar_one_or_none()
    from commission.services.letters.writing import signatory

    page = _page(session, profile, recipient=name, address=address, locale=locale, day=offered_on,
                 reference=registered or f"PROP-{offered_on:%Y}-{case.id:05d}", file_reference=case.reference,
                 subject=gettext("Offer of the place %(place)s") % {"place": place.reference},
                 signature=signatory(session, profile, locale), copies=copies)
    return OfferLetter(
        council=council(), page=page, person_name=name, place=place_info(place, locale), hearing_day=hearing_day,
        reply_by=case.offer_deadline, letter_date=offered_on, logo=profile.logo, logo_type=profile.logo_type,
    )


def _page(session: Session, profile: CouncilProfile, *, recipient: str, address: str, locale: str, day: date,
          reference: str, file_reference: str, subject: str, signature: dict[str, str],
          copies: list[str]) -> LetterPage:
    """The frame of a tenancy letter: what every letter a council signs carries (its text is the template's)."""
    lines = postal.address_lines(recipient, address, known_towns=letters_profile.known_towns(session)).lines
    return LetterPage.from_content({
        "letterhead": letters_profile.letterhead(profile, council().name), "reference": reference,
        "file_reference": file_reference, "contact": letters_profile.contact(profile),
        "recipient": list(lines) or [recipient], "place_date": place_date_line(profile.town, day, locale),
        "subject": subject, "paragraphs": [], "signature": signature, "copies": copies, "copy_of": "",
    })


def may_read_commitment(actor: User, deposit: Deposit) -> bool:
    """Whether the user may download the council's commitment letter of this deposit (the deposit page links it)."""
    fields = policy.document_fields(actor, Document.COMMITMENT)
    return bool(fields) and policy.shows_place(actor, fields, deposit.landlord_id)


def commitment_letter(session: Session, actor: User, deposit_id: int, locale: str = DEFAULT_LOCALE
                      ) -> CommitmentLetter:
    """The council's commitment for a deposit, as the holder of the signing delegation issued it."""
    deposit = treasury.get_deposit(session, actor, deposit_id)
    fields = policy.document_fields(actor, Document.COMMITMENT)
    if not may_read_commitment(actor, deposit):
        raise Forbidden()
    if deposit.committed_on is None:
        raise TransitionRefused(msg("The council has not committed to this deposit yet."))
    step = session.execute(
        select(DepositTransition).where(DepositTransition.deposit_id == deposit.id,
                                                 DepositTransition.trigger == "commit")
    ).scalar_one_or_none()
    if step is None or step.actor_id is None:
        raise NotFound()
    delegation = session.execute(
        select(SigningDelegation).options(joinedload(SigningDelegation.user))
        .where(SigningDelegation.user_id == step.actor_id, SigningDelegation.granted_at <= step.at)
        .order_by(SigningDelegation.granted_at.desc()).limit(1)
    ).scalar_one_or_none()
    signatory = session.get(User, step.actor_id)
    assert signatory is not None
    place = session.execute(select(Place).options(joinedload(Place.town), joinedload(Place.organisation))
                            .where(Place.id == deposit.place_id)).scalar_one()
    gettext = translations(locale).gettext
    profile = letters_profile.current(session)
    reference = f"CAUTION-{deposit.committed_on:%Y}-{deposit.id:05d}"
    # Signed by whoever committed the council, under the delegation they held then (the step requires it).
    signature = {"preamble": gettext("For the president and by delegation,") if delegation is not None else "",
                 "name": signatory.display_name, "capacity": capacity(signatory)}
    page = _page(session, profile, recipient=deposit.landlord.name, address=deposit.landlord.address,
                 locale=locale, day=deposit.committed_on, reference=reference,
                 file_reference=deposit.case.reference,
                 subject=gettext("Commitment to pay the rental deposit of the place %(place)s")
                 % {"place": place.reference}, signature=signature, copies=[])
    return CommitmentLetter(
        council=council(), page=page, landlord_name=deposit.landlord.name,
        person_name=_name(deposit.case.applicant.first_name, deposit.case.applicant.last_name, fields),
        place=place_info(place, locale), amount_cents=deposit.amount_cents,
        letter_date=deposit.committed_on, signatory_name=signatory.display_name, reference=reference,
        logo=profile.logo, logo_type=profile.logo_type,
    )


__all__ = ["commitment_letter", "offer_letter", "place_info"]
