"""Tokens per integration: issued by the coordinator (the secret shown once, only its SHA-256 kept), revoked at
once, expiring; each request authenticated and counted against the token's rate limit.

The rate limit holds across server processes: each request a token makes is a row of :class:`ApiRequest`, kept for
one window (``Settings.api_rate_window_seconds``); beyond ``Settings.api_rate_limit`` rows in the window the request
is refused (429, with the seconds to wait) without being counted. Two processes counting at the same instant may
let one request more through: the limit protects the server, it is not a quota.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from commission import clock, parsing
from commission.config import Settings
from commission.errors import CommissionError, ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.integrations import ApiRequest, IntegrationKind, IntegrationToken
from commission.models.reference import Organisation
from commission.policy import Action, require
from commission.policy import integrations as api_policy
from commission.policy.integrations import Scope
from commission.services import audit, sessions, unit
from commission.services.unit import record_aside

PREFIX = "cmsn_"  # every secret starts so: recognisable in a configuration file or a leak
PREFIX_SHOWN = 12  # the characters of the secret kept in clear, to tell tokens apart
NAME_LIMIT = 120


class Unauthenticated(CommissionError):
    """No token, or one that is unknown, expired or revoked: refused at once (401)."""

    status = 401

    def __init__(self, message: Message | None = None) -> None:
        super().__init__(message or msg("A valid API token is required."))


class MissingScope(CommissionError):
    status = 403

    def __init__(self, scope: Scope) -> None:
        super().__init__(msg("This token does not hold the scope %(scope)s.", scope=scope.value))


class RateLimited(CommissionError):
    status = 429

    def __init__(self, seconds: int) -> None:
        super().__init__(msg("Too many requests with this token. Try again in %(seconds)s seconds.", seconds=seconds))
        self.seconds = seconds


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    token: IntegrationToken
    secret: str  # shown once


def _organisation(session: Session, kind: IntegrationKind, organisation_id: int | None,
                  errors: dict[str, list[Message]]) -> int | None:
    wanted = api_policy.binding_kind(kind)
    if wanted is None:
        if organisation_id is not None:
            errors.setdefault("organisation", []).append(msg("An accountant's token is bound to no organisation."))
        return None
    if organisation_id is None:
        if api_policy.binding_required(kind):
            errors.setdefault("organisation", []).append(msg("Choose the landlord this token is bound to."))
        return None
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind is not wanted or not organisation.active:
        errors.setdefault("organisation", []).append(msg("Choose one of the options in the list."))
        return None
    return organisation.id


def _scopes(kind: IntegrationKind | None, values: list[str], errors: dict[str, list[Message]]) -> list[Scope]:
    """The scopes ticked, each one a token of this kind may hold; at least one."""
    held: list[Scope] = []
    for value in values:
        scope = next((member for member in Scope if member.value == value), None)
        if scope is None or (kind is not None and not api_policy.may_hold(kind, [scope])):
            errors.setdefault("scopes", []).append(msg("This kind of token cannot hold the scope %(scope)s.",
                                                       scope=str(value)[:40]))
        elif scope not in held:
            held.append(scope)
    if not held and "scopes" not in errors:
        errors["scopes"] = [msg("Choose at least one scope.")]
    return held


def _written(scopes: list[Scope]) -> str:
    return " ".join(scope.value for scope in Scope if scope in scopes)


def _expiry(expires_on: object, errors: dict[str, list[Message]]) -> date | None:
    """The last day a token is valid: from tomorrow, a year at most."""
    today = clock.today()
    return parsing.collect(errors, parsing.parse_date, expires_on, "expires_on", first=today + timedelta(days=1),
                           last=today + timedelta(days=api_policy.MAX_LIFETIME_DAYS))


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.now().tzinfo)


def create(session: Session, actor: User, *, name: object, kind: object, organisation_id: int | None,
           scopes: list[str], expires_on: object) -> Issued:
    """Issue a token: its secret is returned once, and never stored."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    errors: dict[str, list[Message]] = {}
    clean_name = parsing.collect(errors, parsing.parse_text, name, "name", limit=NAME_LIMIT, required=True)
    chosen = parsing.collect(errors, parsing.parse_choice, IntegrationKind, kind, "kind")
    expiry = _expiry(expires_on, errors)
    held = _scopes(chosen, scopes, errors)
    bound = _organisation(session, chosen, organisation_id, errors) if chosen is not None else None
    if errors:
        raise InvalidInput(errors)
    assert clean_name is not None and chosen is not None and expiry is not None
    secret = PREFIX + secrets.token_urlsafe(32)
    token = IntegrationToken(
        name=clean_name, kind=chosen, organisation_id=bound,
        scopes=_written(held), prefix=secret[:PREFIX_SHOWN], secret_hash=digest(secret), created_by_id=actor.id,
        expires_at=_end_of(expiry))
    session.add(token)
    unit.flush(session)
    audit.record(session, actor, "integration_token.created", "integration_token", token.id, {
        "name": token.name, "kind": chosen.value, "organisation_id": bound, "scopes": token.scopes,
        "expires_at": token.expires_at.isoformat(timespec="seconds"), "prefix": token.prefix})
    return Issued(token, secret)


