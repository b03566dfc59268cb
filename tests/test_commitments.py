"""The three-party commitment to a care and reintegration project: drafted from the file at the allocation, its
signatures recorded (or the signed copy kept), shown at each review, printed to sign with no medical detail."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.documents.care_commitment import render_care_commitment
from commission.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound, TransitionRefused
from commission.models import AuditEntry, Case, CaseDocument, Place
from commission.models.cases import DocumentKind
from commission.models.followup import CarePlan
from commission.models.letters import CareCommitment
from commission.services import cases, commitments, followup, hearings
from commission.storage import DocumentStore
from tests.cases_helpers import step
from tests.conftest import World, fresh, is_postgres
from tests.followup_helpers import MOVE_IN, housed
from tests.hearings_helpers import HEARING_DAY, sitting

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIGNED_DAY = HEARING_DAY + timedelta(days=4)
TODAY = HEARING_DAY + timedelta(days=6)
TREATMENT = "Clozapine 300 mg"
DIAGNOSIS = "Schizophrénie paranoïde"


def allocated(session: Session, world: World, names: tuple[str, ...] = ("Ada",)) -> list[Case]:
    """Files of care_a's team heard and each allocated a place (place_a, place_b), the medical part filled in."""
    s = sitting(session, world, list(names))
    for item, place in zip(s.hearing.items, (world.place_a, world.place_b), strict=False):
        hearings.decide_item(session, world.users["chair"], s.hearing.id, item.id, hearings.DecisionInput(
            decision="allocate", place_id=str(place.id), reason="Fits the project"), today=HEARING_DAY)
    for case in s.cases:
        cases.update_medical(session, world.users["care_a"], case.id, cases.MedicalInput(
            diagnosis_summary=DIAGNOSIS, treatment=TREATMENT))
    return s.cases


def drafted(session: Session, world: World, case: Case) -> CareCommitment:
    place = session.get(Place, case.allocated_place_id)
    assert place is not None
    return commitments.draft_at_allocation(session, world.users["chair"], case, place, HEARING_DAY)


def audits(session: Session, action: str) -> int:
    return session.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)).scalar_one()


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def sign_all(session: Session, world: World, commitment: CareCommitment) -> CareCommitment:
    coordinator = world.users["coordinator"]
    for party, signatory in (("person", ""), ("care_team", "Mme Roux, infirmière"),
                             ("council", "Nadia Haddad, adjointe au maire")):
        commitment = commitments.record_signature(session, coordinator, commitment.id, party, SIGNED_DAY, signatory,
                                                  commitment.version, today=TODAY)
    return commitment


def test_drafted_from_the_file_at_the_allocation_once(session: Session, world: World) -> None:
    (case,) = allocated(session, world)
    first = drafted(session, world, case)
    assert first.goals == case.project
    assert first.place_id == world.place_a.id and first.allocated_on == HEARING_DAY == case.offered_on
    # The shipped sentences, in French: the person, the care team (no care plan yet), the council.
    assert "payer chaque mois le loyer et les charges" in first.person_commitments
    assert "recevoir les visites de l'équipe soignante" in first.person_commitments
    assert first.care_team_commitments.startswith("Suivre la personne à domicile")
    assert "dépôt de garantie" in first.council_commitments and "cellule ressource" in first.council_commitments
    # The same allocation drafted again (the step's hook and this call): the same commitment, audited once.
    again = drafted(session, world, case)
    assert again.id == first.id
    assert session.execute(select(func.count()).select_from(CareCommitment)).scalar_one() == 1
    assert audits(session, "care_commitment.drafted") == 1
    summary = commitments.review_summary(session, case.id)
    assert summary is not None and summary.current and not summary.signed
    assert summary.missing == ("The person", "The care team", "The council")
    assert commitments.get_for_case(session, world.users["care_a"], case.id) == first


def test_the_care_team_part_comes_from_the_care_plan_without_its_status(session: Session, world: World) -> None:
    (case,) = housed(session, world, ["Hana"])
    followup.save_care_plan(session, world.users["care_a"], case.id, followup.CarePlanInput(
        referring_psychiatrist="Dr Lemaire", visit_every_days="7", consultation_every_days="28",
        activities="Atelier cuisine le mardi", status="needs_attention", status_note="Dort mal depuis mai"),
        today=MOVE_IN)
    plan = session.get(CarePlan, case.id)
    text = commitments.care_team_text(plan)
    assert "tous les 7 jours" in text and "tous les 28 jours" in text and "Atelier cuisine le mardi" in text
    assert "Dort mal" not in text
    assert commitments.care_team_text(None).startswith("Suivre la personne")


