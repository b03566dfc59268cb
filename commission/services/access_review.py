"""The access review: who read or changed which person's file, when; the unusual reading flagged; the purge
of the reads' log after its keeping period.

The reads are the access log (the file, its medical part, a document, the follow-up...); the changes are
the audit trail's entries about a file and the records that belong to it (its deposit). Both are shown in
one list, newest first, a bounded number of queries whatever their volume.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    and_,
    case,
    cast,
    delete,
    distinct,
    extract,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from commission import policy
from commission.clock import COUNCIL_ZONE
from commission.db import utcnow
from commission.errors import InvalidInput
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.audit import AuditEntry
from commission.models.cases import AccessLog, Case, reference_clause
from commission.models.integrations import IntegrationToken
from commission.models.people import Applicant
from commission.models.reference import CareTeam
from commission.models.treasury import Deposit
from commission.services import audit
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
# A query of reads or changes: (kind, row_id, at, user_id, actor_name, case_id, what).
Accesses: TypeAlias = "Select[Any, *tuple[Any, ...]]"


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
    by_reference = reference_clause(text)
    if by_reference is not None:
        return by_reference
    words = [word for word in text.lower().split() if word]
    return and_(*[or_(func.lower(Applicant.first_name).contains(word, autoescape=True),
                      func.lower(Applicant.last_name).contains(word, autoescape=True)) for word in words])


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    if since is not None and until is not None and since > until:
        raise InvalidInput({"until": [msg("The end of the period is before its start.")]})
    start = _council_midnight(since) if since is not None else None
    end = _council_midnight(until + timedelta(days=1)) if until is not None else None
    return start, end


def _branches(person: str | None, user_id: int | None, start: datetime | None,
              end: datetime | None) -> list[Accesses]:
    """The reads, the changes of the files and those of their deposits, filtered: three queries of the same
    columns (kind, row_id, at, user_id, actor_name, case_id, what)."""

    def period(column: Any) -> list[ColumnElement[bool]]:
        conditions = []
        if start is not None:
            conditions.append(column >= start)
        if end is not None:
            conditions.append(column < end)
        return conditions

    reads = select(
        literal("read").label("kind"), AccessLog.id.label("row_id"), AccessLog.at.label("at"),
        # a read through the integration API: no user, the token named as the audit trail names it (api:cmsn_...)
        AccessLog.user_id.label("user_id"), func.coalesce(literal("api:") + select(IntegrationToken.prefix).where(
            IntegrationToken.id == AccessLog.token_id).scalar_subquery(), "").label("actor_name"),
        AccessLog.case_id.label("case_id"),
        AccessLog.part.label("what"),
    ).where(*period(AccessLog.at))
    # Joined on the entry's typed reference (object_ref, indexed with object_type): a record's id cast
    # to text would defeat the indexes on both sides.
    case_changes = select(
        literal("change").label("kind"), AuditEntry.id.label("row_id"), AuditEntry.at.label("at"),
        AuditEntry.actor_id.label("user_id"), AuditEntry.actor_name.label("actor_name"), Case.id.label("case_id"),
        AuditEntry.action.label("what"),
    ).join(Case, AuditEntry.object_ref == Case.id).where(
        AuditEntry.object_type == "case", *period(AuditEntry.at))
    deposit_changes = select(
        literal("change").label("kind"), AuditEntry.id.label("row_id"), AuditEntry.at.label("at"),
        AuditEntry.actor_id.label("user_id"), AuditEntry.actor_name.label("actor_name"),
        Deposit.case_id.label("case_id"), AuditEntry.action.label("what"),
    ).join(Deposit, AuditEntry.object_ref == Deposit.id).where(
        AuditEntry.object_type == "deposit", *period(AuditEntry.at))
    if user_id is not None:
        reads = reads.where(AccessLog.user_id == user_id)
        case_changes = case_changes.where(AuditEntry.actor_id == user_id)
        deposit_changes = deposit_changes.where(AuditEntry.actor_id == user_id)
    if person:
        files = select(Case.id).join(Applicant, Applicant.id == Case.applicant_id).where(_person_condition(person))
        reads = reads.where(AccessLog.case_id.in_(files))
        case_changes = case_changes.where(AuditEntry.object_ref.in_(files))
        deposit_changes = deposit_changes.where(Deposit.case_id.in_(files))
    return [reads, case_changes, deposit_changes]


def _count(session: Session, branches: list[Accesses]) -> int:
    """How many reads and changes the filters keep: each kind counted on its own, on its indexes (no union,
    no sort). Each of them has its file, its person and its team (foreign keys): the pages show as many."""
    counts = [select(func.count()).select_from(branch.subquery()).scalar_subquery() for branch in branches]
    return int(session.execute(select(sum(counts[1:], counts[0]))).scalar_one())


def _page(session: Session, branches: list[Accesses], page: int, per_page: int) -> list[Row[Any]]:
    """One page of the reads and changes, newest first, with the file, its person, its team and the reader.
    Each kind gives only its newest rows down to the page's last (the order is strict: a row's kind and id
    break ties), then the page is taken from those, and only its rows are joined to their files."""
    depth = page * per_page
    newest = [branch.order_by(branch.selected_columns.at.desc(), branch.selected_columns.row_id.desc())
              .limit(depth).subquery() for branch in branches]
    accesses = union_all(*[select(*top.c) for top in newest]).subquery("accesses")
    shown = (select(accesses).order_by(accesses.c.at.desc(), accesses.c.kind, accesses.c.row_id.desc())
             .limit(per_page).offset(depth - per_page).subquery("shown"))
    query = (
        select(shown.c.kind, shown.c.row_id, shown.c.at, shown.c.user_id, shown.c.actor_name,
               shown.c.case_id, shown.c.what, User.display_name, User.role, User.care_team_id,
               Case.care_team_id.label("case_team_id"), Case.created_at, Applicant.first_name,
               Applicant.last_name, CareTeam.name.label("team_name"))
        .select_from(shown)
        .join(Case, Case.id == shown.c.case_id)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .join(CareTeam, CareTeam.id == Case.care_team_id)
        .outerjoin(User, User.id == shown.c.user_id)
        .order_by(shown.c.at.desc(), shown.c.kind, shown.c.row_id.desc())
    )
    return list(session.execute(query).all())


def list_accesses(
    session: Session, actor: User, *, person: str | None = None, user_id: int | None = None,
    since: date | None = None, until: date | None = None, page: int = 1, per_page: int = PER_PAGE,
) -> AccessReview:
    """The reads and changes of the files, newest first, filtered; and the flags of unusual reading over the
    period (and the user, if one is chosen). Three queries whatever the volume: the count, the page, the
    flags (on SQLite, a fourth without a whole period: see :func:`flags`)."""
    policy.require(actor, policy.Action.VIEW_ACCESS_REVIEW)
    start, end = _bounds(since, until)
    branches = _branches(person.strip() if person and person.strip() else None, user_id, start, end)
    total = _count(session, branches)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)  # a page past the end shows the last
    rows = _page(session, branches, page, per_page) if total else []
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


def _council_offsets(first: datetime, last: datetime) -> tuple[int, list[tuple[datetime, int]]]:
    """The council's offset from UTC (in seconds) at ``first``, and each change of it up to ``last``: the
    instant from which the new offset holds, and the offset. Looked for day by day (the zone changes at most
    once in a day), each change found to the second (zones change on a whole second)."""

    def offset(second: int) -> int:
        delta = datetime.fromtimestamp(second, COUNCIL_ZONE).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    start, stop = math.floor(first.timestamp()), math.ceil(last.timestamp())
    initial = current = offset(start)
    changes: list[tuple[datetime, int]] = []
    for day_start in range(start, stop, 86400):
        day_end = min(day_start + 86400, stop)
        if offset(day_end) == current:
            continue
        before, after = day_start, day_end  # the old offset at before, the new one at after
        while after - before > 1:
            middle = (before + after) // 2
            before, after = (middle, after) if offset(middle) == current else (before, middle)
        current = offset(after)
        changes.append((datetime.fromtimestamp(after, UTC), current))
    return initial, changes


def _council_day_and_hour(session: Session, start: datetime | None,
                          end: datetime | None) -> tuple[ColumnElement[date], ColumnElement[int]]:
    """A read's council day and hour, in SQL, exact on either side of a change of time. PostgreSQL knows the
    zone. SQLite knows none: each read is shifted by the council's offset at its instant, chosen among the
    offsets of the period (its bounds, or the log's first and last reads: one more statement, on the
    index), to the second (a fraction of a second could round the shifted time up to the next day)."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(COUNCIL_ZONE.key, AccessLog.at)
        return cast(local, Date), cast(extract("hour", local), Integer)
    if start is None or end is None:
        first, last = session.execute(select(select(func.min(AccessLog.at)).scalar_subquery(),
                                             select(func.max(AccessLog.at)).scalar_subquery())).one()
        moment = start or end or first or utcnow()
        start, end = start or first or moment, end or last or moment
    initial, changes = _council_offsets(start, end)
    offsets = [initial, *(offset for _, offset in changes)]
    shift: ColumnElement[str] = literal(f"{offsets[-1]:+d} seconds")
    if changes:
        shift = case(*[(AccessLog.at < since, f"{offset:+d} seconds")
                       for (since, _), offset in zip(changes, offsets, strict=False)],
                     else_=shift)
    second = func.substr(AccessLog.at, 1, 19)  # 'YYYY-MM-DD HH:MM:SS', UTC
    return (func.date(second, shift, type_=Date),
            cast(func.strftime("%H", second, shift), Integer))


