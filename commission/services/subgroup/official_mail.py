"""The register of official correspondence: the letters the housing sub-group receives from and sends to the
authorities (préfecture, ARS, département), the towns, the landlords, the funders and the partners; who handles
each, the answer due and the answer given, the documents, and the partner, agreement or place it concerns.

Numbering: a letter gets its number when it is registered, ``<year>-A-<rank>`` for one received (*arrivée*) and
``<year>-D-<rank>`` for one sent (*départ*), the rank counted from 1 within the year and the direction (three
digits at least: ``2026-A-007``). The year is the year of the date it was received or sent. The number is never
given again nor changed, even when that date is corrected.

An answer: a received letter is answered either by a letter of the register (an outgoing letter registered as its
answer: the received one is then answered on the day the answer was sent, and linked to it) or by hand (a date and
a note, for an answer given by telephone, at a meeting, by e-mail...).

The register never holds health data: the form says so, and the audit trail keeps no subject, summary nor
correspondent (they may name someone), only the numbers, the dates and the links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import N_, msg
from commission.models.accounts import User
from commission.models.housing import Place
from commission.models.official_mail import (
    DIRECTION_LETTERS,
    CorrespondentKind,
    MailDirection,
    OfficialMail,
    OfficialMailDocument,
)
from commission.models.reference import Organisation
from commission.models.tenancy import Agreement
from commission.parsing import as_id
from commission.services import audit
from commission.services.paging import PER_PAGE, Page, paginate
from commission.services.stock.fields import Errors, _add, _choice, _day, _text
from commission.services.unit import flush, locked
from commission.services.uploads import checked, upload_error
from commission.storage import DocumentStore

DIRECTION_LABELS = {MailDirection.INCOMING: N_("Received"), MailDirection.OUTGOING: N_("Sent")}
KIND_LABELS = {
    CorrespondentKind.AUTHORITY: N_("Authority (préfecture, ARS, département)"),
    CorrespondentKind.TOWN: N_("Town"),
    CorrespondentKind.LANDLORD: N_("Landlord"),
    CorrespondentKind.FUNDER: N_("Funder"),
    CorrespondentKind.PARTNER: N_("Partner"),
    CorrespondentKind.HOSPITAL: N_("Hospital"),
    CorrespondentKind.ASSOCIATION: N_("Association"),
    CorrespondentKind.OTHER: N_("Other"),
}
ANSWER_URGENT_DAYS = 7  # an answer due within a week (or overdue) is urgent
LINKED_ROWS = 100  # the letters shown on a partner's, an agreement's or a place's page
MAX_SUMMARY = 5000
MAX_NOTE = 2000


# ---------------------------------------------------------------- input


@dataclass
class MailInput:
    """What the form sends, as typed."""

    direction: str = MailDirection.INCOMING.value
    correspondent: str = ""
    correspondent_kind: str = ""
    organisation_id: str = ""
    agreement_id: str = ""
    place_id: str = ""
    subject: str = ""
    summary: str = ""
    dated_on: str = ""
    registered_on: str = ""
    handler_id: str = ""
    answer_due: str = ""
    answers: str = ""  # a sent letter: the id of the received letter it answers

    @classmethod
    def of(cls, mail: OfficialMail, answers: int | None = None) -> MailInput:
        def ident(value: int | None) -> str:
            return str(value) if value is not None else ""

        return cls(
            direction=mail.direction.value, correspondent=mail.correspondent,
            correspondent_kind=mail.correspondent_kind.value, organisation_id=ident(mail.organisation_id),
            agreement_id=ident(mail.agreement_id), place_id=ident(mail.place_id), subject=mail.subject,
            summary=mail.summary, dated_on=mail.dated_on.isoformat(), registered_on=mail.registered_on.isoformat(),
            handler_id=ident(mail.handler_id), answer_due=mail.answer_due.isoformat() if mail.answer_due else "",
            answers=ident(answers),
        )

    @classmethod
    def answering(cls, letter: OfficialMail, today: date) -> MailInput:
        """A sent letter answering a received one: its correspondent, links and handler taken over."""
        data = cls.of(letter, answers=letter.id)
        data.direction, data.answer_due = MailDirection.OUTGOING.value, ""
        data.summary, data.dated_on, data.registered_on = "", today.isoformat(), today.isoformat()
        return data


def _linked(session: Session, errors: Errors, name: str, model: Any, text: str, problem: Any) -> Any:
    """The row a choice list names, or None for an empty choice; an unknown id is refused."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    row_id = as_id(cleaned)
    row = session.get(model, row_id) if row_id is not None else None
    if row is None:
        _add(errors, name, problem)
    return row


