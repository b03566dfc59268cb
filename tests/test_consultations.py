"""Written consultations between hearings, through the services: one that reaches its majority, one rejected,
one that fails for lack of answers, one on a file withdrawn meanwhile; who may answer and who may not; the
reminders; the report in the next hearing's minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import policy
from commission.errors import Forbidden, InvalidInput, TransitionRefused
from commission.models import (
    AnswerChoice,
    Case,
    Consultation,
    Decision,
    Hearing,
    HearingKind,
    HearingTransition,
    Recusal,
    Vote,
    VoteChoice,
)
from commission.services import consultations, hearing_documents, hearings, reminders
from commission.workflow.case import CASE_MACHINE
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag
from tests.cases_helpers import TODAY, step
from tests.conftest import World, fresh, is_postgres
from tests.hearings_helpers import closed, plan, ready_case

DEADLINE = date(2026, 3, 9)
BEFORE = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
AFTER = datetime(2026, 3, 9, 18, 30, tzinfo=UTC)  # 19 h 30 in Lille: past the 18 h deadline
VOTERS = ("chair", "member", "landlord_a", "landlord_b")


def put(session: Session, world: World, case: Case, *, proposal: str = "allocate", quorum: int = 3) -> Hearing:
    return consultations.open_consultation(session, world.users["coordinator"], consultations.ConsultationInput(
        case_id=str(case.id), proposal=proposal,
        place_id=str(world.place_a.id) if proposal == "allocate" else "",
        grounds="The place fits and the person leaves hospital on the 10th.",
        purpose="A vacant apartment in Ronchin; the person leaves hospital next week.",
        deadline_day=DEADLINE.isoformat(), deadline_time="18:00", quorum=str(quorum),
    ), today=TODAY)


def answer(session: Session, world: World, hearing: Hearing, login: str, choice: str, comment: str = "") -> None:
    consultations.answer(session, world.users[login], hearing.id, choice, comment, now=BEFORE, today=TODAY)


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    assert case is not None
    return case


def _reloaded_case(session: Session, case_id: int) -> Case:
    fresh(session)
    return _case(session, case_id)


def reload(session: Session, model: type, record_id: int):  # type: ignore[no-untyped-def]
    fresh(session)
    return session.get(model, record_id)


def test_a_consultation_that_reaches_its_majority_records_the_decision(session: Session, world: World) -> None:
    case = ready_case(session, world, "Ada")
    hearing = put(session, world, case)
    assert hearing.kind is HearingKind.WRITTEN and HEARING_MACHINE.means(hearing.state, Tag.ANSWERS_OPEN)
    assert CASE_MACHINE.means(_reloaded_case(session, case.id).state, Tag.ON_AGENDA)
    hearing = reload(session, Hearing, hearing.id)
    assert sum(1 for attendance in hearing.attendances if attendance.votes) == len(VOTERS)

    answer(session, world, hearing, "chair", "in_favour")
    answer(session, world, hearing, "member", "in_favour", "Good fit with the CMP nearby.")
    answer(session, world, hearing, "landlord_a", "against")
    # not every member has answered and the deadline is ahead: the coordinator cannot close it yet
    with pytest.raises(TransitionRefused, match="may still answer"):
        consultations.conclude(session, world.users["coordinator"], hearing.id, now=BEFORE, today=TODAY)
    # the last answer concludes it by itself
    answer(session, world, hearing, "landlord_b", "withdrawn", "Our own tenant's relative.")

    hearing = reload(session, Hearing, hearing.id)
    assert hearing.state == "proposal_adopted"
    case = _case(session, case.id)
    assert CASE_MACHINE.means(case.state, Tag.OFFER_PENDING) and case.allocated_place_id == world.place_a.id
    item = hearing.items[0]
    assert item.decision is Decision.ALLOCATE and item.place_id == world.place_a.id and item.rank == 1
    votes = session.execute(select(Vote).where(Vote.item_id == item.id)).scalars().all()
    assert sorted(vote.choice.value for vote in votes) == ["against", "in_favour", "in_favour"]
    recusals = session.execute(select(Recusal).where(Recusal.item_id == item.id)).scalars().all()
    assert [recusal.reason for recusal in recusals] == ["Our own tenant's relative."]
    steps = session.execute(select(HearingTransition.trigger).where(HearingTransition.hearing_id == hearing.id)
                            .order_by(HearingTransition.id)).scalars().all()
    assert steps == ["plan", "consult", "adopt"]
    assert VoteChoice.IN_FAVOUR in {vote.choice for vote in votes}


def test_a_majority_against_rejects_the_proposal_and_the_file_goes_back(session: Session, world: World) -> None:
    case = ready_case(session, world, "Bea")
    step(session, world.users["coordinator"], case, "schedule", values={"hearing_date": date(2026, 3, 19)})
    fresh(session)
    case = _case(session, case.id)
    with pytest.raises(InvalidInput) as refused:  # already on a hearing's agenda
        put(session, world, case)
    assert "case_id" in refused.value.errors
    other = ready_case(session, world, "Cléo")
    hearing = put(session, world, other, quorum=2)
    for login, choice in zip(VOTERS, ("against", "against", "in_favour", "abstain"), strict=True):
        answer(session, world, hearing, login, choice)
    hearing = reload(session, Hearing, hearing.id)
    assert hearing.state == "proposal_rejected" and hearing.items[0].decision is None
    assert _case(session, other.id).state == "ready"  # back where it was: for the next hearing's agenda


def test_a_consultation_fails_for_lack_of_answers(session: Session, world: World) -> None:
    # a file on the waiting list, put to the members when a place falls vacant
    hearing = closed(session, world, "Eve", date(2026, 3, 19))
    waiting = hearing.items[0].case_id
    consulted = put(session, world, _case(session, waiting), quorum=3)
    answer(session, world, consulted, "member", "in_favour")
    coordinator = world.users["coordinator"]
    with pytest.raises(TransitionRefused, match="may still answer"):
        consultations.conclude(session, coordinator, consulted.id, now=BEFORE, today=TODAY)
    with pytest.raises(TransitionRefused, match="deadline for the answers has passed"):
        consultations.answer(session, world.users["chair"], consulted.id, "in_favour", now=AFTER, today=DEADLINE)
    consultations.conclude(session, coordinator, consulted.id, now=AFTER, today=DEADLINE)
    consulted = reload(session, Hearing, consulted.id)
    assert consulted.state == "consultation_lapsed" and consulted.items[0].decision is None
    # the file returns to the waiting list it came from
    assert CASE_MACHINE.means(_case(session, waiting).state, Tag.ON_WAITING_LIST)


def test_a_file_withdrawn_meanwhile_ends_the_consultation(session: Session, world: World) -> None:
    case = ready_case(session, world, "Fanny")
    hearing = put(session, world, case)
    answer(session, world, hearing, "chair", "in_favour")
    step(session, world.users["care_a"], _reloaded_case(session, case.id), "withdraw", reason="Found a flat herself.")
    # the last answers cannot adopt a proposal about a withdrawn file
    answer(session, world, hearing, "member", "in_favour")
    answer(session, world, hearing, "landlord_a", "in_favour")
    answer(session, world, hearing, "landlord_b", "in_favour")
    hearing = reload(session, Hearing, hearing.id)
    assert hearing.state == "consultation_ended" and hearing.items[0].decision is None
    assert _case(session, case.id).state == "withdrawn"
    last = session.execute(select(HearingTransition).where(HearingTransition.hearing_id == hearing.id)
                           .order_by(HearingTransition.id.desc()).limit(1)).scalar_one()
    assert last.trigger == "end_consultation" and last.reason == "Le dossier a été retiré entre-temps."


def test_the_coordinator_ends_a_consultation_with_a_reason(session: Session, world: World) -> None:
    case = ready_case(session, world, "Gil")
    hearing = put(session, world, case)
    coordinator = world.users["coordinator"]
    with pytest.raises(TransitionRefused, match="Say why"):
        consultations.end(session, coordinator, hearing.id, "  ", now=BEFORE, today=TODAY)
    consultations.end(session, coordinator, hearing.id, "The landlord took the place back.", now=BEFORE,
                      today=TODAY)
    assert reload(session, Hearing, hearing.id).state == "consultation_ended"
    assert _case(session, case.id).state == "ready"


def test_who_answers_and_who_does_not(session: Session, world: World) -> None:
    case = ready_case(session, world, "Hugo")
    hearing = put(session, world, case)
    for login in ("care_a", "treasurer", "coordinator", "dpo"):
        with pytest.raises(Forbidden):
            consultations.answer(session, world.users[login], hearing.id, "in_favour", now=BEFORE, today=TODAY)
    with pytest.raises(Forbidden):
        consultations.conclude(session, world.users["chair"], hearing.id, now=AFTER, today=DEADLINE)
    with pytest.raises(InvalidInput):
        consultations.answer(session, world.users["member"], hearing.id, "maybe", now=BEFORE, today=TODAY)
    answer(session, world, hearing, "member", "abstain")
    with pytest.raises(TransitionRefused, match="already answered"):
        answer(session, world, hearing, "member", "against")
    # the outcome steps are the consultation's own: the hearing's step button cannot take them
    with pytest.raises(TransitionRefused, match="consultation's page"):
        hearings.fire_hearing(session, world.users["coordinator"], hearing.id, "adopt", expected_version=None,
                              today=TODAY)
    with pytest.raises(TransitionRefused, match="consultation's page"):
        hearings.fire_hearing(session, world.users["coordinator"], hearing.id, "end_consultation",
                              expected_version=None, reason="no", today=TODAY)


def test_what_a_member_reads_of_the_proposal(session: Session, world: World) -> None:
    case = ready_case(session, world, "Inès")
    hearing = put(session, world, case)
    view = consultations.read(session, world.users["landlord_b"], hearing.id, now=BEFORE)
    assert view.initials == "I.M." and view.may_answer and not view.answers and not view.manage
    assert view.place_reference == world.place_a.reference and view.proposal is Decision.ALLOCATE
    assert "Inès" not in repr(view)  # initials only, never the name
    with pytest.raises(Forbidden):
        consultations.read(session, world.users["care_a"], hearing.id, now=BEFORE)
    coordinator_view = consultations.read(session, world.users["coordinator"], hearing.id, now=BEFORE)
    assert len(coordinator_view.answers) == len(VOTERS) and coordinator_view.manage


def test_the_steps_fit_the_kind_of_hearing(session: Session, world: World) -> None:
    ordinary = plan(session, world)
    coordinator = world.users["coordinator"]
    assert "consult" not in {step.trigger for step in policy.steps_for(coordinator, HEARING_MACHINE, ordinary)}
    with pytest.raises(TransitionRefused, match="Only a written consultation"):
        hearings.fire_hearing(session, coordinator, ordinary.id, "consult", expected_version=None, today=TODAY)
    written = put(session, world, ready_case(session, world, "Jo"))
    offered = {step.trigger for step in policy.steps_for(coordinator, HEARING_MACHINE, written)}
    assert offered <= {"adopt", "reject", "lapse", "end_consultation"}


def test_reminders_ask_each_member_for_their_answer(session: Session, world: World) -> None:
    hearing = put(session, world, ready_case(session, world, "Kim"))

    def waiting(login: str, day: date = TODAY) -> list[reminders.Reminder]:
        return [r for r in reminders.reminders_for(session, world.users[login], day) if r.kind == "consultation"]

    from commission import clock

    with clock.travel(BEFORE):
        assert [r.values for r in waiting("member")] == [{"hearing_id": hearing.id}]
        assert waiting("member")[0].path == f"/consultations/{hearing.id}"
        assert not waiting("care_a") and not waiting("treasurer")
        assert not waiting("coordinator")[0].urgent
        answer(session, world, hearing, "member", "in_favour")
        assert not waiting("member") and waiting("chair")
        assert "Kim" not in str(waiting("chair")[0].message.params)
    with clock.travel(AFTER):
        assert not waiting("chair", DEADLINE)  # too late to answer
        assert waiting("coordinator", DEADLINE)[0].urgent  # the outcome is due


def test_the_next_hearing_reports_the_consultations_in_its_minutes(session: Session, world: World) -> None:
    case = ready_case(session, world, "Lou")
    written = put(session, world, case, quorum=2)
    for login, choice in zip(VOTERS, ("in_favour", "in_favour", "abstain", "against"), strict=True):
        answer(session, world, written, login, choice)
    fresh(session)
    hearing = closed(session, world, "Max", date(2026, 3, 19))
    minutes = hearings.current_minutes(hearing)
    assert minutes is not None
    data = hearing_documents.build_minutes_data(session, hearing, minutes)
    [report] = data.consultations
    assert (report.in_favour, report.against, report.abstentions, report.consulted) == (2, 1, 1, 4)
    assert report.initials == "L.M." and report.outcome == "Proposition adoptée"
    assert world.place_a.reference in report.place
    landlord_b = hearing_documents.minutes_view(world.users["landlord_b"], data,
                                                policy.minutes_fields(world.users["landlord_b"]))
    assert landlord_b.consultations == ()  # not about its places
    landlord_a = hearing_documents.minutes_view(world.users["landlord_a"], data,
                                                policy.minutes_fields(world.users["landlord_a"]))
    assert len(landlord_a.consultations) == 1 and landlord_a.consultations[0].purpose == ""
    assert session.execute(select(Consultation)).scalar_one().concluded_at is not None
    assert AnswerChoice.WITHDRAWN.value == "withdrawn"


def test_the_hearing_diagram_shows_the_written_consultation() -> None:
    from click.testing import CliRunner

    from commission.cli import main

    result = CliRunner().invoke(main, ["workflow", "diagram", "hearing", "--format", "mermaid"])
    assert result.exit_code == 0, result.output
    for name in ("consulting", "proposal_adopted", "proposal_rejected", "consultation_lapsed", "consultation_ended"):
        assert name in result.stdout


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
