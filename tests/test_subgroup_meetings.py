"""The housing sub-group's members and meetings (issue 21): its membership lists the accounts seated in it and the
members without an account; a seated member who is not the coordinator plans a meeting, records its notes and who
attended, and follows the actions agreed until they are done, reminded of their own on the home page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound, TransitionRefused
from commission.models import AuditEntry, SubgroupAction, SubgroupAttendance, SubgroupMeeting, SubgroupMember, User
from commission.services import accounts, reminders
from commission.services.subgroup import meetings, members
from commission.services.subgroup.meetings import MeetingInput
from commission.services.subgroup.members import MemberInput, person_key
from tests.conftest import World

TODAY = date(2026, 5, 4)
MEETING_DAY = date(2026, 5, 14)


def seat(session: Session, world: World, login: str = "member") -> User:
    """The coordinator seats an account in the sub-group."""
    return accounts.set_housing_subgroup(session, world.users["coordinator"], world.users[login].id, True)


def outsider(session: Session, world: World, name: str = "Mme Roux") -> SubgroupMember:
    """A member without an account: an elected official of Ronchin."""
    return members.add_member(session, world.users["coordinator"], MemberInput(
        name=name, capacity="Adjointe au maire de Ronchin", town_id=str(world.towns["Ronchin"].id),
        email="roux@example.org", phone="03 20 00 00 00", joined_on="2026-01-05"), today=TODAY)


def trail(session: Session) -> int:
    return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def rows(session: Session) -> tuple[int, ...]:
    return tuple(session.execute(select(func.count()).select_from(model)).scalar_one()
                 for model in (SubgroupMember, SubgroupMeeting, SubgroupAttendance, SubgroupAction))


def planned(session: Session, world: World, login: str = "member", day: date = MEETING_DAY) -> SubgroupMeeting:
    return meetings.plan_meeting(session, world.users[login], MeetingInput(
        held_on=day.isoformat(), starts_at="14:30", location="Mairie de Lesquin, salle du conseil",
        agenda="1. Entrées et sorties\n2. Renouvellement de la convention"), today=TODAY)


def test_the_membership_lists_the_accounts_seated_and_the_members_without_one(session: Session,
                                                                              world: World) -> None:
    seat(session, world)
    roux = outsider(session, world)
    gone = outsider(session, world, "M. Petit")
    members.member_leaves(session, world.users["coordinator"], gone.id, "2026-03-01", today=TODAY)
    listing = members.membership(session, world.users["member"])
    assert [(seat.name, seat.has_account) for seat in listing] == [("Mme Roux", False), ("User member", True)]
    (row,) = [seat for seat in listing if seat.member is not None]
    assert (row.capacity, row.town, row.email, row.phone, row.key) == (
        "Adjointe au maire de Ronchin", "Ronchin", "roux@example.org", "03 20 00 00 00", person_key(member_id=roux.id))
    assert [member.name for member in members.former_members(session, world.users["coordinator"])] == ["M. Petit"]
    # a disabled account no longer sits
    world.users["member"].active = False
    session.flush()
    assert [seat.name for seat in members.membership(session, world.users["coordinator"])] == ["Mme Roux"]


def test_a_seated_member_plans_a_meeting_records_it_and_follows_their_action(session: Session,
                                                                             world: World) -> None:
    member = seat(session, world)
    roux = outsider(session, world)
    meeting = planned(session, world)
    assert meeting.created_by_id == member.id and meeting.starts_at is not None
    assert meetings.next_meeting(session, member, TODAY) == meeting
    listing = meetings.list_meetings(session, member, TODAY)
    assert [row.meeting for row in listing.coming] == [meeting] and listing.past == []
    # the notes wait for the meeting's day
    before = (trail(session), rows(session))
    data = MeetingInput.of(meeting)
    data.notes, data.attendees = "Deux entrées.", [person_key(user_id=member.id)]
    with pytest.raises(InvalidInput) as refused:
        meetings.record_meeting(session, member, meeting.id, data, meeting.version, today=TODAY)
    assert set(refused.value.errors) == {"notes", "attendees"}
    with pytest.raises(TransitionRefused):
        meetings.add_action(session, member, meeting.id, "Écrire au bailleur", today=TODAY)
    assert (trail(session), rows(session)) == before

    data.attendees = [person_key(user_id=member.id), person_key(member_id=roux.id)]
    meetings.record_meeting(session, member, meeting.id, data, meeting.version, today=MEETING_DAY)
    assert meeting.notes == "Deux entrées." and meeting.notes_by_id == member.id
    assert sorted(meetings.meeting_view(session, member, meeting.id, MEETING_DAY).attendees) == [
        "Mme Roux", "User member"]
    action = meetings.add_action(session, member, meeting.id, "Écrire au bailleur sur la convention",
                                 person_key(user_id=member.id), (MEETING_DAY + timedelta(days=20)).isoformat(),
                                 today=MEETING_DAY)
    other = meetings.add_action(session, member, meeting.id, "Appeler la mairie", person_key(member_id=roux.id),
                                (MEETING_DAY + timedelta(days=2)).isoformat(), today=MEETING_DAY)
    loose = meetings.add_action(session, member, meeting.id, "Relire le règlement", today=MEETING_DAY)
    assert [open_.action for open_ in meetings.open_actions(session, member, MEETING_DAY)] == [other, action, loose]
    # late ones come first
    late_day = MEETING_DAY + timedelta(days=5)
    first = meetings.open_actions(session, member, late_day)[0]
    assert (first.action, first.overdue) == (other, True)

    def of_subgroup(login: str, day: date) -> list[reminders.Reminder]:
        return [r for r in reminders.reminders_for(session, world.users[login], day) if r.kind == "subgroup_action"]

    assert of_subgroup("member", MEETING_DAY) == []  # due in 20 days: not yet
    (own,) = of_subgroup("member", MEETING_DAY + timedelta(days=10))
    assert (own.endpoint, own.values, own.urgent, own.due) == (
        "subgroup_meetings.meeting", {"meeting_id": meeting.id}, False, action.due_on)
    assert own.path == f"/subgroup/meetings/{meeting.id}"
    assert "bailleur" not in str(own.message) and "bailleur" in str(own.detail)  # the words: web only
    assert of_subgroup("member", MEETING_DAY + timedelta(days=18))[0].urgent
    # the action of the member without an account goes to the coordinator, not to the seated member
    assert [r.due for r in of_subgroup("coordinator", MEETING_DAY)] == [other.due_on]
    assert of_subgroup("chair", MEETING_DAY + timedelta(days=10)) == []

    done = meetings.complete_action(session, member, action.id, (MEETING_DAY + timedelta(days=12)).isoformat(),
                                    "Courrier envoyé.", action.version, today=MEETING_DAY + timedelta(days=12))
    assert (done.done_on, done.done_by_id, done.outcome) == (MEETING_DAY + timedelta(days=12), member.id,
                                                             "Courrier envoyé.")
    assert action not in [o.action for o in meetings.open_actions(session, member, MEETING_DAY)]
    assert of_subgroup("member", MEETING_DAY + timedelta(days=18)) == []
    with pytest.raises(TransitionRefused):
        meetings.complete_action(session, member, action.id, "", "", action.version, today=MEETING_DAY)
    details = [entry.details for entry in session.execute(
        select(AuditEntry).where(AuditEntry.action.like("subgroup.%"))).scalars()]
    assert details and not any(word in text for text in details for word in ("bailleur", "Deux entrées", "Courrier",
                                                                               "Roux", "Lesquin"))
    listing = meetings.list_meetings(session, member, MEETING_DAY + timedelta(days=1))
    assert listing.coming == [] and [(row.meeting, row.open_actions, row.attendees) for row in listing.past] == [
        (meeting, 2, 2)]


def test_refusals_write_nothing(session: Session, world: World) -> None:
    member = seat(session, world)
    roux = outsider(session, world)
    gone = outsider(session, world, "M. Petit")
    meeting = planned(session, world, day=date(2026, 4, 2))
    members.member_leaves(session, world.users["coordinator"], gone.id, "2026-04-10", today=TODAY)
    before = (trail(session), rows(session))

    with pytest.raises(InvalidInput) as refused:
        meetings.plan_meeting(session, member, MeetingInput(held_on="le 3 mai", starts_at="25:00", location=" "),
                              today=TODAY)
    assert set(refused.value.errors) == {"held_on", "starts_at", "location"}
    with pytest.raises(InvalidInput) as refused:
        meetings.plan_meeting(session, member, MeetingInput(held_on="2026-04-01", location="Mairie",
                                                            attendees=[person_key(user_id=world.users["chair"].id)]),
                              today=TODAY)
    assert set(refused.value.errors) == {"attendees"}  # the chair does not sit in the sub-group
    with pytest.raises(InvalidInput) as refused:
        meetings.add_action(session, member, meeting.id, "", person_key(member_id=gone.id), "2026-03-01",
                            today=TODAY)
    assert set(refused.value.errors) == {"description", "owner", "due_on"}
    with pytest.raises(InvalidInput):
        meetings.add_action(session, member, meeting.id, "x" * 501, "z-12", today=TODAY)
    action = meetings.add_action(session, member, meeting.id, "Relancer", person_key(member_id=roux.id),
                                 today=TODAY)
    before = (trail(session), rows(session))
    for done_on in ("2026-05-05", "2026-04-01", "hier"):
        with pytest.raises(InvalidInput) as refused:
            meetings.complete_action(session, member, action.id, done_on, "", action.version, today=TODAY)
        assert set(refused.value.errors) == {"done_on"}
    with pytest.raises(InvalidInput) as refused:
        members.add_member(session, world.users["coordinator"], MemberInput(
            name="", capacity="", email="pas une adresse", town_id="999999", joined_on="2027-01-01"), today=TODAY)
    assert set(refused.value.errors) == {"name", "capacity", "email", "town_id", "joined_on"}
    with pytest.raises(InvalidInput):
        members.member_leaves(session, world.users["coordinator"], roux.id, "2025-12-31", today=TODAY)
    with pytest.raises(TransitionRefused):
        members.member_leaves(session, world.users["coordinator"], gone.id, "2026-04-30", today=TODAY)
    assert (trail(session), rows(session)) == before and action.done_on is None and roux.left_on is None
    with pytest.raises(NotFound):
        meetings.meeting_view(session, member, 999_999, TODAY)


def test_a_stale_version_is_refused(session: Session, world: World) -> None:
    member = seat(session, world)
    roux = outsider(session, world)
    meeting = planned(session, world, day=date(2026, 4, 2))
    action = meetings.add_action(session, member, meeting.id, "Relancer", today=TODAY)
    stale_meeting, stale_action, stale_member = meeting.version, action.version, roux.version
    meetings.update_meeting(session, member, meeting.id, MeetingInput(held_on="2026-04-02", location="Mairie",
                                                                     notes="Tenue."), stale_meeting, today=TODAY)
    with pytest.raises(ConcurrentChange):
        meetings.update_meeting(session, member, meeting.id, MeetingInput(held_on="2026-04-02", location="Ici"),
                                stale_meeting, today=TODAY)
    meetings.complete_action(session, member, action.id, "", "", stale_action, today=TODAY)
    with pytest.raises(ConcurrentChange):
        meetings.complete_action(session, member, action.id, "", "", stale_action, today=TODAY)
    changed = MemberInput.of(roux)
    changed.phone = "06 00 00 00 00"
    members.update_member(session, world.users["coordinator"], roux.id, changed, stale_member, today=TODAY)
    with pytest.raises(ConcurrentChange):
        members.member_leaves(session, world.users["coordinator"], roux.id, "2026-04-01", stale_member, today=TODAY)
    assert meeting.location == "Mairie" and roux.phone == "06 00 00 00 00" and roux.left_on is None


def test_only_the_sub_group_reads_and_writes_its_meetings(session: Session, world: World) -> None:
    seat(session, world)
    meeting = planned(session, world)
    for login in ("chair", "care_a", "treasurer", "landlord_a", "dpo"):
        user = world.users[login]
        with pytest.raises(Forbidden):
            members.membership(session, user)
        with pytest.raises(Forbidden):
            meetings.list_meetings(session, user, TODAY)
        with pytest.raises(Forbidden):
            meetings.open_actions(session, user, TODAY)
        with pytest.raises(Forbidden):
            meetings.meeting_view(session, user, meeting.id, TODAY)
        with pytest.raises(Forbidden):
            planned(session, world, login)
    # leaving the sub-group takes the rights away
    accounts.set_housing_subgroup(session, world.users["coordinator"], world.users["member"].id, False)
    with pytest.raises(Forbidden):
        meetings.list_meetings(session, world.users["member"], TODAY)
    assert reminders._subgroup_actions(session, world.users["member"], TODAY) == []


def test_only_the_coordinator_adds_and_ends_members_without_an_account(session: Session, world: World) -> None:
    member = seat(session, world)
    roux = outsider(session, world)
    before = rows(session)
    for login in ("member", "chair", "dpo"):
        user = world.users[login]
        with pytest.raises(Forbidden):
            members.add_member(session, user, MemberInput(name="M. Lemaire", capacity="UNAFAM"), today=TODAY)
        with pytest.raises(Forbidden):
            members.member_leaves(session, user, roux.id, "2026-04-01", today=TODAY)
        with pytest.raises(Forbidden):
            members.update_member(session, user, roux.id, MemberInput.of(roux), today=TODAY)
    assert rows(session) == before
    members.member_leaves(session, world.users["coordinator"], roux.id, "2026-04-01", roux.version, today=TODAY)
    assert roux.left_on == date(2026, 4, 1)
    assert [seat.key for seat in members.membership(session, member)] == [person_key(user_id=member.id)]
    with pytest.raises(InvalidInput):
        accounts.set_housing_subgroup(session, world.users["coordinator"], world.users["dpo"].id, True)
