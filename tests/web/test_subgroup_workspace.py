"""The housing sub-group's workspace: a seated member who is not the coordinator finds there the next meeting and
the actions open, the letters awaiting an answer, the prospects pursued, the agreements to renew and the partners,
the year's movements and the fund, and the sub-group's year for the general assembly; in a bounded number of
queries whatever the volume; and the annual report prints the sub-group's year."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from commission import clock
from commission.documents.annual_report import render_annual_report
from commission.errors import Forbidden
from commission.services import accounts, dashboard, stock
from commission.services.subgroup import meetings, official_mail, prospects, workspace
from tests.conftest import World, login, post_form
from tests.test_stock import agreement_input
from tests.web.test_query_counts import count_queries


def seat(session: Session, world: World, role: str = "member") -> None:
    accounts.set_housing_subgroup(session, world.users["coordinator"], world.users[role].id, True)
    session.commit()


def sub_group_year(session: Session, world: World, tag: str, count: int) -> None:
    """``count`` meetings with an action each, letters in awaiting an answer and out, prospects: as a member."""
    member = world.users["member"]
    today = clock.today()
    for number in range(count):
        day = today - timedelta(days=3 + number)
        meeting = meetings.plan_meeting(session, member, meetings.MeetingInput(
            held_on=day.isoformat(), starts_at="14:00", location=f"Mairie {tag}{number}", agenda="Ordre du jour",
            notes="Relevé de décisions"), today=today)
        meetings.add_action(session, member, meeting.id, f"Relancer le bailleur {tag}{number}", owner="",
                            due_on=(today + timedelta(days=number)).isoformat(), today=today)
        official_mail.register_mail(session, member, official_mail.MailInput(
            direction="incoming", correspondent=f"Préfecture {tag}{number}", correspondent_kind="authority",
            subject="Demande de bilan annuel", dated_on=day.isoformat(), registered_on=day.isoformat(),
            handler_id=str(member.id), answer_due=(today + timedelta(days=10 + number)).isoformat()), today=today)
        official_mail.register_mail(session, member, official_mail.MailInput(
            direction="outgoing", correspondent=f"ARS {tag}{number}", correspondent_kind="authority",
            subject="Bilan", dated_on=day.isoformat(), registered_on=day.isoformat()), today=today)
        prospects.create_prospect(session, member, prospects.ProspectInput(
            name=f"Foyer {tag}{number}", kind="hostel", places_announced="3", next_action="Visiter",
            next_action_due=(today + timedelta(days=5)).isoformat()))
    session.commit()


def test_a_seated_member_reads_the_workspace(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "member")
    assert client.get("/subgroup").status_code == 403
    convention = stock.create_agreement(session, world.users["coordinator"], agreement_input(world))
    seat(session, world)
    sub_group_year(session, world, "w", 2)
    page = client.get("/subgroup").get_data(as_text=True)
    for expected in ("Relancer le bailleur w0", "Préfecture w0", "Demande de bilan annuel", "Foyer w0",
                     convention.organisation.name, "/treasury", "/reports/annual/"):
        assert expected in page, expected
    found = workspace.workspace(session, world.users["member"])
    assert found.actions_open == 2 and found.awaiting_total == 2 and found.year.letters_received == 2
    assert found.year.letters_sent == 2 and found.year.meetings_held == 2 and found.year.prospects_new == 2
    assert dict(found.prospects.counts)["contacted"] == 2
    with pytest.raises(Forbidden):
        workspace.workspace(session, world.users["chair"])


@pytest.mark.parametrize("path", ["/subgroup", "/subgroup/meetings", "/subgroup/mail", "/subgroup/prospects",
                                  "/subgroup/members"])
@pytest.mark.parametrize("role", ["coordinator", "member"])
def test_the_sub_groups_pages_query_a_bounded_number_of_times(client: FlaskClient, engine: Engine, session: Session,
                                                              world: World, role: str, path: str) -> None:
    seat(session, world)
    login(client, role)
    client.get(path)  # the dashboard's figures kept once, as they are on a server that has served a while
    sub_group_year(session, world, "s", 2)
    with count_queries(engine) as small:
        assert client.get(path).status_code == 200
    sub_group_year(session, world, "l", 30)
    with count_queries(engine) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), (len(small), len(large), [q[:150] for q in large if q not in small],
                                      [q[:150] for q in small if q not in large])


def test_the_annual_report_prints_the_sub_groups_year(session: Session, world: World) -> None:
    seat(session, world)
    sub_group_year(session, world, "r", 3)
    report = dashboard.annual_report(session, world.users["member"], clock.today().year, "CISM",
                                     clock.today())
    assert report.subgroup is not None and report.subgroup.letters_received == 3
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_annual_report(report))).pages)
    text = " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())
    assert "sous-groupe logement" in text.lower() or "housing sub-group" in text.lower()
    assert "3 / 3" in text  # the letters received / sent


def test_an_agreements_page_lists_the_letters_about_it_to_the_sub_group(client: FlaskClient, session: Session,
                                                                        world: World) -> None:
    convention = stock.create_agreement(session, world.users["coordinator"], agreement_input(world))
    seat(session, world)
    today = clock.today()
    letter = official_mail.register_mail(session, world.users["member"], official_mail.MailInput(
        direction="incoming", correspondent="Habitat Métropole Est", correspondent_kind="landlord",
        agreement_id=str(convention.id), subject="Renouvellement de la convention", dated_on=today.isoformat(),
        registered_on=today.isoformat()), today=today)
    session.commit()
    login(client, "member")
    page = client.get(f"/agreements/{convention.id}").get_data(as_text=True)
    assert f'href="/subgroup/mail/{letter.id}"' in page and "Renouvellement de la convention" in page
    post_form(client, "/logout", {}, form_page="/")
    login(client, "coordinator")  # not seated in this test's world, but the coordinator keeps the register too
    assert letter.number in client.get(f"/agreements/{convention.id}").get_data(as_text=True)
