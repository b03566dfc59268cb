"""The medical part of a file, kept apart: every read of it is logged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from commission import policy
from commission.errors import NotFound
from commission.models.accounts import User
from commission.models.cases import Case, CaseMedical
from commission.services import audit
from commission.services.cases.editing import _text
from commission.services.cases.reading import refuse_if_anonymised
from commission.services.unit import flush, log_read

# ---------------------------------------------------------------- the medical part


def read_medical(session: Session, actor: User, case_id: int) -> CaseMedical:
    """The medical part; the read itself is logged before it is shown."""
    policy.require(actor, policy.Action.VIEW_MEDICAL)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_MEDICAL, case)
    medical = session.get(CaseMedical, case_id) or CaseMedical(case_id=case_id)
    log_read(session, actor.id, case_id, "medical")
    return medical


@dataclass
class MedicalInput:
    diagnosis_summary: str = ""
    treatment: str = ""
    hospitalisations: str = ""
    psychiatrist_opinion: str = ""


def update_medical(session: Session, actor: User, case_id: int, data: MedicalInput) -> CaseMedical:
    policy.require(actor, policy.Action.EDIT_MEDICAL)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.EDIT_MEDICAL, case)
    refuse_if_anonymised(case)
    medical = session.get(CaseMedical, case_id)
    if medical is None:
        medical = CaseMedical(case_id=case_id)
        session.add(medical)
    for name in ("diagnosis_summary", "treatment", "hospitalisations", "psychiatrist_opinion"):
        setattr(medical, name, _text(getattr(data, name), 20_000))
    medical.updated_by_id = actor.id
    # The audit entry says that the medical part changed, never what it says.
    audit.record(session, actor, "case.medical_updated", "case", case_id)
    flush(session)
    return medical
