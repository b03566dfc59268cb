"""The person's right of access: everything the system holds on one person, in one ZIP.

The coordinator produces it: ``person.json`` (every record, machine-readable), ``person.pdf`` (the same,
readable by the person, in their language) and the attached documents' own bytes. The export is
recorded in the same transaction: a read of each file in the access log, an audit entry with counts.

Every query below is bounded by the person's own files (``case_id IN (...)``) or by ids taken from
their own rows, never by a place or a hearing: a place's other occupants, a hearing's other items, a
landlord's other deposits, the minutes and the e-mail digests (which name many persons) stay out.
A fixed number of queries, whatever the number of records.
"""

from __future__ import annotations

import enum
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, joinedload, selectinload

from commission import clock, policy
from commission.db import utcnow
from commission.errors import Forbidden, NotFound
from commission.i18n import DEFAULT_LOCALE
from commission.models.accounts import User
from commission.models.cases import AccessLog, Case, CaseDocument, CaseMedical, CaseTransition
from commission.models.followup import CarePlan, CaseExit, CaseReview, FollowUpEvent, ResourceMeeting
from commission.models.hearings import AgendaItem, Hearing, Recusal, Vote
from commission.models.housing import Place
from commission.models.integrations import IntegrationToken
from commission.models.letters import CareCommitment, OutgoingLetter
from commission.models.people import Applicant, Guardian
from commission.models.tenancy import Occupancy
from commission.models.treasury import Deposit, DepositTransition, LedgerEntry
from commission.services import audit
from commission.services.unit import flush
from commission.storage import DocumentStore

FORMAT = "commission.person-export/1"
# What the export holds (policy.Document.PERSON_EXPORT): the person, their guardian, every record of their files.
EXPORTED_FIELDS = frozenset({
    policy.Field.IDENTITY, policy.Field.BIRTH_DATE, policy.Field.LEGAL_PROTECTION, policy.Field.GUARDIAN,
    policy.Field.POSTAL_ADDRESS, policy.Field.MEDICAL, policy.Field.CARE_TEAM, policy.Field.REQUEST,
    policy.Field.DECISIONS, policy.Field.OTHER_LANDLORDS_PLACES, policy.Field.MONEY, policy.Field.FILE_RECORDS,
})
# Columns that say nothing to the person: the optimistic-locking counters.
TECHNICAL_COLUMNS = frozenset({"version", "version_counter", "search_text"})  # search_text: the names, normalised


