"""Every page, for every role and for an anonymous visitor: allowed, refused, or sent to login.

A test fails when a page is added without being placed in the matrix.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from commission.config import Settings
from commission.services import cases
from commission.storage import DocumentStore
from tests.cases_helpers import new_case
from tests.conftest import World, login, post_form
from tests.hearings_helpers import closed, sitting

ALL = {"coordinator", "care_a", "care_b", "chair", "member", "treasurer", "landlord_a"}
CASE_TEAM = {"coordinator", "care_a"}  # the file below belongs to care_a's team
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def everyone_but(*roles: str) -> set[str]:
    return ALL - set(roles)


# path template -> roles allowed (200); every other role gets 403, anonymous gets sent to login.
PAGES: dict[str, set[str]] = {
    "/": ALL,
    "/account/password": ALL,
    "/places": everyone_but("care_a", "care_b"),
    "/places/{place_a}": everyone_but("care_a", "care_b"),
    "/reference": everyone_but("care_a", "care_b", "landlord_a"),
    "/admin/users": {"coordinator"},
    "/admin/users/new": {"coordinator"},
    "/admin/audit": {"coordinator"},
    "/cases": {"coordinator", "care_a", "care_b"},
    "/cases/new": {"coordinator", "care_a", "care_b"},
    "/cases/{case}": CASE_TEAM,
    "/cases/{case}/edit": CASE_TEAM,
    "/cases/{case}/medical": CASE_TEAM,
    "/cases/{case}/documents/{document}": CASE_TEAM,
    "/workflow": ALL,
    "/hearings": ALL,
    "/hearings/new": {"coordinator"},
    "/hearings/{hearing}": ALL,
    "/hearings/{hearing}/edit": {"coordinator"},
    "/hearings/{hearing}/session": {"coordinator", "chair"},
    "/hearings/{hearing}/session/items/{item}": {"coordinator", "chair"},
    "/hearings/{hearing}/agenda.pdf": ALL,
    "/hearings/{hearing}/convocations.pdf": {"coordinator"},
    "/hearings/{hearing}/invitations.zip": {"coordinator"},
    "/hearings/{closed}/minutes": {"coordinator", "chair"},
    "/hearings/{signed}/minutes.pdf": ALL,
}

# Pages anyone may see, logged in or not.
PUBLIC = {"/login"}

# Actions (POST only): the roles allowed to perform them, and what the form sends.
ACTIONS: dict[str, tuple[set[str], dict[str, str]]] = {
    "/admin/users/{member}/active": ({"coordinator"}, {"active": "1"}),
    "/admin/users/{member}/delegation": ({"coordinator"}, {}),
    "/cases/{case}/steps/withdraw": (CASE_TEAM, {"reason": "Moved away", "version": "{version}"}),
    "/cases/{case}/documents": (CASE_TEAM, {"kind": "other"}),
    "/cases/{case}/medical": ({"care_a"}, {"treatment": "x"}),
    "/hearings/plan-year": ({"coordinator"}, {"year": "2027"}),
    "/hearings/{hearing}/steps/close": ({"coordinator", "chair"}, {"version": "{hearing_version}"}),
    "/hearings/{hearing}/agenda/build": ({"coordinator"}, {}),
    "/hearings/{hearing}/session/attendees": ({"coordinator", "chair"}, {"name": "Mme Roux", "capacity": "UDAF"}),
}


@pytest.fixture
def records(session: Session, world: World, settings: Settings) -> dict[str, int]:
    """A file of care_a's team with a document, built through the services."""
    case = new_case(session, world)
    store = DocumentStore(settings.instance_path / "documents")
    document = cases.attach_document(session, world.users["care_a"], store, case.id, filename="id.pdf", data=PDF,
                                     kind="identity")
    return {"case": case.id, "document": document.id, "version": case.version}


HEARING_KEYS = ("{hearing}", "{closed}", "{signed}")


def with_hearings(path: str, records: dict[str, int], session: Session, world: World, settings: Settings
                  ) -> dict[str, int]:
    """Hearings for the pages that need them (built only for those: signing renders PDFs): one signed,
    one closed with its draft minutes, one in session."""
    if not any(key in path for key in HEARING_KEYS):
        return records
    store = DocumentStore(settings.instance_path / "documents")
    signed = closed(session, world, "Sid", date(2026, 3, 19), signed_in=store) if "{signed}" in path else None
    draft = closed(session, world, "Dora", date(2026, 6, 18)) if "{closed}" in path else None
    hearing = sitting(session, world, ["Ines"], day=date(2026, 9, 17)).hearing
    return {**records, "hearing": hearing.id, "item": hearing.items[0].id, "hearing_version": hearing.version,
            "closed": draft.id if draft else 0, "signed": signed.id if signed else 0}


def fill(path: str, world: World, records: dict[str, int]) -> str:
    return path.format(place_a=world.place_a.id, place_b=world.place_b.id, member=world.users["member"].id,
                       **records)


def test_every_page_of_the_app_is_in_the_matrix(app: Flask) -> None:
    known = {path.split("{")[0].rstrip("/") or "/" for path in (*PAGES, *ACTIONS, *PUBLIC)}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule == "/logout":
            continue
        prefix = rule.rule.split("<")[0].rstrip("/") or "/"
        assert prefix in known, f"{rule.rule} is not in the access matrix"


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_login(client: FlaskClient, world: World, records: dict[str, int],
                                              path: str, session: Session, settings: Settings) -> None:
    records = with_hearings(path, records, session, world, settings)
    response = client.get(fill(path, world, records))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("path", sorted(PAGES))
def test_role_by_page(client: FlaskClient, world: World, records: dict[str, int], role: str, path: str,
                      session: Session, settings: Settings) -> None:
    records = with_hearings(path, records, session, world, settings)
    login(client, role)
    response = client.get(fill(path, world, records))
    expected = 200 if role in PAGES[path] else 403
    assert response.status_code == expected, f"{role} on {path}"
    if expected == 403:
        assert "Accès refusé" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("path", sorted(ACTIONS))
def test_role_by_action(client: FlaskClient, world: World, records: dict[str, int], role: str, path: str,
                        session: Session, settings: Settings) -> None:
    records = with_hearings(path, records, session, world, settings)
    login(client, role)
    allowed, data = ACTIONS[path]
    data = {name: value.format(**records) for name, value in data.items()}
    response = post_form(client, fill(path, world, records), data, form_page="/")
    if role in allowed:
        assert response.status_code == 302
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_public_pages(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_a_landlord_cannot_reach_another_landlords_place(client: FlaskClient, world: World) -> None:
    login(client, "landlord_a")
    assert client.get(f"/places/{world.place_b.id}").status_code == 403
    listing = client.get("/places").get_data(as_text=True)
    assert world.place_a.reference in listing and world.place_b.reference not in listing


def test_navigation_shows_only_what_the_role_may_open(app: Flask, world: World) -> None:
    care, coordinator = app.test_client(), app.test_client()
    login(care, "care_a")
    html = care.get("/").get_data(as_text=True)
    assert 'href="/places"' not in html and 'href="/admin/users"' not in html
    login(coordinator, "coordinator")
    html = coordinator.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in html and 'href="/admin/audit"' in html
