"""The one search box: files (by their person's name or their reference), places, partners and structures.

Each kind is matched on its ``search_text`` column (commission.search: no accent, lower case): a record is found
when its text contains the query, or is similar enough to it (pg_trgm's word similarity, so that a typo still
finds it). Each kind is filtered by the policy's scope first: a reader finds only what they may open, and no
person's name reaches someone who may not read the file. One statement per kind (and, on PostgreSQL, one to set
the similarity threshold): the number of statements never grows with the data.

The query is not written to the audit trail (it may be a person's name); the reads of the files are logged where
the files are opened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select, true
from sqlalchemy.orm import Session

from commission import policy
from commission.errors import InvalidInput
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.directory import Structure
from commission.models.housing import Place
from commission.models.people import Applicant
from commission.models.reference import Organisation, Town
from commission.parsing import MAX_ID
from commission.search import SIMILARITY_THRESHOLD, normalise

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
# A file's reference typed in the box, once normalised: "D-2026-00012" is "d 2026 00012".
_FILE_REFERENCE = re.compile(r"^(?:d )?(\d{4}) 0*(\d{1,10})$")


@dataclass(frozen=True)
class Hit:
    """One record found: what the results page shows, and the page that opens it."""

    label: str
    detail: str
    endpoint: str | None  # None: the reader may see it is there, but there is no page of it for them
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """The records of one kind found, best first; ``more`` when the limit cut some off."""

    kind: str
    hits: list[Hit]
    more: bool = False


@dataclass(frozen=True)
class SearchResults:
    query: str
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def _matches(column: Any, query: str, postgresql: bool) -> ColumnElement[bool]:
    contains = column.contains(query, autoescape=True)
    if postgresql:
        # The operator form (``q <% text``, at the threshold set for the transaction) is the one the trigram
        # index serves; it means ``word_similarity(q, text) >= threshold``, as below.
        return or_(contains, literal(query).op("<%")(column))
    return or_(contains, func.word_similarity(query, column) >= SIMILARITY_THRESHOLD)


def _best_first(column: Any, query: str, *then: Any) -> tuple[Any, ...]:
    """Those that contain the query, then the most similar, then by name: the same order on both databases."""
    return (case((column.contains(query, autoescape=True), 0), else_=1),
            func.word_similarity(query, column).desc(), *then)


def _file_reference(query: str) -> ColumnElement[bool]:
    found = _FILE_REFERENCE.match(query)
    if found is None or not 0 < int(found[2]) <= MAX_ID:
        return false()
    year = int(found[1])
    if not 1900 < year < 9999:
        return false()
    return and_(Case.id == int(found[2]), Case.created_at >= datetime(year, 1, 1, tzinfo=UTC),
                Case.created_at < datetime(year + 1, 1, 1, tzinfo=UTC))


def file_matches(query: str) -> ColumnElement[bool]:
    """The files whose person's name, or whose reference, the query matches (the list of files filtered by it):
    the same match as the search box's, in its plain function form. True for a query too short to search."""
    normalised = normalise(query[:MAX_QUERY_LENGTH])
    if len(normalised) < MIN_QUERY_LENGTH:
        return true()
    return or_(_file_reference(normalised), Applicant.search_text.contains(normalised, autoescape=True),
               func.word_similarity(normalised, Applicant.search_text) >= SIMILARITY_THRESHOLD)


def _cut(rows: list[Any], limit: int) -> tuple[list[Any], bool]:
    return rows[:limit], len(rows) > limit


