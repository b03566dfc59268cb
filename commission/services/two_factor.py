"""Two-factor login: a time-based code from an authenticator app (RFC 6238), and one-time recovery codes.

The secret is stored on the account only once the user has proved, with a first code, that their app
holds it. A code is accepted once at most: the time step of the last accepted code is kept, and an
older or equal step is refused. Recovery codes are kept as SHA-256 hashes; each works once. Failed
codes are throttled like wrong passwords, by the same rules (services/throttle.py), under the key
``2fa:<login>``; a failure is counted in a transaction of its own, so a refused code never writes
anything in the request's own before it is counted.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import pyotp
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from commission import policy
from commission.config import Settings
from commission.db import utcnow
from commission.errors import CommissionError, InvalidInput, NotFound
from commission.i18n import msg
from commission.models.accounts import RecoveryCode, SessionEnd, User, new_session_nonce
from commission.services import audit, sessions, throttle
from commission.services.unit import flush

ISSUER = "Commission appartements"
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read from paper without doubt
RECOVERY_CODE_LENGTH = 10
VALID_WINDOW = 1  # one step (30 s) either side: the phone's clock may drift a little
PENDING_LOGIN_SECONDS = 5 * 60
MAX_CODE_INPUT = 64

CODE_FORMAT = msg("Type the 6 digits shown by your authenticator app.")
CODE_OR_RECOVERY_FORMAT = msg("Type the 6 digits shown by your authenticator app, or one of your recovery codes.")
CODE_WRONG = msg("This code is not valid. Codes change every 30 seconds and each one works only once.")
RECOVERY_WRONG = msg("This recovery code is not valid, or it has already been used.")


class CodeRefused(CommissionError):
    """A code at login that is wrong, already used, or one attempt too many."""

    status = 401


def is_required(settings: Settings, user: User) -> bool:
    """Must this account log in with a code? The roles that read medical details must, when the
    settings require it (the policy says which)."""
    return settings.two_factor_required and policy.needs_two_factor(user)


def is_enabled(user: User) -> bool:
    return user.totp_secret is not None and user.totp_enabled_at is not None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.login, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it by hand."""
    return " ".join(secret[index:index + 4] for index in range(0, len(secret), 4))


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str


def begin_enrolment(user: User) -> Enrolment:
    """A new secret for the user to add to their app; nothing is stored until :func:`confirm_enrolment`."""
    secret = new_secret()
    return Enrolment(secret, provisioning_uri(user, secret))


# --- codes -------------------------------------------------------------------------------------------


def _clean_code(code: str) -> str | None:
    """Six digits (spaces allowed between them), or None when the input cannot be a code."""
    digits = "".join(code[:MAX_CODE_INPUT].split())
    if len(digits) == 6 and digits.isascii() and digits.isdigit():
        return digits
    return None


def normalise_recovery_code(code: str) -> str | None:
    """Upper case without spaces or dashes, or None when the input cannot be a recovery code."""
    cleaned = "".join(ch for ch in code[:MAX_CODE_INPUT] if ch not in " -\t").upper()
    if len(cleaned) == RECOVERY_CODE_LENGTH and all(ch in RECOVERY_ALPHABET for ch in cleaned):
        return cleaned
    return None


def _recovery_hash(normalised: str) -> str:
    return hashlib.sha256(normalised.encode()).hexdigest()


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code this is, within the window around ``now``."""
    totp = pyotp.TOTP(secret)
    current = int(now) // totp.interval
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; return them in clear, grouped for reading."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)) for code in codes)
    half = RECOVERY_CODE_LENGTH // 2
    return [f"{code[:half]}-{code[half:]}" for code in codes]


# --- throttling --------------------------------------------------------------------------------------


def _throttle_key(user: User) -> str:
    return f"2fa:{user.login}"[:80]


def _check_throttle(session: Session, settings: Settings, user: User, remote_addr: str) -> None:
    """Raise :class:`throttle.Throttled` while too many wrong codes make this account wait."""
    throttle.check(session, settings, _throttle_key(user), remote_addr, user)


def _record_failure(session: Session, settings: Settings, user: User, remote_addr: str) -> None:
    throttle.record_failure(session, settings, _throttle_key(user), remote_addr, user)


def _clear_failures(session: Session, user: User, remote_addr: str) -> None:
    throttle.clear(session, _throttle_key(user), remote_addr)


def _accept_totp(session: Session, user: User, code: str, now: float) -> bool:
    """Accept a code once: the step is recorded in the same statement that checks it is new."""
    if user.totp_secret is None:
        return False
    step = _matching_step(user.totp_secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False  # refused before any write, so that the failure is counted aside
    result = session.execute(
        update(User)
        .where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    user.totp_last_step = step
    return True


def _require_current_code(
    session: Session, settings: Settings, user: User, code: str, remote_addr: str, field: str = "code",
) -> None:
    """A step that asks for a code from the app: a malformed input changes nothing, a wrong one counts."""
    cleaned = _clean_code(code)
    if cleaned is None:
        raise InvalidInput({field: [CODE_FORMAT]})
    if not is_enabled(user):
        raise InvalidInput({"": [msg("Two-factor login is not enabled for this account.")]})
    _check_throttle(session, settings, user, remote_addr)
    if not _accept_totp(session, user, cleaned, time.time()):
        _record_failure(session, settings, user, remote_addr)
        raise InvalidInput({field: [CODE_WRONG]})
    _clear_failures(session, user, remote_addr)


# --- the user's own steps ----------------------------------------------------------------------------


def confirm_enrolment(
    session: Session, settings: Settings, user: User, secret: str, code: str, remote_addr: str = "",
) -> list[str]:
    """Store the secret once the user's app shows its code; return the recovery codes, in clear, once."""
    policy.require(user, policy.Action.USE_APP)
    if is_enabled(user):
        raise InvalidInput({"": [msg("Two-factor login is already enabled for this account.")]})
    cleaned = _clean_code(code)
    if cleaned is None:
        raise InvalidInput({"code": [CODE_FORMAT]})
    _check_throttle(session, settings, user, remote_addr)
    step = _matching_step(secret, cleaned, time.time())
    if step is None:
        _record_failure(session, settings, user, remote_addr)
        raise InvalidInput({"code": [CODE_WRONG]})
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    _clear_failures(session, user, remote_addr)
    codes = _new_recovery_codes(session, user)
    audit.record(session, user, "account.two_factor_enabled", "user", user.id)
    flush(session)
    return codes


