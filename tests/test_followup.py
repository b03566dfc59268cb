"""Life after the move-in, through the services: the care plan, events, overdue follow-up, resource
meetings, the commission's review at a hearing, and the exit that closes everything at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.cli import main
from commission.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound, TransitionRefused
from commission.models import (
    AccessLog,
    AgendaItem,
    AuditEntry,
    Case,
    CaseExit,
    CaseReview,
    CaseTransition,
    Deposit,
    FollowUpEvent,
    ItemKind,
    Occupancy,
    Place,
    PlaceTransition,
    ReviewOutcome,
)
from commission.services import followup, hearings, integrity, reminders
from tests.conftest import World, fresh
from tests.followup_helpers import MOVE_IN, housed
from tests.hearings_helpers import plan


def event(kind: str, day: date, **more: object) -> followup.EventInput:
    return followup.EventInput(kind=kind, occurred_on=day.isoformat(), **more)  # type: ignore[arg-type]


def review_hearing(session: Session, world: World, day: date) -> tuple[int, list[AgendaItem]]:
    """A hearing on `day`, its agenda built (reviews due included), convened, in session, quorum met."""
    coordinator, chair = world.users["coordinator"], world.users["chair"]
    hearing = plan(session, world, day=day)
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=day - timedelta(days=20))
    hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=None,
                          today=day - timedelta(days=20))
    hearings.fire_hearing(session, chair, hearing.id, "open_session", expected_version=None, today=day)
    present = {chair.id, world.users["member"].id}
    hearings.set_attendance(session, chair, hearing.id, [
        hearings.AttendanceInput(a.id, "present" if a.user_id in present else "excused") for a in hearing.attendances
    ])
    return hearing.id, hearings.items(session, hearing)


def test_from_housed_to_closed(session: Session, world: World, env_db: str) -> None:
    """housed -> follow-up events -> overdue -> review at a hearing -> exit -> refund claimed -> closed."""
    care, coordinator, chair = world.users["care_a"], world.users["coordinator"], world.users["chair"]
    (ada,) = housed(session, world, ["Ada"])
    assert ada.state == "housed" and ada.review_due == MOVE_IN + timedelta(days=180)

    # a month after the move-in without a care plan, the follow-up is overdue
    assert [o.what for o in followup.overdue_followups(session, care, MOVE_IN + timedelta(days=31))] == ["care_plan"]
    followup.save_care_plan(session, care, ada.id, followup.CarePlanInput(
        referring_psychiatrist="Dr Lemaire", referring_nurse="M. Roussel", visit_every_days="14",
        consultation_every_days="30", activities="GEM le mardi", status="going_well",
        status_note="S'installe bien."), today=MOVE_IN + timedelta(days=2))
    followup.record_event(session, care, ada.id, event("visit", MOVE_IN + timedelta(days=10),
                                                       summary="Visite à domicile"), today=MOVE_IN + timedelta(days=10))
    followup.record_event(session, care, ada.id, event("consultation", MOVE_IN + timedelta(days=20)),
                          today=MOVE_IN + timedelta(days=20))
    assert followup.overdue_followups(session, care, MOVE_IN + timedelta(days=24)) == []

    # then nobody visits for weeks: the visit is overdue (due 14 days after the last one)
    late = MOVE_IN + timedelta(days=40)
    overdue = followup.overdue_followups(session, care, late)
    assert [(o.what, o.due) for o in overdue] == [("visit", MOVE_IN + timedelta(days=24))]  # consultation: day 50
    assert overdue[0].days_late(late) == 16
    # which the care team and the coordinator are reminded of on their home page (and in their digest)
    for name in ("care_a", "coordinator"):
        found = [r for r in reminders.reminders_for(session, world.users[name], late) if r.kind == "followup"]
        assert [(r.reference, r.due) for r in found] == [(ada.reference, MOVE_IN + timedelta(days=24))], name
    assert not [r for r in reminders.reminders_for(session, world.users["care_b"], late) if r.kind == "followup"]
    assert followup.overdue_followups(session, world.users["care_b"], late) == []  # another team's person

    # an incident, serious: a resource meeting is called, with actions followed until done
    incident = followup.record_event(session, care, ada.id, event(
        "incident", MOVE_IN + timedelta(days=60), incident_kind="neighbour_complaint", serious=True,
        summary="Bruit la nuit", action_taken="Appel au bailleur"), today=MOVE_IN + timedelta(days=60))
    meeting = followup.call_meeting(session, care, ada.id, followup.MeetingInput(
        meeting_date=(MOVE_IN + timedelta(days=70)).isoformat(), attendees="Infirmier, bailleur, curatrice",
        incident_id=str(incident.id)), today=MOVE_IN + timedelta(days=61))
    with pytest.raises(InvalidInput):  # the outcome of a meeting not yet held
        followup.record_meeting_outcome(session, care, meeting.id, followup.MeetingInput(outcome="Accord"),
                                        today=MOVE_IN + timedelta(days=65))
    followup.record_meeting_outcome(session, care, meeting.id, followup.MeetingInput(
        outcome="Médiation avec les voisins", attendees="Infirmier, bailleur, curatrice, Ada",
        actions=[followup.ActionInput("Rencontre avec le voisin", "Infirmier référent",
                                      (MOVE_IN + timedelta(days=80)).isoformat())]),
        today=MOVE_IN + timedelta(days=70))
    due = followup.open_meeting_actions(session, care, MOVE_IN + timedelta(days=75))
    assert [(d.action.description, d.case_id) for d in due] == [("Rencontre avec le voisin", ada.id)]
    assert followup.open_meeting_actions(session, world.users["care_b"], MOVE_IN + timedelta(days=75)) == []
    followup.complete_action(session, care, due[0].action.id, today=MOVE_IN + timedelta(days=78))
    assert followup.open_meeting_actions(session, care, MOVE_IN + timedelta(days=79)) == []
    followup.save_care_plan(session, care, ada.id, followup.CarePlanInput(
        referring_psychiatrist="Dr Lemaire", visit_every_days="14", consultation_every_days="30",
        status="needs_attention", status_note="Tensions avec le voisinage, en cours d'apaisement."),
        today=MOVE_IN + timedelta(days=80))

    # the review comes on the agenda of the first hearing after it is due; the commission sees the status
    review_day = MOVE_IN + timedelta(days=190)
    hearing_id, items = review_hearing(session, world, review_day)
    (item,) = [i for i in items if i.kind is ItemKind.REVIEW]
    assert item.case_id == ada.id
    summary = followup.review_summaries(session, [ada.id], review_day)[ada.id]
    assert summary.status is not None and summary.status.value == "needs_attention"
    assert (summary.incidents_last_year, summary.open_actions, summary.months_housed) == (1, 0, 6)
    assert not hasattr(summary, "summary")  # what the review sees holds no event's content
    with pytest.raises(InvalidInput) as missing:
        hearings.decide_item(session, chair, hearing_id, item.id, hearings.DecisionInput(decision="review_noted"),
                             today=review_day)
    assert "review_outcome" in missing.value.errors
    hearings.decide_item(session, chair, hearing_id, item.id, hearings.DecisionInput(
        decision="review_noted", review_outcome="closer_follow_up", reason="À revoir au trimestre"),
        today=review_day)
    fresh(session)
    review = session.execute(select(CaseReview).where(CaseReview.case_id == ada.id)).scalar_one()
    assert (review.outcome, review.status_seen.value if review.status_seen else None) == (
        ReviewOutcome.CLOSER_FOLLOW_UP, "needs_attention")
    assert session.get(Case, ada.id).review_due == review_day + timedelta(days=90)  # type: ignore[union-attr]

    # the exit: one transaction closes the occupancy, vacates the place, claims the deposit, closes the file
    leave, recorded = MOVE_IN + timedelta(days=400), MOVE_IN + timedelta(days=405)
    exit_record = followup.record_exit(session, coordinator, ada.id, followup.ExitInput(
        reason="ordinary_housing", exit_date=leave.isoformat(), place_condition="works_needed",
        place_notes="Peintures à refaire"), today=recorded)
    fresh(session)
    case = session.get(Case, ada.id)
    assert case is not None and case.state == "closed"
    occupancy = session.execute(select(Occupancy).where(Occupancy.case_id == ada.id)).scalar_one()
    assert occupancy.ended_on == leave and occupancy.exit_inventory == "Peintures à refaire"
    place = session.get(Place, world.place_a.id)
    assert place is not None and place.state == "vacated"
    deposit = session.execute(select(Deposit).where(Deposit.case_id == ada.id)).scalar_one()
    assert deposit.state == "refund_claimed"
    assert exit_record.occupancy_id == occupancy.id
    steps = session.execute(select(CaseTransition.trigger).where(CaseTransition.case_id == ada.id)
                            .order_by(CaseTransition.id)).scalars().all()
    assert steps[-2:] == ["start_exit", "close"]
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "case.exit_recorded")).scalar_one()
    assert integrity.check_all(session)[1] == []
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output

    # the follow-up of a closed file stays readable, but nothing more is recorded on it
    with pytest.raises(TransitionRefused):
        followup.record_event(session, care, ada.id, event("visit", recorded), today=recorded)
    assert followup.read_followup(session, care, ada.id).exit is not None


@pytest.fixture
def env_db(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: object) -> str:
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path))
    return database_url


def test_the_follow_up_is_the_care_teams_and_the_coordinators_only(session: Session, world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    followup.record_event(session, world.users["care_a"], ada.id, event("visit", MOVE_IN), today=MOVE_IN)
    for name in ("care_b", "chair", "member", "treasurer", "landlord_a"):
        with pytest.raises(Forbidden):
            followup.read_followup(session, world.users[name], ada.id)
        with pytest.raises(Forbidden):
            followup.record_event(session, world.users[name], ada.id, event("visit", MOVE_IN), today=MOVE_IN)
        assert followup.overdue_followups(session, world.users[name], MOVE_IN + timedelta(days=90)) == []
    with pytest.raises(Forbidden):  # only the coordinator records the exit
        followup.record_exit(session, world.users["care_a"], ada.id, followup.ExitInput(
            reason="death", exit_date=MOVE_IN.isoformat(), place_condition="good"), today=MOVE_IN)
    read = followup.read_followup(session, world.users["coordinator"], ada.id)
    assert [e.kind.value for e in read.events] == ["visit"]
    # every read of the follow-up is logged
    parts = session.execute(select(AccessLog.part, AccessLog.user_id).where(AccessLog.case_id == ada.id)).all()
    assert ("followup", world.users["coordinator"].id) in parts
    with pytest.raises(NotFound):
        followup.read_followup(session, world.users["coordinator"], 99999)


def test_bad_input_changes_nothing(session: Session, world: World) -> None:
    care = world.users["care_a"]
    (ada,) = housed(session, world, ["Ada"])
    today = MOVE_IN + timedelta(days=10)
    cases_of_bad_input: list[tuple[followup.EventInput, str]] = [
        (event("visit", today + timedelta(days=1)), "occurred_on"),  # in the future
        (event("visit", MOVE_IN - timedelta(days=1)), "occurred_on"),  # before the move-in
        (followup.EventInput(kind="visit", occurred_on="31/02/2026"), "occurred_on"),
        (followup.EventInput(kind="party", occurred_on=today.isoformat()), "kind"),
        (event("incident", today, action_taken="Called"), "incident_kind"),  # which incident?
        (event("incident", today, incident_kind="rent_arrears"), "action_taken"),  # what was done?
    ]
    for data, field in cases_of_bad_input:
        with pytest.raises(InvalidInput) as invalid:
            followup.record_event(session, care, ada.id, data, today=today)
        assert field in invalid.value.errors
    for rhythm in ("0", "-3", "abc", "400", "1e3"):
        with pytest.raises(InvalidInput) as invalid:
            followup.save_care_plan(session, care, ada.id, followup.CarePlanInput(
                referring_psychiatrist="Dr X", visit_every_days=rhythm), today=today)
        assert "visit_every_days" in invalid.value.errors
    with pytest.raises(InvalidInput):
        followup.save_care_plan(session, care, ada.id, followup.CarePlanInput(
            referring_psychiatrist="Dr X", status="splendid"), today=today)
    with pytest.raises(InvalidInput):  # an action without its owner
        followup.call_meeting(session, care, ada.id, followup.MeetingInput(
            meeting_date=today.isoformat(), attendees="Équipe",
            actions=[followup.ActionInput("Appeler le bailleur", "", "")]), today=today)
    exits = [
        (followup.ExitInput(reason="", exit_date=today.isoformat(), place_condition="good"), "reason"),
        (followup.ExitInput(reason="death", exit_date=(today + timedelta(days=1)).isoformat(),
                            place_condition="good"), "exit_date"),
        (followup.ExitInput(reason="death", exit_date=(MOVE_IN - timedelta(days=1)).isoformat(),
                            place_condition="good"), "exit_date"),
        (followup.ExitInput(reason="other", exit_date=today.isoformat(), place_condition="good"), "note"),
        (followup.ExitInput(reason="death", exit_date=today.isoformat(), place_condition="ruined"),
         "place_condition"),
    ]
    for exit_data, field in exits:
        with pytest.raises(InvalidInput) as invalid:
            followup.record_exit(session, world.users["coordinator"], ada.id, exit_data, today=today)
        assert field in invalid.value.errors
    fresh(session)
    assert session.execute(select(func.count()).select_from(FollowUpEvent)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(CaseExit)).scalar_one() == 0
    case = session.get(Case, ada.id)
    assert case is not None and case.state == "housed"
    assert integrity.check_all(session)[1] == []


def test_a_lease_taken_over_takes_the_place_out_of_the_stock(session: Session, world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    day = MOVE_IN + timedelta(days=700)
    followup.record_exit(session, world.users["coordinator"], ada.id, followup.ExitInput(
        reason="lease_taken_over", exit_date=day.isoformat(), place_condition="good"), today=day)
    fresh(session)
    place = session.get(Place, world.place_a.id)
    assert place is not None and place.state == "withdrawn" and not place.active
    triggers = session.execute(select(PlaceTransition.trigger).where(PlaceTransition.place_id == place.id)
                               .order_by(PlaceTransition.id)).scalars().all()
    assert triggers[-2:] == ["vacate", "withdraw"]
    assert integrity.check_all(session)[1] == []


def test_two_exits_at_once_one_wins(session: Session, world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    version = ada.version
    day = MOVE_IN + timedelta(days=30)
    data = followup.ExitInput(reason="moved_elsewhere", exit_date=day.isoformat(), place_condition="good",
                              version=version)
    followup.record_exit(session, world.users["coordinator"], ada.id, data, today=day)
    with pytest.raises((ConcurrentChange, TransitionRefused)):
        followup.record_exit(session, world.users["coordinator"], ada.id, data, today=day)
    session.rollback()
    assert session.execute(select(func.count()).select_from(CaseExit)).scalar_one() == 1


def test_the_close_step_is_taken_by_the_exit_only(session: Session, world: World) -> None:
    from commission.services import cases

    (ada,) = housed(session, world, ["Ada"])
    cases.fire_case(session, world.users["care_a"], ada.id, "start_exit", expected_version=None,
                    reason="Préfère partir", today=MOVE_IN + timedelta(days=5))
    with pytest.raises(TransitionRefused, match="exit"):
        cases.fire_case(session, world.users["coordinator"], ada.id, "close", expected_version=None,
                        today=MOVE_IN + timedelta(days=6))
    # the announced exit is then recorded from "exiting"
    followup.record_exit(session, world.users["coordinator"], ada.id, followup.ExitInput(
        reason="moved_elsewhere", exit_date=(MOVE_IN + timedelta(days=6)).isoformat(), place_condition="good"),
        today=MOVE_IN + timedelta(days=6))
    fresh(session)
    case = session.get(Case, ada.id)
    assert case is not None and case.state == "closed"
    assert integrity.check_all(session)[1] == []


def test_an_action_is_reached_through_its_own_file_only(session: Session, world: World) -> None:
    ada, bea = housed(session, world, ["Ada", "Bea"])
    care = world.users["care_a"]
    meeting = followup.call_meeting(session, care, ada.id, followup.MeetingInput(
        meeting_date=MOVE_IN.isoformat(), attendees="Équipe", held=True, outcome="Plan d'action",
        actions=[followup.ActionInput("Appeler", "Infirmier", "")]), today=MOVE_IN)
    fresh(session)
    action_id = followup.read_followup(session, care, ada.id).meetings[0].actions[0].id
    with pytest.raises(NotFound):
        followup.complete_action(session, care, action_id, case_id=bea.id, today=MOVE_IN)
    with pytest.raises(Forbidden):
        followup.complete_action(session, world.users["care_b"], action_id, today=MOVE_IN)
    followup.complete_action(session, care, action_id, case_id=ada.id, today=MOVE_IN)
    with pytest.raises(TransitionRefused):
        followup.complete_action(session, care, action_id, case_id=ada.id, today=MOVE_IN)
    assert meeting.id
