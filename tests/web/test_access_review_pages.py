"""The access review's page, and the data-protection officer, who reads the logs and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.models import AccessLog, Case, Role, User
from commission.services import followup
from tests.cases_helpers import new_case
from tests.conftest import PASSWORD, World, fresh, load_world, login, post_form, starting_scenario
from tests.databases import Ids, Restored, Scenario
from tests.followup_helpers import MOVE_IN, housed
from tests.web.test_access_matrix import matrix_scenario


def _officer_records(session: Session, _instance: Path, ids: Ids) -> Ids:
    """Besides the access matrix's records: a person housed, with a resource meeting."""
    world = load_world(session, ids)
    (hana,) = housed(session, world, ["Hana"], places=[world.place_b])  # place_a went to the hearing's person
    meeting = followup.call_meeting(session, world.users["care_a"], hana.id, followup.MeetingInput(
        meeting_date=MOVE_IN.isoformat(), attendees="Équipe", held=True, outcome="Plan"), today=MOVE_IN)
    return {"housed": hana.id, "meeting": meeting.id}


# a record of every kind: a file with a document, an allocation with its deposit, a mail, a housed person
EVERY_KIND = Scenario("officer", _officer_records, extends=matrix_scenario("{allocated}{mail}"))


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, records=EVERY_KIND)


@pytest.fixture
def records(restored: Restored, world: World) -> Ids:
    return restored.ids


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_review_lists_reads_and_filters_them(client: FlaskClient, session: Session, world: World) -> None:
    camille = new_case(session, world)
    leon = new_case(session, world, actor="care_b", first_name="Léon", last_name="Blum",
                    care_team_id=str(world.team_b.id))
    session.add(AccessLog(user_id=world.users["care_b"].id, case_id=leon.id, part="medical",
                          at=datetime(2026, 3, 10, 22, 30, tzinfo=UTC)))  # 23:30 in Paris
    session.commit()
    login(client, "coordinator")
    html = page(client, f"/cases/{camille.id}")  # the coordinator's read of the file is logged...
    assert f'href="/access-review?person={camille.reference}"' in html  # ...and reviewed from the file
    html = page(client, "/access-review?lang=en")
    assert "Camille Martin" in html and "Léon Blum" in html and "Read of the file" in html
    assert "Read files at night" in html  # the flag, with its reason
    html = page(client, "/access-review?person=blum")
    assert "Léon Blum" in html and "Camille Martin" not in html
    html = page(client, f"/access-review?person={camille.reference}")
    assert "Camille Martin" in html and "Léon Blum" not in html
    html = page(client, f"/access-review?user={world.users['care_b'].id}&from=2026-03-10&to=2026-03-10")
    assert "Léon Blum" in html and "Camille Martin" not in html
    html = page(client, "/access-review?lang=en&from=2026-03-11&to=2026-03-11")
    assert "Read files at night" not in html and "Nothing unusual over this period." in html


def test_bad_filters_are_said_and_change_nothing(client: FlaskClient, session: Session, world: World) -> None:
    new_case(session, world)
    login(client, "dpo")
    whole = page(client, "/access-review?lang=en")
    html = page(client, "/access-review?from=10/03/2026&user=abc", 400)
    assert "This is not a date (expected: YYYY-MM-DD)." in html and "Choose an account from the list." in html
    assert 'value="10/03/2026"' in html and 'aria-invalid="true"' in html
    assert "Camille Martin" in html and html.count("<tr") == whole.count("<tr")
    html = page(client, "/access-review?from=2026-03-10&to=2026-03-01", 400)
    assert "The end of the period is before its start." in html and "Camille Martin" in html
    page(client, "/access-review?page=abc")
    page(client, "/access-review?page=999")


def test_the_officer_sees_the_review_and_the_audit_trail_and_nothing_else(
    app: Flask, client: FlaskClient, session: Session, world: World, records: Ids,
) -> None:
    login(client, "dpo")
    home = page(client, "/")
    menu = home.split('aria-label="Menu principal"')[1].split("</nav>")[0]
    assert 'href="/access-review"' in menu and 'href="/admin/audit"' in menu
    assert 'href="/cases"' not in menu and 'href="/hearings"' not in menu and 'href="/workflow"' not in menu
    assert "Vous êtes connecté·e en tant que" in home
    page(client, "/admin/audit")
    page(client, "/access-review")
    page(client, "/account/password")

    values = {"agreement_id": records["agreement"], "case_id": records["case"], "document_id": records["document"],
              "meeting_id": records["meeting"], "year": 2026, "key": "places", "deposit_id": records["deposit"],
              "hearing_id": records["hearing"], "item_id": records["item"], "mail_id": records["mail"],
              "organisation_id": world.landlord_b.id, "place_id": world.place_a.id, "entry_id": records["entry"],
              "fmt": "csv", "applicant_id": session.get(Case, records["case"]).applicant_id}  # type: ignore[union-attr]
    allowed = {"/", "/admin/audit", "/access-review"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if rule.rule.startswith(("/login", "/account")):  # logging in, and the officer's own account pages
            continue
        if rule.rule.startswith("/api/"):  # the integration API: a token, never a session (tests/test_api.py)
            continue
        # a page added since takes the first record of its kind (ids start at 1)
        args = {name: values.get(name, 1) for name in rule.arguments}
        if "followup" in rule.rule or rule.rule.endswith("/exit"):
            args["case_id"] = records["housed"]
        if rule.rule.endswith("/offer.pdf"):
            args["case_id"] = records["allocated"]
        with app.test_request_context():
            path = url_for(rule.endpoint, **args)
        response = client.get(path)
        expected = 200 if rule.rule in allowed else 403
        assert response.status_code == expected, (path, response.status_code)
        checked += 1
    assert checked > 50


def test_care_teams_and_the_commission_are_refused_the_review(app: Flask, world: World) -> None:
    for role in ("care_a", "chair", "member", "treasurer", "landlord_a"):
        client = app.test_client()
        login(client, role)
        assert "Accès refusé" in page(client, "/access-review", 403)
        html = page(client, "/")
        assert 'href="/access-review"' not in html


def test_the_coordinator_creates_a_data_protection_officer(client: FlaskClient, session: Session, world: World
                                                           ) -> None:
    login(client, "coordinator")
    assert 'value="data_protection"' in page(client, "/admin/users/new")
    response = post_form(client, "/admin/users/new", {
        "login": "dpd", "display_name": "Hélène Morel", "email": "", "role": "data_protection",
        "care_team_id": "", "town_id": "", "organisation_id": "", "password": PASSWORD + " dpd"})
    assert response.status_code == 302, response.get_data(as_text=True)
    fresh(session)
    user = session.execute(select(User).where(User.login == "dpd")).scalar_one()
    assert user.role is Role.DATA_PROTECTION and user.care_team_id is None
    other = FlaskClient(client.application)
    login(other, "dpd", PASSWORD + " dpd")
    assert other.get("/access-review").status_code == 200
    assert other.get("/cases").status_code == 403
