"""Sessions known to the server: a login opens a row whose random key the browser's signed cookie holds,
and a request is served only while that row is open, within the idle limit and the absolute lifetime.

Logging out ends the row at once, so a cookie copied before is refused afterwards; a password change, a
disable and a two-factor reset end the account's other rows (besides rotating its ``session_nonce``).
The last request's time is written at most once a minute, in a short transaction of its own: a page
costs no write most of the time, and a read-only request never becomes a writing one.

Sessions, and the throttling of logins (services/throttle.py), run on the server's real time
(:func:`now`), not on the clock that replays history (``commission.clock.travel``): a replayed year
neither opens nor ends a login.
"""

from __future__ import annotations

import enum
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from commission import policy
from commission.config import Settings
from commission.errors import InvalidInput
from commission.i18n import msg
from commission.models.accounts import SessionEnd, User, UserSession
from commission.services import audit
from commission.services.unit import NotRecorded, flush, record_aside

# The last request's time is kept to the minute: written when the one kept is older than this.
TOUCH_SECONDS = 60
# How long a session's row is kept after it ended or lapsed (it names an address and a browser).
KEPT_DAYS = 30
# An address the account opened a session from within these days is its owner's (see services/throttle.py).
KNOWN_ADDRESS_DAYS = 30
USER_AGENT_LENGTH = 300
REMOTE_ADDR_LENGTH = 64

NOT_OPEN = msg("This session has already ended.")

# What an account is bound to, loaded with it: pages show it.
_BINDINGS = (joinedload(UserSession.user).joinedload(User.care_team),
             joinedload(UserSession.user).joinedload(User.town),
             joinedload(UserSession.user).joinedload(User.organisation))


class Lapse(enum.Enum):
    """Why a cookie no longer opens its session."""

    ENDED = "ended"  # logged out, ended from another browser, or by a change of the account
    IDLE = "idle"
    EXPIRED = "expired"  # past the absolute lifetime


@dataclass(frozen=True)
class Checked:
    user_session: UserSession | None
    lapse: Lapse | None = None


def now() -> datetime:
    """The server's real time, in UTC (tests move it with ``time.time``)."""
    return datetime.fromtimestamp(time.time(), UTC)


def new_key() -> str:
    return secrets.token_urlsafe(32)


def _lapse(settings: Settings, row: UserSession, moment: datetime) -> Lapse | None:
    if moment - row.created_at > timedelta(hours=settings.session_hours):
        return Lapse.EXPIRED
    if moment - row.last_seen_at > timedelta(minutes=settings.idle_minutes):
        return Lapse.IDLE
    return None


def open_session(session: Session, user: User, *, remote_addr: str = "", user_agent: str = "") -> UserSession:
    """The login is complete (the password, and the code when the account has two-factor login)."""
    moment = now()
    kept_since = moment - timedelta(days=KEPT_DAYS)
    session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        or_(UserSession.ended_at < kept_since, UserSession.last_seen_at < kept_since),
    ).execution_options(synchronize_session=False))
    row = UserSession(key=new_key(), user_id=user.id, created_at=moment, last_seen_at=moment,
                      user_agent=user_agent[:USER_AGENT_LENGTH], remote_addr=remote_addr[:REMOTE_ADDR_LENGTH])
    session.add(row)
    flush(session)
    return row


def check(session: Session, settings: Settings, key: object, user_id: object, nonce: object) -> Checked:
    """The session a cookie names, with its user loaded, if it still opens pages; otherwise why not.

    One query. Nothing is written: a lapsed session needs no mark, since its times say it has lapsed.
    """
    if not isinstance(key, str) or not isinstance(user_id, int) or not isinstance(nonce, str):
        return Checked(None, Lapse.ENDED)
    row = session.execute(select(UserSession).where(UserSession.key == key).options(*_BINDINGS)).scalar_one_or_none()
    if row is None or row.ended_at is not None or row.user_id != user_id:
        return Checked(None, Lapse.ENDED)
    user = row.user
    if not user.active or user.session_nonce != nonce:
        return Checked(None, Lapse.ENDED)
    lapse = _lapse(settings, row, now())
    return Checked(None, lapse) if lapse is not None else Checked(row)


def touch(session: Session, row: UserSession) -> None:
    """Keep the last request's time, to the minute, whatever becomes of the request."""
    moment = now()
    if (moment - row.last_seen_at).total_seconds() < TOUCH_SECONDS:
        return
    row_id = row.id

    def write(target: Session) -> None:
        target.execute(update(UserSession).where(UserSession.id == row_id, UserSession.ended_at.is_(None))
                       .values(last_seen_at=moment).execution_options(synchronize_session=False))

    try:
        record_aside(session, write)
    except NotRecorded:
        return  # the next request tries again; the idle limit then counts from an older time
    set_committed_value(row, "last_seen_at", moment)  # written aside: nothing left for the request to write


def _end(rows: list[UserSession], reason: SessionEnd) -> int:
    moment = now()
    for row in rows:
        row.ended_at = moment
        row.ended_reason = reason
    return len(rows)


def _open_rows(session: Session, user_id: int) -> list[UserSession]:
    return list(session.execute(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).scalars())


def end_others(session: Session, user: User, reason: SessionEnd, *, keep: UserSession | None = None) -> int:
    """End the account's open sessions but ``keep``; the caller audits the change that ends them."""
    rows = [row for row in _open_rows(session, user.id) if keep is None or row.id != keep.id]
    return _end(rows, reason)


def log_out(session: Session, user: User, current: UserSession | None) -> None:
    if current is not None and current.ended_at is None:
        _end([current], SessionEnd.LOGOUT)
    audit.record(session, user, "account.logout", "user", user.id,
                 {"session": current.id} if current is not None else None)
    flush(session)


def open_sessions(session: Session, settings: Settings, user: User) -> list[UserSession]:
    """The account's sessions that still open pages, the most recently used first."""
    policy.require(user, policy.Action.USE_APP)
    moment = now()
    return [row for row in _open_rows(session, user.id) if _lapse(settings, row, moment) is None]


def end_one(session: Session, settings: Settings, user: User, session_id: int | None) -> UserSession:
    """The user ends one of their own sessions, from their account page (another browser, a lost phone)."""
    policy.require(user, policy.Action.USE_APP)
    row = session.get(UserSession, session_id) if session_id is not None else None
    # another account's session is refused as an ended one: its existence is nobody else's business
    if row is None or row.user_id != user.id or row.ended_at is not None or _lapse(settings, row, now()):
        raise InvalidInput({"": [NOT_OPEN]})
    _end([row], SessionEnd.ENDED_BY_USER)
    audit.record(session, user, "account.session_ended", "user", user.id,
                 {"session": row.id, "remote_addr": row.remote_addr})
    flush(session)
    return row


# --- what the throttle asks ------------------------------------------------------------------------


def last_opened(session: Session, user_id: int) -> datetime | None:
    """When the account last completed a login."""
    return session.execute(select(func.max(UserSession.created_at)).where(UserSession.user_id == user_id)
                           ).scalar_one()


def is_known_address(session: Session, user_id: int, remote_addr: str) -> bool:
    """Has the account completed a login from this address lately?"""
    if not remote_addr:
        return False
    since = now() - timedelta(days=KNOWN_ADDRESS_DAYS)
    return session.execute(select(UserSession.id).where(
        UserSession.user_id == user_id, UserSession.remote_addr == remote_addr[:REMOTE_ADDR_LENGTH],
        UserSession.created_at >= since,
    ).limit(1)).first() is not None
