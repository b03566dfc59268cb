"""Case files: the care team's application, its medical part, its documents, and every step it takes."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import filetype
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from commission import clock, policy
from commission.db import utcnow
from commission.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import Role, User
from commission.models.cases import (
    HOLDING_STATES,
    AccessLog,
    Case,
    CaseDocument,
    CaseMedical,
    CaseTransition,
    DocumentKind,
    HousingSituation,
)
from commission.models.housing import Place, PlaceKind
from commission.models.people import Applicant, Guardian, ProtectionMeasure
from commission.models.reference import CareTeam, Town
from commission.parsing import as_id, collect, parse_date, parse_euros
from commission.services import audit, tenancy
from commission.services.paging import paginate
from commission.services.steps import record_step
from commission.services.unit import flush, locked, log_read
from commission.storage import DocumentStore
from commission.workflow import engine
from commission.workflow.case import CASE_MACHINE

EDITABLE_STATES = frozenset({"draft", "incomplete"})
ACCEPTED_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_TEXT = 5000


# ---------------------------------------------------------------- input


@dataclass
class CaseInput:
    """What the care team types in the application form, as text: the service parses and checks it."""

    first_name: str = ""
    last_name: str = ""
    birth_date: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    protection_measure: str = "none"
    guardian_first_name: str = ""
    guardian_last_name: str = ""
    guardian_phone: str = ""
    guardian_email: str = ""
    housing_situation: str = ""
    housing_details: str = ""
    monthly_resources: str = ""
    resources_details: str = ""
    referring_psychiatrist: str = ""
    referring_nurse: str = ""
    social_worker: str = ""
    requested_kind: str = ""
    wished_town_ids: list[str] = field(default_factory=list)
    needs_ground_floor: bool = False
    needs_accessible: bool = False
    needs_details: str = ""
    project: str = ""
    consent_given: bool = False
    consent_date: str = ""
    care_team_id: str = ""


def _enum(enum_class: type[enum.Enum], value: str) -> Any:
    for member in enum_class:
        if member.value == value:
            return member
    return None


def _text(value: str, limit: int = MAX_TEXT) -> str:
    return value.strip()[:limit]


@dataclass
class ParsedCase:
    applicant: dict[str, Any]
    guardian: dict[str, Any] | None
    case: dict[str, Any]
    towns: list[Town]


def _parse(session: Session, data: CaseInput, today: date) -> ParsedCase:
    errors: dict[str, list[Message]] = {}

    def need(name: str, value: str, message: Message) -> str:
        if not value.strip():
            errors.setdefault(name, []).append(message)
        return _text(value, 100 if name.endswith("name") else MAX_TEXT)

    first_name = need("first_name", data.first_name, msg("Give the person's first name."))
    last_name = need("last_name", data.last_name, msg("Give the person's last name."))
    birth = collect(errors, parse_date, data.birth_date, "birth_date", missing=msg("Give the person's birth date."))
    if birth is not None and birth > today:
        errors["birth_date"] = [msg("The birth date cannot be in the future.")]
    elif birth is not None and birth < date(today.year - 120, 1, 1):
        errors["birth_date"] = [msg("This birth date is not plausible.")]
    if data.email.strip() and ("@" not in data.email or len(data.email) > 200):
        errors["email"] = [msg("This e-mail address is not valid.")]

    measure = _enum(ProtectionMeasure, data.protection_measure or "none")
    if measure is None:
        errors["protection_measure"] = [msg("Choose a legal protection measure from the list.")]
    guardian = None
    if measure not in (None, ProtectionMeasure.NONE):
        if not (data.guardian_first_name.strip() and data.guardian_last_name.strip()):
            errors["guardian_last_name"] = [msg("Name the guardian of a person under legal protection.")]
        guardian = {
            "first_name": _text(data.guardian_first_name, 100), "last_name": _text(data.guardian_last_name, 100),
            "phone": _text(data.guardian_phone, 40), "email": _text(data.guardian_email, 200),
        }

    situation = None
    if data.housing_situation:
        situation = _enum(HousingSituation, data.housing_situation)
        if situation is None:
            errors["housing_situation"] = [msg("Choose a housing situation from the list.")]
    resources = collect(errors, parse_euros, data.monthly_resources, "monthly_resources", required=False)
    requested = None
    if data.requested_kind:
        requested = _enum(PlaceKind, data.requested_kind)
        if requested is None:
            errors["requested_kind"] = [msg("Choose a kind of place from the list.")]
    town_ids = []
    for raw in data.wished_town_ids:
        town_id = as_id(raw)
        if town_id is None:
            errors["wished_town_ids"] = [msg("Choose the towns from the list.")]
            break
        town_ids.append(town_id)
    towns = list(session.execute(select(Town).where(Town.id.in_(town_ids))).scalars()) if town_ids else []
    if len(towns) != len(set(town_ids)):
        errors["wished_town_ids"] = [msg("Choose the towns from the list.")]
    consent_date = collect(errors, parse_date, data.consent_date, "consent_date", required=False)
    if consent_date is not None and consent_date > today:
        errors["consent_date"] = [msg("The consent's date cannot be in the future.")]
    if data.consent_given and consent_date is None and "consent_date" not in errors:
        consent_date = today
    if errors:
        raise InvalidInput(errors)
    return ParsedCase(
        applicant={
            "first_name": first_name, "last_name": last_name, "birth_date": birth,
            "phone": _text(data.phone, 40), "email": _text(data.email, 200), "address": _text(data.address, 300),
            "protection_measure": measure,
        },
        guardian=guardian,
        case={
            "housing_situation": situation, "housing_details": _text(data.housing_details),
            "monthly_resources_cents": resources, "resources_details": _text(data.resources_details),
            "referring_psychiatrist": _text(data.referring_psychiatrist, 200),
            "referring_nurse": _text(data.referring_nurse, 200), "social_worker": _text(data.social_worker, 200),
            "requested_kind": requested, "needs_ground_floor": bool(data.needs_ground_floor),
            "needs_accessible": bool(data.needs_accessible), "needs_details": _text(data.needs_details),
            "project": _text(data.project, 20_000), "consent_given": bool(data.consent_given),
            "consent_date": consent_date if data.consent_given else None,
        },
        towns=towns,
    )


def _apply(session: Session, case: Case, applicant: Applicant, parsed: ParsedCase) -> None:
    for name, value in parsed.applicant.items():
        setattr(applicant, name, value)
    if parsed.guardian is None:
        applicant.guardian_id = None
    elif applicant.guardian is not None:
        for name, value in parsed.guardian.items():
            setattr(applicant.guardian, name, value)
    else:
        guardian = Guardian(**parsed.guardian)
        session.add(guardian)
        applicant.guardian = guardian
    for name, value in parsed.case.items():
        setattr(case, name, value)
    case.wished_towns = parsed.towns


def changed_fields(case: Case, applicant: Applicant, parsed: ParsedCase) -> list[str]:
    """The names of the fields an edit changes (the person's, their guardian's, the file's), sorted."""
    changed = [name for name, value in parsed.applicant.items() if getattr(applicant, name) != value]
    guardian = applicant.guardian
    if (guardian is None) != (parsed.guardian is None):
        changed.append("guardian")
    elif guardian is not None and parsed.guardian is not None:
        changed += [f"guardian_{name}" for name, value in parsed.guardian.items() if getattr(guardian, name) != value]
    changed += [name for name, value in parsed.case.items() if getattr(case, name) != value]
    if {town.id for town in case.wished_towns} != {town.id for town in parsed.towns}:
        changed.append("wished_towns")
    return sorted(changed)


def _record_transition(
    session: Session, case: Case, actor: User | None, trigger: str, source: str | None, dest: str,
    reason: str = "", comment: str = "",
) -> CaseTransition:
    return record_step(session, CaseTransition, actor=actor, trigger=trigger, source=source, dest=dest,
                       reason=reason, subject="case", subject_id=case.id, extra={"comment": comment},
                       case_id=case.id, case_version=case.version, comment=comment)


# ---------------------------------------------------------------- creating and editing


def _team_for(session: Session, actor: User, data: CaseInput) -> CareTeam:
    if actor.role is Role.CARE_TEAM:
        assert actor.care_team_id is not None
        team = session.get(CareTeam, actor.care_team_id)
    else:
        team_id = as_id(data.care_team_id)
        team = session.get(CareTeam, team_id) if team_id is not None else None
    if team is None:
        raise InvalidInput({"care_team_id": [msg("Choose the care team that files the application.")]})
    return team


def create_case(session: Session, actor: User, data: CaseInput, *, today: date | None = None) -> Case:
    """A care team starts a person's file: a draft only its team and the coordinator see."""
    policy.require(actor, policy.Action.CREATE_CASE)
    parsed = _parse(session, data, today or clock.today())
    team = _team_for(session, actor, data)
    applicant = Applicant(care_team_id=team.id, **parsed.applicant)
    session.add(applicant)
    case = Case(applicant=applicant, care_team_id=team.id, state=CASE_MACHINE.initial, created_by_id=actor.id)
    session.add(case)
    _apply(session, case, applicant, parsed)
    session.flush()
    _record_transition(session, case, actor, "create", None, case.state)
    flush(session)
    return case


def update_case(
    session: Session, actor: User, case_id: int, data: CaseInput, *, expected_version: int,
    today: date | None = None,
) -> Case:
    case = _load_for_change(session, actor, case_id, policy.Action.EDIT_CASE, expected_version)
    if case.state not in EDITABLE_STATES:
        raise TransitionRefused(msg("The file can be edited only as a draft or when returned as incomplete."))
    parsed = _parse(session, data, today or clock.today())
    changed = changed_fields(case, case.applicant, parsed)
    _apply(session, case, case.applicant, parsed)
    case.updated_at = utcnow()  # also when only the wished towns changed: the version moves on
    flush(session)
    # A rectification is recorded by the names of the fields it changed, never their values: the audit
    # trail is hash-chained and could not be anonymised later.
    audit.record(session, actor, "case.edited", "case", case.id, {"version": case.version, "changed": changed})
    flush(session)
    return case


# ---------------------------------------------------------------- reading


def _case_query() -> Select[Case]:
    return select(Case).options(
        joinedload(Case.applicant).joinedload(Applicant.guardian),
        joinedload(Case.care_team),
        joinedload(Case.allocated_place),
        selectinload(Case.wished_towns),
    )


def get_case(session: Session, actor: User, case_id: int) -> Case:
    policy.require(actor, policy.Action.VIEW_CASES)
    case = session.execute(_case_query().where(Case.id == case_id)).unique().scalar_one_or_none()
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_CASES, case)
    return case


