"""The three-party commitment to a care and reintegration project (*projet de soin et de réinsertion*).

At an allocation, the person, the care team of the sector and the council commit together to the project the
care team wrote on the file. The commitment is drafted from the file in the same transaction as the allocation
(:func:`draft_at_allocation`, called from the case's step), its text edited while nobody has signed it, each
signature recorded with its date (or the signed copy uploaded, kept as a document of the file), and what it
says read again at each review of the tenancy (:func:`review_summary`).

Who: the person's care team and the coordinator record it (``Action.RECORD_COMMITMENT`` on the file); whoever
reads the file reads it. Its texts never hold a diagnosis or a treatment: the care team's part is drafted from
the care plan's rhythm of visits and consultations and its activities only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.documents.data import CareCommitmentSheet
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import N_, Message, msg
from commission.models.accounts import User
from commission.models.cases import Case, DocumentKind
from commission.models.followup import CarePlan
from commission.models.housing import Place
from commission.models.letters import CareCommitment
from commission.parsing import collect, parse_date
from commission.services import audit
from commission.services.cases.documents import attach_document
from commission.services.cases.reading import get_case, refuse_if_anonymised
from commission.services.unit import flush, locked
from commission.storage import DocumentStore
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

MAX_TEXT = 5000
MAX_SIGNATORY = 200

# The three parties, in the order the commitment names them and the sheet draws their boxes.
PERSON, CARE_TEAM, COUNCIL = "person", "care_team", "council"
PARTIES = (PERSON, CARE_TEAM, COUNCIL)
PARTY_LABELS: dict[str, str] = {PERSON: N_("The person"), CARE_TEAM: N_("The care team"),
                                COUNCIL: N_("The council")}
TEXT_FIELDS = ("goals", "person_commitments", "care_team_commitments", "council_commitments")

# What each party commits to, as drafted; the care team's when the file has no care plan yet.
PERSON_COMMITMENTS = N_(
    "To live in the place and look after it; to pay the rent and the charges each month, with the help of the "
    "guardian or the care team where needed; to receive the care team's visits and keep the appointments agreed "
    "with it; to tell the care team or the council of any difficulty with the tenancy.")
CARE_TEAM_COMMITMENTS = N_(
    "To follow the person at home with regular visits, to receive them at the consultations agreed with them, to "
    "help them settle in and run the home, and to tell the council of any difficulty with the tenancy.")
COUNCIL_COMMITMENTS = N_(
    "To pay the rental deposit to the landlord; to follow the tenancy at its quarterly hearings, where the project "
    "is reviewed with the person and the care team; to call a resource meeting with everyone concerned when the "
    "tenancy runs into trouble; to be the landlord's contact for the tenancy.")


# ---------------------------------------------------------------- drafting


def care_team_text(plan: CarePlan | None) -> str:
    """The care team's part, from the care plan's rhythm and activities (never its status or a medical detail)."""
    if plan is None or not (plan.visit_every_days or plan.consultation_every_days or plan.activities.strip()):
        return str(msg(CARE_TEAM_COMMITMENTS))
    parts = []
    if plan.visit_every_days:
        parts.append(str(msg("To visit the person at home every %(days)s days.", days=plan.visit_every_days)))
    if plan.consultation_every_days:
        parts.append(str(msg("To receive the person in consultation every %(days)s days.",
                             days=plan.consultation_every_days)))
    if plan.activities.strip():
        parts.append(str(msg("To accompany the person in these activities: %(activities)s",
                             activities=plan.activities.strip())))
    parts.append(str(msg("To tell the council of any difficulty with the tenancy.")))
    return "\n".join(parts)


def draft_at_allocation(session: Session, actor: User | None, case: Case, place: Place,
                        today: date) -> CareCommitment:
    """The commitment of an allocation (``allocate``, ``offer_next``), drafted from the file in the caller's
    transaction; the same one when drafted again for the same allocation. The caller checked who may allocate."""
    allocated_on = case.offered_on or today
    existing = session.execute(select(CareCommitment).where(
        CareCommitment.case_id == case.id, CareCommitment.place_id == place.id,
        CareCommitment.allocated_on == allocated_on)).scalar_one_or_none()
    if existing is not None:
        return existing
    commitment = CareCommitment(
        case_id=case.id, place_id=place.id, allocated_on=allocated_on, goals=(case.project or "").strip()[:MAX_TEXT],
        person_commitments=str(msg(PERSON_COMMITMENTS)),
        care_team_commitments=care_team_text(session.get(CarePlan, case.id)),
        council_commitments=str(msg(COUNCIL_COMMITMENTS)), created_by_id=actor.id if actor else None,
    )
    session.add(commitment)
    flush(session)
    audit.record(session, actor, "care_commitment.drafted", "case", case.id, {
        "commitment": commitment.id, "place": place.id, "allocated_on": allocated_on.isoformat()})
    return commitment


def holds_place(case: Case) -> bool:
    """Whether the file holds a place now (offered, accepted, housed): a commitment goes with it."""
    return case.allocated_place_id is not None and CASE_MACHINE.means(case.state, Tag.HOLDS_PLACE)


def is_current(case: Case, commitment: CareCommitment) -> bool:
    """Whether the commitment goes with the place the file holds now (not with an offer that fell through)."""
    return holds_place(case) and commitment.place_id == case.allocated_place_id \
        and case.offered_on in (None, commitment.allocated_on)


def draft_for_case(session: Session, actor: User, case_id: int, today: date | None = None) -> CareCommitment:
    """Draft the commitment of the place a file holds, where none was drafted at its allocation (a file allocated
    before commitments were kept)."""
    policy.require(actor, policy.Action.RECORD_COMMITMENT)
    case = session.execute(locked(select(Case).where(Case.id == case_id))).scalar_one_or_none()
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.RECORD_COMMITMENT, case)
    refuse_if_anonymised(case)
    if not holds_place(case):
        raise TransitionRefused(msg("The commitment is drafted when a place is allocated: this file holds none."))
    place = session.get(Place, case.allocated_place_id)
    assert place is not None
    return draft_at_allocation(session, actor, case, place, today or clock.today())


# ---------------------------------------------------------------- reading


def _latest(session: Session, case_id: int) -> CareCommitment | None:
    return session.execute(select(CareCommitment).where(CareCommitment.case_id == case_id)
                           .order_by(CareCommitment.allocated_on.desc(), CareCommitment.id.desc()).limit(1)
                           ).scalar_one_or_none()


def get_for_case(session: Session, actor: User, case_id: int) -> CareCommitment | None:
    """The file's latest commitment, for whoever reads the file; None before any allocation."""
    get_case(session, actor, case_id)
    return _latest(session, case_id)


