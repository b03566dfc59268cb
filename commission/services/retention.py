"""Retention: what is kept, how long, and the anonymisation of what is due.

A person's files are kept while any of them is alive. Once every file of theirs has ended (closed,
refused, withdrawn) and the period of its rule has run from its last step, the person is anonymised:
names and contact details replaced, the birth date reduced to its year, the documents removed from the
database and the store, the medical part and the care notes erased, their names struck out of the free
texts that mention them (decisions' reasons, minutes, sent mail). What the council must keep stays: the
files' steps and dates, the decisions, the figures, the ledger (which names files by their reference,
never by the person's name) and the signed minutes, re-rendered with the names struck out and saying so.

A file whose deposit is not settled yet, or whose tenancy has not ended, waits: the treasurer still
needs it.

The audit trail is never touched: it holds no personal data (the services record references and
facts, not names or free text), and it records each anonymisation.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from commission import clock
from commission.config import Settings
from commission.db import utcnow
from commission.documents import data as document_data
from commission.documents.rendered import rendered_documents
from commission.i18n import DEFAULT_LOCALE, msg, translations
from commission.models import (
    AgendaItem,
    Applicant,
    CarePlan,
    Case,
    CaseDocument,
    CaseExit,
    CaseMedical,
    CaseReview,
    CaseTransition,
    Deposit,
    DepositTransition,
    FollowUpEvent,
    Guardian,
    HearingTransition,
    MeetingAction,
    Minutes,
    MinutesStatus,
    Occupancy,
    PlaceTransition,
    Recusal,
    ResourceMeeting,
    SentMail,
)
from commission.models.imports import ImportedRecord
from commission.models.letters import CareCommitment, OutgoingLetter
from commission.models.official_mail import OfficialMailDocument
from commission.models.tenancy import AgreementDocument
from commission.services import audit
from commission.services.imports.people_kind import PEOPLE
from commission.services.treasury_reports import case_reference
from commission.services.unit import flush, locked, unit_of_work
from commission.storage import DocumentStore
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.tags import Tag

STRUCK = "[…]"
ANONYMOUS_FIRST_NAME = "Personne"


def anonymous_last_name(applicant_id: int) -> str:
    return f"anonymisée n° {applicant_id}"


# How long an ended file is kept, by the step that ended it: the settings hold one period per outcome.
RULE_OF_ENDING: dict[str, Callable[[Settings], int]] = {
    "close": lambda settings: settings.retain_closed_years,
    "refuse": lambda settings: settings.retain_refused_years,
    "withdraw": lambda settings: settings.retain_withdrawn_years,
}


def rule_years(settings: Settings, state: str) -> int:
    """The years a file ended in this state is kept: the rule of the step that leads there."""
    for step in CASE_MACHINE.transitions:
        if step.dest == state and step.trigger in RULE_OF_ENDING:
            return RULE_OF_ENDING[step.trigger](settings)
    raise KeyError(state)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # the 29th of February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class CaseEnd:
    case_id: int
    reference: str
    state: str
    ended_on: date
    due_on: date


@dataclass(frozen=True)
class PersonDue:
    applicant_id: int
    cases: tuple[CaseEnd, ...]
    waiting: str = ""  # why it must wait although its period has run; "" when it is anonymised

    @property
    def due_on(self) -> date:
        return max(end.due_on for end in self.cases)


@dataclass
class RetentionReport:
    today: date
    due: list[PersonDue] = field(default_factory=list)
    waiting: list[PersonDue] = field(default_factory=list)
    applied: bool = False
    documents_removed: int = 0
    files_removed: int = 0
    minutes_rewritten: int = 0


def due_persons(session: Session, settings: Settings, today: date) -> tuple[list[PersonDue], list[PersonDue]]:
    """The persons whose files have all ended and whose periods have run: those that can be anonymised
    now, and those that must wait (an unsettled deposit, a tenancy not ended)."""
    rows = session.execute(
        select(Case.applicant_id, Case.id, Case.created_at, Case.state, func.max(CaseTransition.at))
        .join(Applicant, Applicant.id == Case.applicant_id)
        .outerjoin(CaseTransition, CaseTransition.case_id == Case.id)
        .where(Applicant.anonymised_at.is_(None))
        .group_by(Case.applicant_id, Case.id, Case.created_at, Case.state)
        .order_by(Case.applicant_id, Case.id)
    ).all()
    by_person: dict[int, list[CaseEnd] | None] = {}
    for applicant_id, case_id, created_at, state, last_at in rows:
        ends = by_person.setdefault(applicant_id, [])
        if ends is None:
            continue
        if not CASE_MACHINE.means(state, Tag.ENDED):
            by_person[applicant_id] = None  # a file still alive keeps the person
            continue
        ended_on = clock.local_date(last_at or created_at)
        due_on = add_years(ended_on, rule_years(settings, state))
        ends.append(CaseEnd(case_id, case_reference(case_id, created_at.year), state, ended_on, due_on))
    candidates = [PersonDue(applicant_id, tuple(ends)) for applicant_id, ends in by_person.items()
                  if ends and all(end.due_on <= today for end in ends)]
    if not candidates:
        return [], []
    case_ids = [end.case_id for person in candidates for end in person.cases]
    unsettled = set(session.execute(
        select(Deposit.case_id).where(Deposit.case_id.in_(case_ids),
                                      Deposit.state.not_in(DEPOSIT_MACHINE.tagged(Tag.CLOSED_ACCOUNT)))
    ).scalars())
    living = set(session.execute(
        select(Occupancy.case_id).where(Occupancy.case_id.in_(case_ids), Occupancy.ended_on.is_(None))
    ).scalars())
    ready, waiting = [], []
    for person in candidates:
        ids = {end.case_id for end in person.cases}
        if ids & unsettled:
            waiting.append(replace(person, waiting=str(msg("a deposit is not settled yet"))))
        elif ids & living:
            waiting.append(replace(person, waiting=str(msg("a tenancy has not ended"))))
        else:
            ready.append(person)
    return ready, waiting


def run(session: Session, settings: Settings, store: DocumentStore, *, dry_run: bool,
        today: date | None = None) -> RetentionReport:
    """Show (``dry_run``) or apply what the retention rules make due today. Each person is anonymised in
    its own transaction, with its audit entry; files no longer referenced leave the store afterwards."""
    today = today or clock.today()
    report = RetentionReport(today=today)
    report.due, report.waiting = due_persons(session, settings, today)
    if dry_run:
        return report
    for person in report.due:
        # A batch of units, one per person: a file leaves the store only once the commit that stopped
        # referring to it has succeeded (a file removed cannot be rolled back).
        with unit_of_work(session):
            erasure = anonymise(session, store, person)
        report.documents_removed += erasure.documents
        report.minutes_rewritten += erasure.minutes
        report.files_removed += _remove_unreferenced(session, store, erasure.digests)
    if report.due:  # rendered documents kept may name them: none outlives the erasure
        rendered_documents(settings.instance_path).clear()
    report.applied = True
    return report


# ---------------------------------------------------------------- anonymisation


def _identifiers(applicant: Applicant, guardian: Guardian | None) -> list[str]:
    """What names the person in a free text: their names, birth date as it is written, contact details."""
    from babel.dates import format_date

    from commission.typography import typeset_date

    found = [applicant.first_name, applicant.last_name, applicant.full_name, applicant.phone, applicant.email,
             applicant.address]
    birth = applicant.birth_date
    found += [birth.isoformat(), birth.strftime("%d/%m/%Y"), birth.strftime("%d.%m.%Y")]
    for locale in ("fr", "en"):
        for written in (format_date(birth, "long", locale=locale), format_date(birth, "medium", locale=locale)):
            found += [written, typeset_date(written, locale)]  # the French « 1er mai 1980 » as well
    if guardian is not None and guardian.organisation_id is None:
        found += [guardian.first_name, guardian.last_name, guardian.full_name, guardian.phone, guardian.email,
                  guardian.address]
    # longest first, so that "Camille Martin" is struck whole rather than in two halves
    return sorted({value.strip() for value in found if len(value.strip()) >= 2}, key=len, reverse=True)


def _pattern(identifiers: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(value) for value in identifiers)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _strike(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(STRUCK, text) if text else text


def _matching(column: Any, identifiers: list[str]) -> Any:
    return or_(*(column.ilike(f"%{value}%") for value in identifiers))


@dataclass(frozen=True)
class Erasure:
    documents: int  # the documents removed from the person's files
    minutes: int  # the signed minutes re-rendered without their names
    digests: list[str]  # the files that may leave the store (once nothing else refers to them)


def anonymise(session: Session, store: DocumentStore, person: PersonDue) -> Erasure:
    """Anonymise one person, with its audit entry, inside the caller's unit of work."""
    applicant = session.execute(locked(select(Applicant).where(Applicant.id == person.applicant_id))).scalar_one()
    guardian = applicant.guardian
    identifiers = _identifiers(applicant, guardian)
    pattern = _pattern(identifiers)
    case_ids = [end.case_id for end in person.cases]
    references = {end.reference for end in person.cases}

    # the person
    birth = applicant.birth_date
    applicant.first_name, applicant.last_name = ANONYMOUS_FIRST_NAME, anonymous_last_name(applicant.id)
    # the year stays (the figures by age); never the date itself
    applicant.birth_date = date(birth.year, 1, 2) if (birth.month, birth.day) == (1, 1) else date(birth.year, 1, 1)
    applicant.phone = applicant.email = applicant.address = ""
    applicant.guardian_id = None
    applicant.anonymised_at = utcnow()
    if guardian is not None and guardian.organisation_id is None:
        _anonymise_relative(session, guardian, applicant.id)

    # the files: the decisions, steps and dates stay; what describes the person goes
    for case in session.execute(select(Case).where(Case.id.in_(case_ids))).scalars():
        for name in ("housing_details", "resources_details", "referring_psychiatrist", "referring_nurse",
                     "social_worker", "needs_details", "project", "missing_items", "awaited_items"):
            setattr(case, name, "")
        case.monthly_resources_cents = case.housing_allowance_cents = None
        case.decision_reason = _strike(pattern, case.decision_reason)
    # the care and reintegration project: its dates of signature stay, its words and the signatories' names go
    for commitment in session.execute(select(CareCommitment).where(CareCommitment.case_id.in_(case_ids))).scalars():
        commitment.goals = commitment.person_commitments = commitment.care_team_commitments = ""
        commitment.council_commitments = commitment.care_team_signatory = commitment.council_signatory = ""
        commitment.signed_document_id = None
    flush(session)  # the signed copy is no longer named before the documents go
    session.execute(delete(CaseMedical).where(CaseMedical.case_id.in_(case_ids)))
    documents = list(session.execute(select(CaseDocument).where(CaseDocument.case_id.in_(case_ids))).scalars())
    removed = [document.sha256 for document in documents]
    for document in documents:
        session.delete(document)
    # their reference in the spreadsheets they arrived from (a hospital's number, say) goes with them
    session.execute(delete(ImportedRecord).where(ImportedRecord.object_type == PEOPLE.object_type,
                                                 ImportedRecord.object_id.in_(case_ids)))
    for transition in session.execute(select(CaseTransition).where(CaseTransition.case_id.in_(case_ids))).scalars():
        transition.reason = _strike(pattern, transition.reason)
        transition.comment = _strike(pattern, transition.comment)

    # the follow-up: care notes are erased, the facts (dates, kinds, outcomes) stay
    for plan in session.execute(select(CarePlan).where(CarePlan.case_id.in_(case_ids))).scalars():
        plan.activities, plan.status_note = "", ""
    for event in session.execute(select(FollowUpEvent).where(FollowUpEvent.case_id.in_(case_ids))).scalars():
        event.summary, event.action_taken = "", ""
    meetings = list(session.execute(select(ResourceMeeting).where(ResourceMeeting.case_id.in_(case_ids))).scalars())
    for meeting in meetings:
        meeting.attendees, meeting.outcome = "", ""
    for action in session.execute(select(MeetingAction).where(
            MeetingAction.meeting_id.in_([meeting.id for meeting in meetings]))).scalars():
        action.description, action.owner = "", ""
    for review in session.execute(select(CaseReview).where(CaseReview.case_id.in_(case_ids))).scalars():
        review.note = _strike(pattern, review.note)
    for exit_record in session.execute(select(CaseExit).where(CaseExit.case_id.in_(case_ids))).scalars():
        exit_record.place_notes, exit_record.note = _strike(pattern, exit_record.place_notes), ""
    for occupancy in session.execute(select(Occupancy).where(Occupancy.case_id.in_(case_ids))).scalars():
        occupancy.exit_inventory = _strike(pattern, occupancy.exit_inventory)
    for deposit in session.execute(select(Deposit).where(Deposit.case_id.in_(case_ids))).scalars():
        deposit.retention_reason = _strike(pattern, deposit.retention_reason)

    # the letters: what was sent, to which kind of recipient, when and how stays; names, addresses and texts go
    for letter in session.execute(select(OutgoingLetter).where(OutgoingLetter.case_id.in_(case_ids))).scalars():
        letter.recipient_name = _strike(pattern, letter.recipient_name)
        letter.address = letter.email = ""
        letter.content = {key: value for key, value in letter.content.items()
                          if key in ("reference", "file_reference", "letterhead", "place_date", "template_version")}

    # the hearings: the decisions stay, the names in their texts go
    items = list(session.execute(select(AgendaItem).where(AgendaItem.case_id.in_(case_ids))).scalars())
    for item in items:
        item.reason, item.awaited = _strike(pattern, item.reason), _strike(pattern, item.awaited)
        item.minutes_note = _strike(pattern, item.minutes_note)
    for recusal in session.execute(select(Recusal).where(
            Recusal.item_id.in_([item.id for item in items]))).scalars():
        recusal.reason = _strike(pattern, recusal.reason)
    hearing_ids = {item.hearing_id for item in items}
    rewritten = 0
    for minutes in session.execute(select(Minutes).where(or_(
            Minutes.hearing_id.in_(hearing_ids), _matching(Minutes.remarks, identifiers),
            _matching(Minutes.movements, identifiers)))).scalars():
        rewritten += _erase_from_minutes(store, minutes, pattern, references, removed)

    # the steps of the places, deposits and hearings whose reasons name them (an exit's note, say)
    steps: tuple[Any, ...] = (PlaceTransition, DepositTransition, HearingTransition)
    for model in steps:
        for step in session.execute(select(model).where(_matching(model.reason, identifiers))).scalars():
            step.reason = _strike(pattern, step.reason)

    # the mail that named them
    for mail in session.execute(select(SentMail).where(or_(_matching(SentMail.body, identifiers),
                                                           _matching(SentMail.subject, identifiers)))).scalars():
        mail.subject, mail.body = _strike(pattern, mail.subject), _strike(pattern, mail.body)

    audit.record(session, None, "person.anonymised", "applicant", applicant.id, {
        "cases": case_ids, "rules": sorted({end.state for end in person.cases}),
        "documents_removed": len(documents), "minutes_rewritten": rewritten,
    }, actor_name="retention")
    flush(session)
    return Erasure(documents=len(documents), minutes=rewritten, digests=removed)


