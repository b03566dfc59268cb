"""A file's application: what the care team types, checked and parsed; creating and editing a file."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.db import utcnow
from commission.errors import InvalidInput, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.cases import Case, CaseTransition, HousingSituation
from commission.models.housing import PlaceKind
from commission.models.people import Applicant, Guardian, ProtectionMeasure
from commission.models.reference import CareTeam, Town
from commission.parsing import as_id, collect, parse_date, parse_euros
from commission.services import audit
from commission.services.cases.reading import _load_for_change
from commission.services.steps import record_step
from commission.services.unit import flush
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

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
    notice_by_email: bool = False
    address: str = ""
    protection_measure: str = "none"
    guardian_first_name: str = ""
    guardian_last_name: str = ""
    guardian_phone: str = ""
    guardian_email: str = ""
    guardian_address: str = ""
    housing_situation: str = ""
    housing_details: str = ""
    monthly_resources: str = ""
    housing_allowance: str = ""
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
    if data.notice_by_email and not data.email.strip():
        errors["notice_by_email"] = [msg("Give the person's e-mail address to tell them by e-mail.")]

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
            "address": _text(data.guardian_address, 300),
        }

    situation = None
    if data.housing_situation:
        situation = _enum(HousingSituation, data.housing_situation)
        if situation is None:
            errors["housing_situation"] = [msg("Choose a housing situation from the list.")]
    resources = collect(errors, parse_euros, data.monthly_resources, "monthly_resources", required=False)
    allowance = collect(errors, parse_euros, data.housing_allowance, "housing_allowance", required=False)
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
            "protection_measure": measure, "notice_by_email": bool(data.notice_by_email),
        },
        guardian=guardian,
        case={
            "housing_situation": situation, "housing_details": _text(data.housing_details),
            "monthly_resources_cents": resources, "housing_allowance_cents": allowance,
            "resources_details": _text(data.resources_details),
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
    if policy.team_is_own(actor):
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
    if not CASE_MACHINE.means(case.state, Tag.EDITABLE):
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
