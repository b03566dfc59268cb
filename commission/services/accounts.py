"""Accounts: login (throttled by services/throttle.py), password changes, and the coordinator's user
administration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import policy
from commission.config import Settings
from commission.db import utcnow
from commission.errors import CommissionError, InvalidInput, NotFound
from commission.i18n import Message, msg
from commission.models.accounts import Role, SessionEnd, User, UserSession, new_session_nonce
from commission.models.reference import CareTeam, Organisation, OrganisationKind, Town
from commission.services import audit, sessions, throttle
from commission.services.paging import PER_PAGE, Page, paginate
from commission.services.unit import FRESH_LOCK, flush, locked

# Argon2id with the library's recommended parameters; tests may swap in a cheaper hasher.
hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 512
MAX_CHECKED_LENGTH = 64


# What an account is bound to, loaded with it: pages show it.
_BINDINGS = (joinedload(User.care_team), joinedload(User.town), joinedload(User.organisation))


class LoginRefused(CommissionError):
    """The same refusal whether the account exists or not."""

    status = 401


LOGIN_FAILED = msg("Unknown login or wrong password.")


def normalise_login(login: str) -> str:
    return login.strip().lower()


def hash_password(password: str) -> str:
    return hasher.hash(password)


_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash to verify against when the login is unknown, so that it costs as much as a wrong password."""
    key = id(hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("not a password of anyone")
    return _dummy_hashes[key]


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(
    session: Session, settings: Settings, login: str, password: str, remote_addr: str = ""
) -> User:
    """Return the user whose login and password match, or raise :class:`LoginRefused`, or
    :class:`throttle.Throttled` while too many failures make the attempt wait (services/throttle.py).

    The refusal never says whether the account exists.
    """
    login_key = normalise_login(login)[:80]
    user = session.execute(select(User).where(User.login == login_key)).scalar_one_or_none()
    throttle.check(session, settings, login_key, remote_addr, user)
    password = password[:MAX_PASSWORD_LENGTH]
    if user is None:
        _password_matches(_dummy_hash(), password)
        matched = False
    else:
        matched = _password_matches(user.password_hash, password) and user.active
    if not matched:
        throttle.record_failure(session, settings, login_key, remote_addr, user)
        raise LoginRefused(LOGIN_FAILED)
    assert user is not None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    # Concurrent logins of one account follow one another on its row (never "changed meanwhile").
    session.execute(locked(select(User).where(User.id == user.id)))
    user.last_login_at = utcnow()
    throttle.clear(session, login_key, remote_addr)
    audit.record(session, user, "account.login", "user", user.id, {"remote_addr": remote_addr})
    flush(session)
    return user


def session_user(session: Session, user_id: object, nonce: object) -> User | None:
    """The user a browser session belongs to, if that session is still valid."""
    if not isinstance(user_id, int) or not isinstance(nonce, str):
        return None
    user = session.get(User, user_id, options=_BINDINGS)
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


def password_problems(password: str) -> list[Message]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            msg("The password must have at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(msg("The password is too long."))
    elif len(password) >= MIN_PASSWORD_LENGTH and too_guessable(password):
        problems.append(msg("This password is among the most common ones, or made of them: it would be guessed "
                            "quickly. Choose another, for example a few unrelated words."))
    return problems


def too_guessable(password: str) -> bool:
    """Common passwords and their obvious variants (``qwertyuiop12``, ``passwordpassword``): zxcvbn's
    estimate of under a million guesses, from its lists of the most used passwords and of patterns."""
    from zxcvbn import zxcvbn

    # zxcvbn's time grows with the length; what makes a password guessable shows in its first characters
    return int(zxcvbn(password[:MAX_CHECKED_LENGTH])["score"]) <= 1


def change_password(session: Session, user: User, current: str, new: str, confirm: str,
                    *, keep: UserSession | None = None) -> None:
    """The user changes their own password; their other sessions end (all but ``keep``, their current one)."""
    policy.require(user, policy.Action.USE_APP)
    errors: dict[str, list[Message]] = {}
    if not _password_matches(user.password_hash, current[:MAX_PASSWORD_LENGTH]):
        errors["current_password"] = [msg("The current password is wrong.")]
    problems = password_problems(new)
    if problems:
        errors["new_password"] = problems
    elif new != confirm:
        errors["confirm_password"] = [msg("The two new passwords differ.")]
    elif new == current:
        errors["new_password"] = [msg("The new password must differ from the current one.")]
    if errors:
        raise InvalidInput(errors)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.session_nonce = new_session_nonce()
    ended = sessions.end_others(session, user, SessionEnd.PASSWORD_CHANGED, keep=keep)
    audit.record(session, user, "account.password_changed", "user", user.id, {"sessions_ended": ended})
    flush(session)


@dataclass
class UserInput:
    login: str
    display_name: str
    email: str
    role: str
    password: str
    care_team_id: int | None = None
    town_id: int | None = None
    organisation_id: int | None = None
    title: str = ""  # the capacity the person signs in: « adjointe au maire de Ronchin »


MAX_TITLE = 160


def _landlord(session: Session, organisation_id: int | None) -> bool:
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    return organisation is not None and organisation.kind is OrganisationKind.LANDLORD


# What an account may be bound to (the policy says which role is bound to which): whether the value
# names one, and the message when it does not.
BINDING_CHECKS: dict[str, tuple[Callable[[Session, int | None], bool], Message]] = {
    "care_team_id": (lambda session, key: key is not None and session.get(CareTeam, key) is not None,
                     msg("A care-team member must belong to a care team.")),
    "town_id": (lambda session, key: key is not None and session.get(Town, key) is not None,
                msg("A chair must be bound to a town.")),
    "organisation_id": (_landlord, msg("A landlord representative must be bound to a landlord.")),
}


def _validate_binding(session: Session, data: UserInput, errors: dict[str, list[Message]]) -> Role | None:
    try:
        role = Role(data.role)
    except ValueError:
        errors["role"] = [msg("Choose a role.")]
        return None
    binding = policy.binding(role)
    if binding is not None:
        bound, problem = BINDING_CHECKS[binding]
        if not bound(session, getattr(data, binding)):
            errors[binding] = [problem]
    return role


def create_user(session: Session, actor: User | None, data: UserInput) -> User:
    """Create an account. ``actor`` is None only for the command line run by an administrator."""
    if actor is not None:
        policy.require(actor, policy.Action.MANAGE_USERS)
    errors: dict[str, list[Message]] = {}
    login = normalise_login(data.login)
    if not login or len(login) > 80 or not all(c.isalnum() or c in "._-@" for c in login):
        errors["login"] = [msg("A login is 1 to 80 letters, digits, dots, dashes or underscores.")]
    elif session.execute(select(User.id).where(User.login == login)).first() is not None:
        errors["login"] = [msg("This login is already taken.")]
    display_name = data.display_name.strip()
    if not display_name or len(display_name) > 200:
        errors["display_name"] = [msg("Give the person's name (at most 200 characters).")]
    if data.email and ("@" not in data.email or len(data.email) > 200):
        errors["email"] = [msg("This e-mail address is not valid.")]
    title = " ".join(data.title.split())
    if len(title) > MAX_TITLE:
        errors["title"] = [msg("At most %(count)s characters.", count=MAX_TITLE)]
    problems = password_problems(data.password)
    if problems:
        errors["password"] = problems
    role = _validate_binding(session, data, errors)
    if errors or role is None:
        raise InvalidInput(errors)
    # The account keeps the one binding its role has; the form's other fields are ignored.
    binding = policy.binding(role)
    bindings = {name: getattr(data, name) if name == binding else None for name in BINDING_CHECKS}
    user = User(
        login=login,
        display_name=display_name,
        title=title,
        email=data.email.strip(),
        password_hash=hash_password(data.password),
        role=role,
        **bindings,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.created", "user", user.id,
        {"login": login, "role": role.value}, actor_name=None if actor else "command line",
    )
    flush(session)
    return user


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Enable or disable an account; disabling ends its open sessions at once."""
    policy.require(actor, policy.Action.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == actor.id and not active:
        raise InvalidInput({"": [msg("You cannot disable your own account.")]})
    if user.active != active:
        user.active = active
        user.session_nonce = new_session_nonce()
        ended = 0 if active else sessions.end_others(session, user, SessionEnd.ACCOUNT_DISABLED)
        audit.record(session, actor, "user.enabled" if active else "user.disabled", "user", user.id,
                     {"sessions_ended": ended} if ended else None)
        flush(session)
    return user


def set_title(session: Session, actor: User, user_id: int, title: str) -> User:
    """The capacity an account signs in (its letters' signature block, the minutes' list of members)."""
    policy.require(actor, policy.Action.MANAGE_USERS)
    user = session.execute(locked(select(User).where(User.id == user_id))).scalar_one_or_none()
    if user is None:
        raise NotFound()
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise InvalidInput({"title": [msg("At most %(count)s characters.", count=MAX_TITLE)]})
    before, user.title = user.title, title
    session.flush()
    audit.record(session, actor, "user.title_set", "user", user.id, {"before": before, "title": title})
    return user


def set_housing_subgroup(session: Session, actor: User, user_id: int, member: bool) -> User:
    """An account joins or leaves the housing sub-group (its workspace, the agreements and the fund read)."""
    policy.require(actor, policy.Action.MANAGE_SUBGROUP)
    user = session.execute(locked(select(User).where(User.id == user_id))).scalar_one_or_none()
    if user is None:
        raise NotFound()
    if member and not policy.may_sit_in_subgroup(user):
        raise InvalidInput({"": [msg("The data-protection officer cannot sit in the housing sub-group.")]})
    if user.housing_subgroup == member:
        return user
    user.housing_subgroup = member
    session.flush()
    audit.record(session, actor, "user.subgroup_joined" if member else "user.subgroup_left", "user", user.id,
                 {"login": user.login})
    return user


def grant_signing_delegation(session: Session, actor: User, user_id: int) -> User:
    """Give the council's signing delegation to one account; whoever held it before no longer does."""
    policy.require(actor, policy.Action.MANAGE_USERS)
    user = session.execute(locked(select(User).where(User.id == user_id))).scalar_one_or_none()
    if user is None:
        raise NotFound()
    if not user.active:
        raise InvalidInput({"": [msg("A disabled account cannot hold the signing delegation.")]})
    if not policy.may_hold_delegation(user):
        raise InvalidInput({"": [msg("The data-protection officer cannot hold the signing delegation.")]})
    from commission.models.tenancy import SigningDelegation

    now = utcnow()
    for holder in session.execute(select(User).where(User.signing_delegation, User.id != user.id)).scalars():
        holder.signing_delegation = False
        audit.record(session, actor, "user.delegation_revoked", "user", holder.id)
    current = session.execute(select(SigningDelegation).where(SigningDelegation.revoked_at.is_(None))
                              .with_for_update().execution_options(**FRESH_LOCK)).scalar_one_or_none()
    if current is not None and current.user_id != user.id:
        current.revoked_at = now
        flush(session)
    if current is None or current.user_id != user.id:
        session.add(SigningDelegation(user_id=user.id, granted_at=now, granted_by_id=actor.id))
    if not user.signing_delegation:
        user.signing_delegation = True
        audit.record(session, actor, "user.delegation_granted", "user", user.id)
    flush(session)
    return user


def list_users(session: Session, actor: User, *, page: int = 1, per_page: int = PER_PAGE) -> Page[User]:
    policy.require(actor, policy.Action.MANAGE_USERS)
    return paginate(session, select(User).options(*_BINDINGS).order_by(User.role, User.login), page, per_page)


def get_user(session: Session, actor: User, user_id: int) -> User:
    policy.require(actor, policy.Action.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def helpers(session: Session) -> list[User]:
    """Who a user turns to when a page is refused or missing: the active accounts whose role manages the
    accounts and the records (the coordination), by name."""
    return list(session.execute(
        select(User).where(User.active.is_(True), policy.may_clause(policy.Action.MANAGE_USERS))
        .order_by(User.display_name).limit(3)
    ).scalars())