def may_handle(user: User) -> bool:
    """Whether an account may handle a letter: an active account that writes in the register."""
    return user.active and policy.can(user, policy.Action.RECORD_SUBGROUP)


def _handlers_query() -> Any:
    return select(User).where(User.active.is_(True), or_(policy.may_clause(policy.Action.RECORD_SUBGROUP),
                                                          User.housing_subgroup.is_(True)))


def _parse(session: Session, data: MailInput, current: OfficialMail | None, today: date) -> tuple[
        dict[str, Any], OfficialMail | None]:
    """The columns the form sets, and the received letter it answers (a new sent letter only); every problem at
    once, nothing written."""
    errors: Errors = {}
    direction = current.direction if current is not None else _choice(MailDirection, data.direction)
    if direction is None:
        _add(errors, "direction", msg("Choose whether the letter was received or sent."))
    incoming = direction is not MailDirection.OUTGOING  # an unknown direction: its own message only
    correspondent = _text(errors, "correspondent", data.correspondent, 200,
                          msg("Say who wrote the letter, or to whom it was sent."))
    kind = _choice(CorrespondentKind, data.correspondent_kind)
    if kind is None:
        _add(errors, "correspondent_kind", msg("Choose the kind of correspondent."))
    organisation = _linked(session, errors, "organisation_id", Organisation, data.organisation_id,
                           msg("Choose a partner from the list."))
    agreement = _linked(session, errors, "agreement_id", Agreement, data.agreement_id,
                        msg("Choose an agreement from the list."))
    place = _linked(session, errors, "place_id", Place, data.place_id, msg("Choose a place from the list."))
    subject = _text(errors, "subject", data.subject, 300, msg("Give the letter's subject."))
    summary = _text(errors, "summary", data.summary, MAX_SUMMARY)
    dated_on = _day(errors, "dated_on", data.dated_on)
    registered_on = _day(errors, "registered_on", data.registered_on)
    if registered_on is not None and registered_on > today:
        _add(errors, "registered_on", msg("This date has not come yet: register the letter once it is received.")
             if incoming else msg("This date has not come yet: register the letter once it is sent."))
    elif dated_on is not None and registered_on is not None and registered_on < dated_on:
        _add(errors, "registered_on", msg("A letter cannot be received before the date it bears.") if incoming
             else msg("A letter cannot be sent before the date it bears."))
    handler = _linked(session, errors, "handler_id", User, data.handler_id,
                      msg("Choose a member of the sub-group from the list."))
    if handler is not None and not may_handle(handler) and (current is None or current.handler_id != handler.id):
        _add(errors, "handler_id", msg("Choose a member of the sub-group from the list."))
    answer_due = _day(errors, "answer_due", data.answer_due, required=False)
    if answer_due is not None and not incoming:
        _add(errors, "answer_due", msg("Only a received letter waits for an answer."))
    elif answer_due is not None and registered_on is not None and answer_due < registered_on:
        _add(errors, "answer_due", msg("The answer cannot be due before the letter was received."))
    if current is not None and current.answered_on is not None and registered_on is not None \
            and registered_on > current.answered_on:
        _add(errors, "registered_on", msg("It was answered on %(date)s: it cannot have been received after.",
                                          date=current.answered_on))
    answered = None
    if current is None and (data.answers or "").strip():
        answered = _answered(session, errors, data.answers, incoming, registered_on)
    elif current is not None and not incoming and registered_on is not None:
        answered = session.execute(select(OfficialMail).where(OfficialMail.answer_id == current.id)).scalars().first()
        if answered is not None and registered_on < answered.registered_on:
            _add(errors, "registered_on", msg("An answer cannot be sent before the letter it answers was received "
                                              "(%(date)s).", date=answered.registered_on))
    if errors:
        raise InvalidInput(errors)
    values = {"correspondent": correspondent, "correspondent_kind": kind,
              "organisation_id": organisation.id if organisation else None,
              "agreement_id": agreement.id if agreement else None, "place_id": place.id if place else None,
              "subject": subject, "summary": summary, "dated_on": dated_on, "registered_on": registered_on,
              "handler_id": handler.id if handler else None, "answer_due": answer_due}
    if current is None:
        values["direction"] = direction
    return values, answered