def test_each_signature_recorded_with_its_date(session: Session, world: World) -> None:
    (case,) = allocated(session, world)
    commitment = drafted(session, world, case)
    care = world.users["care_a"]
    commitment = commitments.record_signature(session, care, commitment.id, "person", SIGNED_DAY.isoformat(), "",
                                              commitment.version, today=TODAY)
    summary = commitments.review_summary(session, case.id)
    assert summary is not None and summary.missing == ("The care team", "The council") and summary.signed_on is None
    commitment = commitments.record_signature(session, care, commitment.id, "care_team", SIGNED_DAY,
                                              "  Mme  Roux,\tinfirmière ", commitment.version, today=TODAY)
    commitment = commitments.record_signature(session, world.users["coordinator"], commitment.id, "council", TODAY,
                                              "Nadia Haddad, adjointe au maire", commitment.version, today=TODAY)
    assert commitment.signed and commitment.care_team_signatory == "Mme Roux, infirmière"
    summary = commitments.review_summary(session, case.id)
    assert summary is not None and summary.signed and summary.missing == () and summary.signed_on == TODAY
    assert audits(session, "care_commitment.signed") == 3
    # Signed: its text no longer changes.
    with pytest.raises(TransitionRefused, match="signed"):
        commitments.update_text(session, care, commitment.id, commitments.CommitmentText(
            goals="Autre", person_commitments="x", care_team_commitments="y", council_commitments="z"),
            commitment.version)


@pytest.mark.parametrize(("party", "day", "signatory", "field"), [
    ("person", TODAY + timedelta(days=1), "", "signed_on"),  # in the future
    ("person", HEARING_DAY - timedelta(days=1), "", "signed_on"),  # before the allocation
    ("person", "31/03/2026", "", "signed_on"),  # not a date
    ("council", SIGNED_DAY, "  ", "signatory"),  # the council's signatory is named
    ("care_team", SIGNED_DAY, "", "signatory"),
    ("guardian", SIGNED_DAY, "M. Durand", "party"),
])
def test_a_signature_refused_changes_nothing(session: Session, world: World, party: str, day: object,
                                             signatory: str, field: str) -> None:
    (case,) = allocated(session, world)
    commitment = drafted(session, world, case)
    version = commitment.version
    with pytest.raises(InvalidInput) as refused:
        commitments.record_signature(session, world.users["coordinator"], commitment.id, party, day,  # type: ignore[arg-type]
                                     signatory, version, today=TODAY)
    assert field in refused.value.errors
    fresh(session)
    again = session.get(CareCommitment, commitment.id)
    assert again is not None and again.version == version
    assert (again.person_signed_on, again.care_team_signed_on, again.council_signed_on) == (None, None, None)


def test_only_the_persons_care_team_and_the_coordinator(session: Session, world: World) -> None:
    (case,) = allocated(session, world)
    commitment = drafted(session, world, case)
    text = commitments.CommitmentText(goals="Vivre seule", person_commitments="a", care_team_commitments="b",
                                      council_commitments="c")
    for login in ("care_b", "chair", "member", "treasurer", "landlord_a", "dpo"):
        user = world.users[login]
        with pytest.raises(Forbidden):
            commitments.record_signature(session, user, commitment.id, "person", SIGNED_DAY, "", None, today=TODAY)
        with pytest.raises(Forbidden):
            commitments.update_text(session, user, commitment.id, text, None)
        with pytest.raises(Forbidden):
            commitments.get_for_case(session, user, case.id)
        with pytest.raises(Forbidden):
            commitments.sheet(session, user, case.id)
    # Reached through another file's address: not found.
    with pytest.raises(NotFound):
        commitments.update_text(session, world.users["care_a"], commitment.id, text, None, case_id=case.id + 1000)
    commitments.update_text(session, world.users["care_a"], commitment.id, text, None, case_id=case.id)