def open_case(session: Session, actor: User, case_id: int) -> Case:
    """The case for its page: the read of the file itself is logged (part "file") before it is shown."""
    case = get_case(session, actor, case_id)
    log_read(session, actor.id, case.id, "file")
    return case


def _load_for_change(
    session: Session, actor: User, case_id: int, action: policy.Action, expected_version: int | None
) -> Case:
    """Load a case to change it: locked (PostgreSQL) so that concurrent changes queue up."""
    policy.require(actor, action)
    case = session.execute(
        locked(_case_query().where(Case.id == case_id), of=Case)
    ).unique().scalar_one_or_none()
    if case is None:
        raise NotFound()
    policy.require(actor, action, case)
    refuse_if_anonymised(case)
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentChange()
    return case


def refuse_if_anonymised(case: Case) -> None:
    """An anonymised file is kept for the figures and the decisions only: nothing changes it any more."""
    if case.applicant.anonymised_at is not None:
        raise TransitionRefused(msg("This file was anonymised under the retention rules: it can no longer change."))


def timeline(session: Session, actor: User, case: Case) -> list[CaseTransition]:
    policy.require(actor, policy.Action.VIEW_CASES, case)
    return list(
        session.execute(select(CaseTransition).where(CaseTransition.case_id == case.id)
                        .order_by(CaseTransition.id)).scalars()
    )


