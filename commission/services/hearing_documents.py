"""A hearing's documents: the data each one shows (built here, from the records), and the signed PDFs.

The renderers (``commission.documents``) receive plain data only, and only the fields the policy gives
their reader (:func:`commission.policy.document_fields`): what a reader must not read is left out of the
data, so that no template can print it. The minutes are built in full (that is what is signed and
frozen), then viewed for each reader (:func:`minutes_view`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import zip_longest
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission import labels as tables
from commission.config import load_council_settings
from commission.documents.data import (
    AgendaData,
    AgendaItem,
    Attendee,
    Council,
    HearingInfo,
    Invitation,
    Letter,
    MeansLine,
    MinutesData,
    MinutesItem,
    PersonRef,
    VoteTally,
    redact_minutes,
)
from commission.errors import Forbidden, NotFound, TransitionRefused
from commission.i18n import DEFAULT_LOCALE, N_, msg, translations
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import CaseReview, ReviewOutcome
from commission.models.hearings import AgendaItem as AgendaRow
from commission.models.hearings import (
    Decision,
    Hearing,
    HearingKind,
    HearingMove,
    ItemKind,
    Minutes,
    MinutesStatus,
    VoteChoice,
)
from commission.models.people import ProtectionMeasure
from commission.policy import Document, Field
from commission.services import hearings, means
from commission.services.hearings.minutes import consultations_reported
from commission.services.hearings.session import seated
from commission.storage import DocumentStore
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

if TYPE_CHECKING:
    from commission.documents.rendered import RenderedDocuments

COUNCIL_ZONE = ZoneInfo("Europe/Paris")

# The words of the minutes and letters: the shared label tables.
DECISION_LABELS = tables.DECISION_LABELS
KIND_LABELS = tables.ITEM_KIND_LABELS
STATUS_LABELS = tables.ATTENDANCE_LABELS
MINUTES_STATUS_LABELS = tables.MINUTES_STATUS_LABELS
PLACE_KIND_WORDS = {kind.value: label for kind, label in tables.PLACE_KIND_LABELS.items()}
PROTECTION_WORDS = {measure: label for measure, label in tables.PROTECTION_LABELS.items()
                    if measure is not ProtectionMeasure.NONE}


def council() -> Council:
    return Council(name=load_council_settings().name)


def _gettext(locale: str = DEFAULT_LOCALE):  # type: ignore[no-untyped-def]
    return translations(locale).gettext


def hearing_info(hearing: Hearing) -> HearingInfo:
    chair = hearing.chair
    return HearingInfo(
        reference=hearing.reference, day=hearing.day, start=hearing.start_time, town=hearing.town.name,
        venue=hearing.venue, address=hearing.address, chair_name=chair.display_name if chair else "—",
        chair_title=hearings.capacity(chair) if chair else "",
        extraordinary=hearing.kind is HearingKind.EXTRAORDINARY,
        purpose=hearing.purpose if hearing.kind is HearingKind.EXTRAORDINARY else "",
    )


def person_ref(case: Case, fields: frozenset[Field], locale: str = DEFAULT_LOCALE) -> PersonRef:
    """The person an item is about, with what a reader with these fields reads of them."""
    applicant = case.applicant
    gettext = _gettext(locale)
    measure = applicant.protection_measure
    initials = hearings.initials(applicant.first_name, applicant.last_name)
    return PersonRef(
        full_name=f"{applicant.first_name} {applicant.last_name}" if Field.IDENTITY in fields else initials,
        initials=initials,
        birth_date=applicant.birth_date if Field.BIRTH_DATE in fields else None,
        care_team=case.care_team.name if Field.CARE_TEAM in fields else "",
        protection=(gettext(PROTECTION_WORDS[measure])
                    if Field.LEGAL_PROTECTION in fields and measure in PROTECTION_WORDS else ""),
        guardian=applicant.guardian.full_name if Field.GUARDIAN in fields and applicant.guardian else "",
    )


def _person_view(person: PersonRef, fields: frozenset[Field]) -> PersonRef:
    return PersonRef(
        full_name=person.full_name if Field.IDENTITY in fields else person.initials, initials=person.initials,
        birth_date=person.birth_date if Field.BIRTH_DATE in fields else None,
        care_team=person.care_team if Field.CARE_TEAM in fields else "",
        protection=person.protection if Field.LEGAL_PROTECTION in fields else "",
        guardian=person.guardian if Field.GUARDIAN in fields else "",
    )


def _request(case: Case, locale: str) -> str:
    gettext = _gettext(locale)
    kind = gettext(PLACE_KIND_WORDS[case.requested_kind.value]) if case.requested_kind else "—"
    towns = ", ".join(town.name for town in case.wished_towns)
    return f"{kind} — {towns}" if towns else kind


def _place_words(item: AgendaRow) -> str:
    place = item.place
    return f"{place.reference}, {place.address}, {place.town.name}" if place else ""


def _decision_words(gettext: Callable[[str], str], decision: Decision | None, outcome: ReviewOutcome | None) -> str:
    if decision is None:
        return ""
    label = gettext(DECISION_LABELS[decision])
    return f"{label} — {gettext(tables.REVIEW_OUTCOME_LABELS[outcome])}" if outcome is not None else label


def build_minutes_data(session: Session, hearing: Hearing, minutes: Minutes, *, signer: User | None = None,
                       locale: str = DEFAULT_LOCALE) -> MinutesData:
    gettext = _gettext(locale)
    rows = hearings.items(session, hearing)
    attendances = {attendance.id: attendance for attendance in hearing.attendances}
    status = hearings.quorum(hearing)
    outcomes = dict(session.execute(
        select(CaseReview.agenda_item_id, CaseReview.outcome).where(CaseReview.hearing_id == hearing.id)).all())
    minutes_items = []
    for item in rows:
        votes = None
        if item.votes or item.recusals:
            counts = {choice: sum(1 for vote in item.votes if vote.choice is choice) for choice in VoteChoice}
            votes = VoteTally(counts[VoteChoice.IN_FAVOUR], counts[VoteChoice.AGAINST], counts[VoteChoice.ABSTAIN],
                              tuple(attendances[recusal.attendance_id].name for recusal in item.recusals))
        deferred_to = (str(msg("the hearing of %(date)s", date=item.deferred_to.day.isoformat()))
                       if item.deferred_to else "")
        minutes_items.append(MinutesItem(
            position=item.position, kind=item.kind.value, kind_label=gettext(KIND_LABELS[item.kind]),
            case_reference=item.case.reference, person=person_ref(item.case, policy.FULL_MINUTES, locale),
            request=_request(item.case, locale), carried_over=item.carried_over, time_slot=item.time_slot,
            attended=item.attended, decision=item.decision.value if item.decision else "",
            decision_label=_decision_words(gettext, item.decision, outcomes.get(item.id)),
            reason=item.reason, place=_place_words(item),
            place_landlord_id=item.place.organisation_id if item.place else None,
            rank=item.rank if item.decision is Decision.RANKED else None,
            awaited=item.awaited, deferred_to=deferred_to, votes=votes, note=item.minutes_note,
        ))
    following = _following(session, hearing)
    signed_by = signer or minutes.signed_by
    vacant = hearings.vacancies(session)
    return MinutesData(
        council=council(), hearing=hearing_info(hearing), version=minutes.number,
        status=MinutesStatus.SIGNED.value if signer else minutes.status.value,
        status_label=gettext(MINUTES_STATUS_LABELS[MinutesStatus.SIGNED if signer else minutes.status]),
        attendees=tuple(
            Attendee(name=a.name, capacity=a.capacity, status=a.status.value,
                     status_label=gettext(STATUS_LABELS[a.status]), represented_by=a.represented_by, votes=a.votes)
            for a in seated(session, hearing)
        ),
        quorum_required=status.required, quorum_present=status.present, items=tuple(minutes_items),
        vacancies=tuple(f"{place.reference}, {place.address}, {place.town.name}"
                        + (" (" + gettext(N_("soon vacant")) + ")" if soon else "")
                        for place, soon in vacant),
        vacancy_landlord_ids=tuple(place.organisation_id for place, _soon in vacant),
        movements=tuple(line for line in minutes.movements.splitlines() if line.strip()),
        remarks=minutes.remarks,
        next_hearing=(str(msg("%(date)s in %(town)s", date=following.day.isoformat(), town=following.town.name))
                      if following else ""),
        signed_by=signed_by.display_name if signed_by else "", signer_capacity=minutes.signer_capacity,
        signed_at=minutes.signed_at, approved_at=minutes.approved_at,
        corrects_version=minutes.number - 1 if minutes.number > 1 else None,
        correction_reason=minutes.correction_reason,
        consultations=consultations_reported(session, hearing, gettext),
    )


def _following(session: Session, hearing: Hearing) -> Hearing | None:
    from sqlalchemy import select

    return session.execute(
        select(Hearing).where(Hearing.day > hearing.day, Hearing.state.in_(HEARING_MACHINE.tagged(Tag.TAKES_PLACE)))
        .order_by(Hearing.day).limit(1)
    ).scalar_one_or_none()


# ---------------------------------------------------------------- minutes PDFs


def render_pair(store: DocumentStore):  # type: ignore[no-untyped-def]
    """A renderer for the signing step: the full and the redacted minutes, stored; returns their digests."""
    from commission.documents.minutes import render_minutes

    def render(data: MinutesData) -> tuple[str, str]:
        return store.put(render_minutes(data)), store.put(render_minutes(redact_minutes(data)))

    return render


def sign_minutes(session: Session, actor: User, store: DocumentStore, hearing_id: int,
                 expected_version: int | None) -> Hearing:
    return hearings.fire_hearing(session, actor, hearing_id, "sign_minutes", expected_version=expected_version,
                                 renderer=render_pair(store))


def minutes_view(reader: User, data: MinutesData, fields: frozenset[Field]) -> MinutesData:
    """The minutes as a reader with these fields reads them: the persons' parts, the places, the items and
    the free texts they may not read are left out of the data. The full fields give the data itself;
    ``policy.REDACTED_MINUTES`` gives :func:`redact_minutes`'s version for distribution."""

    def shows(landlord_id: int | None) -> bool:
        return policy.shows_place(reader, fields, landlord_id)

    decisions, notes = Field.DECISIONS in fields, Field.NOTES in fields
    items = []
    for item in data.items:
        if Field.EVERY_ITEM not in fields and not (item.place and policy.place_is_own(reader, item.place_landlord_id)):
            continue
        place = bool(item.place) and shows(item.place_landlord_id)
        items.append(replace(
            item, person=_person_view(item.person, fields),
            request=item.request if Field.REQUEST in fields else "",
            carried_over=item.carried_over and Field.REQUEST in fields,
            decision=item.decision if decisions else "", decision_label=item.decision_label if decisions else "",
            reason=item.reason if decisions else "", awaited=item.awaited if decisions else "",
            deferred_to=item.deferred_to if decisions else "", votes=item.votes if decisions else None,
            place=item.place if place else "", place_landlord_id=item.place_landlord_id if place else None,
            rank=item.rank if place else None, note=item.note if notes else "",
        ))
    vacancies = [(text, landlord) for text, landlord in zip_longest(data.vacancies, data.vacancy_landlord_ids)
                 if text is not None and shows(landlord)]
    extract = Field.EVERY_ITEM not in fields
    consultations = tuple(
        replace(report, place=report.place if shows(report.place_landlord_id) else "",
                purpose=report.purpose if notes else "")
        for report in data.consultations
        if decisions and (not extract or (report.place and policy.place_is_own(reader, report.place_landlord_id))))
    return replace(
        data, items=tuple(items), attendees=data.attendees if Field.MEMBERS in fields else (),
        vacancies=tuple(text for text, _landlord in vacancies),
        vacancy_landlord_ids=tuple(landlord for _text, landlord in vacancies) if data.vacancy_landlord_ids else (),
        movements=data.movements if notes else (), remarks=data.remarks if notes else "",
        redacted=data.redacted or not fields.issuperset(policy.FULL_MINUTES - policy.REDACTED_MINUTES),
        extract_for=(reader.organisation.name if reader.organisation else "—") if extract else "",
        consultations=consultations,
    )


