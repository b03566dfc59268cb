"""The person's rights through the screens: the coordinator's export button, and a rectification on
the file's edit page, both recorded."""

from __future__ import annotations

import io
import json
import zipfile
from html import unescape

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.models import AccessLog, AuditEntry, Case
from tests.cases_helpers import new_case
from tests.conftest import World, csrf_token, fresh, login, post_form
from tests.web.test_cases_pages import form_data


def _exports(session: Session) -> list[AccessLog]:
    fresh(session)
    return list(session.execute(select(AccessLog).where(AccessLog.part == "export")).scalars())


def test_the_coordinator_exports_a_person_from_their_file(client: FlaskClient, world: World, session: Session) -> None:
    case = new_case(session, world, first_name="Odile", last_name="Carpentier")
    path = f"/persons/{case.applicant_id}/export"
    login(client, "coordinator")
    html = unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert f'action="{path}"' in html

    response = post_form(client, path, {}, form_page=f"/cases/{case.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and ".zip" in disposition and "Carpentier" not in disposition
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert {"person.json", "person.pdf"} <= set(archive.namelist())
        data = json.loads(archive.read("person.json"))
    assert data["person"]["last_name"] == "Carpentier" and [c["id"] for c in data["cases"]] == [case.id]
    assert [(row.case_id, row.user_id) for row in _exports(session)] == [(case.id, world.users["coordinator"].id)]
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "person.exported")).scalar_one()


def test_the_export_is_a_protected_post(client: FlaskClient, world: World, session: Session) -> None:
    case = new_case(session, world)
    login(client, "coordinator")
    path = f"/persons/{case.applicant_id}/export"
    assert client.get(path).status_code == 405
    assert client.post(path).status_code == 400  # no CSRF token
    assert post_form(client, "/persons/999999/export", {}, form_page=f"/cases/{case.id}").status_code == 404
    assert _exports(session) == []


@pytest.mark.parametrize("role", ["care_a", "care_b", "chair", "member", "treasurer", "landlord_a", "dpo"])
def test_no_one_else_exports(client: FlaskClient, world: World, session: Session, role: str) -> None:
    if role not in world.users:
        pytest.skip(f"no {role} account in this world")
    case = new_case(session, world)
    login(client, role)
    if role == "care_a":  # their own person's file: no button on it
        html = unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
        assert "/export" not in html
    token = csrf_token(client, "/")
    response = client.post(f"/persons/{case.applicant_id}/export", data={"csrf_token": token})
    assert response.status_code == 403
    assert response.mimetype != "application/zip"
    assert _exports(session) == []


def test_a_rectification_on_the_edit_page_is_recorded_by_field_names(
    client: FlaskClient, world: World, session: Session
) -> None:
    login(client, "care_a")
    assert post_form(client, "/cases/new", form_data(world, phone="06 00 00 00 01")).status_code == 302
    fresh(session)
    case = session.execute(select(Case)).scalar_one()
    response = post_form(client, f"/cases/{case.id}/edit", form_data(
        world, phone="06 99 99 99 99", address="8 rue du Moulin, Lezennes", version=str(case.version)))
    assert response.status_code == 302, response.get_data(as_text=True)
    fresh(session)
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "case.edited")).scalar_one()
    assert json.loads(entry.details)["changed"] == ["address", "phone"]
    assert "06 99" not in entry.details and "Moulin" not in entry.details and "06 00" not in entry.details
    assert case.applicant.phone == "06 99 99 99 99"