@dataclass(frozen=True)
class CaseFilter:
    state: str | None = None
    care_team_id: int | None = None
    town_id: int | None = None
    waiting_months: int | None = None


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    total: int
    page: int
    pages: int
    counts_by_state: dict[str, int]


def list_cases(
    session: Session, actor: User, case_filter: CaseFilter | None = None, *, page: int = 1, per_page: int = 50,
    today: date | None = None,
) -> CasePage:
    """The cases the actor may see, filtered; a bounded number of queries whatever their number."""
    policy.require(actor, policy.Action.VIEW_CASES)
    case_filter = case_filter or CaseFilter()
    conditions = [policy.case_scope(actor)]
    if case_filter.state:
        conditions.append(Case.state == case_filter.state)
    if case_filter.care_team_id:
        conditions.append(Case.care_team_id == case_filter.care_team_id)
    if case_filter.town_id:
        conditions.append(Case.wished_towns.any(Town.id == case_filter.town_id))
    if case_filter.waiting_months:
        since = (today or clock.today()) - timedelta(days=30 * case_filter.waiting_months)
        conditions.append(Case.created_at <= datetime.combine(since, time.min, tzinfo=UTC))
    found = paginate(session, _case_query().where(*conditions)
                     .order_by(Case.due_date.is_(None), Case.due_date, Case.id.desc()), page, per_page)
    counts = dict(
        session.execute(
            select(Case.state, func.count(Case.id)).where(policy.case_scope(actor)).group_by(Case.state)
        ).all()
    )
    return CasePage(found.items, found.total, found.page, found.pages, counts)


