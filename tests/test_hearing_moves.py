"""Hearings off the quarterly rhythm: an extraordinary hearing beside the quarter's ordinary one, a convened
hearing that moves (with its reason, its record and the new convocations), a hearing postponed out of its
quarter, the next quarter proposed, and a member's hearings for their home page."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.errors import InvalidInput, TransitionRefused
from commission.models import AuditEntry, Case, Hearing, HearingMove, HearingTransition
from commission.models.hearings import HearingKind
from commission.services import hearing_documents, hearings
from tests.cases_helpers import TODAY
from tests.conftest import World, fresh, is_postgres
from tests.hearings_helpers import HEARING_DAY, plan, ready_case


def hearing_input(world: World, day: date, **overrides: str) -> hearings.HearingInput:
    values = {"day": day.isoformat(), "start_time": "14:00", "town_id": str(world.towns["Ronchin"].id),
              "venue": "Salle du conseil", "address": "Place de la mairie", "chair_id": str(world.users["chair"].id),
              "quorum": "2", "slot_minutes": "20", **overrides}
    return hearings.HearingInput(**values)


def convened(session: Session, world: World, names: list[str], day: date = HEARING_DAY) -> Hearing:
    coordinator = world.users["coordinator"]
    for name in names:
        ready_case(session, world, name)
    hearing = plan(session, world, day=day)
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=TODAY)
    hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=hearing.version, today=TODAY)
    return hearing


def moved_details(hearing: Hearing, world: World, day: date, reason: str, **overrides: str) -> hearings.HearingInput:
    return hearing_input(world, day, start_time=hearing.start_time.strftime("%H:%M"), reason=reason, **overrides)


def test_an_extraordinary_hearing_sits_beside_the_quarters_ordinary_one(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    ordinary = plan(session, world)
    extraordinary = hearings.plan_hearing(session, coordinator, hearing_input(
        world, date(2026, 3, 5), kind="extraordinary", purpose="A place fell vacant in the residence"))
    assert extraordinary.kind is HearingKind.EXTRAORDINARY and extraordinary.quarter == ordinary.quarter == 1
    assert extraordinary.purpose == "A place fell vacant in the residence"
    assert extraordinary.reference == f"2026-T1-E{extraordinary.id}" and ordinary.reference == "2026-T1"
    # a second ordinary hearing in the quarter is refused
    with pytest.raises(InvalidInput) as refused:
        hearings.plan_hearing(session, coordinator, hearing_input(world, date(2026, 2, 12)))
    assert "day" in refused.value.errors
    # an extraordinary hearing says why it is held
    with pytest.raises(InvalidInput) as refused:
        hearings.plan_hearing(session, coordinator, hearing_input(world, date(2026, 2, 12), kind="extraordinary"))
    assert "purpose" in refused.value.errors
    # the year's planning still counts the quarter's ordinary hearing only
    planned = hearings.plan_year(session, coordinator, 2026)
    assert sorted(hearing.quarter for hearing in planned) == [2, 3, 4]


def test_the_database_keeps_one_ordinary_hearing_per_quarter(session: Session, world: World) -> None:
    from sqlalchemy.exc import IntegrityError

    first = plan(session, world)
    session.add(Hearing(year=2026, quarter=1, day=date(2026, 3, 26), start_time=time(14), town_id=first.town_id,
                        quorum=2, state="planned", kind=HearingKind.EXTRAORDINARY, purpose="Urgent"))
    session.flush()
    session.add(Hearing(year=2026, quarter=1, day=date(2026, 3, 27), start_time=time(14), town_id=first.town_id,
                        quorum=2, state="planned"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_an_extraordinary_hearing_is_printed_as_such(session: Session, world: World) -> None:
    from commission.documents.pdf import hearing_label

    coordinator = world.users["coordinator"]
    ready_case(session, world, "Ada")
    hearing = hearings.plan_hearing(session, coordinator, hearing_input(
        world, date(2026, 3, 26), kind="extraordinary", purpose="A place fell vacant"))
    hearings.build_agenda(session, coordinator, hearing.id, None, today=TODAY)
    hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=None, today=TODAY)
    agenda = hearing_documents.agenda_data(session, coordinator, hearing)
    assert agenda.hearing.extraordinary and agenda.hearing.purpose == "A place fell vacant"
    assert hearing_label(agenda.hearing, "fr").startswith("Commission appartement extraordinaire")
    invitation = hearing_documents.invitations(session, coordinator, hearing)[0][1]
    assert "extraordinaire" in invitation.summary.lower()


def test_a_convened_hearing_moves_with_its_reason_and_everyone_is_told(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    hearing = convened(session, world, ["Ada", "Bea"])
    sequence, version = hearing.invitation_sequence, hearing.version
    members = len(hearing_documents.invitations(session, coordinator, hearing)) - 2 * len(hearing.items)
    hearings.update_hearing(session, coordinator, hearing.id, moved_details(
        hearing, world, date(2026, 3, 3), "The town hall is closed for works", venue="Salle des fêtes"),
        version, today=TODAY)
    fresh(session)
    hearing = session.get(Hearing, hearing.id)  # type: ignore[assignment]
    assert hearing.day == date(2026, 3, 3) and hearing.invitation_sequence == sequence + 1
    assert hearing.state == "convened" and hearing.items[0].time_slot == time(14)
    move = session.execute(select(HearingMove).where(HearingMove.hearing_id == hearing.id)).scalar_one()
    assert (move.from_day, move.to_day, move.reason) == (HEARING_DAY, date(2026, 3, 3),
                                                         "The town hall is closed for works")
    assert move.actor_name == coordinator.display_name and "Salle des fêtes" in move.to_place
    roles = [notice.role for notice in move.notices]
    assert roles.count("person") == 2 and roles.count("care_team") == 2 and roles.count("member") == members > 0
    assert all(notice.letter for notice in move.notices if notice.role != "member")
    # the step and its reason in the timeline, the audit entry
    step = session.execute(select(HearingTransition).where(HearingTransition.hearing_id == hearing.id,
                                                           HearingTransition.trigger == "move")).scalar_one()
    assert step.reason == "The town hall is closed for works"
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "hearing.moved")).scalar_one()
    # the new letters say the hearing moved; the invitations carry the raised sequence
    letters = hearing_documents.convocation_letters(session, coordinator, hearing, move=move)
    assert len(letters) == sum(notice.letter for notice in move.notices) >= 4
    assert all(letter.moved_from == HEARING_DAY for letter in letters)
    sent = hearing_documents.invitations(session, coordinator, hearing)
    assert {invitation.sequence for _name, invitation in sent} == {sequence + 1}
    # the files follow the hearing's new date
    assert {session.get(Case, item.case_id).scheduled_for for item in hearing.items} == {date(2026, 3, 3)}  # type: ignore[union-attr]


def test_a_move_without_a_reason_is_refused_and_nothing_changes(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    hearing = convened(session, world, ["Ada"])
    before = (hearing.day, hearing.invitation_sequence, hearing.version)
    with pytest.raises(InvalidInput) as refused:
        hearings.update_hearing(session, coordinator, hearing.id, moved_details(hearing, world, date(2026, 3, 12), ""),
                                hearing.version, today=TODAY)
    assert "reason" in refused.value.errors
    session.rollback()
    hearing = session.get(Hearing, hearing.id)  # type: ignore[assignment]
    assert (hearing.day, hearing.invitation_sequence, hearing.version) == before
    assert session.execute(select(HearingMove)).first() is None
    # nor is the step taken as a bare button, without new details
    with pytest.raises(TransitionRefused):
        hearings.fire_hearing(session, coordinator, hearing.id, "move", expected_version=None, reason="Why not",
                              today=TODAY)


def test_a_hearing_postponed_into_the_next_quarter_keeps_its_agenda(session: Session, world: World) -> None:
    coordinator, chair = world.users["coordinator"], world.users["chair"]
    hearing = convened(session, world, ["Ada", "Bea"])
    agenda = [item.case_id for item in hearing.items]
    later = date(2026, 4, 9)
    hearings.update_hearing(session, coordinator, hearing.id, moved_details(
        hearing, world, later, "The chair is unavailable until April"), hearing.version, today=TODAY)
    fresh(session)
    hearing = session.get(Hearing, hearing.id)  # type: ignore[assignment]
    assert (hearing.year, hearing.quarter, hearing.day) == (2026, 1, later)
    assert [item.case_id for item in hearing.items] == agenda
    # the ordinary hearing still counts for its quarter: the first quarter has one, the second none yet
    with pytest.raises(InvalidInput):
        hearings.plan_hearing(session, coordinator, hearing_input(world, date(2026, 3, 26)))
    assert hearings.next_open_quarter(session, TODAY) == (2026, 2)
    # the session opens on the new date, not on the old one
    with pytest.raises(TransitionRefused):
        hearings.fire_hearing(session, chair, hearing.id, "open_session", expected_version=None, today=HEARING_DAY)
    hearings.fire_hearing(session, chair, hearing.id, "open_session", expected_version=None, today=later)
    assert session.get(Hearing, hearing.id).state == "in_session"  # type: ignore[union-attr]


def test_a_planned_hearing_leaves_its_quarter_only_with_a_reason(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    hearing = plan(session, world)
    with pytest.raises(InvalidInput) as refused:
        hearings.update_hearing(session, coordinator, hearing.id, hearing_input(world, date(2026, 4, 2)),
                                hearing.version, today=TODAY)
    assert "reason" in refused.value.errors
    session.rollback()
    hearing = session.get(Hearing, hearing.id)  # type: ignore[assignment]
    hearings.update_hearing(session, coordinator, hearing.id, hearing_input(
        world, date(2026, 4, 2), reason="Elections in March"), hearing.version, today=TODAY)
    move = session.execute(select(HearingMove)).scalar_one()
    assert move.reason == "Elections in March" and move.notices == []  # nobody convened yet


def test_the_next_quarter_proposed_is_not_past_and_has_no_hearing(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    # 2 March: the first quarter's usual day (19 March) is ahead, and free
    assert hearings.proposal(session, coordinator, today=TODAY).day == "2026-03-19"
    plan(session, world)
    assert hearings.proposal(session, coordinator, today=TODAY).day == "2026-06-18"
    # late in March, the first quarter's day is past: the second's is proposed
    assert hearings.next_open_quarter(session, date(2026, 12, 20)) == (2027, 1)
    extraordinary = hearings.proposal(session, coordinator, kind=HearingKind.EXTRAORDINARY, today=TODAY)
    assert extraordinary.kind == "extraordinary" and date.fromisoformat(extraordinary.day) >= date(2026, 3, 16)


def test_a_members_hearings_coming_ones_first(session: Session, world: World) -> None:
    coordinator, chair, member = world.users["coordinator"], world.users["chair"], world.users["member"]
    hearing = convened(session, world, ["Ada", "Bea"])
    later = plan(session, world, day=date(2026, 6, 18))
    seats = hearings.seat_hearings(session, chair, today=TODAY)
    assert [seat.hearing.id for seat in seats] == [hearing.id, later.id]
    assert seats[0].items == 2 and seats[0].chairs and seats[0].agenda and not seats[0].convocations
    assert not seats[0].session_today and seats[0].minutes is None
    assert hearings.seat_hearings(session, chair, today=HEARING_DAY)[0].session_today
    assert not hearings.seat_hearings(session, member, today=HEARING_DAY)[0].session_today
    assert hearings.seat_hearings(session, coordinator, today=TODAY)[0].convocations
    assert hearings.seat_hearings(session, world.users["care_a"], today=TODAY) == []


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