def _as_signed(session: Session, hearing: Hearing, minutes: Minutes) -> MinutesData:
    """What was signed, as frozen at signing (with the names the retention rules struck out since)."""
    if not minutes.snapshot:  # signed before the content was frozen: the records are all there is
        return build_minutes_data(session, hearing, minutes)
    from commission.services.retention import _from_json

    return _from_json(MinutesData, json.loads(minutes.snapshot))  # type: ignore[no-any-return]


def _slot(document: str, hearing: Hearing, reader: User, fields: frozenset[Field], *more: object) -> str:
    """Where a hearing's document, as this kind of reader reads it, is kept: one slot per document, hearing
    and view (the fields the reader is given, and whose places they read), so that a new version replaces
    the last. The slot only files documents: the key they are found by is the digest of their HTML."""
    view = repr((sorted(field.value for field in fields), reader.organisation_id, *more))
    return f"{document}-{hearing.id}-{hashlib.sha256(view.encode()).hexdigest()[:20]}"


def minutes_pdf(session: Session, actor: User, store: DocumentStore, hearing_id: int, *, number: int | None = None,
                redacted: bool = False, kept: RenderedDocuments | None = None) -> tuple[Minutes, bytes]:
    """The minutes as a PDF, holding what the policy gives the actor (:func:`policy.minutes_fields`): signed
    versions as they were signed (the full one and the version for distribution from the store, never
    re-rendered; a landlord's extract from what was frozen at signing); drafts and approved versions
    rendered from the records, marked as such. What is rendered is kept in ``kept``, and served from there
    while the records it was rendered from have not changed."""
    from commission.documents.minutes import render_minutes

    hearing = hearings.get_hearing(session, actor, hearing_id)
    fields = policy.minutes_fields(actor, redacted=redacted)
    if not fields:
        raise Forbidden()
    chosen = [m for m in hearing.minutes if number is None or m.number == number]
    if not chosen:
        raise NotFound()
    minutes = max(chosen, key=lambda m: m.number)
    slot = _slot("minutes", hearing, actor, fields, minutes.number)
    if minutes.status is MinutesStatus.SIGNED:
        if fields == policy.FULL_MINUTES:
            return minutes, store.get(minutes.pdf_sha256)
        if fields == policy.REDACTED_MINUTES:
            return minutes, store.get(minutes.redacted_sha256)
        data = minutes_view(actor, _as_signed(session, hearing, minutes), fields)
        return minutes, render_minutes(data, kept=kept, slot=slot)
    if not policy.can(actor, policy.Action.EDIT_MINUTES, hearing) and not policy.can(
            actor, policy.Action.MANAGE_HEARINGS):
        raise TransitionRefused(msg("The minutes are not signed yet."))
    data = build_minutes_data(session, hearing, minutes)
    return minutes, render_minutes(minutes_view(actor, data, fields), kept=kept, slot=slot)