# ---------------------------------------------------------------- workflow


def available_steps(actor: User, case: Case) -> list[engine.TransitionSpec]:
    """The steps the machine allows from the case's state and the actor may take (guards come later)."""
    return [t for t in CASE_MACHINE.available(case.state) if policy.can_fire(actor, t.trigger, case)]


def _check_place(session: Session, case: Case, context: engine.FireContext) -> Message | None:
    place = context.values.get("place")
    if place is None:
        return None
    if not place.active:
        return msg("This place is no longer in the stock.")
    if case.requested_kind is not None and place.kind is not case.requested_kind:
        return msg("This place is not of the kind the person asked for.")
    holder = session.execute(
        select(Case.id).where(Case.allocated_place_id == place.id, Case.state.in_(HOLDING_STATES),
                              Case.id != case.id)
    ).first()
    if holder is not None:
        return msg("This place is already allocated to another person.")
    if place.state != "available" and place.id != case.allocated_place_id:
        return msg("This place is not available at the moment.")
    return None


def fire_case(
    session: Session, actor: User, case_id: int, trigger: str, *, expected_version: int | None,
    reason: str = "", comment: str = "", values: dict[str, Any] | None = None, today: date | None = None,
) -> Case:
    """Take one step of the case machine: the state, the transition record and the audit entry are
    written together, or nothing is."""
    case = _load_for_change(session, actor, case_id, policy.Action.FIRE_CASE, expected_version)
    if trigger not in CASE_MACHINE.triggers():
        raise TransitionRefused(msg("This step does not exist."))
    if not policy.can_fire(actor, trigger, case):
        raise Forbidden()
    if trigger == "close":
        # Closing a tenancy records why and how it ended: the exit's own service takes this step.
        raise TransitionRefused(msg("A tenancy ends with the exit's record (its reason, its date, the state of the "
                                    "place): use “Record the exit”."))
    take_step(session, actor, case, trigger, reason=reason, comment=comment, values=values, today=today)
    flush(session)
    return case


def take_step(
    session: Session, actor: User | None, case: Case, trigger: str, *, reason: str = "", comment: str = "",
    values: dict[str, Any] | None = None, today: date | None = None,
) -> engine.Fired:
    """One step of a case loaded for change, inside the caller's transaction (not committed).

    For the services that own a step: the caller has checked who may take it (the hearing's service,
    for the decisions its session records). A declined or expired offer passes the place on to the
    next candidate the hearing ranked for it, in the same transaction.
    """
    values = dict(values or {})
    if "place_id" in values:
        place_id = values.pop("place_id")
        # Locked while the step is taken: two allocations of one place queue up (PostgreSQL).
        values["place"] = session.execute(
            locked(select(Place).where(Place.id == place_id))
        ).scalar_one_or_none() if isinstance(place_id, int) else None
        if values["place"] is None:
            raise InvalidInput({"place_id": [msg("Choose the place that is allocated.")]})
    context = engine.FireContext(
        actor=actor, today=today or clock.today(), reason=_text(reason), comment=_text(comment), values=values,
    )
    place_before = case.allocated_place_id
    fired = engine.fire(
        CASE_MACHINE, case, trigger, context,
        check_guards=(lambda record, ctx: _check_place(session, record, ctx),),
    )
    flush(session)
    _record_transition(session, case, actor, trigger, fired.source, fired.dest, context.reason, context.comment)
    tenancy.follow(session, actor, case, trigger, fired.source, place_before, context.today, context.reason)
    if trigger in ("decline_offer", "expire_offer") and place_before is not None:
        _offer_to_next_candidate(session, actor, case, place_before, context.today)
    return fired


