"""Each user's reminders: every kind reaches those whose task it is, and no one else."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.models import Case
from commission.services import followup, hearings, reminders, stock
from commission.services.reminders import Reminder
from tests.cases_helpers import TODAY, new_case, step
from tests.conftest import World
from tests.followup_helpers import MOVE_IN, housed
from tests.hearings_helpers import HEARING_DAY, plan, ready_case, sitting

EVERYONE = ("coordinator", "care_a", "care_b", "chair", "member", "treasurer", "landlord_a", "landlord_b")


def of_kind(session: Session, world: World, login: str, kind: str, day: date) -> list[Reminder]:
    return [r for r in reminders.reminders_for(session, world.users[login], day) if r.kind == kind]


def who_sees(session: Session, world: World, kind: str, day: date) -> set[str]:
    return {login for login in EVERYONE if of_kind(session, world, login, kind, day)}


def test_offers_nearing_their_deadline(session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada"])
    hearings.decide_item(session, world.users["chair"], s.hearing.id, s.hearing.items[0].id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    day = HEARING_DAY + timedelta(days=8)
    assert who_sees(session, world, "offer", day) == {"coordinator", "care_a"}
    (offer,) = of_kind(session, world, "care_a", "offer", day)
    assert offer.urgent and offer.due == HEARING_DAY + timedelta(days=10)
    assert (offer.endpoint, offer.values, offer.reference) == ("cases.show", {"case_id": s.cases[0].id},
                                                              s.cases[0].reference)
    assert offer.person == "Ada Martin" and "Ada" not in str(offer.message)
    (early,) = of_kind(session, world, "care_a", "offer", HEARING_DAY + timedelta(days=1))
    assert not early.urgent


def test_incomplete_files_and_files_to_check(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    with clock.travel(TODAY):
        returned = new_case(session, world, "care_a", first_name="Bea")
        step(session, world.users["care_a"], returned, "submit")
        step(session, coordinator, returned, "return_incomplete", reason="Proof of resources missing")
        waiting = new_case(session, world, "care_b", first_name="Cid")
        step(session, world.users["care_b"], waiting, "submit")
    assert who_sees(session, world, "incomplete", TODAY) == {"coordinator", "care_a"}
    assert who_sees(session, world, "to_check", TODAY) == {"coordinator"}  # the coordinator checks completeness
    (incomplete,) = of_kind(session, world, "care_a", "incomplete", TODAY)
    assert incomplete.due == TODAY + timedelta(days=30) and not incomplete.urgent
    assert "resources" not in str(incomplete.message)  # what is missing is read on the file
    assert of_kind(session, world, "care_a", "incomplete", TODAY + timedelta(days=30))[0].urgent
    (to_check,) = of_kind(session, world, "coordinator", "to_check", TODAY + timedelta(days=3))
    assert to_check.reference == waiting.reference and not to_check.urgent
    assert of_kind(session, world, "coordinator", "to_check", TODAY + timedelta(days=14))[0].urgent
    with clock.travel(TODAY + timedelta(days=2)):
        step(session, coordinator, session.get(Case, waiting.id) or waiting, "mark_ready",
             today=TODAY + timedelta(days=2))
    assert of_kind(session, world, "coordinator", "to_check", TODAY + timedelta(days=3)) == []


def test_follow_up_overdue_and_meeting_actions(session: Session, world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    day = MOVE_IN + timedelta(days=31)
    assert who_sees(session, world, "followup", day) == {"coordinator", "care_a"}
    (late,) = of_kind(session, world, "care_a", "followup", day)
    assert (late.endpoint, late.values, late.due, late.urgent) == ("followup.show", {"case_id": ada.id},
                                                                   MOVE_IN + timedelta(days=30), False)
    assert of_kind(session, world, "care_a", "followup", MOVE_IN + timedelta(days=60))[0].urgent
    followup.save_care_plan(session, world.users["care_a"], ada.id, followup.CarePlanInput(
        referring_psychiatrist="Dr Lemaire", visit_every_days="60"), today=day)
    assert of_kind(session, world, "care_a", "followup", day) == []
    meeting = followup.call_meeting(session, world.users["care_a"], ada.id, followup.MeetingInput(
        meeting_date=day.isoformat(), attendees="Infirmier, bailleur", actions=[followup.ActionInput(
            "Voir le voisin du dessus", "Infirmier", (day + timedelta(days=3)).isoformat())]), today=day)
    (action,) = of_kind(session, world, "care_a", "followup", day)
    assert (action.endpoint, action.values) == ("followup.meeting", {"case_id": ada.id, "meeting_id": meeting.id})
    assert action.reference == ada.reference and action.person == "Ada Martin"
    assert "voisin" not in str(action.message)
    assert of_kind(session, world, "care_b", "followup", day) == []
    # two months after the move-in, the visit the plan asks for is late
    later = of_kind(session, world, "coordinator", "followup", day + timedelta(days=31))
    assert {r.endpoint for r in later} == {"followup.show", "followup.meeting"}
    visit = next(r for r in later if r.endpoint == "followup.show")
    assert visit.detail is not None and visit.detail.msgid == "home visit"  # the web page's word, not the mail's


def test_hearings_coming(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    ready_case(session, world, "Eve", "care_a")
    hearing = plan(session, world)
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=TODAY)
    hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=None, today=TODAY)
    assert who_sees(session, world, "hearing", TODAY) == set()  # 17 days ahead: not yet
    day = HEARING_DAY - timedelta(days=10)
    # everyone who sits (all invited, the treasurer too), and the team whose person is heard
    assert who_sees(session, world, "hearing", day) == set(EVERYONE) - {"care_b"}
    (own,) = of_kind(session, world, "care_a", "hearing", day)
    assert own.message.params["count"] == 1 and own.reference == hearing.reference
    assert (own.endpoint, own.values, own.urgent) == ("hearings.show", {"hearing_id": hearing.id}, False)
    assert "count" not in of_kind(session, world, "member", "hearing", day)[0].message.params
    assert of_kind(session, world, "chair", "hearing", HEARING_DAY - timedelta(days=2))[0].urgent


def test_agreements_to_renew(session: Session, world: World) -> None:
    agreement = stock.create_agreement(session, world.users["coordinator"], stock.AgreementInput(
        organisation_id=str(world.landlord_a.id), reference="CONV-A-2024", title="Convention Habitat A",
        start_date="2024-01-01", end_date="2026-06-30", renewal="explicit", notice_months="3"))
    assert who_sees(session, world, "agreement", TODAY) == {"coordinator"}
    (due,) = of_kind(session, world, "coordinator", "agreement", TODAY)
    assert (due.reference, due.due, due.urgent) == ("CONV-A-2024", date(2026, 6, 30), False)
    assert (due.endpoint, due.values) == ("stock.agreement", {"agreement_id": agreement.id})
    assert of_kind(session, world, "coordinator", "agreement", date(2026, 6, 10))[0].urgent
    assert who_sees(session, world, "agreement", date(2025, 12, 1)) == set()  # seven months ahead


def test_refunds_overdue(session: Session, world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    left = MOVE_IN + timedelta(days=100)
    followup.record_exit(session, world.users["coordinator"], ada.id, followup.ExitInput(
        reason="ordinary_housing", exit_date=left.isoformat(), place_condition="good"), today=left)
    assert who_sees(session, world, "refund", left + timedelta(days=60)) == set()
    day = left + timedelta(days=61)
    # the treasurer, the coordinator, and the landlord who owes it back; not the delegation holder
    assert who_sees(session, world, "refund", day) == {"coordinator", "treasurer", "landlord_a"}
    (refund,) = of_kind(session, world, "treasurer", "refund", day)
    assert refund.reference == ada.reference and refund.urgent and refund.endpoint == "treasury.deposit"
    assert refund.message.params["place"] == world.place_a.reference
    assert of_kind(session, world, "landlord_a", "refund", day)[0].person == "A. M."


def test_reminders_are_grouped_by_kind_urgent_first(session: Session, world: World) -> None:
    with clock.travel(TODAY):
        for name in ("Bea", "Cid"):
            case = new_case(session, world, "care_a", first_name=name)
            step(session, world.users["care_a"], case, "submit")
    stock.create_agreement(session, world.users["coordinator"], stock.AgreementInput(
        organisation_id=str(world.landlord_a.id), reference="CONV-1", title="Convention",
        start_date="2024-01-01", end_date=(TODAY + timedelta(days=20)).isoformat(), renewal="explicit"))
    stock.create_agreement(session, world.users["coordinator"], stock.AgreementInput(
        organisation_id=str(world.landlord_b.id), reference="CONV-2", title="Convention",
        start_date="2024-01-01", end_date=(TODAY + timedelta(days=100)).isoformat(), renewal="explicit"))
    groups = reminders.grouped(reminders.reminders_for(session, world.users["coordinator"], TODAY))
    assert [group.kind for group in groups] == ["agreement", "to_check"]  # only the agreements hold an urgent one
    assert [r.reference for r in groups[0].reminders] == ["CONV-1", "CONV-2"]
    assert [r.urgent for r in groups[0].reminders] == [True, False]


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    bind = session.get_bind()
    assert isinstance(bind, Engine)

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    event.listen(bind, "before_cursor_execute", count)
    yield seen
    event.remove(bind, "before_cursor_execute", count)


def test_a_bounded_number_of_queries_whatever_the_volume(session: Session, world: World,
                                                         statements: list[str]) -> None:
    def build(names: list[str]) -> None:
        with clock.travel(TODAY):
            for name in names:
                case = new_case(session, world, "care_a", first_name=name)
                step(session, world.users["care_a"], case, "submit")
                if name.startswith("I"):
                    step(session, world.users["coordinator"], case, "return_incomplete", reason="Missing")

    def queries() -> int:
        session.expire_all()
        statements.clear()
        found = reminders.reminders_for(session, world.users["coordinator"], TODAY)
        assert found
        return len(statements)

    build(["Ida", "Tom"])
    few = queries()
    build([f"I{n}" for n in range(6)] + [f"T{n}" for n in range(6)])
    assert queries() == few


def test_overdue_follow_ups_are_those_of_the_follow_up_pages(session: Session, world: World) -> None:
    """The home page finds late follow-ups in one query, due dates worked out in SQL: the very ones the
    follow-up service finds by reading every housed person's plan and events."""
    ada, bea = housed(session, world, ["Ada", "Bea"])
    care = world.users["care_a"]
    followup.save_care_plan(session, care, ada.id, followup.CarePlanInput(
        referring_psychiatrist="Dr Lemaire", visit_every_days="14", consultation_every_days="30"),
        today=MOVE_IN + timedelta(days=2))
    followup.record_event(session, care, ada.id, followup.EventInput(
        kind="visit", occurred_on=(MOVE_IN + timedelta(days=10)).isoformat()), today=MOVE_IN + timedelta(days=10))
    for days in (0, 13, 29, 30, 31, 40, 45, 200):
        day = MOVE_IN + timedelta(days=days)
        for login in ("coordinator", "care_a", "care_b", "member"):
            user = world.users[login]
            expected = [(item.case.id, item.what, item.due) for item in followup.overdue_followups(session, user, day)]
            found = [(case_id, what, due) for case_id, _created, _first, _last, what, due, _late
                     in reminders._overdue_followups(session, user, day)] \
                if policy.can(user, policy.Action.VIEW_FOLLOWUP) else []
            assert found == expected, (days, login)
    late = MOVE_IN + timedelta(days=45)
    assert {(r.values["case_id"], r.detail.msgid if r.detail else None, r.due)
            for r in of_kind(session, world, "care_a", "followup", late)} == {
        (ada.id, "home visit", MOVE_IN + timedelta(days=24)), (ada.id, "consultation", MOVE_IN + timedelta(days=30)),
        (bea.id, None, MOVE_IN + timedelta(days=30))}