# ---------------------------------------------------------------- agenda and convocations


def agenda_data(session: Session, actor: User, hearing: Hearing, locale: str = DEFAULT_LOCALE) -> AgendaData:
    """The agenda as the actor may read it (``policy.Document.AGENDA``): the persons' names for those who
    sit on the commission; the vacant places, a landlord's own only."""
    policy.require(actor, policy.Action.VIEW_HEARINGS)
    fields = policy.document_fields(actor, Document.AGENDA)
    if not fields:
        raise Forbidden()
    rows = [item for item in hearings.items(session, hearing) if Field.EVERY_ITEM in fields
            or (item.place is not None and policy.place_is_own(actor, item.place.organisation_id))]
    gettext = _gettext(locale)
    limit = means.threshold(session) if any(item.place is not None for item in rows) else 0
    agenda_items = tuple(
        AgendaItem(
            position=item.position, kind=item.kind.value, kind_label=gettext(KIND_LABELS[item.kind]),
            case_reference=item.case.reference, person=person_ref(item.case, fields, locale),
            request=_request(item.case, locale) if Field.REQUEST in fields else "",
            carried_over=item.carried_over, time_slot=item.time_slot,
            means=_means_line(actor, fields, item, limit),
        )
        for item in rows
    )
    every_place = Field.OTHER_LANDLORDS_PLACES in fields
    return AgendaData(
        council=council(), hearing=hearing_info(hearing), items=agenda_items,
        vacancies=tuple(f"{place.reference}, {place.address}, {place.town.name}" for place, _soon
                        in hearings.vacancies(session) if policy.shows_place(actor, fields, place.organisation_id)),
        redacted=Field.IDENTITY not in fields,
        places_of="" if every_place else (actor.organisation.name if actor.organisation else "—"),
    )


