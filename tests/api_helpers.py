"""A council with integration tokens, built once per run for the API's tests: two landlords' tokens, the
hospital's, the accountant's, tokens lacking a scope, a revoked one and an expired one; two files (one
submitted), a ledger entry, and audit entries on places and files that the events feed filters."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from commission import clock
from commission.models import Account, EntryKind, IntegrationToken
from commission.services import audit, unit
from commission.services.integrations import tokens
from commission.services.treasury import ledger
from tests.cases_helpers import new_case, step
from tests.conftest import WORLD, load_world
from tests.databases import Ids, Scenario

# Each token: its kind, its binding (a world's organisation, by attribute), its scopes.
TOKENS: dict[str, tuple[str, str | None, list[str]]] = {
    "landlord_a": ("landlord", "landlord_a", ["places:read", "places:declare", "events:read"]),
    "landlord_b": ("landlord", "landlord_b", ["places:read", "places:declare", "events:read"]),
    "landlord_a_read": ("landlord", "landlord_a", ["places:read"]),
    "hospital": ("hospital", None, ["applications:read", "events:read"]),
    "hospital_events": ("hospital", None, ["events:read"]),
    "accountant": ("accountant", None, ["ledger:read", "events:read"]),
    "accountant_ledger": ("accountant", None, ["ledger:read"]),
    "revoked": ("landlord", "landlord_a", ["places:read"]),
    "expired": ("landlord", "landlord_a", ["places:read"]),
}


def _build(session: Session, _instance: Path, ids: Ids) -> Ids:
    world = load_world(session, ids)
    coordinator = world.users["coordinator"]
    expiry = (clock.today() + timedelta(days=300)).isoformat()
    secrets: dict[str, str] = {}
    token_ids: dict[str, int] = {}
    with unit.unit_of_work(session):
        for name, (kind, binding, scopes) in TOKENS.items():
            organisation = getattr(world, binding).id if binding else None
            issued = tokens.create(session, coordinator, name=f"Token {name}", kind=kind,
                                   organisation_id=organisation, scopes=scopes, expires_on=expiry)
            secrets[name], token_ids[name] = issued.secret, issued.token.id
        tokens.revoke(session, coordinator, token_ids["revoked"])
        session.execute(update(IntegrationToken).where(IntegrationToken.id == token_ids["expired"])
                        .values(expires_at=clock.now() - timedelta(days=1)))
    submitted = new_case(session, world, "care_a")
    step(session, world.users["care_a"], submitted, "submit")
    draft = new_case(session, world, "care_b", first_name="Dominique")
    with unit.unit_of_work(session):
        audit.record(session, coordinator, "place.updated", "place", world.place_a.id, {"rent": 1})
        audit.record(session, coordinator, "place.updated", "place", world.place_b.id, {"rent": 2})
        audit.record(session, coordinator, "case.medical_updated", "case", submitted.id, {})
        ledger.post(session, world.users["treasurer"], EntryKind.EXPENSE, date(2026, 3, 2), "Frais de tenue",
                    [ledger.Line(Account.OTHER_EXPENSES, debit=1200), ledger.Line(Account.BANK, credit=1200)])
    return {"secrets": secrets, "tokens": token_ids, "submitted": submitted.id, "draft": draft.id,
            "submitted_ref": submitted.reference, "draft_ref": draft.reference}


API = Scenario("api", _build, extends=WORLD)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