def _answered(session: Session, errors: Errors, text: str, incoming: bool,
              sent_on: date | None) -> OfficialMail | None:
    """The received letter a new sent letter answers, locked: it must be waiting for its letter of answer."""
    if incoming:
        _add(errors, "answers", msg("Only a sent letter answers another."))
        return None
    row_id = as_id(text)
    letter = session.execute(locked(select(OfficialMail).where(OfficialMail.id == row_id))).scalar_one_or_none() \
        if row_id is not None else None
    if letter is None or letter.direction is not MailDirection.INCOMING:
        _add(errors, "answers", msg("The letter it answers is not a received letter of the register."))
        return None
    if letter.answer_id is not None:
        _add(errors, "answers", msg("The letter %(number)s already has its answer in the register.",
                                    number=letter.number))
    elif sent_on is not None and sent_on < letter.registered_on:
        _add(errors, "registered_on", msg("An answer cannot be sent before the letter it answers was received "
                                          "(%(date)s).", date=letter.registered_on))
    return letter


def _details(mail: OfficialMail) -> dict[str, object]:
    """What the audit trail keeps of a letter: no subject, summary nor correspondent (they may name someone)."""
    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {"number": mail.number, "direction": mail.direction.value,
            "correspondent_kind": mail.correspondent_kind.value, "organisation_id": mail.organisation_id,
            "agreement_id": mail.agreement_id, "place_id": mail.place_id, "dated_on": day(mail.dated_on),
            "registered_on": day(mail.registered_on), "handler_id": mail.handler_id, "answer_due": day(mail.answer_due)}


TEXTS = ("correspondent", "subject", "summary")  # changed: named in the trail, never quoted


# ---------------------------------------------------------------- writing


def _number(session: Session, direction: MailDirection, year: int) -> tuple[int, str]:
    last = session.execute(select(func.max(OfficialMail.sequence)).where(
        OfficialMail.direction == direction, OfficialMail.year == year)).scalar_one()
    sequence = (last or 0) + 1
    return sequence, f"{year}-{DIRECTION_LETTERS[direction]}-{sequence:03d}"


def register_mail(session: Session, actor: User, data: MailInput, today: date | None = None) -> OfficialMail:
    """Register a letter received or sent; a sent letter given ``answers`` answers that received letter."""
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    values, answered = _parse(session, data, None, today or clock.today())
    year = values["registered_on"].year
    sequence, number = _number(session, values["direction"], year)
    mail = OfficialMail(**values, year=year, sequence=sequence, number=number, registered_by_id=actor.id)
    session.add(mail)
    try:
        flush(session)
    except IntegrityError as error:  # another registration took the same number at the same moment
        raise ConcurrentChange() from error
    audit.record(session, actor, "official_mail.registered", "official_mail", mail.id, _details(mail))
    if answered is not None:
        answered.answer_id, answered.answered_on = mail.id, mail.registered_on
        flush(session)
        audit.record(session, actor, "official_mail.answered", "official_mail", answered.id,
                     {"number": answered.number, "answered_on": mail.registered_on.isoformat(),
                      "answer_id": mail.id, "answer_number": mail.number})
    flush(session)
    return mail


def _lock(session: Session, actor: User, mail_id: int, expected_version: int | None) -> OfficialMail:
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    mail = session.execute(locked(select(OfficialMail).where(OfficialMail.id == mail_id))).scalar_one_or_none()
    if mail is None:
        raise NotFound()
    if expected_version is not None and mail.version != expected_version:
        raise ConcurrentChange()
    return mail