def _means_line(actor: User, fields: frozenset[Field], item: AgendaRow, limit: int) -> MeansLine | None:
    """What the item's place would leave the person to live on: the figures to a reader of the means (the
    agenda's ``Field.MEANS``, or the person's own care team), else only the warning where it applies."""
    if item.place is None:
        return None
    shown = means.view(actor, item.case, item.place, limit,
                       figures=Field.MEANS in fields or policy.reads_means(actor, item.case))
    if shown.figures is None:
        return MeansLine(below=True) if shown.warns else None
    found = shown.figures
    return MeansLine(below=found.below is True, figures=True, left_cents=found.left_cents,
                     threshold_cents=found.threshold_cents, resources_cents=found.resources_cents,
                     allowance_cents=found.allowance_cents, rent_cents=found.rent_cents,
                     charges_cents=found.charges_cents)


def agenda_pdf(session: Session, actor: User, hearing: Hearing, *, kept: RenderedDocuments | None = None,
               locale: str = DEFAULT_LOCALE) -> bytes:
    """The agenda as a PDF, holding what the actor may read of it (:func:`agenda_data`); kept in ``kept``,
    and served from there while nothing it shows has changed."""
    from commission.documents.agenda import render_agenda

    data = agenda_data(session, actor, hearing, locale)
    fields = policy.document_fields(actor, Document.AGENDA)
    # Filed by what the document shows: whether it holds the figures of the means (the coordinator's and a member's
    # agendas are one document until a place is proposed), not whether its reader could read them.
    figures = any(item.means is not None and item.means.figures for item in data.items)
    return render_agenda(data, locale, kept=kept,
                         slot=_slot("agenda", hearing, actor, fields - {Field.MEANS}, locale, figures))