def may_record(actor: User | None, case: Case) -> bool:
    return policy.can(actor, policy.Action.RECORD_COMMITMENT, case)


@dataclass(frozen=True)
class Signature:
    party: str  # one of PARTIES
    label: str  # message id: "The person", ...
    signed_on: date | None
    signatory: str  # who signed for the care team or the council ("" for the person)


@dataclass(frozen=True)
class CommitmentSummary:
    """What a review of the tenancy reads of the commitment, and what the file's pages show of it."""

    commitment_id: int
    case_id: int
    version: int
    place_reference: str
    allocated_on: date
    goals: str
    person_commitments: str
    care_team_commitments: str
    council_commitments: str
    signatures: tuple[Signature, ...]
    signed_copy_id: int | None  # the signed copy uploaded, a document of the file
    current: bool  # goes with the place the file holds now

    @property
    def signed(self) -> bool:
        return self.signed_copy_id is not None or not self.missing

    @property
    def missing(self) -> tuple[str, ...]:
        """The labels of the parties whose signature is not recorded (none once the signed copy is uploaded)."""
        if self.signed_copy_id is not None:
            return ()
        return tuple(signature.label for signature in self.signatures if signature.signed_on is None)

    @property
    def signed_on(self) -> date | None:
        """When the last of the three signed, once all have."""
        dates = [signature.signed_on for signature in self.signatures]
        return None if None in dates else max(day for day in dates if day is not None)

    @property
    def any_signature(self) -> bool:
        return self.signed_copy_id is not None or any(s.signed_on for s in self.signatures)