def _offer_to_next_candidate(session: Session, actor: User | None, case: Case, place_id: int, today: date) -> None:
    """The place a person declined goes to the next candidate the hearing ranked for it, if any."""
    from commission.models.hearings import AgendaItem, Decision, Hearing

    ranking = session.execute(
        select(AgendaItem).where(AgendaItem.case_id == case.id, AgendaItem.place_id == place_id,
                                 AgendaItem.decision.in_([Decision.ALLOCATE, Decision.RANKED]))
        .order_by(AgendaItem.id.desc())
    ).scalars().first()
    if ranking is None:
        return
    hearing = session.get(Hearing, ranking.hearing_id)
    assert hearing is not None
    candidates = session.execute(
        select(AgendaItem).join(Case, Case.id == AgendaItem.case_id)
        .where(AgendaItem.hearing_id == ranking.hearing_id, AgendaItem.place_id == place_id,
               AgendaItem.decision == Decision.RANKED, AgendaItem.rank > (ranking.rank or 1),
               Case.state == "waiting_list")
        .order_by(AgendaItem.rank)
    ).scalars().all()
    for candidate in candidates:
        following = session.execute(
            locked(_case_query().where(Case.id == candidate.case_id), of=Case)
        ).unique().scalar_one()
        if _check_place(session, following, engine.FireContext(actor=actor, today=today,
                                                               values={"place": session.get(Place, place_id)})):
            return  # the place is taken meanwhile: nobody else gets it from this ranking
        take_step(session, actor, following, "offer_next", values={"place_id": place_id}, today=today,
                  reason=str(msg("Next candidate ranked for this place at the hearing of %(date)s.",
                                 date=hearing.day.isoformat())))
        return


# ---------------------------------------------------------------- the medical part


def read_medical(session: Session, actor: User, case_id: int) -> CaseMedical:
    """The medical part; the read itself is logged before it is shown."""
    policy.require(actor, policy.Action.VIEW_MEDICAL)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_MEDICAL, case)
    medical = session.get(CaseMedical, case_id) or CaseMedical(case_id=case_id)
    log_read(session, actor.id, case_id, "medical")
    return medical


@dataclass
class MedicalInput:
    diagnosis_summary: str = ""
    treatment: str = ""
    hospitalisations: str = ""
    psychiatrist_opinion: str = ""


def update_medical(session: Session, actor: User, case_id: int, data: MedicalInput) -> CaseMedical:
    policy.require(actor, policy.Action.EDIT_MEDICAL)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.EDIT_MEDICAL, case)
    refuse_if_anonymised(case)
    medical = session.get(CaseMedical, case_id)
    if medical is None:
        medical = CaseMedical(case_id=case_id)
        session.add(medical)
    for name in ("diagnosis_summary", "treatment", "hospitalisations", "psychiatrist_opinion"):
        setattr(medical, name, _text(getattr(data, name), 20_000))
    medical.updated_by_id = actor.id
    # The audit entry says that the medical part changed, never what it says.
    audit.record(session, actor, "case.medical_updated", "case", case_id)
    flush(session)
    return medical


# ---------------------------------------------------------------- documents


def _clean_filename(name: str, extension: str) -> str:
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .") or "document"
    stem = base.rsplit(".", 1)[0][:150] or "document"
    return f"{stem}{extension}"


