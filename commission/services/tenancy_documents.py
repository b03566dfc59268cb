"""The data of the letters between an allocation and the keys: the offer, the deposit commitment; each
holding the fields the policy gives its reader (``policy.Document.OFFER``, ``policy.Document.COMMITMENT``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.documents.data import CommitmentLetter, OfferLetter, PlaceInfo
from commission.errors import Forbidden, NotFound, TransitionRefused
from commission.i18n import DEFAULT_LOCALE, msg, translations
from commission.models.accounts import User
from commission.models.cases import CaseTransition
from commission.models.housing import Place
from commission.models.tenancy import SigningDelegation
from commission.models.treasury import Deposit, DepositTransition
from commission.policy import Document, Field
from commission.services import cases, treasury
from commission.services.hearing_documents import COUNCIL_ZONE, PLACE_KIND_WORDS, council
from commission.services.hearings import initials
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


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.split(",") if line.strip())


def offer_letter(session: Session, actor: User, case_id: int) -> OfferLetter:
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
    return OfferLetter(
        council=council(), recipient_name=name,
        recipient_address=_lines(applicant.address) if Field.POSTAL_ADDRESS in fields else (),
        copy_to=case.care_team.name if Field.CARE_TEAM in fields else "", person_name=name, place=place_info(place),
        hearing_day=hearing_day, reply_by=case.offer_deadline, letter_date=offered_on,
        signatory=str(msg("The coordinator of the commission")),
    )


def may_read_commitment(actor: User, deposit: Deposit) -> bool:
    """Whether the user may download the council's commitment letter of this deposit (the deposit page links it)."""
    fields = policy.document_fields(actor, Document.COMMITMENT)
    return bool(fields) and policy.shows_place(actor, fields, deposit.landlord_id)


def commitment_letter(session: Session, actor: User, deposit_id: int) -> CommitmentLetter:
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
    return CommitmentLetter(
        council=council(), landlord_name=deposit.landlord.name, landlord_address=_lines(deposit.landlord.address),
        person_name=_name(deposit.case.applicant.first_name, deposit.case.applicant.last_name, fields),
        place=place_info(place), amount_cents=deposit.amount_cents,
        letter_date=deposit.committed_on, signatory_name=signatory.display_name,
        delegation_since=(delegation.granted_at.astimezone(COUNCIL_ZONE).date() if delegation
                          else deposit.committed_on),
        reference=f"CAUTION-{deposit.committed_on:%Y}-{deposit.id:05d}",
    )


__all__ = ["commitment_letter", "offer_letter", "place_info"]
