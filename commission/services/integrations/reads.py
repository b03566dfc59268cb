"""What a token reads, as plain data (the API's JSON): filtered by :mod:`commission.policy.integrations`, the reads
of the applications logged in the access log with the token as reader, as the pages log a user's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from commission.errors import NotFound
from commission.models.cases import AccessLog, Case, reference_clause
from commission.models.housing import Place
from commission.models.integrations import IntegrationToken
from commission.models.treasury import LedgerEntry
from commission.policy import integrations as api_policy
from commission.policy.integrations import Scope
from commission.services.integrations.tokens import require_scope
from commission.services.unit import ReadNotLogged, record_aside

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


def log_reads(session: Session, token: IntegrationToken, case_ids: Iterable[int], part: str) -> None:
    """Log the token's read of these files before they are returned (never returned unlogged)."""
    ids, token_id = list(case_ids), token.id
    if not ids:
        return
    record_aside(session, lambda target: target.add_all(
        [AccessLog(user_id=None, token_id=token_id, case_id=case_id, part=part) for case_id in ids]), ReadNotLogged)


# ---------------------------------------------------------------- places


def place_data(place: Place) -> dict[str, Any]:
    """A place as its landlord reads it: the place itself, never who lives there."""
    return {
        "id": place.id, "reference": place.reference, "kind": place.kind.value, "town": place.town.name,
        "address": place.address, "rooms": place.rooms, "surface_m2": place.surface_m2, "floor": place.floor,
        "accessible": place.accessible, "rent_cents": place.rent_cents, "charges_cents": place.charges_cents,
        "state": place.state, "active": place.active, "vacant_since": _day(place.vacant_since),
    }


def places(session: Session, token: IntegrationToken) -> list[dict[str, Any]]:
    require_scope(token, Scope.PLACES_READ)
    rows = session.scalars(select(Place).options(joinedload(Place.town)).where(api_policy.place_scope(token))
                           .order_by(Place.reference, Place.id))
    return [place_data(place) for place in rows]


def place(session: Session, token: IntegrationToken, place_id: int, scope: Scope = Scope.PLACES_READ) -> Place:
    """One of the token's places; another landlord's is as missing as one that does not exist."""
    require_scope(token, scope)
    found = session.scalars(select(Place).options(joinedload(Place.town))
                            .where(Place.id == place_id, api_policy.place_scope(token))).first()
    if found is None:
        raise NotFound()
    return found


# ---------------------------------------------------------------- applications (the hospital)


def application_data(case: Case) -> dict[str, Any]:
    """Where an application stands, as the hospital reads it: no name, no free text, never the medical part."""
    return {
        "reference": case.reference, "state": case.state, "care_team": case.care_team.name,
        "created_at": _moment(case.created_at), "submitted_at": _moment(case.submitted_at),
        "updated_at": _moment(case.updated_at), "due_date": _day(case.due_date),
        "scheduled_for": _day(case.scheduled_for), "offered_on": _day(case.offered_on),
        "offer_deadline": _day(case.offer_deadline), "move_in_date": _day(case.move_in_date),
    }


def applications(session: Session, token: IntegrationToken, *, after: int = 0,
                 limit: int = DEFAULT_LIMIT) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the applications the token reads, by id; and the cursor of the next page, if any."""
    require_scope(token, Scope.APPLICATIONS_READ)
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(session.scalars(select(Case).options(joinedload(Case.care_team))
                                .where(api_policy.case_scope(token), Case.id > after)
                                .order_by(Case.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    log_reads(session, token, [case.id for case in rows], "api:list")
    return [application_data(case) for case in rows], (rows[-1].id if more else None)


def application(session: Session, token: IntegrationToken, reference: str) -> dict[str, Any]:
    require_scope(token, Scope.APPLICATIONS_READ)
    named = reference_clause(reference)
    if named is None:
        raise NotFound()
    case = session.scalars(select(Case).options(joinedload(Case.care_team))
                           .where(named, api_policy.case_scope(token))).first()
    if case is None:
        raise NotFound()
    log_reads(session, token, [case.id], "api:state")
    return application_data(case)


# ---------------------------------------------------------------- the ledger (the accountant)


def ledger(session: Session, token: IntegrationToken, *, start: date | None = None, end: date | None = None,
           after: int = 0, limit: int = DEFAULT_LIMIT) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the ledger's entries with their lines, by id, within a period of value dates (both included)."""
    require_scope(token, Scope.LEDGER_READ)
    limit = max(1, min(limit, MAX_LIMIT))
    query = select(LedgerEntry).options(selectinload(LedgerEntry.lines)).where(LedgerEntry.id > after)
    if start is not None:
        query = query.where(LedgerEntry.value_date >= start)
    if end is not None:
        query = query.where(LedgerEntry.value_date <= end)
    rows = list(session.scalars(query.order_by(LedgerEntry.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return [{
        "id": entry.id, "kind": entry.kind.value, "value_date": entry.value_date.isoformat(), "label": entry.label,
        "method": entry.method.value if entry.method else None, "reference": entry.reference,
        "corrects_id": entry.corrects_id, "posted_at": _moment(entry.posted_at),
        "lines": [{"account": line.account.value, "debit_cents": line.debit_cents, "credit_cents": line.credit_cents}
                  for line in entry.lines],
    } for entry in rows], (rows[-1].id if more else None)