def attach_document(
    session: Session, actor: User, store: DocumentStore, case_id: int, *, filename: str, data: bytes,
    kind: str, medical: bool = False,
) -> CaseDocument:
    """Attach a PDF or an image to a file. The type is read from the content, not from the name."""
    policy.require(actor, policy.Action.ATTACH_DOCUMENT)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.ATTACH_DOCUMENT, case)
    refuse_if_anonymised(case)
    if medical:
        policy.require(actor, policy.Action.EDIT_MEDICAL, case)
    errors: dict[str, list[Message]] = {}
    document_kind = _enum(DocumentKind, kind)
    if document_kind is None:
        errors["kind"] = [msg("Choose what kind of document it is.")]
    if not data:
        errors["file"] = [msg("Choose a file to attach.")]
    elif len(data) > MAX_DOCUMENT_BYTES:
        errors["file"] = [msg("The file is larger than %(size)s MB.", size=MAX_DOCUMENT_BYTES // (1024 * 1024))]
    else:
        detected = filetype.guess_mime(data)
        if detected not in ACCEPTED_TYPES:
            errors["file"] = [msg("Only PDF files and PNG or JPEG images can be attached.")]
    if errors:
        raise InvalidInput(errors)
    content_type = filetype.guess_mime(data)
    digest = store.put(data)
    document = CaseDocument(
        case_id=case.id, kind=document_kind, filename=_clean_filename(filename, ACCEPTED_TYPES[content_type]),
        content_type=content_type, size=len(data), sha256=digest, medical=medical, uploaded_by_id=actor.id,
    )
    session.add(document)
    session.flush()
    audit.record(session, actor, "case.document_attached", "case", case.id,
                 {"document": document.id, "kind": kind, "size": len(data), "sha256": digest})
    flush(session)
    return document


def list_documents(session: Session, actor: User, case: Case) -> list[CaseDocument]:
    policy.require(actor, policy.Action.VIEW_CASES, case)
    query = select(CaseDocument).where(CaseDocument.case_id == case.id).options(joinedload(CaseDocument.uploaded_by))
    if not policy.can(actor, policy.Action.VIEW_MEDICAL, case):
        query = query.where(CaseDocument.medical.is_(False))
    return list(session.execute(query.order_by(CaseDocument.id)).scalars())


def open_document(
    session: Session, actor: User, store: DocumentStore, case_id: int, document_id: int
) -> tuple[CaseDocument, bytes]:
    """A document's bytes; every opening is logged."""
    policy.require(actor, policy.Action.VIEW_CASES)
    document = session.get(CaseDocument, document_id)
    case = session.get(Case, case_id)
    if document is None or case is None or document.case_id != case.id:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_CASES, case)
    if document.medical:
        policy.require(actor, policy.Action.VIEW_MEDICAL, case)
    log_read(session, actor.id, case.id, f"document:{document.id}")
    return document, store.get(document.sha256)


def access_log(session: Session, actor: User, case: Case) -> list[AccessLog]:
    policy.require(actor, policy.Action.VIEW_ALL_CASES)
    return list(session.execute(select(AccessLog).where(AccessLog.case_id == case.id)
                                .order_by(AccessLog.id.desc()).limit(200)).scalars())


# ---------------------------------------------------------------- reminders

OFFER_REMINDER_DAYS = 3  # an offer is recalled to its care team in its last three days


@dataclass(frozen=True)
class OfferReminder:
    case: Case
    deadline: date
    days_left: int  # negative once the deadline has passed: the offer is to be recorded as expired

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def urgent(self) -> bool:
        return self.days_left <= OFFER_REMINDER_DAYS


def offers_awaiting_answer(session: Session, actor: User, today: date | None = None) -> list[OfferReminder]:
    """The offers of the files the actor may see that still wait for an answer, soonest deadline first."""
    if not policy.can(actor, policy.Action.VIEW_CASES):
        return []
    today = today or clock.today()
    rows = session.execute(
        _case_query().where(policy.case_scope(actor), Case.state == "allocated", Case.offer_deadline.is_not(None))
        .order_by(Case.offer_deadline, Case.id).limit(100)
    ).unique().scalars()
    return [OfferReminder(case, case.offer_deadline, (case.offer_deadline - today).days)
            for case in rows if case.offer_deadline is not None]
