"""The operations of the integration API. Each names its scope (:func:`operation`), its query or body model and
its answers; the services check the scope again and filter by the token's reach."""

from __future__ import annotations

from typing import Any

from commission.policy.integrations import Scope
from commission.services.integrations import events as event_feed
from commission.services.integrations import notices, reads
from commission.web.api import bp, current_token, operation, responses
from commission.web.api.schemas import (
    ApiError,
    ApplicationList,
    ApplicationOut,
    EventList,
    EventsQuery,
    LedgerList,
    LedgerQuery,
    NoticeIn,
    NoticeOut,
    PageQuery,
    PlaceList,
    PlaceOut,
)
from commission.web.shell import db


@bp.get("/places")
@operation(Scope.PLACES_READ, resp=responses(HTTP_200=PlaceList), tags=["places"],
           operation_id="listPlaces")
def places() -> Any:
    """The token's landlord's places.

    A landlord's token reads its own landlord's places only; never who lives there. Scope: `places:read`.
    """
    return {"items": reads.places(db(), current_token())}


@bp.get("/places/<int:place_id>")
@operation(Scope.PLACES_READ, resp=responses(HTTP_200=PlaceOut), tags=["places"], operation_id="getPlace")
def place(place_id: int) -> Any:
    """One of the token's landlord's places.

    Another landlord's place is answered as missing (404). Scope: `places:read`.
    """
    return reads.place_data(reads.place(db(), current_token(), place_id))


@bp.post("/places/<int:place_id>/availability")
@operation(Scope.PLACES_DECLARE, json=NoticeIn, resp=responses(HTTP_201=NoticeOut, HTTP_409=ApiError),
           tags=["places"], operation_id="declareAvailability")
def declare_availability(place_id: int, json: NoticeIn) -> Any:
    """Declare that one of the landlord's places is or will be available from a date.

    The declaration is a notice: the council's coordinator confirms or dismisses it; it does not change the
    place's state by itself. Scope: `places:declare`.
    """
    notice = notices.declare(db(), current_token(), place_id, available_from=json.available_from.isoformat(),
                             comment=json.comment)
    return notices.notice_data(notice), 201


@bp.get("/applications")
@operation(Scope.APPLICATIONS_READ, query=PageQuery, resp=responses(HTTP_200=ApplicationList),
           tags=["applications"], operation_id="listApplications")
def applications(query: PageQuery) -> Any:
    """The state of the applications of the sector, by id.

    Reference, state, dates and care team: no name, no free text, never the medical part. Each read is logged in
    the council's access log. Scope: `applications:read`.
    """
    items, next_after = reads.applications(db(), current_token(), after=query.after, limit=query.limit)
    return {"items": items, "next_after": next_after}


@bp.get("/applications/<string:reference>")
@operation(Scope.APPLICATIONS_READ, resp=responses(HTTP_200=ApplicationOut), tags=["applications"],
           operation_id="getApplication")
def application(reference: str) -> Any:
    """Where one application stands, by its reference (D-<year>-<number>).

    Scope: `applications:read`.
    """
    return reads.application(db(), current_token(), reference)


@bp.get("/ledger")
@operation(Scope.LEDGER_READ, query=LedgerQuery, resp=responses(HTTP_200=LedgerList), tags=["ledger"],
           operation_id="listLedgerEntries")
def ledger(query: LedgerQuery) -> Any:
    """The fund's ledger: its entries with their lines, by id, within a period of value dates.

    Labels name a file by its reference, never a person. Scope: `ledger:read`.
    """
    items, next_after = reads.ledger(db(), current_token(), start=query.start, end=query.end, after=query.after,
                                     limit=query.limit)
    return {"items": items, "next_after": next_after}


@bp.get("/events")
@operation(Scope.EVENTS_READ, query=EventsQuery, resp=responses(HTTP_200=EventList), tags=["events"],
           operation_id="listEvents")
def events(query: EventsQuery) -> Any:
    """What changed among the records the token reads, after the event ``after``.

    Call again with ``after`` set to the last id read (or ``next_after``) to follow the changes. Only the id,
    time, action and record of each change: never its details nor who acted. Scope: `events:read`.
    """
    items, next_after = event_feed.events(db(), current_token(), after=query.after, limit=query.limit)
    return {"items": items, "next_after": next_after}
