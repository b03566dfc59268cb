"""The audit trail: appended in the same transaction as the change it records, verified on demand.

Each entry is chained to the one before by its hash, an HMAC (SHA-256) of its content and the previous
hash under a key kept outside the database (:mod:`commission.services.audit_keys`); the entry names the
key by its id, so that keys can be rotated. Entries written before the key have a plain SHA-256 hash
and no key id; they are accepted only before the first signed entry, and only up to where the key file
says the signed entries begin.

What the chain alone cannot see, the newest entries cut away with the head moved back, checkpoints
see: the head's id and hash, written where the database does not reach (`commission audit checkpoint`
from cron, and every backup). :func:`verify` recomputes the hash at each checkpoint's id.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from commission import policy
from commission.config import ConfigurationError
from commission.db import utcnow
from commission.errors import CommissionError
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.audit import AuditEntry, AuditHead, object_ref
from commission.services import audit_keys
from commission.services.paging import paginate
from commission.services.unit import locked

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"
VERIFY_BATCH = 1000
# What reading a damaged row raises: a timestamp SQLite cannot parse, one PostgreSQL cannot hand over.
_UNREADABLE = (ValueError, TypeError, OverflowError, DataError)


def canonical_json(data: Mapping[str, object]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _payload(*, id: int, at: datetime, actor_id: int | None, actor_name: str, action: str, object_type: str,
             object_id: str, details: str, prev_hash: str, key_id: str | None = None) -> bytes:
    content: dict[str, object] = {
        "id": id,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
        "prev_hash": prev_hash,
    }
    if key_id is not None:
        content["key_id"] = key_id
    return canonical_json(content).encode()


def entry_hash(
    *, id: int, at: datetime, actor_id: int | None, actor_name: str, action: str,
    object_type: str, object_id: str, details: str, prev_hash: str,
) -> str:
    """The plain hash of the entries written before the trail was signed (their ``key_id`` is empty)."""
    return hashlib.sha256(_payload(id=id, at=at, actor_id=actor_id, actor_name=actor_name, action=action,
                                   object_type=object_type, object_id=object_id, details=details,
                                   prev_hash=prev_hash)).hexdigest()


def signed_hash(key: bytes, key_id: str, **fields: Any) -> str:
    """The HMAC of an entry's content, the hash before it and the key's id."""
    return audit_keys.sign(key, _payload(**fields, key_id=key_id))


def _lock_head(session: Session) -> AuditHead:
    head = session.execute(
        locked(select(AuditHead).where(AuditHead.id == 1))
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS_HASH)
        session.add(head)
    return head


def _signing_keys(session: Session, head: AuditHead) -> audit_keys.Keyring:
    ring = audit_keys.keyring()
    if ring is not None:
        return ring
    if head.last_id:
        signer = session.execute(select(AuditEntry.key_id).where(AuditEntry.id == head.last_id)).scalar()
        if signer is not None:
            raise ConfigurationError(
                f"the audit key file {audit_keys.key_file()} does not exist, yet the trail is signed with key "
                f"{signer}: put the key file back (or set COMMISSION_AUDIT_KEY_FILE to it); a new key would "
                "leave the trail unverifiable")
    ring = audit_keys.keyring(create_after=head.last_id)
    assert ring is not None
    return ring


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    details: Mapping[str, object] | None = None,
    *,
    actor_name: str | None = None,
) -> AuditEntry:
    """Append one entry. The caller commits it together with the change it describes."""
    if session.new:  # a record just added: its id must be known before it is named
        session.flush()
    head = _lock_head(session)
    ring = _signing_keys(session, head)
    fields: dict[str, Any] = {
        "id": head.last_id + 1,
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_name": actor_name or (actor.login if actor is not None else SYSTEM_ACTOR),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "details": canonical_json(details or {}),
        "prev_hash": head.last_hash,
    }
    # object_ref, the record's id as a number to join on, is derived from object_id: not signed.
    entry = AuditEntry(**fields, object_ref=object_ref(fields["object_id"]), key_id=ring.current_id,
                       hash=signed_hash(ring.current, ring.current_id, **fields))
    session.add(entry)
    head.last_id = entry.id
    head.last_hash = entry.hash
    return entry


def rotate_key(session: Session) -> tuple[str | None, audit_keys.Keyring]:
    """Sign the entries from now on with a new key (the first one, if there was none); recorded in the trail.
    Returns the id of the key that signed until now."""
    head = _lock_head(session)
    existed = audit_keys.keyring() is not None
    ring = _signing_keys(session, head)
    previous = None
    if existed:
        previous, ring = audit_keys.rotate()
    record(session, None, "audit.key_rotated", "audit_key", ring.current_id, {"previous": previous})
    return previous, ring


# ---------------------------------------------------------------- checkpoints


class CheckpointError(CommissionError):
    """A checkpoint file that cannot be read or written; the message says which and why."""


@dataclass(frozen=True)
class Checkpoint:
    """The trail's newest entry at a moment, kept where the database does not reach."""

    id: int
    hash: str
    count: int
    at: str

    def line(self) -> str:
        return json.dumps({"id": self.id, "hash": self.hash, "count": self.count, "at": self.at}, sort_keys=True)