def update_mail(session: Session, actor: User, mail_id: int, data: MailInput, expected_version: int | None = None,
                today: date | None = None) -> OfficialMail:
    """Correct a letter of the register (its number and direction stay); the received letter a sent one answers
    follows the day it was sent."""
    mail = _lock(session, actor, mail_id, expected_version)
    values, answered = _parse(session, data, mail, today or clock.today())
    before = _details(mail)
    texts = [name for name in TEXTS if getattr(mail, name) != values[name]]
    for name, value in values.items():
        setattr(mail, name, value)
    after = _details(mail)
    changed: dict[str, object] = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if texts:
        changed["texts"] = texts
    if not changed:
        return mail
    flush(session)
    audit.record(session, actor, "official_mail.updated", "official_mail", mail.id,
                 {"number": mail.number, "changed": changed})
    if answered is not None and answered.answered_on != mail.registered_on:
        answered = session.execute(locked(select(OfficialMail).where(OfficialMail.id == answered.id))).scalar_one()
        previous, answered.answered_on = answered.answered_on, mail.registered_on
        flush(session)
        audit.record(session, actor, "official_mail.answered", "official_mail", answered.id,
                     {"number": answered.number, "answered_on": mail.registered_on.isoformat(),
                      "previous": previous.isoformat() if previous else None, "answer_id": mail.id})
    flush(session)
    return mail


def record_answer(session: Session, actor: User, mail_id: int, answered_on: str, note: str = "", *,
                  expected_version: int | None = None, today: date | None = None) -> OfficialMail:
    """Record the answer given to a received letter when it is not a letter of the register (a call, a meeting,
    an e-mail): its date and a note. An answer registered as a letter is recorded by registering that letter."""
    mail = _lock(session, actor, mail_id, expected_version)
    if mail.direction is not MailDirection.INCOMING:
        raise TransitionRefused(msg("Only a received letter is answered."))
    if mail.answer_id is not None:
        raise TransitionRefused(msg("Its answer is a letter of the register: correct that letter instead."))
    errors: Errors = {}
    day = _day(errors, "answered_on", answered_on)
    if day is not None and day < mail.registered_on:
        _add(errors, "answered_on", msg("An answer cannot be dated before the letter was received (%(date)s).",
                                        date=mail.registered_on))
    elif day is not None and day > (today or clock.today()):
        _add(errors, "answered_on", msg("This date has not come yet: record the answer once it is given."))
    cleaned = _text(errors, "answer_note", note, MAX_NOTE)
    if errors:
        raise InvalidInput(errors)
    assert day is not None
    previous = mail.answered_on
    mail.answered_on, mail.answer_note = day, cleaned
    flush(session)
    audit.record(session, actor, "official_mail.answer_recorded", "official_mail", mail.id,
                 {"number": mail.number, "answered_on": day.isoformat(),
                  "previous": previous.isoformat() if previous else None, "note": bool(cleaned)})
    flush(session)
    return mail


def attach_document(session: Session, actor: User, store: DocumentStore, mail_id: int, filename: str,
                    data: bytes) -> OfficialMailDocument:
    """Attach a scan or a file to a letter: a PDF or an image, its type read from its content."""
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    mail = session.get(OfficialMail, mail_id)
    if mail is None:
        raise NotFound()
    if (problem := upload_error(data)) is not None:
        raise InvalidInput({"file": [problem]})
    upload = checked(filename, data)
    digest = store.put(upload.data)
    document = OfficialMailDocument(mail_id=mail.id, filename=upload.filename, content_type=upload.content_type,
                                    size=upload.size, sha256=digest, uploaded_by_id=actor.id)
    session.add(document)
    flush(session)
    audit.record(session, actor, "official_mail.document_attached", "official_mail", mail.id,
                 {"number": mail.number, "document": document.id, "content_type": upload.content_type,
                  "size": upload.size, "sha256": digest})
    flush(session)
    return document


def open_document(session: Session, actor: User, store: DocumentStore, mail_id: int,
                  document_id: int) -> tuple[OfficialMailDocument, bytes]:
    """A document's bytes, as long as it belongs to this letter."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    document = session.get(OfficialMailDocument, document_id)
    if document is None or document.mail_id != mail_id:
        raise NotFound()
    return document, store.get(document.sha256)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class MailFilter:
    direction: MailDirection | None = None
    awaiting: bool = False  # received letters whose answer is due and not given
    year: int | None = None  # the year of their number
    text: str = ""  # found in the correspondent or the subject

    @property
    def args(self) -> dict[str, object]:
        """The filter as the list's query string."""
        found: dict[str, object] = {}
        if self.direction is not None:
            found["direction"] = self.direction.value
        if self.awaiting:
            found["awaiting"] = 1
        if self.year is not None:
            found["year"] = self.year
        if self.text:
            found["q"] = self.text
        return found


