"""The access review: who read or changed which person's file, when; the unusual reading flagged; the purge
of the reads' log after its keeping period.

The reads are the access log (the file, its medical part, a document, the follow-up...); the changes are
the audit trail's entries about a file and the records that belong to it (its deposit). Both are shown in
one list, newest first, a bounded number of queries whatever their volume.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, delete, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from commission import policy
from commission.clock import COUNCIL_ZONE, local_date
from commission.db import UTCDateTime, utcnow
from commission.errors import InvalidInput
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.audit import AuditEntry
from commission.models.cases import AccessLog, Case
from commission.models.people import Applicant
from commission.models.reference import CareTeam
from commission.models.treasury import Deposit
from commission.services import audit
from commission.services.paging import paginate_rows
from commission.services.treasury_reports import case_reference
from commission.services.unit import flush

PER_PAGE = 50
# A user who opens more distinct files than this in one day is flagged.
MANY_FILES_PER_DAY = 15
# Reads from NIGHT_STARTS:00 to NIGHT_ENDS:00 (exclusive), council time, are flagged.
NIGHT_STARTS, NIGHT_ENDS = 22, 7
# The audit trail's records that belong to a person's file: the file itself (its steps, its edits, its
# medical part and documents, its follow-up, its exit) and its deposit.
FILE_OBJECT_TYPES = ("case", "deposit")
REFERENCE = re.compile(r"^\s*D-(\d{4})-(\d{1,9})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Access:
    """One read or one change of a file."""

    kind: str  # "read" or "change"
    at: datetime
    user_id: int | None
    who: str
    what: str  # the part read ("file", "medical", "document:<id>", "followup"...) or the audit action
    case_id: int
    reference: str
    person: str
    care_team: str
    reasons: tuple[Message, ...] = ()  # why this read is unusual, if it is


@dataclass(frozen=True)
class Flag:
    """A user's unusual reading on one day, with its plain reason."""

    user_id: int
    who: str
    day: date
    kind: str  # "many_files", "night", "other_team"
    reason: Message


@dataclass
class AccessReview:
    accesses: list[Access]
    total: int
    page: int
    pages: int
    flags: list[Flag] = field(default_factory=list)


def _council_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=COUNCIL_ZONE).astimezone(UTC)


def is_night(at: datetime) -> bool:
    hour = at.astimezone(COUNCIL_ZONE).hour
    return hour >= NIGHT_STARTS or hour < NIGHT_ENDS


def _person_condition(text: str) -> ColumnElement[bool]:
    """The files whose reference is the text, or whose person's names contain each of its words."""
    match = REFERENCE.match(text)
    if match:
        year = int(match.group(1))
        return and_(Case.id == int(match.group(2)),
                    Case.created_at >= datetime(year, 1, 1, tzinfo=UTC),
                    Case.created_at < datetime(year + 1, 1, 1, tzinfo=UTC))
    words = [word for word in text.lower().split() if word]
    return and_(*[or_(func.lower(Applicant.first_name).contains(word, autoescape=True),
                      func.lower(Applicant.last_name).contains(word, autoescape=True)) for word in words])


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    if since is not None and until is not None and since > until:
        raise InvalidInput({"until": [msg("The end of the period is before its start.")]})
    start = _council_midnight(since) if since is not None else None
    end = _council_midnight(until + timedelta(days=1)) if until is not None else None
    return start, end


