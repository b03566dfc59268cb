"""The case's whole lifecycle through the services: each step recorded with who, when, why."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.errors import Forbidden, InvalidInput, NotFound, TransitionRefused
from commission.i18n import translations
from commission.models import AccessLog, AuditEntry, Case, CaseTransition
from commission.services import audit, cases, followup
from tests.cases_helpers import TODAY, complete_input, new_case, step
from tests.conftest import World, is_postgres


def french(error: TransitionRefused | InvalidInput) -> list[str]:
    gettext = translations("fr").gettext
    if isinstance(error, TransitionRefused):
        return [message.render(gettext) for message in error.messages]
    return [message.render(gettext) for messages in error.errors.values() for message in messages]


def transitions_of(session: Session, case: Case) -> list[tuple[str | None, str, str]]:
    rows = session.execute(select(CaseTransition).where(CaseTransition.case_id == case.id)
                           .order_by(CaseTransition.id)).scalars()
    return [(row.from_state, row.to_state, row.trigger) for row in rows]


def test_a_care_team_creates_a_draft_recorded_with_its_author(session: Session, world: World) -> None:
    case = new_case(session, world)
    assert case.state == "draft" and case.care_team_id == world.team_a.id
    assert case.applicant.full_name == "Camille Martin"
    assert case.applicant.guardian is not None and case.applicant.guardian.last_name == "Durand"
    assert transitions_of(session, case) == [(None, "draft", "create")]
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "case.create")).scalar_one()
    assert entry.actor_id == world.users["care_a"].id and entry.object_id == str(case.id)


def test_the_whole_life_of_a_file(session: Session, world: World) -> None:
    coordinator, care = world.users["coordinator"], world.users["care_a"]
    case = new_case(session, world)
    step(session, care, case, "submit")
    step(session, coordinator, case, "return_incomplete", reason="Proof of resources missing")
    assert case.state == "incomplete" and case.missing_items == "Proof of resources missing"
    assert case.due_date == TODAY + timedelta(days=30)
    step(session, care, case, "resubmit", comment="Added the AAH notice")
    step(session, coordinator, case, "mark_ready")
    step(session, coordinator, case, "schedule", values={"hearing_date": date(2026, 3, 20)})
    assert case.due_date == date(2026, 3, 20)
    step(session, coordinator, case, "hear")
    step(session, coordinator, case, "allocate", values={"place_id": world.place_a.id}, reason="Fits the project")
    assert case.state == "allocated" and case.offer_deadline == TODAY + timedelta(days=10)
    step(session, care, case, "decline_offer", reason="Too far from the day hospital")
    assert case.state == "waiting_list" and case.decline_count == 1 and case.allocated_place_id is None
    step(session, coordinator, case, "schedule", values={"hearing_date": date(2026, 6, 19)})
    step(session, coordinator, case, "hear")
    step(session, coordinator, case, "allocate", values={"place_id": world.place_a.id})
    step(session, care, case, "accept_offer")
    step(session, coordinator, case, "start_move_in", values={"move_in_date": TODAY + timedelta(days=5)})
    step(session, coordinator, case, "confirm_housed", today=TODAY + timedelta(days=5))
    step(session, care, case, "start_exit", reason="Ordinary housing reached")
    with pytest.raises(TransitionRefused, match="exit"):  # the exit's own record closes a tenancy
        step(session, coordinator, case, "close")
    followup.record_exit(session, coordinator, case.id, followup.ExitInput(
        reason="ordinary_housing", exit_date=(TODAY + timedelta(days=6)).isoformat(), place_condition="good",
    ), today=TODAY + timedelta(days=7))
    assert case.state == "closed"
    step(session, coordinator, case, "reopen", reason="New application after a relapse")
    assert case.state == "draft" and not case.consent_given
    history = transitions_of(session, case)
    assert [to for _from, to, _trigger in history] == [
        "draft", "submitted", "incomplete", "submitted", "ready", "scheduled", "heard", "allocated",
        "waiting_list", "scheduled", "heard", "allocated", "offer_accepted", "moving_in", "housed", "exiting",
        "closed", "draft",
    ]
    assert all(prev[1] == nxt[0] for prev, nxt in pairwise(history))
    assert audit.verify(session).ok


def test_submission_without_consent_lists_what_is_missing(session: Session, world: World) -> None:
    case = new_case(session, world, consent_given=False, project="", wished_town_ids=[])
    with pytest.raises(TransitionRefused) as refusal:
        step(session, world.users["care_a"], case, "submit")
    (text,) = french(refusal.value)
    assert "consentement" in text and "projet de soin" in text and "communes souhaitées" in text
    session.refresh(case)
    assert case.state == "draft" and len(transitions_of(session, case)) == 1


def test_required_identity_fields_are_named(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput) as invalid:
        cases.create_case(session, world.users["care_a"], cases.CaseInput(), today=TODAY)
    assert set(invalid.value.errors) >= {"first_name", "last_name", "birth_date"}
    assert session.execute(select(func.count(Case.id))).scalar_one() == 0


@pytest.mark.parametrize(("value", "expected"), [
    ("2027-01-01", "La date de naissance ne peut pas être dans le futur."),
    ("17/05/1980", "Ce n'est pas une date"),
    ("1850-01-01", "Cette date de naissance n'est pas plausible."),
])
def test_bad_birth_dates_are_refused(session: Session, world: World, value: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as invalid:
        new_case(session, world, birth_date=value)
    assert any(expected in text for text in french(invalid.value))


@pytest.mark.parametrize("amount", ["-12", "douze", "12,345", "1.2.3"])
def test_bad_amounts_are_refused(session: Session, world: World, amount: str) -> None:
    with pytest.raises(InvalidInput) as invalid:
        new_case(session, world, monthly_resources=amount)
    assert "monthly_resources" in invalid.value.errors


def test_a_trigger_not_allowed_from_the_state_changes_nothing(session: Session, world: World) -> None:
    case = new_case(session, world)
    before = case.version
    with pytest.raises(TransitionRefused) as refusal:
        step(session, world.users["coordinator"], case, "confirm_housed")
    assert french(refusal.value) == ["Cette étape n'est pas possible depuis l'état actuel du dossier."]
    session.refresh(case)
    assert case.state == "draft" and case.version == before


def test_an_unknown_trigger_is_refused(session: Session, world: World) -> None:
    case = new_case(session, world)
    with pytest.raises(TransitionRefused):
        step(session, world.users["coordinator"], case, "to_housed")


def test_a_stale_version_is_refused(session: Session, world: World) -> None:
    from commission.errors import ConcurrentChange

    case = new_case(session, world)
    with pytest.raises(ConcurrentChange):
        cases.fire_case(session, world.users["care_a"], case.id, "submit", expected_version=case.version - 1,
                        today=TODAY)


def test_reasons_are_required_where_the_step_needs_one(session: Session, world: World) -> None:
    case = new_case(session, world)
    step(session, world.users["care_a"], case, "submit")
    with pytest.raises(TransitionRefused) as refusal:
        step(session, world.users["coordinator"], case, "return_incomplete", reason="   ")
    assert french(refusal.value) == ["Indiquez ce qui manque."]


def test_a_declined_or_expired_offer_counts(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    case = new_case(session, world)
    for trigger in ("submit",):
        step(session, world.users["care_a"], case, trigger)
    step(session, coordinator, case, "mark_ready")
    step(session, coordinator, case, "schedule", values={"hearing_date": TODAY})
    step(session, coordinator, case, "hear")
    step(session, coordinator, case, "allocate", values={"place_id": world.place_a.id})
    with pytest.raises(TransitionRefused):
        step(session, coordinator, case, "expire_offer")
    with pytest.raises(TransitionRefused) as late:
        step(session, world.users["care_a"], case, "accept_offer", today=TODAY + timedelta(days=11))
    assert "délai de réponse" in french(late.value)[0]
    step(session, coordinator, case, "expire_offer", today=TODAY + timedelta(days=11))
    assert case.state == "waiting_list" and case.decline_count == 1


def test_a_place_cannot_be_allocated_twice_nor_to_another_kind(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]

    def heard(**overrides: object) -> Case:
        case = new_case(session, world, **overrides)
        step(session, world.users["care_a"], case, "submit")
        step(session, coordinator, case, "mark_ready")
        step(session, coordinator, case, "schedule", values={"hearing_date": TODAY})
        return step(session, coordinator, case, "hear")

    first, second = heard(), heard(last_name="Bernard")
    step(session, coordinator, first, "allocate", values={"place_id": world.place_a.id})
    with pytest.raises(TransitionRefused) as twice:
        step(session, coordinator, second, "allocate", values={"place_id": world.place_a.id})
    assert french(twice.value) == ["Cette place est déjà attribuée à une autre personne."]
    hostel = heard(last_name="Petit", requested_kind="hostel_place")
    with pytest.raises(TransitionRefused) as kind:
        step(session, coordinator, hostel, "allocate", values={"place_id": world.place_b.id})
    assert french(kind.value) == ["Cette place n'est pas du type demandé par la personne."]


def test_withdrawal_is_possible_before_housed_only(session: Session, world: World) -> None:
    case = new_case(session, world)
    step(session, world.users["care_a"], case, "withdraw", reason="Found a private tenancy")
    assert case.state == "withdrawn"
    from commission.workflow.case import CASE_MACHINE
    from commission.workflow.tags import Tag

    withdraw = next(t for t in CASE_MACHINE.transitions if t.trigger == "withdraw")
    assert set(withdraw.sources) == set(CASE_MACHINE.tagged(Tag.BEFORE_HOUSED))
    assert not {"housed", "exiting", "closed"} & set(withdraw.sources)


def test_only_the_coordinator_reopens(session: Session, world: World) -> None:
    case = new_case(session, world)
    step(session, world.users["care_a"], case, "withdraw", reason="Moved away")
    with pytest.raises(Forbidden):
        step(session, world.users["care_a"], case, "reopen", reason="Back")
    step(session, world.users["coordinator"], case, "reopen", reason="Back in the sector")
    assert case.state == "draft"


def test_a_care_team_cannot_reach_another_teams_case(session: Session, world: World) -> None:
    case = new_case(session, world)
    other = world.users["care_b"]
    with pytest.raises(Forbidden):
        cases.get_case(session, other, case.id)
    with pytest.raises(Forbidden):
        cases.update_case(session, other, case.id, complete_input(world), expected_version=case.version)
    with pytest.raises(Forbidden):
        step(session, other, case, "submit")
    with pytest.raises(Forbidden):
        cases.read_medical(session, other, case.id)
    assert cases.list_cases(session, other).total == 0
    assert cases.list_cases(session, world.users["care_a"]).total == 1


@pytest.mark.parametrize("role", ["chair", "member", "treasurer", "landlord_a"])
def test_other_roles_never_open_a_file_nor_its_medical_part(session: Session, world: World, role: str) -> None:
    case = new_case(session, world)
    with pytest.raises(Forbidden):
        cases.get_case(session, world.users[role], case.id)
    with pytest.raises(Forbidden):
        cases.read_medical(session, world.users[role], case.id)


def test_reading_the_medical_part_is_logged(session: Session, world: World) -> None:
    case = new_case(session, world)
    care = world.users["care_a"]
    cases.update_medical(session, care, case.id, cases.MedicalInput(diagnosis_summary="Stabilised"))
    assert session.execute(select(func.count(AccessLog.id))).scalar_one() == 0
    medical = cases.read_medical(session, world.users["coordinator"], case.id)
    assert medical.diagnosis_summary == "Stabilised"
    log = session.execute(select(AccessLog)).scalar_one()
    assert (log.user_id, log.case_id, log.part) == (world.users["coordinator"].id, case.id, "medical")
    details = session.execute(
        select(AuditEntry.details).where(AuditEntry.action == "case.medical_updated")
    ).scalar_one()
    assert "Stabilised" not in details


def test_missing_case_is_not_found(session: Session, world: World) -> None:
    with pytest.raises(NotFound):
        cases.get_case(session, world.users["coordinator"], 999)


def test_editing_is_limited_to_drafts_and_returned_files(session: Session, world: World) -> None:
    case = new_case(session, world)
    edited = cases.update_case(session, world.users["care_a"], case.id, complete_input(world, first_name="Camila"),
                               expected_version=case.version, today=TODAY)
    assert edited.applicant.first_name == "Camila"
    step(session, world.users["care_a"], case, "submit")
    with pytest.raises(TransitionRefused):
        cases.update_case(session, world.users["care_a"], case.id, complete_input(world),
                          expected_version=case.version, today=TODAY)


def test_the_database_itself_refuses_a_second_holder_of_a_place(session: Session, world: World) -> None:
    """Not only a check in the service: a unique index on the holding cases."""
    from sqlalchemy.exc import IntegrityError

    first, second = new_case(session, world), new_case(session, world, last_name="Bis")
    for case in (first, second):
        case.state = "housed"
        case.allocated_place_id = world.place_a.id
    with pytest.raises(IntegrityError):
        session.commit()


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
