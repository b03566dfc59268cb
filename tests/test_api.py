"""The integration API: tokens per integration, scoped, rate limited; a landlord's token reads its own places and
nothing of a person; revoked and expired tokens are refused at once; notices confirmed by the coordinator; the
events feed filtered and paginated; reads of files logged with the token."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commission import clock
from commission.config import Settings
from commission.models import AccessLog, AuditEntry, AvailabilityNotice, Case, IntegrationToken, NoticeStatus
from commission.models.reference import CareTeam, Organisation, OrganisationKind
from commission.services import access_review, person_export, unit
from commission.services.integrations import notices, tokens
from tests.api_helpers import API, bearer
from tests.conftest import World, fresh, login, starting_scenario
from tests.databases import Restored, Scenario

RATE_LIMIT = 12


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, ids=API, world=API)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, api_rate_limit=RATE_LIMIT)


@pytest.fixture
def ids(restored: Restored) -> dict[str, Any]:
    return restored.ids


def get(client: FlaskClient, ids: dict[str, Any], token: str, path: str) -> Any:
    return client.get(f"/api/v1{path}", headers=bearer(ids["secrets"][token]))


def test_a_landlords_token_reads_its_own_places_only(client: FlaskClient, world: World, ids: dict[str, Any]) -> None:
    answer = get(client, ids, "landlord_a", "/places")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert [place["reference"] for place in answer.json["items"]] == ["APP-001"]
    assert get(client, ids, "landlord_a", f"/places/{world.place_a.id}").json["reference"] == "APP-001"
    other = get(client, ids, "landlord_a", f"/places/{world.place_b.id}")
    assert other.status_code == 404 and other.json["error"] == "not_found"
    assert get(client, ids, "landlord_b", "/places").json["items"][0]["reference"] == "APP-002"


def test_no_token_reads_a_persons_detail(client: FlaskClient, ids: dict[str, Any]) -> None:
    # A landlord's token reaches no application; the hospital's reads states, never a name or the medical part.
    assert get(client, ids, "landlord_a", "/applications").status_code == 403
    assert get(client, ids, "landlord_a", f"/applications/{ids['submitted_ref']}").status_code == 403
    listed = get(client, ids, "hospital", "/applications")
    assert listed.status_code == 200
    text = listed.get_data(as_text=True)
    for word in ("Camille", "Martin", "Dominique", "1980-05-17", "Lemaire", "AAH", "curatorship", "medical"):
        assert word not in text
    assert {item["reference"] for item in listed.json["items"]} == {ids["submitted_ref"], ids["draft_ref"]}
    one = get(client, ids, "hospital", f"/applications/{ids['submitted_ref']}")
    assert one.status_code == 200 and one.json["care_team"] == "CMP Ronchin" and "Camille" not in one.get_data(
        as_text=True)
    assert get(client, ids, "hospital", "/applications/D-1999-00001").status_code == 404
    assert get(client, ids, "hospital", "/applications/nonsense").status_code == 404


def test_refusals_are_json(client: FlaskClient, ids: dict[str, Any], world: World) -> None:
    none = client.get("/api/v1/places")
    assert none.status_code == 401 and none.json["error"] == "unauthorized"
    assert none.headers["WWW-Authenticate"].startswith("Bearer")
    unknown = client.get("/api/v1/places", headers=bearer("cmsn_not-a-token"))
    assert unknown.status_code == 401 and unknown.mimetype == "application/json"
    assert client.get("/api/v1/places", headers={"Authorization": "Basic abc"}).status_code == 401
    assert get(client, ids, "revoked", "/places").status_code == 401
    expired = get(client, ids, "expired", "/places")
    assert expired.status_code == 401 and expired.mimetype == "application/json"
    wrong = get(client, ids, "landlord_a_read", f"/places/{world.place_a.id}/availability")
    assert wrong.status_code == 405 and wrong.json["error"] == "not_allowed"
    declare = client.post(f"/api/v1/places/{world.place_a.id}/availability",
                          headers=bearer(ids["secrets"]["landlord_a_read"]), json={"available_from": "2026-04-01"})
    assert declare.status_code == 403 and declare.json["error"] == "forbidden"
    assert get(client, ids, "landlord_a", "/nowhere").status_code == 404
    assert get(client, ids, "landlord_a", "/nowhere").mimetype == "application/json"
    assert get(client, ids, "landlord_a", "/places/99999999999").mimetype == "application/json"
    invalid = client.post(f"/api/v1/places/{world.place_a.id}/availability",
                          headers=bearer(ids["secrets"]["landlord_a"]), json={"available_from": "tomorrow"})
    assert invalid.status_code == 422 and invalid.json["error"] == "invalid" and "available_from" in invalid.json[
        "fields"]
    far = client.post(f"/api/v1/places/{world.place_a.id}/availability",
                      headers=bearer(ids["secrets"]["landlord_a"]), json={"available_from": "2090-01-01"})
    assert far.status_code == 422 and "available_from" in far.json["fields"]


def test_a_revoked_token_is_refused_at_once(client: FlaskClient, session: Session, world: World,
                                            ids: dict[str, Any]) -> None:
    assert get(client, ids, "landlord_a", "/places").status_code == 200
    with unit.unit_of_work(session):
        tokens.revoke(session, world.users["coordinator"], ids["tokens"]["landlord_a"])
    refused = get(client, ids, "landlord_a", "/places")
    assert refused.status_code == 401 and refused.json["error"] == "unauthorized"


def test_the_rate_limit_holds_in_the_database(client: FlaskClient, session: Session, ids: dict[str, Any]) -> None:
    for _ in range(RATE_LIMIT):
        assert get(client, ids, "landlord_a", "/places").status_code == 200
    limited = get(client, ids, "landlord_a", "/places")
    assert limited.status_code == 429 and limited.json["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert get(client, ids, "landlord_b", "/places").status_code == 200  # each token its own limit
    fresh(session)
    token = session.get(IntegrationToken, ids["tokens"]["landlord_a"])
    assert token is not None and token.last_used_at is not None


def test_a_notice_is_confirmed_by_the_coordinator(client: FlaskClient, session: Session, world: World,
                                                  ids: dict[str, Any]) -> None:
    sent = client.post(f"/api/v1/places/{world.place_a.id}/availability",
                       headers=bearer(ids["secrets"]["landlord_a"]),
                       json={"available_from": "2026-04-01", "comment": "Départ du locataire"})
    assert sent.status_code == 201 and sent.json["status"] == "waiting"
    other = client.post(f"/api/v1/places/{world.place_b.id}/availability",
                        headers=bearer(ids["secrets"]["landlord_a"]), json={"available_from": "2026-04-01"})
    assert other.status_code == 404
    fresh(session)
    notice = session.get(AvailabilityNotice, sent.json["id"])
    assert notice is not None and notice.comment == "Départ du locataire"
    created = session.scalars(select(AuditEntry).where(AuditEntry.action == "availability_notice.created")).one()
    assert created.actor_id is None and created.actor_name.startswith("api:cmsn_")
    place_state = world.place_a.state
    with unit.unit_of_work(session):
        notices.decide(session, world.users["coordinator"], notice.id, confirm=True)
    fresh(session)
    notice = session.get(AvailabilityNotice, sent.json["id"])
    assert notice is not None and notice.status is NoticeStatus.CONFIRMED
    assert notice.decided_by_id == world.users["coordinator"].id and notice.decided_at is not None
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "availability_notice.confirmed")).one()
    assert world.place_a.state == place_state  # not a step of the place machine
    events = get(client, ids, "landlord_a", "/events").json["items"]
    assert [event["action"] for event in events if event["object_type"] == "availability_notice"] == [
        "availability_notice.created", "availability_notice.confirmed"]
    assert all(event["action"] != "availability_notice.created" for event in
               get(client, ids, "landlord_b", "/events").json["items"])


def test_the_events_feed_is_filtered_and_paginated(client: FlaskClient, world: World, ids: dict[str, Any]) -> None:
    landlord = get(client, ids, "landlord_a", "/events").json["items"]
    assert {(event["object_type"], event["object_id"]) for event in landlord} == {("place", str(world.place_a.id))}
    hospital = get(client, ids, "hospital", "/events").json
    actions = [event["action"] for event in hospital["items"]]
    assert "case.submit" in actions and not any("medical" in action for action in actions)
    assert all(event["object_type"] == "case" for event in hospital["items"])
    assert {event["reference"] for event in hospital["items"]} <= {ids["submitted_ref"], ids["draft_ref"]}
    accountant = get(client, ids, "accountant", "/events").json["items"]
    assert [event["object_type"] for event in accountant] == ["ledger_entry"]
    # Paginated by id: one at a time, each page after the last one read.
    seen: list[int] = []
    after = 0
    while True:
        page = get(client, ids, "hospital", f"/events?after={after}&limit=1").json
        seen += [event["id"] for event in page["items"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert seen == [event["id"] for event in hospital["items"]] and len(seen) >= 1
    assert get(client, ids, "hospital", "/events?limit=0").status_code == 422
    assert get(client, ids, "hospital_events", "/events").status_code == 200
    assert get(client, ids, "accountant_ledger", "/events").status_code == 403


def test_the_ledger_for_the_accountant(client: FlaskClient, ids: dict[str, Any]) -> None:
    entries = get(client, ids, "accountant", "/ledger").json["items"]
    assert entries[0]["label"] == "Frais de tenue" and {line["account"] for line in entries[0]["lines"]} == {
        "628", "512"}
    assert get(client, ids, "accountant", "/ledger?start=2026-04-01").json["items"] == []
    assert len(get(client, ids, "accountant", "/ledger?start=2026-03-01&end=2026-03-31").json["items"]) == 1
    assert get(client, ids, "accountant", "/ledger?start=not-a-date").status_code == 422
    assert get(client, ids, "landlord_a", "/ledger").status_code == 403
    assert get(client, ids, "hospital", "/ledger").status_code == 403


def test_reads_of_files_are_logged_with_the_token(client: FlaskClient, session: Session, world: World,
                                                  ids: dict[str, Any]) -> None:
    assert get(client, ids, "hospital", f"/applications/{ids['submitted_ref']}").status_code == 200
    assert get(client, ids, "hospital", "/applications").status_code == 200
    fresh(session)
    logged = session.scalars(select(AccessLog).where(AccessLog.token_id == ids["tokens"]["hospital"])).all()
    assert {(row.case_id, row.part) for row in logged} == {
        (ids["submitted"], "api:state"), (ids["submitted"], "api:list"), (ids["draft"], "api:list")}
    assert all(row.user_id is None for row in logged)
    # the file's page names the token among its readers; the access review names it as the audit trail does
    login(client, "coordinator")
    assert "Token hospital" in client.get(f"/cases/{ids['submitted']}").get_data(as_text=True)
    fresh(session)
    review = access_review.list_accesses(session, world.users["coordinator"])
    readers = {access.who for access in review.accesses if access.kind == "read"}
    token = session.get(IntegrationToken, ids["tokens"]["hospital"])
    assert token is not None and "api:" + token.prefix in readers
    # the person's right of access names the partner's system that read their file, and what it read
    case = session.get(Case, ids["submitted"])
    assert case is not None
    data = person_export.collect(session, case.applicant_id, exported_by=world.users["coordinator"], council="CISSMC")
    reads = [read for exported in data["cases"] for read in exported["reads"] if read["part"].startswith("api:")]
    assert {(read["user"], read["part"]) for read in reads} == {(token.name, "api:state"), (token.name, "api:list")}


def test_a_token_holds_only_its_kinds_scopes(session: Session, world: World) -> None:
    from commission.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused, unit.unit_of_work(session):
        tokens.create(session, world.users["coordinator"], name="Bailleur", kind="landlord",
                      organisation_id=world.landlord_a.id, scopes=["ledger:read"], expires_on="2099-01-01")
    assert set(refused.value.errors) == {"scopes", "expires_on"}
    with pytest.raises(InvalidInput) as unbound, unit.unit_of_work(session):
        tokens.create(session, world.users["coordinator"], name="Bailleur", kind="landlord", organisation_id=None,
                      scopes=["places:read"], expires_on=None)
    assert set(unbound.value.errors) == {"organisation", "expires_on"}
    from commission.errors import Forbidden

    with pytest.raises(Forbidden), unit.unit_of_work(session):
        tokens.create(session, world.users["treasurer"], name="x", kind="accountant", organisation_id=None,
                      scopes=["ledger:read"], expires_on="2026-12-31")


def test_plain_http_is_refused_in_json_in_production(app: Flask, client: FlaskClient, settings: Settings,
                                                     ids: dict[str, Any]) -> None:
    app.extensions["commission.settings"] = dataclasses.replace(settings, environment="production")
    refused = get(client, ids, "landlord_a", "/places")
    assert refused.status_code == 403 and refused.mimetype == "application/json" and refused.json["error"] == (
        "forbidden")
    secure = client.get("/api/v1/places", headers=bearer(ids["secrets"]["landlord_a"]), base_url="https://localhost")
    assert secure.status_code == 200


def test_a_hospitals_token_bound_to_the_hospital_reads_only_its_care_teams_applications(
        client: FlaskClient, session: Session, world: World, ids: dict[str, Any]) -> None:
    # The Lesquin team (the draft's) belongs to another hospital; the token is bound to the Ronchin team's.
    with unit.unit_of_work(session):
        other = Organisation(name="Clinique du Parc", kind=OrganisationKind.HOSPITAL)
        session.add(other)
        session.flush()
        session.execute(update(CareTeam).where(CareTeam.id == world.team_b.id).values(organisation_id=other.id))
        issued = tokens.create(session, world.users["coordinator"], name="DPI de l'EPSM", kind="hospital",
                               organisation_id=world.team_a.organisation_id,
                               scopes=["applications:read", "events:read"],
                               expires_on=(clock.today() + timedelta(days=300)).isoformat())
    secret = issued.secret
    listed = client.get("/api/v1/applications", headers=bearer(secret))
    assert listed.status_code == 200
    assert [item["reference"] for item in listed.json["items"]] == [ids["submitted_ref"]]
    assert {item["care_team"] for item in listed.json["items"]} == {"CMP Ronchin"}
    own = client.get(f"/api/v1/applications/{ids['submitted_ref']}", headers=bearer(secret))
    assert own.status_code == 200 and own.json["reference"] == ids["submitted_ref"]
    foreign = client.get(f"/api/v1/applications/{ids['draft_ref']}", headers=bearer(secret))
    assert foreign.status_code == 404 and foreign.json["error"] == "not_found"
    events = client.get("/api/v1/events", headers=bearer(secret)).json["items"]
    assert events and {event["reference"] for event in events} == {ids["submitted_ref"]}
    for answer in (listed, own, foreign):
        text = answer.get_data(as_text=True)
        for word in ("Camille", "Dominique", "Martin", "1980-05-17"):
            assert word not in text
    # the unbound token still reads the whole sector's, the other hospital's team included
    sector = get(client, ids, "hospital", f"/applications/{ids['draft_ref']}")
    assert sector.status_code == 200 and sector.json["care_team"] == "CMP Lesquin"
    fresh(session)
    logged = {row.case_id for row in session.scalars(select(AccessLog).where(
        AccessLog.token_id == issued.token.id))}
    assert logged == {ids["submitted"]}  # the refused read is not logged: nothing was shown