def list_mail(session: Session, actor: User, mail_filter: MailFilter | None = None, *, page: int = 1,
              per_page: int = PER_PAGE) -> Page[OfficialMail]:
    """The register, the latest first (by the day received or sent); two queries for a page."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    mail_filter = mail_filter or MailFilter()
    query = select(OfficialMail).options(joinedload(OfficialMail.handler))
    if mail_filter.direction is not None:
        query = query.where(OfficialMail.direction == mail_filter.direction)
    if mail_filter.awaiting:
        query = query.where(OfficialMail.answer_due.is_not(None), OfficialMail.answered_on.is_(None))
    if mail_filter.year is not None:
        query = query.where(OfficialMail.year == mail_filter.year)
    if mail_filter.text:
        needle = mail_filter.text.lower()[:100]
        query = query.where(or_(func.lower(OfficialMail.correspondent).contains(needle, autoescape=True),
                                func.lower(OfficialMail.subject).contains(needle, autoescape=True)))
    query = query.order_by(OfficialMail.registered_on.desc(), OfficialMail.id.desc())
    return paginate(session, query, page, per_page)


def mail_years(session: Session, actor: User) -> list[int]:
    """The years the register holds letters of, the latest first (the list's filter)."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    return list(session.execute(select(OfficialMail.year).distinct().order_by(OfficialMail.year.desc())).scalars())


@dataclass(frozen=True)
class MailView:
    mail: OfficialMail
    documents: list[OfficialMailDocument]
    answer: OfficialMail | None  # the sent letter that answers it
    answers: OfficialMail | None  # the received letter it answers
    may_record: bool

    @property
    def awaiting_answer(self) -> bool:
        return self.mail.awaiting_answer

    @property
    def may_answer(self) -> bool:
        """Whether its answer may be registered or recorded here (a received letter without its answer letter)."""
        return self.may_record and self.mail.direction is MailDirection.INCOMING and self.mail.answer_id is None


def get_mail(session: Session, actor: User, mail_id: int) -> OfficialMail:
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    mail = session.execute(select(OfficialMail).where(OfficialMail.id == mail_id).options(
        joinedload(OfficialMail.handler), joinedload(OfficialMail.organisation), joinedload(OfficialMail.agreement),
        joinedload(OfficialMail.place), joinedload(OfficialMail.registered_by),
    )).scalar_one_or_none()
    if mail is None:
        raise NotFound()
    return mail


def mail_view(session: Session, actor: User, mail_id: int) -> MailView:
    """One letter, with its documents, its answer or the letter it answers, and its links."""
    mail = get_mail(session, actor, mail_id)
    documents = list(session.execute(select(OfficialMailDocument).where(OfficialMailDocument.mail_id == mail.id)
                                     .options(joinedload(OfficialMailDocument.uploaded_by))
                                     .order_by(OfficialMailDocument.id)).scalars())
    answer = session.get(OfficialMail, mail.answer_id) if mail.answer_id is not None else None
    answers = session.execute(select(OfficialMail).where(OfficialMail.answer_id == mail.id)).scalars().first()
    return MailView(mail, documents, answer, answers, policy.can(actor, policy.Action.RECORD_SUBGROUP))


def mail_for(session: Session, actor: User, *, agreement_id: int | None = None, organisation_id: int | None = None,
             place_id: int | None = None) -> list[OfficialMail]:
    """The letters linked to one record (a partner, an agreement, a place), the latest first."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    conditions: list[ColumnElement[bool]] = []
    if agreement_id is not None:
        conditions.append(OfficialMail.agreement_id == agreement_id)
    if organisation_id is not None:
        conditions.append(OfficialMail.organisation_id == organisation_id)
    if place_id is not None:
        conditions.append(OfficialMail.place_id == place_id)
    if not conditions:
        return []
    return list(session.execute(
        select(OfficialMail).where(*conditions)
        .order_by(OfficialMail.registered_on.desc(), OfficialMail.id.desc()).limit(LINKED_ROWS)
    ).scalars())


@dataclass(frozen=True)
class MailChoices:
    partners: list[Organisation]
    agreements: list[Agreement]
    places: list[Place]
    handlers: list[User]


def mail_choices(session: Session, actor: User, current: OfficialMail | None = None) -> MailChoices:
    """What the form's lists offer: the active partners, the agreements in force, the places, the members who
    may handle a letter (the current choices kept even if they no longer would be offered)."""
    policy.require(actor, policy.Action.RECORD_SUBGROUP)

    def keeping(condition: ColumnElement[bool], column: Any, value: int | None) -> ColumnElement[bool]:
        return or_(condition, column == value) if value is not None else condition

    partners = list(session.execute(select(Organisation).where(keeping(
        Organisation.active.is_(True), Organisation.id, current.organisation_id if current else None))
        .order_by(Organisation.name)).scalars())
    agreements = list(session.execute(select(Agreement).where(keeping(
        Agreement.ended_at.is_(None), Agreement.id, current.agreement_id if current else None))
        .order_by(Agreement.reference)).scalars())
    places = list(session.execute(select(Place).order_by(Place.reference)).scalars())
    handler_id = current.handler_id if current else None
    handlers = [user for user in session.execute(_handlers_query().order_by(User.display_name)).scalars()
                if may_handle(user)]
    if handler_id is not None and all(user.id != handler_id for user in handlers):
        kept = session.get(User, handler_id)
        handlers += [kept] if kept is not None else []
    return MailChoices(partners, agreements, places, handlers)


def answerable(session: Session, actor: User, mail_id: int | None) -> OfficialMail | None:
    """The received letter a new sent letter would answer (``?answers=`` of the form), if it may be."""
    policy.require(actor, policy.Action.RECORD_SUBGROUP)
    letter = session.get(OfficialMail, mail_id) if mail_id is not None else None
    if letter is None or letter.direction is not MailDirection.INCOMING or letter.answer_id is not None:
        return None
    return letter


# ---------------------------------------------------------------- reminders


@dataclass(frozen=True)
class AnswerDue:
    mail_id: int
    number: str
    partner: str  # the partner's name when the letter is linked to one, else ""
    correspondent: str  # for the web page only
    subject: str  # for the web page only
    due: date
    overdue: bool
    urgent: bool


def answers_due(session: Session, user: User, today: date, limit: int = 100) -> list[AnswerDue]:
    """The received letters whose answer is due and not given that the user is reminded of, soonest first, in
    one query: the handler's own; for whoever coordinates the sub-group, those without a handler who may still
    handle them."""
    if not policy.can(user, policy.Action.VIEW_SUBGROUP):
        return []
    whose: ColumnElement[bool] = OfficialMail.handler_id == user.id
    if policy.can(user, policy.Action.MANAGE_SUBGROUP):
        handlers = select(User.id).where(User.active.is_(True), or_(
            policy.may_clause(policy.Action.RECORD_SUBGROUP), User.housing_subgroup.is_(True)))
        whose = or_(whose, OfficialMail.handler_id.is_(None), OfficialMail.handler_id.not_in(handlers))
    rows = session.execute(
        select(OfficialMail.id, OfficialMail.number, Organisation.name, OfficialMail.correspondent,
               OfficialMail.subject, OfficialMail.answer_due)
        .outerjoin(Organisation, Organisation.id == OfficialMail.organisation_id)
        .where(OfficialMail.direction == MailDirection.INCOMING, OfficialMail.answer_due.is_not(None),
               OfficialMail.answered_on.is_(None), whose)
        .order_by(OfficialMail.answer_due, OfficialMail.id).limit(limit)
    ).all()
    found = []
    for mail_id, number, partner, correspondent, subject, due in rows:
        assert due is not None  # the query asked for it
        found.append(AnswerDue(mail_id, number, partner or "", correspondent, subject, due, due < today,
                               (due - today).days <= ANSWER_URGENT_DAYS))
    return found
