"""The dashboard's figures, kept between requests for as long as the data they come from is the same.

A year's figures are computed once for a key (the year, the day they are seen as of, what the viewer may
see) and kept with the *version of the data* they were computed from; a later request reads the version
again (one query, a few index look-ups) and uses the figures kept only if nothing they come from changed:

- the **audit trail's head** (the last entry's id and hash): every change the services make is recorded
  there in the same transaction (:mod:`commission.services.audit`), so a change committed by any process
  moves it. When it has moved, the entries since are read (one more query, as many rows as changes since):
  entries about accounts, the mail sent and the usual reasons, and a person's follow-up (its plan, events,
  meetings: no figure counts them), leave the figures as they were (a login, a home visit recorded, do not
  make every dashboard be computed again); any other entry, or a different history (another hash where
  the kept entry was, as after a restore), and the figures are computed again;
- the **largest id of each table the figures read** (``WATCHED``): rows written without an entry in the
  trail (bulk loads, another program) are seen too;
- a **count of this process's own writes** (:func:`_note_writes`): any flush writing to a table the
  figures read, then its commit or rollback, moves it; it also covers what is written and rolled back
  inside one transaction (a test's), and what is written without an entry in the trail.

A test checks that the figures read no table but the ``WATCHED`` ones.

So a change made today shows at once; the day is part of the key, so a new day computes anew. The key
also holds what the viewer may see (which records behind the figures they may read, whether they see
the fund's details): the figures are the same for everyone who sees the dashboard today, but a reader
is never handed what was computed for a reader who may see more.

The figures are kept per database (per engine), a bounded number of them, in this process; a computation
is done once when several requests ask for the same figures at the same time (the others wait for it).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from commission.models.audit import AuditEntry, AuditHead
from commission.models.cases import Case, CaseTransition
from commission.models.directory import Orientation, OrientationTransition
from commission.models.followup import CaseExit
from commission.models.hearings import AgendaItem, Hearing, HearingTransition
from commission.models.housing import Place, PlaceTransition
from commission.models.tenancy import Agreement, Occupancy
from commission.models.treasury import Deposit, DepositTransition, LedgerEntry, LedgerLine

T = TypeVar("T")

KEPT_PER_DATABASE = 64  # a few years, each as of a day, for a handful of kinds of viewer
# The tables the figures read: the largest id of each is part of the data's version.
WATCHED = (Case, CaseTransition, Place, PlaceTransition, Deposit, DepositTransition, LedgerEntry, LedgerLine,
           Occupancy, CaseExit, Agreement, Hearing, HearingTransition, AgendaItem, Orientation, OrientationTransition)
WATCHED_TABLES = frozenset(model.__tablename__ for model in WATCHED)
# Entries of the audit trail about these change no figure (a login, a mail kept, a usual reason added), nor
# do those of a person's follow-up (its care plan, events, resource meetings and their actions).
UNWATCHED_AUDIT = ("user", "sent_mail", "usual_reason")
UNWATCHED_ACTIONS = "followup.%"
_VERSION = "commission.dashboard.version"
_WROTE = "commission.dashboard.wrote"


# ---------------------------------------------------------------- this process's writes

_writes = [0]
_writes_lock = threading.Lock()


def _bump() -> None:
    with _writes_lock:
        _writes[0] += 1


def _watched(instance: object) -> bool:
    return getattr(type(instance), "__tablename__", None) in WATCHED_TABLES


@event.listens_for(Session, "after_flush")
def _note_writes(session: Session, _flush: UOWTransaction) -> None:
    if any(_watched(instance) for group in (session.new, session.dirty, session.deleted) for instance in group):
        session.info[_WROTE] = True
        _bump()


@event.listens_for(Session, "do_orm_execute")
def _note_statement_writes(state: ORMExecuteState) -> None:
    # An INSERT, UPDATE or DELETE statement run through the session, on a table the figures read.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED_TABLES:
            state.session.info[_WROTE] = True
            _bump()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _end_of_writes(session: Session) -> None:
    # Once more when the transaction ends: a reader that began before it ended may have kept figures under
    # the count moved by the flush, from what it read before the commit.
    if session.info.pop(_WROTE, False):
        _bump()


# ---------------------------------------------------------------- the version of the data


@dataclass(frozen=True)
class Version:
    writes: int  # this process's
    largest_ids: tuple[int | None, ...]  # of the WATCHED tables
    audit_id: int | None  # the audit trail's head
    audit_hash: str | None


def version(session: Session) -> Version:
    """The version of the data as the session's transaction sees it: one query (once per transaction
    while the session writes nothing)."""
    return _read(session)[0]


def _read(session: Session) -> tuple[Version, dict[tuple[int, str | None], bool]]:
    """The version, and what this transaction found of the trail since earlier versions (see
    :func:`_still_true`)."""
    transaction = session.get_transaction()
    writes = _writes[0]
    memo = session.info.get(_VERSION)
    if (memo is not None and transaction is not None and memo[0] is transaction and memo[1] == writes
            and not (session.new or session.dirty or session.deleted)):
        return memo[2], memo[3]
    row = session.execute(select(
        *(select(func.max(model.id)).scalar_subquery() for model in WATCHED),
        select(AuditHead.last_id).where(AuditHead.id == 1).scalar_subquery(),
        select(AuditHead.last_hash).where(AuditHead.id == 1).scalar_subquery(),
    )).one()
    found = Version(writes, tuple(row[:len(WATCHED)]), row[-2], row[-1])
    checked: dict[tuple[int, str | None], bool] = {}
    session.info[_VERSION] = (session.get_transaction(), writes, found, checked)
    return found, checked


def _still_true(session: Session, kept: Version, now: Version) -> bool:
    """Whether figures computed at ``kept`` hold at ``now``: the same writes and tables, and the trail
    grown since by entries that change no figure only (read once per transaction)."""
    if (kept.writes, kept.largest_ids) != (now.writes, now.largest_ids):
        return False
    if (kept.audit_id, kept.audit_hash) == (now.audit_id, now.audit_hash):
        return True
    if kept.audit_id is None or now.audit_id is None or now.audit_id < kept.audit_id:
        return False
    current, checked = _read(session)
    known = checked.get((kept.audit_id, kept.audit_hash)) if current == now else None
    if known is not None:
        return known
    same_past, changed = session.execute(select(
        select(AuditEntry.hash).where(AuditEntry.id == kept.audit_id).scalar_subquery(),
        select(AuditEntry.id).where(AuditEntry.id > kept.audit_id, AuditEntry.id <= now.audit_id,
                                    AuditEntry.object_type.not_in(UNWATCHED_AUDIT),
                                    AuditEntry.action.not_like(UNWATCHED_ACTIONS)).exists(),
    )).one()
    holds = bool(same_past == kept.audit_hash and not changed)
    if current == now:
        checked[kept.audit_id, kept.audit_hash] = holds
    return holds


# ---------------------------------------------------------------- what is kept


class _Kept:
    """What is kept for one database: ``key -> (version, value)``, the least recently used dropped first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: OrderedDict[Hashable, tuple[Version, Any]] = OrderedDict()
        self.computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable) -> tuple[Version, Any] | None:
        with self.lock:
            found = self.values.get(key)
            if found is not None:
                self.values.move_to_end(key)
            return found

    def put(self, key: Hashable, at: Version, value: Any) -> None:
        with self.lock:
            self.values[key] = (at, value)
            self.values.move_to_end(key)
            while len(self.values) > KEPT_PER_DATABASE:
                self.values.popitem(last=False)
            for gone in [other for other, turn in self.computing.items()
                         if other not in self.values and not turn.locked()]:
                del self.computing[gone]

    def turn(self, key: Hashable) -> threading.Lock:
        """The lock that one computation of ``key`` at a time holds."""
        with self.lock:
            return self.computing.setdefault(key, threading.Lock())


_kept: weakref.WeakKeyDictionary[Engine, _Kept] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def _for(session: Session) -> _Kept:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with _kept_lock:
        found = _kept.get(engine)
        if found is None:
            found = _kept[engine] = _Kept()
        return found


def remember(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for ``key`` at a version of the data that still holds."""
    kept = _for(session)
    now = version(session)
    found = kept.get(key)
    if found is not None and _still_true(session, found[0], now):
        if found[0] != now:
            kept.put(key, now, found[1])
        value: T = found[1]
        return value
    with kept.turn(key):
        found = kept.get(key)
        if found is not None and found[0] == now:  # computed meanwhile, from the same data
            value = found[1]
            return value
        value = compute()
        kept.put(key, now, value)
        return value


def forget() -> None:
    """Drop everything kept, in every database (the benchmark's cold requests)."""
    with _kept_lock:
        for kept in _kept.values():
            with kept.lock:
                kept.values.clear()