def take_checkpoint(session: Session) -> Checkpoint:
    """The head as it is (the backups' checkpoint; `commission audit checkpoint` verifies first)."""
    head = session.get(AuditHead, 1)
    count = session.execute(select(func.count(AuditEntry.id))).scalar_one()
    return Checkpoint(head.last_id if head else 0, head.last_hash if head else GENESIS_HASH, count,
                      utcnow().isoformat(timespec="seconds"))


def read_checkpoints(path: Path) -> list[Checkpoint]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(msg("The checkpoint file %(path)s does not exist.", path=str(path))) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CheckpointError(msg("The checkpoint file %(path)s cannot be read: %(reason)s.", path=str(path),
                                  reason=getattr(error, "strerror", None) or str(error))) from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            checkpoint = Checkpoint(int(raw["id"]), str(raw["hash"]), int(raw["count"]), str(raw["at"]))
            if checkpoint.id < 0 or len(checkpoint.hash) != len(GENESIS_HASH):
                raise ValueError(line)
        except (ValueError, KeyError, TypeError):
            raise CheckpointError(msg("%(path)s, line %(line)s: not a checkpoint of the audit trail.",
                                      path=str(path), line=number)) from None
        found.append(checkpoint)
    return found


def append_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(checkpoint.line() + "\n")
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        raise CheckpointError(msg("The checkpoint file %(path)s cannot be written: %(reason)s.", path=str(path),
                                  reason=error.strerror or str(error))) from None


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: Message | None = None  # what is wrong, naming the first entry that differs
    entry_id: int | None = None
    missing: int = 0  # entries removed after the last one present
    unsigned: int = 0  # entries written before the trail was signed (a plain hash)
    last_hash: str = GENESIS_HASH  # of the last entry verified
    checkpoints: int = 0  # checkpoints the trail matched

    def checkpoint(self) -> Checkpoint:
        """The verified trail's checkpoint."""
        return Checkpoint(self.checked, self.last_hash, self.checked, utcnow().isoformat(timespec="seconds"))


@dataclass(frozen=True)
class _Unreadable:
    id: int
    reason: str


_COLUMNS = (AuditEntry.id, AuditEntry.at, AuditEntry.actor_id, AuditEntry.actor_name, AuditEntry.action,
            AuditEntry.object_type, AuditEntry.object_id, AuditEntry.details, AuditEntry.prev_hash,
            AuditEntry.hash, AuditEntry.key_id)