def summary_of(commitment: CareCommitment, case: Case, place: Place) -> CommitmentSummary:
    return CommitmentSummary(
        commitment_id=commitment.id, case_id=commitment.case_id, version=commitment.version,
        place_reference=place.reference, allocated_on=commitment.allocated_on, goals=commitment.goals,
        person_commitments=commitment.person_commitments, care_team_commitments=commitment.care_team_commitments,
        council_commitments=commitment.council_commitments,
        signatures=(Signature(PERSON, PARTY_LABELS[PERSON], commitment.person_signed_on, ""),
                    Signature(CARE_TEAM, PARTY_LABELS[CARE_TEAM], commitment.care_team_signed_on,
                              commitment.care_team_signatory),
                    Signature(COUNCIL, PARTY_LABELS[COUNCIL], commitment.council_signed_on,
                              commitment.council_signatory)),
        signed_copy_id=commitment.signed_document_id, current=is_current(case, commitment),
    )


def review_summary(session: Session, case_id: int) -> CommitmentSummary | None:
    """The file's latest commitment, for the hearing's review items and the follow-up page (the caller checked
    who reads them); None when none was drafted."""
    commitment = _latest(session, case_id)
    if commitment is None:
        return None
    case, place = session.get(Case, case_id), session.get(Place, commitment.place_id)
    assert case is not None and place is not None
    return summary_of(commitment, case, place)


# ---------------------------------------------------------------- changing


def _load_for_change(session: Session, actor: User, commitment_id: int, expected_version: int | None,
                     case_id: int | None) -> tuple[CareCommitment, Case]:
    """The commitment locked to change it, and its file; ``case_id``, when given, the file it must belong to."""
    policy.require(actor, policy.Action.RECORD_COMMITMENT)
    commitment = session.execute(locked(select(CareCommitment).where(CareCommitment.id == commitment_id))
                                 ).scalar_one_or_none()
    if commitment is None or (case_id is not None and commitment.case_id != case_id):
        raise NotFound()
    case = session.execute(select(Case).options(joinedload(Case.applicant))
                           .where(Case.id == commitment.case_id)).scalar_one()
    policy.require(actor, policy.Action.RECORD_COMMITMENT, case)
    refuse_if_anonymised(case)
    if expected_version is not None and commitment.version != expected_version:
        raise ConcurrentChange()
    if not is_current(case, commitment):
        raise TransitionRefused(msg("This commitment goes with an offer that fell through: it can no longer "
                                    "change."))
    return commitment, case


@dataclass
class CommitmentText:
    goals: str = ""
    person_commitments: str = ""
    care_team_commitments: str = ""
    council_commitments: str = ""


def update_text(session: Session, actor: User, commitment_id: int, data: CommitmentText,
                expected_version: int | None, *, case_id: int | None = None) -> CareCommitment:
    """Change the commitment's text, while nobody has signed it."""
    commitment, case = _load_for_change(session, actor, commitment_id, expected_version, case_id)
    if commitment.signed_document_id is not None or any(
            (commitment.person_signed_on, commitment.care_team_signed_on, commitment.council_signed_on)):
        raise TransitionRefused(msg("The commitment has been signed: its text can no longer change."))
    errors: dict[str, list[Message]] = {}
    values = {}
    for name in TEXT_FIELDS:
        value = (getattr(data, name) or "").strip()
        if len(value) > MAX_TEXT:
            errors[name] = [msg("At most %(count)s characters.", count=MAX_TEXT)]
        values[name] = value
    if not values["goals"]:
        errors["goals"] = [msg("Write the project the person and the care team set themselves.")]
    for name in TEXT_FIELDS[1:]:
        if not values[name]:
            errors[name] = [msg("Write what this party commits to.")]
    if errors:
        raise InvalidInput(errors)
    changed = [name for name in TEXT_FIELDS if getattr(commitment, name) != values[name]]
    for name in changed:
        setattr(commitment, name, values[name])
    flush(session)
    audit.record(session, actor, "care_commitment.updated", "case", case.id,
                 {"commitment": commitment.id, "changed": changed})
    return commitment