def _accesses_query(user_id: int | None, start: datetime | None, end: datetime | None) -> Any:
    """The reads and the changes of files, as one subquery (kind, row_id, at, user_id, actor_name, case_id, what)."""

    def period(column: Any) -> list[ColumnElement[bool]]:
        conditions = []
        if start is not None:
            conditions.append(column >= start)
        if end is not None:
            conditions.append(column < end)
        return conditions

    reads = select(
        literal("read").label("kind"), AccessLog.id.label("row_id"), AccessLog.at.label("at"),
        AccessLog.user_id.label("user_id"), literal("").label("actor_name"), AccessLog.case_id.label("case_id"),
        AccessLog.part.label("what"),
    ).where(*period(AccessLog.at))
    case_changes = select(
        literal("change"), AuditEntry.id, AuditEntry.at, AuditEntry.actor_id, AuditEntry.actor_name, Case.id,
        AuditEntry.action,
    ).join(Case, AuditEntry.object_id == cast(Case.id, String)).where(
        AuditEntry.object_type == "case", *period(AuditEntry.at))
    deposit_changes = select(
        literal("change"), AuditEntry.id, AuditEntry.at, AuditEntry.actor_id, AuditEntry.actor_name,
        Deposit.case_id, AuditEntry.action,
    ).join(Deposit, AuditEntry.object_id == cast(Deposit.id, String)).where(
        AuditEntry.object_type == "deposit", *period(AuditEntry.at))
    if user_id is not None:
        reads = reads.where(AccessLog.user_id == user_id)
        case_changes = case_changes.where(AuditEntry.actor_id == user_id)
        deposit_changes = deposit_changes.where(AuditEntry.actor_id == user_id)
    return union_all(reads, case_changes, deposit_changes).subquery("accesses")


def list_accesses(
    session: Session, actor: User, *, person: str | None = None, user_id: int | None = None,
    since: date | None = None, until: date | None = None, page: int = 1, per_page: int = PER_PAGE,
) -> AccessReview:
    """The reads and changes of the files, newest first, filtered; and the flags of unusual reading over the
    period (and the user, if one is chosen). Four queries whatever the volume."""
    policy.require(actor, policy.Action.VIEW_ACCESS_REVIEW)
    start, end = _bounds(since, until)
    accesses = _accesses_query(user_id, start, end)
    query = (
        select(accesses.c.kind, accesses.c.row_id, accesses.c.at, accesses.c.user_id, accesses.c.actor_name,
               accesses.c.case_id, accesses.c.what, User.display_name, User.role, User.care_team_id,
               Case.care_team_id.label("case_team_id"), Case.created_at, Applicant.first_name,
               Applicant.last_name, CareTeam.name.label("team_name"))
        .select_from(accesses)
        .join(Case, Case.id == accesses.c.case_id)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .join(CareTeam, CareTeam.id == Case.care_team_id)
        .outerjoin(User, User.id == accesses.c.user_id)
    )
    if person and person.strip():
        query = query.where(_person_condition(person.strip()))
    found = paginate_rows(session, query.order_by(accesses.c.at.desc(), accesses.c.kind, accesses.c.row_id.desc()),
                          page, per_page)
    total, page, pages, rows = found.total, found.page, found.pages, found.items
    result = []
    for row in rows:
        reasons: list[Message] = []
        if row.kind == "read":
            if is_night(row.at):
                reasons.append(msg("Read at night (between 22:00 and 06:59)."))
            if policy.reads_other_team(row.role, row.care_team_id, row.case_team_id):
                reasons.append(msg("A care-team member read a file of another team."))
        result.append(Access(
            kind=row.kind, at=row.at, user_id=row.user_id, who=row.display_name or row.actor_name, what=row.what,
            case_id=row.case_id, reference=case_reference(row.case_id, row.created_at.year),
            person=f"{row.first_name} {row.last_name}", care_team=row.team_name, reasons=tuple(reasons),
        ))
    return AccessReview(result, total, page, pages, flags(session, actor, user_id=user_id, since=since, until=until))


