"""The integration API's bodies, as pydantic models: SpecTree validates the requests against them and describes
them in the OpenAPI document (``/api/v1/openapi.json``), which is thus generated from the code."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**31 - 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiError(BaseModel):
    """Every refusal: a stable code, a sentence in the request's language, and the fields at fault."""

    error: str = Field(description="A stable code: unauthorized, forbidden, not_found, invalid, conflict, "
                                   "rate_limited, not_allowed, error.")
    message: str
    fields: dict[str, list[str]] = Field(default_factory=dict, description="The messages by field, for invalid input.")


class PageQuery(Strict):
    after: int = Field(0, ge=0, le=MAX_ID, description="Return the records whose id is after this one.")
    limit: int = Field(50, ge=1, le=200)


class LedgerQuery(PageQuery):
    start: date | None = Field(None, description="First value date of the period (included).")
    end: date | None = Field(None, description="Last value date of the period (included).")


class EventsQuery(Strict):
    after: int = Field(0, ge=0, le=MAX_ID, description="The last event id already read (0 for the first call).")
    limit: int = Field(100, ge=1, le=500)


class PlaceOut(BaseModel):
    id: int
    reference: str
    kind: str
    town: str
    address: str
    rooms: int
    surface_m2: int | None
    floor: int
    accessible: bool
    rent_cents: int
    charges_cents: int
    state: str = Field(description="The place's state in the council's stock (available, offered, occupied...).")
    active: bool
    vacant_since: date | None


class PlaceList(BaseModel):
    items: list[PlaceOut]


class NoticeIn(Strict):
    available_from: date = Field(description="The day from which the place is or will be available.")
    comment: str = Field("", max_length=2000)


class NoticeOut(BaseModel):
    id: int
    place_id: int
    available_from: date
    comment: str
    status: str = Field(description="waiting, confirmed or dismissed: the coordinator decides.")
    created_at: str | None
    decided_at: str | None


class ApplicationOut(BaseModel):
    """Where an application stands; no name, no free text, never the medical part."""

    reference: str = Field(description="D-<year>-<number>, as on the council's letters.")
    state: str
    care_team: str
    created_at: str | None
    submitted_at: str | None
    updated_at: str | None
    due_date: date | None
    scheduled_for: date | None
    offered_on: date | None
    offer_deadline: date | None
    move_in_date: date | None


class ApplicationList(BaseModel):
    items: list[ApplicationOut]
    next_after: int | None = Field(description="Pass it as ``after`` for the next page; null on the last one.")


class LedgerLineOut(BaseModel):
    account: str
    debit_cents: int
    credit_cents: int


class LedgerEntryOut(BaseModel):
    id: int
    kind: str
    value_date: date
    label: str
    method: str | None
    reference: str
    corrects_id: int | None
    posted_at: str | None
    lines: list[LedgerLineOut]


class LedgerList(BaseModel):
    items: list[LedgerEntryOut]
    next_after: int | None


class EventOut(BaseModel):
    id: int
    at: str
    action: str
    object_type: str
    object_id: str
    reference: str | None = Field(description="The application's reference, for an event on an application.")


class EventList(BaseModel):
    items: list[EventOut]
    next_after: int | None
