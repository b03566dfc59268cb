"""Throttling of logins and of two-factor codes: growing waits, a refusal until a time, never a sleep.

Failed attempts are kept in the database for a day (:class:`LoginFailure`: the key tried, the client's
address, the time), so that the limits hold across server processes. A key is the login as typed
(``member``) for a password, ``2fa:member`` for a code. Three rules; each is a wait that starts at the
last failure it counts, one minute at first, doubling with each further failure, at most
``Settings.login_window_minutes``:

- *a login from one address* (the key and the address), after ``Settings.login_max_failures`` failures:
  this stops a guesser, and only them; it keeps the owner out only if the owner shares their address.
- *one address* (any key), after :data:`ADDRESS_FREE` failures: the address guesses across accounts.
  Every login it has failed on waits; a login it has not failed on is still tried, so that the others
  behind the same address (one proxy, one office) are not kept out: a correct login passes.
- *one account* (any address), counting the failures since the account last logged in, after
  :data:`ACCOUNT_FREE`: guesses spread over many addresses wait too, but not from an address the account
  logged in from lately (its owner's), so that nobody can keep the owner out.

An attempt refused by a wait is not counted, and does not lengthen it. Every wait that starts is audited.
Times are the server's real time (``sessions.now``), like the sessions'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from commission.config import Settings
from commission.errors import CommissionError
from commission.i18n import msg
from commission.models.accounts import LoginFailure, User
from commission.services import audit, sessions
from commission.services.unit import record_aside

KEY_LENGTH = 80
ADDRESS_LENGTH = 64
ADDRESS_FREE = 50
ACCOUNT_FREE = 10
FIRST_WAIT = timedelta(minutes=1)
COUNTED = timedelta(days=1)  # failures older than this are forgotten (and deleted)

PAIR, ADDRESS, ACCOUNT = "login_from_address", "address", "account"


class Throttled(CommissionError):
    """Too many failures: refused until ``until``, without looking at the password or the code."""

    status = 429

    def __init__(self, until: datetime) -> None:
        super().__init__(msg("Too many failed attempts. You can try again from %(time)s.",
                             time=until.strftime("%H:%M UTC")))
        self.until = until


@dataclass(frozen=True)
class Tally:
    failures: int
    last: datetime | None


@dataclass(frozen=True)
class Rule:
    name: str
    tally: Tally
    free: int

    def until(self, settings: Settings, tally: Tally | None = None) -> datetime | None:
        tally = tally or self.tally
        if tally.failures < self.free or tally.last is None:
            return None
        longest = timedelta(minutes=settings.login_window_minutes)
        return tally.last + min(FIRST_WAIT * (1 << min(tally.failures - self.free, 20)), longest)


def _tally(session: Session, *conditions: ColumnElement[bool]) -> Tally:
    failures, last = session.execute(select(func.count(LoginFailure.id), func.max(LoginFailure.at))
                                     .where(*conditions)).one()
    return Tally(int(failures), last if isinstance(last, datetime) else None)


def _rules(session: Session, settings: Settings, key: str, remote_addr: str, user: User | None,
           *, address_always: bool) -> list[Rule]:
    since = sessions.now() - COUNTED
    pair = _tally(session, LoginFailure.login_key == key, LoginFailure.remote_addr == remote_addr,
                  LoginFailure.at >= since)
    rules = [Rule(PAIR, pair, settings.login_max_failures)]
    if remote_addr and (address_always or pair.failures):
        rules.append(Rule(ADDRESS, _tally(session, LoginFailure.remote_addr == remote_addr, LoginFailure.at >= since),
                          ADDRESS_FREE))
    account_since = since
    if user is not None:
        opened = sessions.last_opened(session, user.id)
        if opened is not None and opened > since:
            account_since = opened
    rules.append(Rule(ACCOUNT, _tally(session, LoginFailure.login_key == key, LoginFailure.at >= account_since),
                      ACCOUNT_FREE))
    return rules


def _key(key: str) -> str:
    return key[:KEY_LENGTH]


def check(session: Session, settings: Settings, key: str, remote_addr: str, user: User | None = None) -> None:
    """Raise :class:`Throttled` while a wait holds for this key from this address."""
    key, remote_addr, now = _key(key), remote_addr[:ADDRESS_LENGTH], sessions.now()
    ends = []
    for rule in _rules(session, settings, key, remote_addr, user, address_always=False):
        until = rule.until(settings)
        if until is None or until <= now:
            continue
        if rule.name == ACCOUNT and user is not None and sessions.is_known_address(session, user.id, remote_addr):
            continue  # the owner's address: only the rules of that address hold there
        ends.append(until)
    if ends:
        raise Throttled(max(ends))


def record_failure(session: Session, settings: Settings, key: str, remote_addr: str,
                   user: User | None = None) -> None:
    """Count a failure, whatever becomes of the request (a transaction of its own); audit any wait it starts."""
    key, remote_addr = _key(key), remote_addr[:ADDRESS_LENGTH]

    def write(target: Session) -> None:
        now = sessions.now()
        rules = _rules(target, settings, key, remote_addr, user, address_always=True)
        target.add(LoginFailure(login_key=key, remote_addr=remote_addr, at=now))  # the server's real time
        for rule in rules:
            before = rule.until(settings)
            after = rule.until(settings, Tally(rule.tally.failures + 1, now))
            if after is None or (before is not None and before > now):
                continue  # no wait, or one already running (a known address failing during the account's)
            target_id: object
            if rule.name == ADDRESS:
                target_type, target_id = "address", remote_addr
            else:
                target_type, target_id = ("user", user.id) if user is not None else ("login", key)
            audit.record(target, None, "account.throttled", target_type, target_id, {
                "rule": rule.name, "login": key, "remote_addr": remote_addr,
                "failures": rule.tally.failures + 1, "until": after.isoformat(timespec="seconds"),
            })
        target.execute(delete(LoginFailure).where(LoginFailure.at < now - COUNTED))

    record_aside(session, write)


def clear(session: Session, key: str, remote_addr: str) -> None:
    """A success from this address: its failures on this key were the owner's (another address's stay)."""
    session.execute(delete(LoginFailure).where(LoginFailure.login_key == _key(key),
                                               LoginFailure.remote_addr == remote_addr[:ADDRESS_LENGTH]))