def _require_manager(actor: User) -> None:
    policy.require(actor, policy.Action.MANAGE_HEARINGS)


def convocation_letters(session: Session, actor: User, hearing: Hearing, *, locale: str = DEFAULT_LOCALE,
                        today: datetime | None = None, move: HearingMove | None = None) -> list[Letter]:
    """One letter per agenda item to the person, their guardian (if any) and their care team; for a move, the
    new convocations, dated the day of the move, that say the hearing was moved from its former date."""
    _require_manager(actor)
    if HEARING_MACHINE.means(hearing.state, Tag.AGENDA_OPEN):
        raise TransitionRefused(msg("Convocations are sent once the hearing is convened."))
    fields = policy.document_fields(actor, Document.CONVOCATIONS)
    if not fields:
        raise Forbidden()
    gettext = _gettext(locale)
    info = hearing_info(hearing)
    letter_date = (hearing.convened_at.astimezone(COUNCIL_ZONE).date() if hearing.convened_at else clock.today())
    if move is not None:
        letter_date = move.at.astimezone(COUNCIL_ZONE).date()
    letters = []
    for item in hearings.items(session, hearing):
        if item.kind is not ItemKind.APPLICATION:
            continue
        case = item.case
        applicant = case.applicant
        person = person_ref(case, fields, locale)
        common = {"council": council(), "hearing": info, "person": person, "time_slot": item.time_slot,
                  "signatory": str(msg("The coordinator of the commission")), "letter_date": letter_date,
                  "moved_from": move.from_day if move is not None else None}
        formal = gettext(N_("Dear Sir or Madam,"))
        letters.append(Letter(recipient_name=person.full_name, recipient_address=_lines(
            applicant.address if Field.POSTAL_ADDRESS in fields else ""), salutation=formal, role="person",
            **common))  # type: ignore[arg-type]
        if applicant.guardian is not None and Field.GUARDIAN in fields:
            letters.append(Letter(recipient_name=applicant.guardian.full_name,
                                  recipient_address=_lines(applicant.guardian.address), salutation=formal,
                                  role="guardian", **common))  # type: ignore[arg-type]
        letters.append(Letter(recipient_name=case.care_team.name, recipient_address=(), role="care_team",
                              salutation=gettext(N_("Dear colleagues,")), **common))  # type: ignore[arg-type]
    return letters