def _value(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _columns(row: object, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every column of a row, by its attribute name: what the database holds, nothing left out."""
    skipped = TECHNICAL_COLUMNS | set(exclude)
    return {attr.key: _value(getattr(row, attr.key)) for attr in inspect(type(row)).column_attrs
            if attr.key not in skipped}


def _grouped(rows: Iterable[Any], key: str = "case_id") -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return groups


def archive_name(document: CaseDocument) -> str:
    """Where a document's bytes sit in the ZIP: ``documents/<id>-<filename>``, no folder of its own."""
    safe = re.sub(r"[\x00-\x1f/\\:]+", "_", document.filename).strip(" .") or "document"
    return f"documents/{document.id}-{safe}"


def collect(session: Session, applicant_id: int, *, exported_by: User, council: str,
            exported_at: datetime | None = None) -> dict[str, Any]:
    """The person's records as plain data (the JSON's content, and what the PDF shows)."""
    applicant = session.execute(
        select(Applicant).where(Applicant.id == applicant_id)
        .options(joinedload(Applicant.care_team), joinedload(Applicant.guardian).joinedload(Guardian.organisation))
    ).unique().scalar_one_or_none()
    if applicant is None:
        raise NotFound()
    case_rows = list(session.execute(
        select(Case).where(Case.applicant_id == applicant.id)
        .options(joinedload(Case.care_team), selectinload(Case.wished_towns)).order_by(Case.id)
    ).unique().scalars())
    case_ids = [case.id for case in case_rows]

    def of_cases(model: Any, *order: Any, options: Iterable[Any] = ()) -> list[Any]:
        if not case_ids:
            return []
        query = select(model).where(model.case_id.in_(case_ids)).options(*options)
        return list(session.execute(query.order_by(*order)).scalars())

    medical = {row.case_id: row for row in of_cases(CaseMedical, CaseMedical.case_id)}
    transitions = _grouped(of_cases(CaseTransition, CaseTransition.id))
    documents = _grouped(of_cases(CaseDocument, CaseDocument.id))
    items = of_cases(AgendaItem, AgendaItem.id)
    occupancies = _grouped(of_cases(Occupancy, Occupancy.id))
    deposit_rows = of_cases(Deposit, Deposit.id, options=[joinedload(Deposit.landlord)])
    plans = {row.case_id: row for row in of_cases(CarePlan, CarePlan.case_id)}
    events = _grouped(of_cases(FollowUpEvent, FollowUpEvent.occurred_on, FollowUpEvent.id))
    meetings = _grouped(of_cases(ResourceMeeting, ResourceMeeting.id, options=[selectinload(ResourceMeeting.actions)]))
    reviews = _grouped(of_cases(CaseReview, CaseReview.id))
    exits = _grouped(of_cases(CaseExit, CaseExit.id))
    reads = _grouped(of_cases(AccessLog, AccessLog.id))
    letters = _grouped(of_cases(OutgoingLetter, OutgoingLetter.id))
    commitments = _grouped(of_cases(CareCommitment, CareCommitment.id))

    # Votes and recusals: this person's items only, and only as a tally (never who voted how).
    item_ids = [item.id for item in items]
    tallies: dict[int, Counter[str]] = {}
    recusals: Counter[int] = Counter()
    if item_ids:
        for item_id, choice, count in session.execute(
            select(Vote.item_id, Vote.choice, func.count(Vote.id)).where(Vote.item_id.in_(item_ids))
            .group_by(Vote.item_id, Vote.choice)
        ):
            tallies.setdefault(item_id, Counter())[choice.value] = count
        for item_id, count in session.execute(
            select(Recusal.item_id, func.count(Recusal.id)).where(Recusal.item_id.in_(item_ids))
            .group_by(Recusal.item_id)
        ):
            recusals[item_id] = count

    deposit_ids = [deposit.id for deposit in deposit_rows]
    deposit_steps = _grouped(session.execute(
        select(DepositTransition).where(DepositTransition.deposit_id.in_(deposit_ids)).order_by(DepositTransition.id)
    ).scalars(), "deposit_id") if deposit_ids else {}
    # The entries of their deposits, and those entries' own lines: never a line of another entry.
    entries = _grouped(session.execute(
        select(LedgerEntry).where(LedgerEntry.deposit_id.in_(deposit_ids))
        .options(selectinload(LedgerEntry.lines)).order_by(LedgerEntry.value_date, LedgerEntry.id)
    ).scalars(), "deposit_id") if deposit_ids else {}

    # Hearings and places, by the ids this person's own rows name: the rows themselves, not their other links.
    hearing_ids = {item.hearing_id for item in items} | {item.deferred_to_id for item in items if item.deferred_to_id}
    hearing_ids |= {review.hearing_id for rows in reviews.values() for review in rows if review.hearing_id}
    hearings = {hearing.id: hearing for hearing in session.execute(
        select(Hearing).where(Hearing.id.in_(hearing_ids)).options(joinedload(Hearing.town))
    ).scalars()} if hearing_ids else {}
    place_ids = {case.allocated_place_id for case in case_rows if case.allocated_place_id}
    place_ids |= {item.place_id for item in items if item.place_id}
    place_ids |= {row.place_id for rows in occupancies.values() for row in rows}
    place_ids |= {deposit.place_id for deposit in deposit_rows}
    place_ids |= {row.place_id for rows in exits.values() for row in rows}
    places = {place.id: place for place in session.execute(
        select(Place).where(Place.id.in_(place_ids)).options(joinedload(Place.town), joinedload(Place.organisation))
        .order_by(Place.id)
    ).scalars()} if place_ids else {}

    # The staff who acted on or read the files: their names are part of the record of who did what.
    user_ids: set[int] = {case.created_by_id for case in case_rows if case.created_by_id}
    user_ids |= {row.updated_by_id for row in [*medical.values(), *plans.values()] if row.updated_by_id}
    user_ids |= {row.user_id for rows in reads.values() for row in rows}
    user_ids |= {row.uploaded_by_id for rows in documents.values() for row in rows if row.uploaded_by_id}
    user_ids |= {item.decided_by_id for item in items if item.decided_by_id}
    for group in (events, reviews, exits):
        user_ids |= {row.recorded_by_id for rows in group.values() for row in rows if row.recorded_by_id}
    for rows in meetings.values():
        for meeting in rows:
            user_ids |= {meeting.created_by_id} if meeting.created_by_id else set()
            user_ids |= {action.done_by_id for action in meeting.actions if action.done_by_id}
    for deposit in deposit_rows:
        user_ids |= {uid for uid in (deposit.write_off_treasurer_id, deposit.write_off_coordinator_id) if uid}
    user_ids |= {row.actor_id for rows in entries.values() for row in rows if row.actor_id}
    users = {user.id: user for user in session.execute(select(User).where(User.id.in_(user_ids))).scalars()
             } if user_ids else {}

    # the partners' systems that read a file through the integration API, by the name the coordinator gave them
    token_ids = {row.token_id for rows in reads.values() for row in rows if row.token_id}
    integrations: dict[int | None, str] = {}
    if token_ids:
        integrations.update(session.execute(select(IntegrationToken.id, IntegrationToken.name)
                                            .where(IntegrationToken.id.in_(token_ids))).all())

    def who(user_id: int | None) -> str | None:
        return users[user_id].display_name if user_id in users else None

    def hearing_ref(hearing_id: int | None) -> dict[str, Any] | None:
        hearing = hearings.get(hearing_id) if hearing_id else None
        if hearing is None:
            return None
        return {"id": hearing.id, "reference": hearing.reference, "day": hearing.day, "town": hearing.town.name}

    def place_ref(place_id: int | None) -> dict[str, Any] | None:
        place = places.get(place_id) if place_id else None
        if place is None:
            return None
        return {"id": place.id, "reference": place.reference, "kind": place.kind.value, "address": place.address,
                "town": place.town.name, "landlord": place.organisation.name}

    def step(row: Any) -> dict[str, Any]:
        return {"id": row.id, "at": row.at, "from_state": row.from_state, "to_state": row.to_state,
                "trigger": row.trigger, "reason": row.reason, "comment": getattr(row, "comment", ""),
                "actor_name": row.actor_name}

    def case_data(case: Case) -> dict[str, Any]:
        fields = _columns(case)
        fields.update(reference=case.reference, care_team=case.care_team.name, created_by=who(case.created_by_id),
                      wished_towns=[town.name for town in case.wished_towns],
                      allocated_place=place_ref(case.allocated_place_id))
        medical_row = medical.get(case.id)
        plan = plans.get(case.id)
        return {
            **fields,
            "medical": {**_columns(medical_row), "updated_by": who(medical_row.updated_by_id)} if medical_row else None,
            "transitions": [step(row) for row in transitions.get(case.id, [])],
            "documents": [{**_columns(document), "uploaded_by": who(document.uploaded_by_id),
                           "archive_path": archive_name(document)} for document in documents.get(case.id, [])],
            "hearing_items": [{
                **_columns(item), "hearing": hearing_ref(item.hearing_id),
                "deferred_to": hearing_ref(item.deferred_to_id),
                "place": place_ref(item.place_id), "decided_by": who(item.decided_by_id),
                "votes": {choice: tallies.get(item.id, Counter())[choice] for choice in ("in_favour", "against",
                                                                                           "abstain")},
                "recusals": recusals[item.id],
            } for item in items if item.case_id == case.id],
            "occupancies": [{**_columns(row), "place": place_ref(row.place_id)}
                            for row in occupancies.get(case.id, [])],
            "deposits": [{
                **_columns(deposit), "landlord": deposit.landlord.name, "place": place_ref(deposit.place_id),
                "write_off_treasurer": who(deposit.write_off_treasurer_id),
                "write_off_coordinator": who(deposit.write_off_coordinator_id),
                "transitions": [step(row) for row in deposit_steps.get(deposit.id, [])],
                "ledger_entries": [{**_columns(entry), "actor": who(entry.actor_id),
                                    "lines": [_columns(line) for line in entry.lines]}
                                   for entry in entries.get(deposit.id, [])],
            } for deposit in deposit_rows if deposit.case_id == case.id],
            "follow_up": {
                "care_plan": {**_columns(plan), "updated_by": who(plan.updated_by_id)} if plan else None,
                "events": [{**_columns(row), "recorded_by": who(row.recorded_by_id)}
                           for row in events.get(case.id, [])],
                "resource_meetings": [{
                    **_columns(meeting), "created_by": who(meeting.created_by_id),
                    "actions": [{**_columns(action), "done_by": who(action.done_by_id)} for action in meeting.actions],
                } for meeting in meetings.get(case.id, [])],
                "reviews": [{**_columns(row), "hearing": hearing_ref(row.hearing_id),
                             "recorded_by": who(row.recorded_by_id)} for row in reviews.get(case.id, [])],
                "exits": [{**_columns(row), "place": place_ref(row.place_id), "recorded_by": who(row.recorded_by_id)}
                          for row in exits.get(case.id, [])],
            },
            # Each letter as it was sent: what, to whom, when, by which channel, and its text.
            "letters": [{
                "reference": row.reference, "kind": row.kind.value, "recipient": row.recipient.value,
                "recipient_name": row.recipient_name, "channel": row.channel.value, "status": row.status.value,
                "letter_date": row.letter_date, "posted_on": row.posted_on, "sent_at": row.sent_at,
                "address": row.address, "email": row.email, "subject": row.content.get("subject", ""),
                "paragraphs": row.content.get("paragraphs", []),
            } for row in letters.get(case.id, [])],
            "care_commitments": [_columns(row) for row in commitments.get(case.id, [])],
            "reads": [{"id": row.id, "at": row.at, "part": row.part,
                       "user": who(row.user_id) if row.user_id else integrations.get(row.token_id),
                       "role": users[row.user_id].role.value if row.user_id in users else None}
                      for row in reads.get(case.id, [])],
        }

    guardian = applicant.guardian
    return {
        "format": FORMAT,
        "exported_at": exported_at or utcnow(),
        "exported_by": exported_by.display_name,
        "council": council,
        "person": {**_columns(applicant), "care_team": applicant.care_team.name},
        "guardian": ({**_columns(guardian),
                      "organisation": guardian.organisation.name if guardian.organisation else None}
                     if guardian is not None else None),
        "places": [place_ref(place_id) for place_id in places],
        "cases": [case_data(case) for case in case_rows],
    }


def counts(data: dict[str, Any]) -> dict[str, int]:
    """How many records of each kind the export holds: what the audit trail may say of it (no content)."""
    cases = data["cases"]

    def total(*path: str) -> int:
        found = 0
        for case in cases:
            value: Any = case
            for key in path:
                value = value[key]
            found += len(value)
        return found

    return {
        "cases": len(cases),
        "transitions": total("transitions"),
        "documents": total("documents"),
        "hearing_items": total("hearing_items"),
        "occupancies": total("occupancies"),
        "deposits": total("deposits"),
        "ledger_entries": sum(len(deposit["ledger_entries"]) for case in cases for deposit in case["deposits"]),
        "followup_events": total("follow_up", "events"),
        "resource_meetings": total("follow_up", "resource_meetings"),
        "reviews": total("follow_up", "reviews"),
        "exits": total("follow_up", "exits"),
        "letters": total("letters"),
        "care_commitments": total("care_commitments"),
        "reads": total("reads"),
    }


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    raise TypeError(f"not serialisable in the export: {type(value).__name__}")


def to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default).encode("utf-8")


def export_person(session: Session, actor: User, store: DocumentStore, applicant_id: int,
                  locale: str = DEFAULT_LOCALE) -> tuple[str, bytes]:
    """The ZIP of everything held on one person, and its file name; the export itself is recorded."""
    from commission.documents.person_export import render_person_export
    from commission.services.hearing_documents import council

    policy.require(actor, policy.Action.EXPORT_PERSON)
    # The right of access is to everything held on the person: only a reader who reads all of it produces it.
    if not policy.document_fields(actor, policy.Document.PERSON_EXPORT) >= EXPORTED_FIELDS:
        raise Forbidden()
    data = collect(session, applicant_id, exported_by=actor, council=council().name, exported_at=clock.now())
    files: list[tuple[str, bytes]] = []
    missing = 0
    for case in data["cases"]:
        for document in case["documents"]:
            if store.exists(document["sha256"]):
                files.append((document["archive_path"], store.get(document["sha256"])))
            else:  # removed by the retention rules: the record says so, the archive holds no file for it
                document["archive_path"] = None
                missing += 1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("person.json", to_json(data))
        archive.writestr("person.pdf", render_person_export(data, locale=locale))
        for path, content in files:
            archive.writestr(path, content)
    for case in data["cases"]:
        session.add(AccessLog(user_id=actor.id, case_id=case["id"], part="export"))
    audit.record(session, actor, "person.exported", "applicant", applicant_id,
                 {**counts(data), "documents_missing": missing})
    flush(session)
    exported_on = clock.today().isoformat()
    return f"donnees-personne-{applicant_id}-{exported_on}.zip", buffer.getvalue()