def _files(session: Session, user: User, query: str, limit: int, postgresql: bool) -> Group:
    if not policy.can(user, policy.Action.VIEW_CASES):
        return Group("files", [])
    by_reference = _file_reference(query)
    statement = (
        select(Case.id, Case.created_at, Applicant.first_name, Applicant.last_name)
        .join(Applicant, Case.applicant_id == Applicant.id)
        .where(policy.case_scope(user), or_(by_reference, _matches(Applicant.search_text, query, postgresql)))
        .order_by(case((by_reference, 0), else_=1),
                  *_best_first(Applicant.search_text, query, Applicant.last_name, Applicant.first_name,
                               Case.id.desc()))
        .limit(limit + 1))
    rows, more = _cut(list(session.execute(statement)), limit)
    hits = [Hit(label=f"{first_name} {last_name}", detail=f"D-{created_at.year}-{case_id:05d}",
                endpoint="cases.show", values={"case_id": case_id})
            for case_id, created_at, first_name, last_name in rows]
    return Group("files", hits, more)


def _places(session: Session, user: User, query: str, limit: int, postgresql: bool) -> Group:
    if not policy.can(user, policy.Action.VIEW_PLACES):
        return Group("places", [])
    statement = (
        select(Place.id, Place.reference, Place.address, Town.name)
        .join(Town, Place.town_id == Town.id)
        .where(policy.place_scope(user), _matches(Place.search_text, query, postgresql))
        .order_by(*_best_first(Place.search_text, query, Place.reference, Place.id))
        .limit(limit + 1))
    rows, more = _cut(list(session.execute(statement)), limit)
    hits = [Hit(label=reference, detail=f"{address}, {town}", endpoint="places.show", values={"place_id": place_id})
            for place_id, reference, address, town in rows]
    return Group("places", hits, more)


def _partners(session: Session, user: User, query: str, limit: int, postgresql: bool) -> Group:
    manage = policy.can(user, policy.Action.MANAGE_STOCK)
    if not (manage or policy.can(user, policy.Action.VIEW_REFERENCE)):
        return Group("partners", [])
    statement = (
        select(Organisation.id, Organisation.name, Organisation.address)
        .where(_matches(Organisation.search_text, query, postgresql))
        .order_by(*_best_first(Organisation.search_text, query, Organisation.name, Organisation.id))
        .limit(limit + 1))
    rows, more = _cut(list(session.execute(statement)), limit)
    # Who keeps the partners opens one's form; the others read them in the reference data.
    hits = [Hit(label=name, detail=address, endpoint="stock.edit_partner" if manage else "places.reference",
                values={"organisation_id": organisation_id} if manage else {})
            for organisation_id, name, address in rows]
    return Group("partners", hits, more)


def _structures(session: Session, user: User, query: str, limit: int, postgresql: bool) -> Group:
    if not policy.can(user, policy.Action.VIEW_DIRECTORY):
        return Group("structures", [])
    statement = (
        select(Structure.id, Structure.name, Structure.address)
        .where(_matches(Structure.search_text, query, postgresql))
        .order_by(*_best_first(Structure.search_text, query, Structure.name, Structure.id))
        .limit(limit + 1))
    rows, more = _cut(list(session.execute(statement)), limit)
    hits = [Hit(label=name, detail=address, endpoint=STRUCTURE_ENDPOINT, values={"structure_id": structure_id})
            for structure_id, name, address in rows]
    return Group("structures", hits, more)


# The directory's page of one structure (commission/web/directory.py).
STRUCTURE_ENDPOINT = "directory.show"
_KINDS = (_files, _places, _partners, _structures)


def search(session: Session, user: User, query: str, limit_per_kind: int = 10) -> SearchResults:
    """The records of each kind the user may open whose name, reference or address match the query."""
    policy.require(user, policy.Action.SEARCH)
    normalised = normalise(query[:MAX_QUERY_LENGTH])
    if len(normalised) < MIN_QUERY_LENGTH:
        raise InvalidInput({"q": [msg("Type at least %(count)s letters or digits to search.",
                                      count=MIN_QUERY_LENGTH)]})
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        # For this transaction only: what ``<%`` takes as similar enough (pg_trgm's default is 0.6).
        session.execute(select(func.set_config("pg_trgm.word_similarity_threshold", str(SIMILARITY_THRESHOLD),
                                               True)))
    return SearchResults(query=normalised,
                         groups=[kind(session, user, normalised, limit_per_kind, postgresql) for kind in _KINDS])
