"""The coordinator's integration pages: issue a token (its secret shown once, only its hash kept), see it listed
with its scopes and last use, revoke it after a confirmation; confirm or dismiss a landlord's notice, from the list
or from the place's page."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import AuditEntry, AvailabilityNotice, IntegrationToken, NoticeStatus
from commission.services.integrations.tokens import digest
from tests.api_helpers import API, bearer
from tests.conftest import World, csrf_token, fresh, login, post_form, starting_scenario
from tests.databases import Restored, Scenario


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, ids=API, world=API)


@pytest.fixture
def ids(restored: Restored) -> dict[str, Any]:
    return restored.ids


def token_form(world: World, **overrides: str) -> dict[str, str]:
    return {"name": "Logiciel Habitat A", "kind": "landlord", "organisation": str(world.landlord_a.id),
            "scopes": "places:read", "expires_on": "", **overrides}


def test_the_coordinator_issues_a_token_shown_once(client: FlaskClient, session: Session, world: World,
                                                   ids: dict[str, Any]) -> None:
    login(client, "coordinator")
    assert 'href="/integrations"' in client.get("/").get_data(as_text=True)
    page = client.get("/integrations/new").get_data(as_text=True)
    expiry = re.search(r'name="expires_on" value="([0-9-]+)"', page)
    assert expiry is not None
    token = csrf_token(client, "/integrations/new")
    answer = client.post("/integrations/new", data={**token_form(world, expires_on=expiry[1]), "csrf_token": token,
                                                    "scopes": ["places:read", "places:declare"]})
    assert answer.status_code == 200
    shown = answer.get_data(as_text=True)
    secret = re.search(r'value="(cmsn_[A-Za-z0-9_-]+)"', shown)
    assert secret is not None and answer.headers["Cache-Control"] == "no-store"
    fresh(session)
    row = session.scalars(select(IntegrationToken).where(IntegrationToken.name == "Logiciel Habitat A")).one()
    assert row.secret_hash == digest(secret[1]) and secret[1] not in row.prefix + row.scopes
    assert row.scopes == "places:read places:declare"
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "integration_token.created",
                                                    AuditEntry.object_id == str(row.id))).one()
    # the new token works at once; the list shows it, never its secret
    assert client.get("/api/v1/places", headers=bearer(secret[1])).status_code == 200
    listed = client.get("/integrations").get_data(as_text=True)
    assert "Logiciel Habitat A" in listed and row.prefix in listed and secret[1] not in listed
    assert "places:declare" in listed and "Habitat A" in listed


def test_a_token_form_with_errors_changes_nothing(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    before = len(session.scalars(select(IntegrationToken)).all())
    answer = post_form(client, "/integrations/new", token_form(world, kind="accountant", scopes="places:read",
                                                               expires_on="2020-01-01"))
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'href="#scopes"' in page and 'href="#expires_on"' in page
    assert 'href="#organisation"' in page and 'value="Logiciel Habitat A"' in page  # what was typed is kept
    fresh(session)
    assert len(session.scalars(select(IntegrationToken)).all()) == before


def test_revoking_asks_first_then_refuses_the_token(client: FlaskClient, session: Session, ids: dict[str, Any]) -> None:
    login(client, "coordinator")
    token_id = ids["tokens"]["landlord_a"]
    confirm = client.get(f"/integrations/{token_id}/revoke")
    assert confirm.status_code == 200 and f'action="/integrations/{token_id}/revoke"' in confirm.get_data(
        as_text=True)
    assert client.get("/api/v1/places", headers=bearer(ids["secrets"]["landlord_a"])).status_code == 200
    response = post_form(client, f"/integrations/{token_id}/revoke", {})
    assert response.status_code == 302 and response.headers["Location"] == "/integrations"
    assert client.get("/api/v1/places", headers=bearer(ids["secrets"]["landlord_a"])).status_code == 401
    fresh(session)
    row = session.get(IntegrationToken, token_id)
    assert row is not None and row.revoked_at is not None and row.last_used_at is not None
    assert row.revoked_by_id is not None
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "integration_token.revoked")).all()


def _notice(client: FlaskClient, world: World, ids: dict[str, Any]) -> int:
    sent = client.post(f"/api/v1/places/{world.place_a.id}/availability",
                       headers=bearer(ids["secrets"]["landlord_a"]),
                       json={"available_from": "2026-05-01", "comment": "Préavis reçu"})
    assert sent.status_code == 201
    return int(sent.json["id"])


def test_a_notice_is_confirmed_from_the_list_and_leads_to_the_place(client: FlaskClient, session: Session,
                                                                     world: World, ids: dict[str, Any]) -> None:
    notice_id = _notice(client, world, ids)
    login(client, "coordinator")
    listed = client.get("/integrations").get_data(as_text=True)
    assert "Préavis reçu" in listed and f'action="/integrations/notices/{notice_id}/confirm"' in listed
    place_page = client.get(f"/places/{world.place_a.id}").get_data(as_text=True)
    assert f'action="/integrations/notices/{notice_id}/confirm"' in place_page
    response = post_form(client, f"/integrations/notices/{notice_id}/confirm", {}, form_page="/integrations")
    assert response.status_code == 302 and response.headers["Location"] == f"/places/{world.place_a.id}"
    fresh(session)
    notice = session.get(AvailabilityNotice, notice_id)
    assert notice is not None and notice.status is NoticeStatus.CONFIRMED
    assert notice.decided_by_id == world.users["coordinator"].id
    again = post_form(client, f"/integrations/notices/{notice_id}/dismiss", {}, form_page="/integrations")
    assert again.status_code == 302  # already dealt with: said on the page, nothing changed
    fresh(session)
    assert session.get(AvailabilityNotice, notice_id).status is NoticeStatus.CONFIRMED  # type: ignore[union-attr]
    assert f"/integrations/notices/{notice_id}/" not in client.get("/integrations").get_data(as_text=True)


def test_a_notice_is_dismissed_from_the_place_page(client: FlaskClient, session: Session, world: World,
                                                   ids: dict[str, Any]) -> None:
    notice_id = _notice(client, world, ids)
    login(client, "coordinator")
    response = post_form(client, f"/integrations/notices/{notice_id}/dismiss", {"back": "place"},
                         form_page=f"/places/{world.place_a.id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/places/{world.place_a.id}"
    fresh(session)
    assert session.get(AvailabilityNotice, notice_id).status is NoticeStatus.DISMISSED  # type: ignore[union-attr]
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "availability_notice.dismissed")).one()


def test_a_landlords_representative_sees_no_notice_and_no_token(client: FlaskClient, world: World,
                                                                 ids: dict[str, Any]) -> None:
    notice_id = _notice(client, world, ids)
    login(client, "landlord_a")
    assert client.get("/integrations").status_code == 403
    assert f"/integrations/notices/{notice_id}" not in client.get(f"/places/{world.place_a.id}").get_data(
        as_text=True)
    assert post_form(client, f"/integrations/notices/{notice_id}/confirm", {}, form_page="/").status_code == 403


def test_the_coordinator_changes_a_tokens_scopes_and_expiry(client: FlaskClient, session: Session,
                                                            ids: dict[str, Any]) -> None:
    token_id = ids["tokens"]["landlord_a"]
    login(client, "coordinator")
    assert f'href="/integrations/{token_id}/edit"' in client.get("/integrations").get_data(as_text=True)
    page = client.get(f"/integrations/{token_id}/edit").get_data(as_text=True)
    assert 'name="version" value="1"' in page
    assert 'value="ledger:read"' not in page  # only the scopes a landlord's token may hold are offered
    expiry = (clock.today() + timedelta(days=30)).isoformat()
    edit = f"/integrations/{token_id}/edit"
    fields = {"name": "Extranet Habitat A", "scopes": "places:read", "expires_on": expiry, "version": "1"}

    # a scope of another kind, an expiry beyond a year: refused by field, nothing changed
    refused = post_form(client, edit, {**fields, "scopes": "ledger:read",
                                       "expires_on": (clock.today() + timedelta(days=400)).isoformat()})
    assert refused.status_code == 400
    shown = refused.get_data(as_text=True)
    assert 'href="#scopes"' in shown and 'href="#expires_on"' in shown
    fresh(session)
    token = session.get(IntegrationToken, token_id)
    assert token is not None and token.name == "Token landlord_a" and token.version == 1

    assert post_form(client, edit, fields).status_code == 302
    fresh(session)
    token = session.get(IntegrationToken, token_id)
    assert token is not None and (token.name, token.scopes) == ("Extranet Habitat A", "places:read")
    assert token.expires_at.date().isoformat() == expiry
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "integration_token.updated")).one()
    assert json.loads(entry.details)["scopes"] == {"from": "places:read places:declare events:read",
                                                   "to": "places:read"}
    # the token keeps working within what it now holds
    assert client.get("/api/v1/places", headers=bearer(ids["secrets"]["landlord_a"])).status_code == 200

    # the form seen before that change: the other's change wins, and it is said
    stale = post_form(client, edit, {**fields, "name": "Autre nom"})
    assert stale.status_code == 409 and "entre-temps" in stale.get_data(as_text=True)
    fresh(session)
    assert session.get(IntegrationToken, token_id).name == "Extranet Habitat A"  # type: ignore[union-attr]

    # a revoked token cannot change
    revoked = session.get(IntegrationToken, ids["tokens"]["revoked"])
    assert revoked is not None
    answer = post_form(client, f"/integrations/{revoked.id}/edit", {**fields, "version": str(revoked.version)})
    assert answer.status_code == 409 and "révoqué" in answer.get_data(as_text=True)