def _reason(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _rows(session: Session) -> Iterator[Row[Any] | _Unreadable]:
    """The entries in order, by batches; a row that cannot be read comes as :class:`_Unreadable`."""
    after = 0
    while True:
        ids = session.execute(select(AuditEntry.id).where(AuditEntry.id > after).order_by(AuditEntry.id)
                              .limit(VERIFY_BATCH)).scalars().all()
        if not ids:
            return
        try:
            with session.begin_nested():  # PostgreSQL: a failed read must not end the transaction
                rows: list[Any] = list(session.execute(
                    select(*_COLUMNS).where(AuditEntry.id.between(ids[0], ids[-1])).order_by(AuditEntry.id)).all())
        except _UNREADABLE:
            rows = []
            for entry_id in ids:
                try:
                    with session.begin_nested():
                        rows.append(session.execute(select(*_COLUMNS).where(AuditEntry.id == entry_id)).one())
                except _UNREADABLE as error:
                    rows.append(_Unreadable(entry_id, _reason(error)))
        yield from rows
        after = ids[-1]


def _removed(after: int, up_to: int, source: Message) -> Message:
    if up_to == after + 1:
        return msg("entry %(first)s was removed: 1 missing after entry %(after)s, %(source)s", first=after + 1,
                   after=after, source=source)
    return msg("entries %(first)s to %(last)s were removed: %(count)s missing after entry %(after)s, %(source)s",
               first=after + 1, last=up_to, count=up_to - after, after=after, source=source)


def _recompute(row: Row[Any], ring: audit_keys.Keyring | None) -> str | None:
    """The hash the entry should have, or None when its key is unknown."""
    fields = {"id": row.id, "at": row.at, "actor_id": row.actor_id, "actor_name": row.actor_name,
              "action": row.action, "object_type": row.object_type, "object_id": row.object_id,
              "details": row.details, "prev_hash": row.prev_hash}
    if row.key_id is None:
        return entry_hash(**fields)
    key = ring.keys.get(row.key_id) if ring is not None else None
    return signed_hash(key, row.key_id, **fields) if key is not None else None


@dataclass
class _Walk:
    """The chain walked so far, and the checkpoints met on the way."""

    ring: audit_keys.Keyring | None
    marks: dict[int, list[Checkpoint]]
    checked: int = 0
    unsigned: int = 0
    prev: str = GENESIS_HASH
    matched: int = 0
    signed_before: int | None = None  # the latest signed entry
    latest_match: int = 0  # the latest entry a checkpoint confirmed

    def broken(self, problem: Message, entry_id: int, missing: int = 0) -> VerifyResult:
        return VerifyResult(False, self.checked, problem, entry_id, missing, self.unsigned, self.prev, self.matched)

    def problem(self, row: Row[Any]) -> Message | None:
        """What is wrong with the next entry, or None."""
        ring = self.ring
        if row.key_id is None and self.signed_before is not None:
            return msg("entry %(id)s was forged: it is not signed, yet entry %(before)s before it is", id=row.id,
                       before=self.signed_before)
        if row.key_id is None and ring is not None and ring.signed_after is not None and row.id > ring.signed_after:
            return msg("entry %(id)s was forged: it is not signed, yet the key file %(path)s says every entry "
                       "after %(after)s is", id=row.id, path=str(ring.path), after=ring.signed_after)
        try:
            recomputed = _recompute(row, ring)
        except _UNREADABLE as error:
            return msg("entry %(id)s was altered: it cannot be read (%(reason)s)", id=row.id, reason=_reason(error))
        if recomputed is None and ring is not None:
            return msg("entry %(id)s is signed with key %(key)s, which is not in %(path)s", id=row.id, key=row.key_id,
                       path=str(ring.path))
        if recomputed is None:
            return msg("entry %(id)s is signed with key %(key)s, and there is no key file %(path)s", id=row.id,
                       key=row.key_id, path=str(audit_keys.key_file()))
        if row.prev_hash != self.prev:
            return msg("entry %(id)s does not follow entry %(before)s: an entry was inserted or removed before it",
                       id=row.id, before=row.id - 1)
        if recomputed != row.hash:
            return (msg("entry %(id)s was altered (or forged without the key)", id=row.id) if row.key_id
                    else msg("entry %(id)s was altered", id=row.id))
        for mark in self.marks.get(row.id, ()):
            if mark.hash != row.hash:
                if self.latest_match:
                    return msg("entry %(id)s differs from the checkpoint of %(at)s: the trail was rewritten after "
                               "entry %(after)s, up to entry %(id)s", id=row.id, at=mark.at, after=self.latest_match)
                return msg("entry %(id)s differs from the checkpoint of %(at)s: the trail was rewritten up to entry "
                           "%(id)s", id=row.id, at=mark.at)
            self.latest_match = row.id
            self.matched += 1
        return None

    def passed(self, row: Row[Any]) -> None:
        if row.key_id is not None:
            self.signed_before = row.id
        else:
            self.unsigned += 1
        self.prev = row.hash
        self.checked += 1


def verify(session: Session, checkpoints: Sequence[Checkpoint] = ()) -> VerifyResult:
    """Walk the chain; name the first entry that was altered, inserted or removed.

    Each checkpoint's hash is compared with the entry it names: a chain rewritten or cut short since
    is found even when it holds together."""
    marks: dict[int, list[Checkpoint]] = {}
    for mark in checkpoints:
        marks.setdefault(mark.id, []).append(mark)
    walk = _Walk(audit_keys.keyring(), marks)
    for row in _rows(session):
        expected = walk.checked + 1
        if row.id > expected:
            return walk.broken(_removed(expected - 1, row.id - 1, msg("before entry %(id)s", id=row.id)),
                               expected, row.id - expected)
        if row.id < expected:
            return walk.broken(msg("entry %(id)s was inserted", id=row.id), row.id)
        if isinstance(row, _Unreadable):
            return walk.broken(msg("entry %(id)s was altered: it cannot be read (%(reason)s)", id=row.id,
                                   reason=row.reason), row.id)
        problem = walk.problem(row)
        if problem is not None:
            return walk.broken(problem, row.id)
        walk.passed(row)
    checked = walk.checked
    beyond = [mark for mark in checkpoints if mark.id > checked]
    if beyond:
        mark = max(beyond, key=lambda found: found.id)
        return walk.broken(_removed(checked, mark.id, msg("as the checkpoint of %(at)s shows", at=mark.at)),
                           checked + 1, mark.id - checked)
    head = session.get(AuditHead, 1)
    last_id = head.last_id if head is not None else 0
    last_hash = head.last_hash if head is not None else GENESIS_HASH
    if last_id > checked:
        return walk.broken(_removed(checked, last_id, msg("as the trail's head shows")), checked + 1,
                           last_id - checked)
    if last_id < checked:
        return walk.broken(msg("entry %(id)s was inserted", id=last_id + 1), last_id + 1)
    if last_hash != walk.prev:
        return walk.broken(msg("entry %(id)s was altered", id=last_id), last_id)
    return VerifyResult(True, checked, unsigned=walk.unsigned, last_hash=walk.prev, checkpoints=walk.matched)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def list_entries(
    session: Session, actor: User, *, page: int = 1, per_page: int = 50,
    object_type: str | None = None, object_id: str | None = None,
) -> AuditPage:
    policy.require(actor, policy.Action.VIEW_AUDIT)
    query = select(AuditEntry)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    found = paginate(session, query.order_by(AuditEntry.id.desc()), page, per_page)
    return AuditPage(found.items, found.page, found.pages, found.total)