def test_a_concurrent_edit_is_refused(session: Session, world: World) -> None:
    (case,) = allocated(session, world)
    commitment = drafted(session, world, case)
    seen = commitment.version
    text = commitments.CommitmentText(goals="Vivre seule à Ronchin", person_commitments="a",
                                      care_team_commitments="b", council_commitments="c")
    changed = commitments.update_text(session, world.users["care_a"], commitment.id, text, seen)
    assert changed.version == seen + 1 and changed.goals == "Vivre seule à Ronchin"
    with pytest.raises(ConcurrentChange):
        commitments.update_text(session, world.users["coordinator"], commitment.id, text, seen)
    with pytest.raises(ConcurrentChange):
        commitments.record_signature(session, world.users["coordinator"], commitment.id, "person", SIGNED_DAY, "",
                                     seen, today=TODAY)
    with pytest.raises(InvalidInput) as refused:
        commitments.update_text(session, world.users["care_a"], commitment.id, commitments.CommitmentText(
            goals=" ", person_commitments="a", care_team_commitments="", council_commitments="c"), changed.version)
    assert set(refused.value.errors) == {"goals", "care_team_commitments"}


def test_the_signed_copy_is_kept_as_a_document_of_the_file(session: Session, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (case,) = allocated(session, world)
    commitment = drafted(session, world, case)
    store = DocumentStore(tmp_path / "documents")
    with pytest.raises(InvalidInput) as refused:
        commitments.attach_signed_copy(session, world.users["care_a"], store, commitment.id, filename="scan.pdf",
                                       data=b"<svg onload=alert(1)>", expected_version=commitment.version)
    assert "file" in refused.value.errors
    commitment = commitments.attach_signed_copy(session, world.users["care_a"], store, commitment.id,
                                                filename="engagement signé.pdf", data=PDF,
                                                expected_version=commitment.version)
    document = session.get(CaseDocument, commitment.signed_document_id)
    assert document is not None and document.kind is DocumentKind.OTHER and not document.medical
    assert document.case_id == case.id
    summary = commitments.review_summary(session, case.id)
    assert summary is not None and summary.signed and summary.missing == () and summary.signed_on is None
    assert audits(session, "care_commitment.signed_copy_attached") == 1


def test_the_sheet_to_sign_names_the_three_parties_and_no_medical_detail(session: Session, world: World) -> None:
    (case,) = allocated(session, world)
    commitment = sign_all(session, world, drafted(session, world, case))
    sheet = commitments.sheet(session, world.users["care_a"], case.id)
    text = pdf_text(render_care_commitment(sheet))
    assert "Projet de soin et de réinsertion" in text
    assert "Ada Martin" in text and "Paul Durand" in text  # the person and their guardian
    assert "CMP Ronchin" in text and sheet.council.name in text
    assert "La personne" in text and "L'équipe soignante" in text and "Le conseil" in text
    assert "Pour le président et par délégation" in text and "Nadia Haddad, adjointe au maire" in text
    assert "Mme Roux, infirmière" in text and "Signé le" in text
    assert "APP-001" in text and f"PSR-2026-{commitment.id:05d}" in text
    assert case.project.split()[0] in text
    for medical in (TREATMENT, "Clozapine", DIAGNOSIS, "Schizophrénie"):
        assert medical not in text


def test_an_offer_that_falls_through_leaves_its_commitment_as_it_was(session: Session, world: World) -> None:
    (case,) = allocated(session, world)
    commitment = drafted(session, world, case)
    step(session, world.users["care_a"], case, "decline_offer", reason="Too far", today=HEARING_DAY + timedelta(days=2))
    summary = commitments.review_summary(session, case.id)
    assert summary is not None and not summary.current
    with pytest.raises(TransitionRefused, match="fell through"):
        commitments.record_signature(session, world.users["care_a"], commitment.id, "person", SIGNED_DAY, "", None,
                                     today=TODAY)
    with pytest.raises(TransitionRefused):
        commitments.draft_for_case(session, world.users["care_a"], case.id, TODAY)


def test_a_file_allocated_before_commitments_gets_one_drafted(session: Session, world: World) -> None:
    (case,) = allocated(session, world)
    made = commitments.draft_for_case(session, world.users["care_a"], case.id, TODAY)
    assert made.allocated_on == HEARING_DAY and made.place_id == world.place_a.id
    assert commitments.draft_for_case(session, world.users["coordinator"], case.id, TODAY).id == made.id
    with pytest.raises(Forbidden):
        commitments.draft_for_case(session, world.users["care_b"], case.id, TODAY)


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