def _lines(address: str | None) -> tuple[str, ...]:
    return tuple(line.strip() for line in (address or "").split(",") if line.strip())


def invitations(session: Session, actor: User, hearing: Hearing) -> list[tuple[str, Invitation]]:
    """A calendar invitation per recipient: each member for the hearing, each person for their slot."""
    _require_manager(actor)
    if HEARING_MACHINE.means(hearing.state, Tag.AGENDA_OPEN):
        raise TransitionRefused(msg("Invitations are sent once the hearing is convened."))
    fields = policy.document_fields(actor, Document.INVITATIONS)
    if not fields:
        raise Forbidden()
    start = datetime.combine(hearing.day, hearing.start_time, tzinfo=COUNCIL_ZONE)
    count = max(len(hearing.items), 1)
    end = start + timedelta(minutes=hearing.slot_minutes * count)
    location = ", ".join(part for part in (hearing.venue, hearing.address, hearing.town.name) if part)
    stamp = (hearing.convened_at or datetime.now(UTC)).astimezone(UTC)
    extraordinary = hearing.kind is HearingKind.EXTRAORDINARY
    title = str(msg("Extraordinary apartment commission — %(town)s", town=hearing.town.name) if extraordinary
                else msg("Apartment commission — %(town)s", town=hearing.town.name))
    organizer = council().name
    result = []
    for attendance in seated(session, hearing) if Field.MEMBERS in fields else ():
        result.append((f"membre-{attendance.id}.ics", Invitation(
            uid=f"hearing-{hearing.id}-attendee-{attendance.id}@commission", summary=title,
            description=str(msg("Extraordinary hearing of the apartment commission; %(count)s items on the agenda.",
                                count=len(hearing.items)) if extraordinary else
                            msg("Quarterly hearing of the apartment commission; %(count)s items on the agenda.",
                                count=len(hearing.items))),
            location=location, start=start, end=end, organizer_name=organizer,
            organizer_email="commission@invalid.example", attendee_name=attendance.name,
            attendee_email=attendance.email, sequence=hearing.invitation_sequence, stamp=stamp,
        )))
    for item in hearings.items(session, hearing):
        if item.kind is not ItemKind.APPLICATION or item.time_slot is None:
            continue
        slot = datetime.combine(hearing.day, item.time_slot, tzinfo=COUNCIL_ZONE)
        applicant = item.case.applicant
        result.append((f"dossier-{item.case.reference}.ics", Invitation(
            uid=f"hearing-{hearing.id}-case-{item.case_id}@commission", summary=title,
            description=str(msg("You are invited to present your situation to the commission.")),
            location=location, start=slot, end=slot + timedelta(minutes=hearing.slot_minutes),
            organizer_name=organizer, organizer_email="commission@invalid.example",
            attendee_name=f"{applicant.first_name} {applicant.last_name}", attendee_email=applicant.email,
            sequence=hearing.invitation_sequence, stamp=stamp,
        )))
        team = item.case.care_team
        result.append((f"equipe-{item.case.reference}.ics", Invitation(
            uid=f"hearing-{hearing.id}-case-{item.case_id}-team@commission", summary=title,
            description=str(msg("Please accompany %(person)s, whose file is presented to the commission.",
                                person=f"{applicant.first_name} {applicant.last_name}")),
            location=location, start=slot, end=slot + timedelta(minutes=hearing.slot_minutes),
            organizer_name=organizer, organizer_email="commission@invalid.example", attendee_name=team.name,
            attendee_email=team.email, sequence=hearing.invitation_sequence, stamp=stamp,
        )))
    return result


__all__ = ["DECISION_LABELS", "KIND_LABELS", "STATUS_LABELS", "build_minutes_data", "minutes_view"]