def flags(
    session: Session, actor: User, *, user_id: int | None = None, since: date | None = None,
    until: date | None = None, many_files: int = MANY_FILES_PER_DAY,
) -> list[Flag]:
    """The unusual reading over a period, by user and day: more than ``many_files`` distinct files in a day,
    reads at night, a care-team member reading another team's file. One query: the reads are grouped by
    user, file and hour in the database (a UTC hour is one hour of council time too)."""
    policy.require(actor, policy.Action.VIEW_ACCESS_REVIEW)
    start, end = _bounds(since, until)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        hour: Any = func.date_trunc("hour", func.timezone("UTC", AccessLog.at), type_=UTCDateTime())
    else:
        hour = func.strftime("%Y-%m-%d %H:00:00", AccessLog.at, type_=UTCDateTime())
    reads = select(AccessLog.user_id, AccessLog.case_id, hour.label("hour"), AccessLog.id)
    if start is not None:
        reads = reads.where(AccessLog.at >= start)
    if end is not None:
        reads = reads.where(AccessLog.at < end)
    if user_id is not None:
        reads = reads.where(AccessLog.user_id == user_id)
    by_hour = reads.subquery("by_hour")
    group = (by_hour.c.user_id, by_hour.c.case_id, by_hour.c.hour, User.display_name, User.role,
             User.care_team_id, Case.care_team_id.label("case_team_id"), Case.created_at)
    query = (select(*group, func.count(by_hour.c.id).label("reads"))
             .join(User, User.id == by_hour.c.user_id).join(Case, Case.id == by_hour.c.case_id)
             .group_by(*group))

    names: dict[int, str] = {}
    files: dict[tuple[int, date], set[int]] = defaultdict(set)
    night: dict[tuple[int, date], int] = defaultdict(int)
    other: dict[tuple[int, date], set[str]] = defaultdict(set)
    for row in session.execute(query):
        at = row.hour if isinstance(row.hour, datetime) else datetime.fromisoformat(str(row.hour))
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        key = (row.user_id, local_date(at))
        names[row.user_id] = row.display_name
        files[key].add(row.case_id)
        if is_night(at):
            night[key] += row.reads
        if policy.reads_other_team(row.role, row.care_team_id, row.case_team_id):
            other[key].add(case_reference(row.case_id, row.created_at.year))

    found: list[Flag] = []
    for (uid, day), opened in files.items():
        if len(opened) > many_files:
            found.append(Flag(uid, names[uid], day, "many_files", msg(
                "Opened %(count)s different files in one day (more than %(limit)s).",
                count=len(opened), limit=many_files)))
    for (uid, day), count in night.items():
        found.append(Flag(uid, names[uid], day, "night", msg(
            "Read files at night, between 22:00 and 06:59 (%(count)s reads).", count=count)))
    for (uid, day), references in other.items():
        found.append(Flag(uid, names[uid], day, "other_team", msg(
            "A care-team member read files of another team than their own (they may have moved team): "
            "%(references)s.", references=", ".join(sorted(references)))))
    order = {"many_files": 0, "night": 1, "other_team": 2}
    found.sort(key=lambda flag: (-flag.day.toordinal(), flag.who, order[flag.kind]))
    return found


def reviewable_users(session: Session, actor: User) -> list[User]:
    """Every account, for the review's filter."""
    policy.require(actor, policy.Action.VIEW_ACCESS_REVIEW)
    return list(session.execute(select(User).order_by(User.display_name, User.id)).scalars())


# ---------------------------------------------------------------- the purge


def purge_cutoff(keep_days: int, now: datetime | None = None) -> datetime:
    if keep_days < 1:
        raise InvalidInput({"keep_days": [msg("The access log is kept at least one day.")]})
    return (now or utcnow()) - timedelta(days=keep_days)


def count_purgeable(session: Session, *, keep_days: int, now: datetime | None = None) -> int:
    """How many reads a purge would delete now (the dry run)."""
    cutoff = purge_cutoff(keep_days, now)
    return session.execute(select(func.count(AccessLog.id)).where(AccessLog.at < cutoff)).scalar_one()


def purge_access_log(session: Session, *, keep_days: int, actor: User | None = None,
                     now: datetime | None = None) -> int:
    """Delete the reads older than ``keep_days`` and say so in the audit trail, in one transaction.
    ``actor`` None is the command line (the daily schedule)."""
    if actor is not None:
        policy.require(actor, policy.Action.MANAGE_USERS)
    cutoff = purge_cutoff(keep_days, now)
    result = session.execute(delete(AccessLog).where(AccessLog.at < cutoff).execution_options(
        synchronize_session=False))
    count = int(getattr(result, "rowcount", 0) or 0)
    audit.record(session, actor, "access_log.purged", "access_log", cutoff.date().isoformat(),
                 {"cutoff": cutoff.isoformat(timespec="seconds"), "deleted": count, "keep_days": keep_days},
                 actor_name=None if actor else "command line")
    flush(session)
    return count