def verify_login_code(
    session: Session, settings: Settings, user: User, code: str, remote_addr: str = "",
    *, now: float | None = None,
) -> int | None:
    """The second step of a login: a code from the app, or a recovery code. Raises on refusal
    (:class:`CodeRefused`, or :class:`throttle.Throttled` while too many wrong codes make it wait).

    Returns how many recovery codes remain when one was used, None for a code from the app.
    """
    code = code.strip()
    totp_code = _clean_code(code)
    recovery = None if totp_code is not None else normalise_recovery_code(code)
    if totp_code is None and recovery is None:
        raise InvalidInput({"code": [CODE_OR_RECOVERY_FORMAT]})
    if not user.active or not is_enabled(user):
        raise CodeRefused(msg("Your login has expired. Please log in again."))
    _check_throttle(session, settings, user, remote_addr)
    left = None
    if totp_code is not None:
        if not _accept_totp(session, user, totp_code, time.time() if now is None else now):
            _record_failure(session, settings, user, remote_addr)
            raise CodeRefused(CODE_WRONG)
        # the password's entry (account.login) said the first step; this one says the login is complete
        audit.record(session, user, "account.login_code_accepted", "user", user.id,
                     {"remote_addr": remote_addr})
    else:
        assert recovery is not None
        unused = (RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(recovery),
                  RecoveryCode.used_at.is_(None))
        code_id = session.execute(select(RecoveryCode.id).where(*unused)).scalar_one_or_none()
        if code_id is None:  # looked up before any write, so that the failure is counted aside
            _record_failure(session, settings, user, remote_addr)
            raise CodeRefused(RECOVERY_WRONG)
        result = session.execute(
            update(RecoveryCode).where(RecoveryCode.id == code_id, *unused).values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise CodeRefused(RECOVERY_WRONG)  # used at this very moment by another request
        left = remaining_recovery_codes(session, user)
        audit.record(session, user, "account.recovery_code_used", "user", user.id, {"remaining": left})
    _clear_failures(session, user, remote_addr)
    flush(session)
    return left


def remaining_recovery_codes(session: Session, user: User) -> int:
    return len(session.execute(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all())


def regenerate_recovery_codes(
    session: Session, settings: Settings, user: User, code: str, remote_addr: str = "",
) -> list[str]:
    """New recovery codes (the old ones stop working), on a current code from the app."""
    policy.require(user, policy.Action.USE_APP)
    _require_current_code(session, settings, user, code, remote_addr)
    codes = _new_recovery_codes(session, user)
    audit.record(session, user, "account.recovery_codes_regenerated", "user", user.id)
    flush(session)
    return codes


def _clear(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(session: Session, settings: Settings, user: User, code: str, remote_addr: str = "") -> None:
    """The user turns two-factor login off, on a current code; not for the roles that must use it."""
    policy.require(user, policy.Action.USE_APP)
    if is_required(settings, user):
        raise InvalidInput({"": [msg("Your role must log in with a code: two-factor login cannot be turned off.")]})
    _require_current_code(session, settings, user, code, remote_addr)
    _clear(session, user)
    audit.record(session, user, "account.two_factor_disabled", "user", user.id)
    flush(session)


# --- the coordinator's reset -------------------------------------------------------------------------


def reset(session: Session, actor: User | None, user_id: int) -> User:
    """A lost phone: the coordinator clears another account's two-factor login and ends its sessions.

    The account enrols again at its next login (when its role requires it). ``actor`` is None only for
    the command line, run by the server's administrator (a lone coordinator who lost both the phone and
    the recovery codes).
    """
    if actor is not None:
        policy.require(actor, policy.Action.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if actor is not None and user.id == actor.id:
        raise InvalidInput({"": [msg("Another coordinator must reset your own two-factor login.")]})
    if not is_enabled(user):
        raise InvalidInput({"": [msg("This account has no two-factor login to reset.")]})
    _clear(session, user)
    user.session_nonce = new_session_nonce()
    ended = sessions.end_others(session, user, SessionEnd.TWO_FACTOR_RESET)
    audit.record(session, actor, "account.two_factor_reset", "user", user.id, {"sessions_ended": ended},
                 actor_name=None if actor else "command line")
    flush(session)
    return user