def _anonymise_relative(session: Session, guardian: Guardian, applicant_id: int) -> None:
    """A relative acting as guardian is a private person: anonymised with the last ward they guard."""
    others = session.execute(select(func.count()).select_from(Applicant).where(
        Applicant.guardian_id == guardian.id, Applicant.id != applicant_id)).scalar_one()
    if others:
        return
    guardian.first_name, guardian.last_name = "Tiers", f"anonymisé n° {guardian.id}"
    guardian.phone = guardian.email = guardian.address = ""
    guardian.anonymised_at = utcnow()


# ---------------------------------------------------------------- signed minutes


def _erase_from_minutes(store: DocumentStore, minutes: Minutes, pattern: re.Pattern[str], references: set[str],
                        removed: list[str]) -> int:
    """Strike the person out of one version of the minutes. Signed minutes are re-rendered from what was
    signed, with the names struck out and a note saying when and why; the files they replace leave the store.
    Returns 1 when signed minutes were re-rendered."""
    if minutes.status is not MinutesStatus.SIGNED:
        minutes.remarks, minutes.movements = _strike(pattern, minutes.remarks), _strike(pattern, minutes.movements)
        if minutes.snapshot:
            minutes.snapshot = json.dumps(_strike_snapshot(json.loads(minutes.snapshot), pattern, references),
                                          sort_keys=True)
        return 0
    if not minutes.snapshot:
        return 0
    snapshot = _strike_snapshot(json.loads(minutes.snapshot), pattern, references)
    data = _from_json(document_data.MinutesData, snapshot)
    gettext = translations(DEFAULT_LOCALE).gettext
    day = clock.today()
    note = gettext("The names of persons whose files were anonymised under the retention rules were struck out of "
                   "these minutes on %(date)s; the rest is as signed.") % {"date": day.strftime("%d/%m/%Y")}
    data = replace(data, erasure_note=note)
    from commission.documents.minutes import render_minutes

    full = store.put(render_minutes(data))
    redacted = store.put(render_minutes(document_data.redact_minutes(data)))
    removed += [digest for digest in (minutes.pdf_sha256, minutes.redacted_sha256) if digest not in (full, redacted)]
    minutes.snapshot = json.dumps(snapshot, sort_keys=True)
    minutes.pdf_sha256, minutes.redacted_sha256 = full, redacted
    minutes.names_erased_at = utcnow()
    return 1