def record_signature(session: Session, actor: User, commitment_id: int, party: str, signed_on: date | str,
                     signatory: str, expected_version: int | None, *, today: date | None = None,
                     case_id: int | None = None) -> CareCommitment:
    """Record that one party signed, on a day between the allocation and today; the care team's and the council's
    signatory named (for the council: who signed for the president, by delegation)."""
    commitment, case = _load_for_change(session, actor, commitment_id, expected_version, case_id)
    today = today or clock.today()
    errors: dict[str, list[Message]] = {}
    if party not in PARTIES:
        errors["party"] = [msg("Choose who signed.")]
    day = signed_on if isinstance(signed_on, date) else collect(errors, parse_date, signed_on, "signed_on",
                                                                  missing=msg("Give the date of the signature."))
    if day is not None and day > today:
        errors["signed_on"] = [msg("A signature cannot be dated in the future.")]
    elif day is not None and day < commitment.allocated_on:
        errors["signed_on"] = [msg("A signature cannot be dated before the allocation (%(date)s).",
                                   date=commitment.allocated_on.isoformat())]
    name = " ".join((signatory or "").split())
    if party in (CARE_TEAM, COUNCIL) and not name:
        errors["signatory"] = [msg("Give the name and capacity of who signed.")]
    elif len(name) > MAX_SIGNATORY:
        errors["signatory"] = [msg("At most %(count)s characters.", count=MAX_SIGNATORY)]
    if errors:
        raise InvalidInput(errors)
    assert day is not None
    before = getattr(commitment, f"{party}_signed_on")
    setattr(commitment, f"{party}_signed_on", day)
    if party != PERSON:
        setattr(commitment, f"{party}_signatory", name)
    flush(session)
    audit.record(session, actor, "care_commitment.signed", "case", case.id, {
        "commitment": commitment.id, "party": party, "signed_on": day.isoformat(), "signatory": name,
        "before": before.isoformat() if before else None})
    return commitment


def attach_signed_copy(session: Session, actor: User, store: DocumentStore, commitment_id: int, *, filename: str,
                       data: bytes, expected_version: int | None, case_id: int | None = None) -> CareCommitment:
    """Keep the copy signed by the three as a document of the file (checked by its content; never medical)."""
    commitment, case = _load_for_change(session, actor, commitment_id, expected_version, case_id)
    document = attach_document(session, actor, store, case.id, filename=filename, data=data,
                               kind=DocumentKind.OTHER.value, medical=False)
    before = commitment.signed_document_id
    commitment.signed_document_id = document.id
    flush(session)
    audit.record(session, actor, "care_commitment.signed_copy_attached", "case", case.id,
                 {"commitment": commitment.id, "document": document.id, "before": before})
    return commitment


# ---------------------------------------------------------------- the sheet to sign


def sheet(session: Session, actor: User, case_id: int) -> CareCommitmentSheet:
    """The commitment to print and sign (the file's latest), for whoever reads the file: no medical detail."""
    from commission.services.hearing_documents import council

    case = get_case(session, actor, case_id)
    commitment = _latest(session, case_id)
    if commitment is None:
        raise NotFound(msg("No commitment has been drafted for this file yet."))
    place = session.execute(select(Place).options(joinedload(Place.town), joinedload(Place.organisation))
                            .where(Place.id == commitment.place_id)).scalar_one()
    applicant, guardian = case.applicant, case.applicant.guardian
    return CareCommitmentSheet(
        council=council(), reference=f"PSR-{commitment.allocated_on:%Y}-{commitment.id:05d}",
        case_reference=case.reference, person_name=applicant.full_name,
        guardian_name=guardian.full_name if guardian is not None else "", care_team=case.care_team.name,
        place=f"{place.reference} — {place.address}, {place.town.name}", landlord=place.organisation.name,
        allocated_on=commitment.allocated_on, goals=_paragraphs(commitment.goals),
        person_commitments=_paragraphs(commitment.person_commitments),
        care_team_commitments=_paragraphs(commitment.care_team_commitments),
        council_commitments=_paragraphs(commitment.council_commitments),
        person_signed_on=commitment.person_signed_on, care_team_signed_on=commitment.care_team_signed_on,
        care_team_signatory=commitment.care_team_signatory, council_signed_on=commitment.council_signed_on,
        council_signatory=commitment.council_signatory,
    )


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


__all__ = [
    "PARTIES", "PARTY_LABELS", "TEXT_FIELDS", "CommitmentSummary", "CommitmentText", "Signature",
    "attach_signed_copy", "care_team_text", "draft_at_allocation", "draft_for_case", "get_for_case", "holds_place",
    "is_current", "may_record", "record_signature", "review_summary", "sheet", "summary_of", "update_text",
]