def revoke(session: Session, actor: User, token_id: int) -> IntegrationToken:
    """Revoke a token: refused from the next request on."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    token = session.execute(unit.locked(select(IntegrationToken).where(IntegrationToken.id == token_id))
                            ).scalar_one_or_none()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.revoked_by_id = actor.id
        unit.flush(session)
        audit.record(session, actor, "integration_token.revoked", "integration_token", token.id,
                     {"name": token.name, "prefix": token.prefix})
    return token


def change(session: Session, actor: User, token_id: int, *, name: object, scopes: list[str], expires_on: object,
           expected_version: int) -> IntegrationToken:
    """Rename a token, change its scopes (among its kind's) or its expiry (a year from today at most); its kind and
    what it is bound to stay (another partner: another token). A revoked token cannot change."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    token = session.execute(unit.locked(select(IntegrationToken).where(IntegrationToken.id == token_id))
                            ).scalar_one_or_none()
    if token is None:
        raise NotFound()
    if token.version != expected_version:
        raise ConcurrentChange()
    if token.revoked_at is not None:
        raise TransitionRefused(msg("This token is revoked: issue a new one."))
    errors: dict[str, list[Message]] = {}
    clean_name = parsing.collect(errors, parsing.parse_text, name, "name", limit=NAME_LIMIT, required=True)
    held = _scopes(token.kind, scopes, errors)
    expiry = _expiry(expires_on, errors)
    if errors:
        raise InvalidInput(errors)
    assert clean_name is not None and expiry is not None
    before = {"name": token.name, "scopes": token.scopes, "expires_at": token.expires_at.isoformat(timespec="seconds")}
    token.name, token.scopes, token.expires_at = clean_name, _written(held), _end_of(expiry)
    after = {"name": token.name, "scopes": token.scopes, "expires_at": token.expires_at.isoformat(timespec="seconds")}
    changed = {field: {"from": before[field], "to": after[field]} for field in before if before[field] != after[field]}
    if changed:
        unit.flush(session)
        audit.record(session, actor, "integration_token.updated", "integration_token", token.id,
                     {"prefix": token.prefix, **changed})
    return token


def listing(session: Session, actor: User) -> list[IntegrationToken]:
    require(actor, Action.MANAGE_INTEGRATIONS)
    return list(session.scalars(select(IntegrationToken).options(joinedload(IntegrationToken.organisation))
                                .order_by(IntegrationToken.revoked_at.is_not(None), IntegrationToken.name,
                                          IntegrationToken.id)))


def get(session: Session, actor: User, token_id: int) -> IntegrationToken:
    require(actor, Action.MANAGE_INTEGRATIONS)
    token = session.get(IntegrationToken, token_id)
    if token is None:
        raise NotFound()
    return token


def bindable(session: Session, actor: User) -> list[Organisation]:
    """The organisations a token may be bound to: the landlords, and the hospital."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    kinds = [kind for kind in (api_policy.binding_kind(each) for each in IntegrationKind) if kind is not None]
    return list(session.scalars(select(Organisation).where(Organisation.kind.in_(kinds), Organisation.active)
                                .order_by(Organisation.name)))


def is_active(token: IntegrationToken, now: datetime | None = None) -> bool:
    return token.revoked_at is None and token.expires_at > (now or clock.now())


def authenticate(session: Session, header: str | None) -> IntegrationToken:
    """The token of an ``Authorization: Bearer ...`` header; unknown, expired or revoked ones are refused."""
    scheme, _, secret = (header or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(PREFIX) or len(secret) > 200:
        raise Unauthenticated()
    token = session.scalars(select(IntegrationToken).where(IntegrationToken.secret_hash == digest(secret))).first()
    if token is None:
        raise Unauthenticated()
    if token.revoked_at is not None:
        raise Unauthenticated(msg("This API token has been revoked."))
    if token.expires_at <= clock.now():
        raise Unauthenticated(msg("This API token has expired."))
    return token


def require_scope(token: IntegrationToken, scope: Scope) -> None:
    if not api_policy.has_scope(token, scope):
        raise MissingScope(scope)


def count_request(session: Session, settings: Settings, token: IntegrationToken) -> None:
    """Count the request against the token's rate limit, or refuse it (:class:`RateLimited`); note the token's
    last use (to the minute). Written beside the unit of work, so that a refused request is counted too."""
    now = sessions.now()
    window = timedelta(seconds=settings.api_rate_window_seconds)
    since = now - window
    count, oldest = session.execute(select(func.count(ApiRequest.id), func.min(ApiRequest.at))
                                    .where(ApiRequest.token_id == token.id, ApiRequest.at > since)).one()
    if int(count) >= settings.api_rate_limit:
        first = oldest if isinstance(oldest, datetime) else now
        raise RateLimited(max(1, math.ceil((first + window - now).total_seconds())))
    token_id, last_used = token.id, token.last_used_at

    def write(target: Session) -> None:
        target.add(ApiRequest(token_id=token_id, at=now))
        target.execute(delete(ApiRequest).where(ApiRequest.token_id == token_id, ApiRequest.at <= since))
        if last_used is None or now - last_used >= timedelta(minutes=1):
            # A plain UPDATE: the token's row version is for the coordinator's changes, not for its use.
            target.execute(update(IntegrationToken).where(IntegrationToken.id == token_id)
                           .values(last_used_at=now).execution_options(synchronize_session=False))

    record_aside(session, write)


def state_of(token: IntegrationToken) -> str:
    """``active``, ``expired`` or ``revoked``, for the management page."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= clock.now():
        return "expired"
    return "active"