def _strike_snapshot(snapshot: dict[str, Any], pattern: re.Pattern[str], references: set[str]) -> dict[str, Any]:
    """The frozen minutes with the person struck out: their items name them by initials only, and no text
    of the minutes names them."""
    for item in snapshot.get("items", []):
        if item.get("case_reference") in references:
            person = item["person"]
            item["person"] = {**person, "full_name": person["initials"], "birth_date": None, "protection": "",
                              "guardian": ""}
    return typing.cast(dict[str, Any], _strike_json(snapshot, pattern))


def _strike_json(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return _strike(pattern, value)
    if isinstance(value, list):
        return [_strike_json(element, pattern) for element in value]
    if isinstance(value, dict):
        return {key: _strike_json(element, pattern) for key, element in value.items()}
    return value


def _from_json(kind: Any, value: Any) -> Any:
    """Rebuild the documents' frozen dataclasses (tuples, dates, times, nested records) from their JSON."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        return _from_json(options[0], value)
    if origin is tuple:
        element = typing.get_args(kind)[0]
        return tuple(_from_json(element, item) for item in value)
    if is_dataclass(kind) and isinstance(kind, type):
        hints = typing.get_type_hints(kind, vars(document_data))
        return kind(**{f.name: _from_json(hints[f.name], value[f.name]) for f in fields(kind) if f.name in value})
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is time:
        return time.fromisoformat(value)
    return value


def _remove_unreferenced(session: Session, store: DocumentStore, digests: list[str]) -> int:
    """Remove from the store the files that no record refers to any more."""
    if not digests:
        return 0
    wanted = set(digests)
    still = set(session.execute(select(CaseDocument.sha256).where(CaseDocument.sha256.in_(wanted))).scalars())
    still |= set(session.execute(select(Minutes.pdf_sha256).where(Minutes.pdf_sha256.in_(wanted))).scalars())
    still |= set(session.execute(select(Minutes.redacted_sha256).where(Minutes.redacted_sha256.in_(wanted))).scalars())
    # the same bytes may also be a letter of the sub-group's register or an agreement's document
    for column in (OfficialMailDocument.sha256, AgreementDocument.sha256):
        still |= set(session.execute(select(column).where(column.in_(wanted))).scalars())
    count = 0
    for digest in wanted - still:
        if store.remove(digest):
            count += 1
    return count


def check(session: Session) -> list[str]:
    """Anonymised persons hold nothing that names or describes them (for ``commission check``)."""
    problems = []
    rows = session.execute(select(Applicant.id, Applicant.first_name, Applicant.phone, Applicant.email,
                                  Applicant.address, Applicant.guardian_id)
                           .where(Applicant.anonymised_at.is_not(None))).all()
    for applicant_id, first_name, phone, email, address, guardian_id in rows:
        if first_name != ANONYMOUS_FIRST_NAME or phone or email or address or guardian_id is not None:
            problems.append(f"anonymised person {applicant_id} still has a name or contact details")
    leftover: dict[str, list[int]] = defaultdict(list)
    if rows:
        anonymised = select(Case.id).join(Applicant).where(Applicant.anonymised_at.is_not(None))
        for case_id in session.execute(select(CaseDocument.case_id).where(CaseDocument.case_id.in_(anonymised))
                                       ).scalars():
            leftover["documents"].append(case_id)
        for case_id in session.execute(select(CaseMedical.case_id).where(CaseMedical.case_id.in_(anonymised))
                                       ).scalars():
            leftover["medical part"].append(case_id)
        for case_id in session.execute(select(ImportedRecord.object_id).where(
                ImportedRecord.object_type == PEOPLE.object_type, ImportedRecord.object_id.in_(anonymised))).scalars():
            leftover["reference from an import"].append(case_id)
    for what, case_ids in leftover.items():
        problems.append(f"anonymised files still have a {what}: {sorted(set(case_ids))[:10]}")
    return problems