def flags(
    session: Session, actor: User, *, user_id: int | None = None, since: date | None = None,
    until: date | None = None, many_files: int = MANY_FILES_PER_DAY,
) -> list[Flag]:
    """The unusual reading over a period, by user and day: more than ``many_files`` distinct files in a day,
    reads at night, a care-team member reading another team's file. One query (and on SQLite, without a
    whole period, one for the log's first and last reads): the reads are counted by user and council day in
    the database, which sends only the days flagged, and the files of another team read on them."""
    policy.require(actor, policy.Action.VIEW_ACCESS_REVIEW)
    start, end = _bounds(since, until)
    day, hour = _council_day_and_hour(session, start, end)
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(AccessLog.at >= start)
    if end is not None:
        conditions.append(AccessLog.at < end)
    if user_id is not None:
        conditions.append(AccessLog.user_id == user_id)
    night = case((hour.between(NIGHT_ENDS, NIGHT_STARTS - 1), 0), else_=1)
    reads = select(AccessLog.user_id, AccessLog.case_id, day.label("day"), night.label("night")).where(
        *conditions).subquery("reads")
    files = func.count(distinct(reads.c.case_id))
    nights = func.sum(reads.c.night)
    none = cast(null(), Integer)  # typed: a DISTINCT would make an untyped NULL text on PostgreSQL
    days = (select(reads.c.user_id, reads.c.day, files.label("files"), nights.label("nights"),
                   none.label("case_id"))
            # the day first: SQLite then reads the log in its order, not along the index of users
            .group_by(reads.c.day, reads.c.user_id).having(or_(files > many_files, nights > 0)))
    other_team = (select(AccessLog.user_id, day.label("day"), none.label("files"), none.label("nights"),
                         AccessLog.case_id)
                  .join(User, User.id == AccessLog.user_id).join(Case, Case.id == AccessLog.case_id)
                  .where(policy.reads_other_team_clause(), *conditions).distinct())
    found_days = union_all(days, other_team).subquery("found")
    query = (select(found_days, User.display_name, Case.created_at)
             .join(User, User.id == found_days.c.user_id).outerjoin(Case, Case.id == found_days.c.case_id))

    found: list[Flag] = []
    other: dict[tuple[int, date], set[str]] = defaultdict(set)
    names: dict[int, str] = {}
    for row in session.execute(query):
        names[row.user_id] = row.display_name
        if row.case_id is not None:
            other[(row.user_id, row.day)].add(case_reference(row.case_id, row.created_at.year))
            continue
        if row.files > many_files:
            found.append(Flag(row.user_id, row.display_name, row.day, "many_files", msg(
                "Opened %(count)s different files in one day (more than %(limit)s).",
                count=row.files, limit=many_files)))
        if row.nights:
            found.append(Flag(row.user_id, row.display_name, row.day, "night", msg(
                "Read files at night, between 22:00 and 06:59 (%(count)s reads).", count=row.nights)))
    for (uid, day_), references in other.items():
        found.append(Flag(uid, names[uid], day_, "other_team", msg(
            "A care-team member read files of another team than their own (they may have moved team): "
            "%(references)s.", references=", ".join(sorted(references)))))
    order = {"many_files": 0, "night": 1, "other_team": 2}
    found.sort(key=lambda flag: (-flag.day.toordinal(), flag.who, order[flag.kind], flag.user_id))
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
