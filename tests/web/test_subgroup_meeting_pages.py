"""The housing sub-group's members and meetings through their pages: a seated member records a meeting and an action
with the forms, and marks the action done; bad input is said at the top and under its field, and nothing is written;
an unknown record is not found; the coordinator alone adds a member without an account."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import AuditEntry, SubgroupAction, SubgroupMeeting, SubgroupMember
from commission.services import accounts
from commission.services.subgroup.members import person_key
from tests.conftest import World, fresh, login, post_form


def seated(session: Session, world: World) -> None:
    accounts.set_housing_subgroup(session, world.users["coordinator"], world.users["member"].id, True)
    session.commit()


def count(session: Session, model: type) -> int:
    fresh(session)
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_seated_member_records_a_meeting_and_its_action(client: FlaskClient, session: Session,
                                                          world: World) -> None:
    seated(session, world)
    member = world.users["member"]
    login(client, "member")
    listing = client.get("/subgroup/meetings").get_data(as_text=True)
    assert 'href="/subgroup/meetings/new"' in listing and "/subgroup" in listing
    held_on = clock.today() - timedelta(days=2)
    response = post_form(client, "/subgroup/meetings/new", {
        "held_on": held_on.isoformat(), "starts_at": "14:30", "location": "Mairie de Ronchin",
        "agenda": "Entrées et sorties", "notes": "Deux entrées, une sortie.",
        "attendees": person_key(user_id=member.id)})
    assert response.status_code == 302
    fresh(session)
    meeting = session.execute(select(SubgroupMeeting)).scalar_one()
    assert response.headers["Location"] == f"/subgroup/meetings/{meeting.id}"
    assert [attendance.user_id for attendance in meeting.attendances] == [member.id]
    page = client.get(f"/subgroup/meetings/{meeting.id}").get_data(as_text=True)
    assert "Deux entrées, une sortie." in page and "User member" in page
    assert "Record the notes" not in page  # they are recorded: editing is a secondary step

    path = f"/subgroup/meetings/{meeting.id}"
    due = (clock.today() + timedelta(days=5)).isoformat()
    response = post_form(client, f"{path}/actions", {"description": "Écrire à Habitat A",
                                                     "owner": person_key(user_id=member.id), "due_on": due},
                         form_page=path)
    assert response.status_code == 302
    fresh(session)
    action = session.execute(select(SubgroupAction)).scalar_one()
    assert (action.owner_user_id, action.due_on.isoformat() if action.due_on else None) == (member.id, due)
    home = client.get("/").get_data(as_text=True)
    assert f'href="/subgroup/meetings/{meeting.id}"' in home and "Écrire à Habitat A" in home
    page = client.get(path).get_data(as_text=True)
    assert f"/subgroup/actions/{action.id}/done" in page
    response = post_form(client, f"/subgroup/actions/{action.id}/done", {
        "done_on": clock.today().isoformat(), "outcome": "Courrier parti.", "version": str(action.version)},
        form_page=path)
    assert response.status_code == 302
    fresh(session)
    assert session.execute(select(SubgroupAction.done_on)).scalar_one() == clock.today()
    page = client.get(path).get_data(as_text=True)
    assert "Courrier parti." in page and f"/subgroup/actions/{action.id}/done" not in page
    assert f'href="/subgroup/meetings/{meeting.id}"' not in client.get("/").get_data(as_text=True)


def test_a_meeting_coming_offers_the_notes_once_its_day_has_come(client: FlaskClient, session: Session,
                                                                 world: World) -> None:
    login(client, "coordinator")
    client.get("/?lang=en")
    day = clock.today() + timedelta(days=3)
    response = post_form(client, "/subgroup/meetings/new", {"held_on": day.isoformat(), "location": "EPSM"})
    assert response.status_code == 302
    path = response.headers["Location"]
    page = client.get(path).get_data(as_text=True)
    assert "Record the notes" not in page and "/actions\"" not in page
    with clock.travel(clock.now() + timedelta(days=3)):
        page = client.get(path).get_data(as_text=True)
    assert page.count('class="button"') == 1 and "Record the notes" in page


def test_bad_input_is_said_and_nothing_is_written(client: FlaskClient, session: Session, world: World) -> None:
    seated(session, world)
    login(client, "member")
    before = count(session, AuditEntry)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = post_form(client, "/subgroup/meetings/new", {"held_on": tomorrow, "starts_at": "midi",
                                                            "location": "", "notes": "Trop tôt"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "error-summary" in html and 'value="midi"' in html
    for name in ("starts_at", "location", "notes"):
        assert f'id="{name}-error"' in html and f'href="#{name}"' in html, name
        assert re.search(rf'id="{name}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{name}"', html), name
    assert count(session, SubgroupMeeting) == 0 and count(session, AuditEntry) == before

    response = post_form(client, "/subgroup/meetings/new", {"held_on": clock.today().isoformat(), "location": "Ici"})
    path = response.headers["Location"]
    before = count(session, AuditEntry)
    response = post_form(client, f"{path}/actions", {"description": " ", "owner": "u-999999", "due_on": "bientôt"},
                         form_page=path)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "error-summary" in html and 'value="bientôt"' in html
    for name in ("description-new", "owner-new", "due_on-new"):
        assert f'id="{name}-error"' in html and f'href="#{name}"' in html, name
    assert count(session, SubgroupAction) == 0 and count(session, AuditEntry) == before


def test_unknown_records_are_not_found(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    for path in ("/subgroup/meetings/999999", "/subgroup/meetings/999999/edit", "/subgroup/members/999999/edit"):
        assert client.get(path).status_code == 404, path
    for path, data in (("/subgroup/actions/999999/done", {"done_on": ""}),
                       ("/subgroup/meetings/999999/actions", {"description": "x"}),
                       ("/subgroup/members/999999/leave", {"left_on": ""})):
        assert post_form(client, path, data, form_page="/subgroup/meetings").status_code == 404, path


def test_the_coordinator_alone_adds_a_member_without_an_account(client: FlaskClient, session: Session,
                                                                world: World) -> None:
    seated(session, world)
    login(client, "coordinator")
    page = client.get("/subgroup/members").get_data(as_text=True)
    assert 'href="/subgroup/members/new"' in page and 'href="/admin/users"' in page and "User member" in page
    response = post_form(client, "/subgroup/members/new", {
        "name": "Mme Roux", "capacity": "Adjointe au maire de Ronchin", "town_id": str(world.towns["Ronchin"].id),
        "organisation_id": "", "email": "roux@example.org", "phone": "", "joined_on": ""})
    assert response.status_code == 302
    fresh(session)
    roux = session.execute(select(SubgroupMember)).scalar_one()
    assert roux.joined_on == clock.today()
    response = post_form(client, "/subgroup/members/new", {"name": "", "capacity": "", "email": "non"})
    assert response.status_code == 400 and count(session, SubgroupMember) == 1

    member = app_client = client.application.test_client()
    login(app_client, "member")
    page = member.get("/subgroup/members").get_data(as_text=True)
    assert "Mme Roux" in page and "Adjointe au maire de Ronchin" in page and "/subgroup/members/new" not in page
    assert member.get("/subgroup/members/new").status_code == 403
    assert post_form(member, f"/subgroup/members/{roux.id}/leave", {"left_on": "", "version": str(roux.version)},
                     form_page="/subgroup/members").status_code == 403
    response = post_form(client, f"/subgroup/members/{roux.id}/leave", {"left_on": "", "version": str(roux.version)},
                         form_page="/subgroup/members")
    assert response.status_code == 302
    fresh(session)
    assert session.execute(select(SubgroupMember.left_on)).scalar_one() == clock.today()
    assert client.get(f"/subgroup/members/{roux.id}/edit").status_code == 302
