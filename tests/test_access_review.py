"""The access review: the reads and changes of the files, the flags of unusual reading, the log's purge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission.cli import main
from commission.errors import Forbidden, InvalidInput
from commission.models import AccessLog, AuditEntry, Case
from commission.services import access_review, audit, cases
from tests.cases_helpers import new_case
from tests.conftest import World, fresh
from tests.web.test_query_counts import count_queries

DAY = date(2026, 3, 10)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A moment of the council's day (Paris is UTC+1 in March)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


def read(session: Session, world: World, who: str, case: Case, when: datetime, part: str = "file") -> None:
    session.add(AccessLog(user_id=world.users[who].id, case_id=case.id, part=part, at=when))
    session.commit()


def test_reads_and_changes_come_in_one_list_newest_first(session: Session, world: World) -> None:
    case = new_case(session, world)  # audited: case.created (a change)
    cases.open_case(session, world.users["care_a"], case.id)
    cases.read_medical(session, world.users["coordinator"], case.id)
    review = access_review.list_accesses(session, world.users["dpo"])
    kinds = [(access.kind, access.what) for access in review.accesses]
    assert kinds[:2] == [("read", "medical"), ("read", "file")]
    assert any(kind == "change" and what.startswith("case.") for kind, what in kinds)
    first = review.accesses[0]
    assert first.who == "User coordinator" and first.reference == case.reference
    assert first.person == "Camille Martin" and first.care_team == world.team_a.name
    assert review.total == len(review.accesses)


def test_the_filters(session: Session, world: World) -> None:
    camille = new_case(session, world)
    other = new_case(session, world, actor="care_b", first_name="Léon", last_name="Blum",
                     care_team_id=str(world.team_b.id))
    read(session, world, "care_a", camille, at(10))
    read(session, world, "care_b", other, at(11, day=DAY + timedelta(days=2)))
    dpo = world.users["dpo"]

    def reads(**filters: object) -> list[tuple[str, int]]:
        review = access_review.list_accesses(session, dpo, **filters)  # type: ignore[arg-type]
        return [(access.who, access.case_id) for access in review.accesses if access.kind == "read"]

    assert reads(person="blum") == [("User care_b", other.id)]
    assert reads(person="camille MART") == [("User care_a", camille.id)]
    assert reads(person=camille.reference) == [("User care_a", camille.id)]
    assert reads(person="D-1999-00001") == []
    assert reads(user_id=world.users["care_b"].id) == [("User care_b", other.id)]
    assert reads(since=DAY + timedelta(days=1)) == [("User care_b", other.id)]
    assert reads(until=DAY) == [("User care_a", camille.id)]
    assert reads(since=DAY, until=DAY + timedelta(days=2)) == [("User care_b", other.id), ("User care_a", camille.id)]
    with pytest.raises(InvalidInput):
        access_review.list_accesses(session, dpo, since=DAY, until=DAY - timedelta(days=1))


def test_only_the_coordinator_and_the_officer_review(session: Session, world: World) -> None:
    for role in ("care_a", "chair", "member", "treasurer", "landlord_a"):
        with pytest.raises(Forbidden):
            access_review.list_accesses(session, world.users[role])
    access_review.list_accesses(session, world.users["coordinator"])


def test_the_three_flags(session: Session, world: World) -> None:
    files = [new_case(session, world, first_name=f"Personne{n}") for n in range(access_review.MANY_FILES_PER_DAY + 1)]
    other_team = new_case(session, world, actor="care_b", care_team_id=str(world.team_b.id))
    for n, case in enumerate(files):  # 16 distinct files in one day, in office hours
        read(session, world, "coordinator", case, at(9, n))
        read(session, world, "coordinator", case, at(10, n))
    read(session, world, "care_a", files[0], at(23, 30))  # at night
    read(session, world, "care_a", files[1], at(6, 59, day=DAY + timedelta(days=1)))
    read(session, world, "care_a", files[2], at(7, 0, day=DAY + timedelta(days=1)))  # no longer night
    read(session, world, "care_a", other_team, at(14, day=DAY + timedelta(days=2)))  # another team's file
    # 15 distinct files are not flagged
    for case in files[:-1]:
        read(session, world, "care_b", case, at(15, day=DAY + timedelta(days=3)))

    dpo = world.users["dpo"]
    found = {(flag.who, flag.day, flag.kind) for flag in access_review.flags(session, dpo)}
    assert found == {
        ("User coordinator", DAY, "many_files"),
        ("User care_a", DAY, "night"),
        ("User care_a", DAY + timedelta(days=1), "night"),
        ("User care_a", DAY + timedelta(days=2), "other_team"),
        # care_b reading care_a's team's files is flagged too
        ("User care_b", DAY + timedelta(days=3), "other_team"),
    }
    reasons = {flag.kind: str(flag.reason) for flag in access_review.flags(session, dpo)}
    assert "16" in reasons["many_files"] and "15" in reasons["many_files"]
    assert "22 h" in reasons["night"]
    assert other_team.reference in reasons["other_team"]
    # over a chosen period, and for a chosen user
    assert {flag.kind for flag in access_review.flags(session, dpo, since=DAY, until=DAY)} == {"many_files", "night"}
    assert {flag.who for flag in access_review.flags(session, dpo, user_id=world.users["coordinator"].id)} == {
        "User coordinator"}
    # the list marks the unusual reads themselves
    review = access_review.list_accesses(session, dpo, user_id=world.users["care_a"].id)
    marked = [access for access in review.accesses if access.reasons]
    assert len(marked) == 3  # two night reads, one of another team


def test_the_review_takes_a_bounded_number_of_queries(session: Session, world: World, engine: Engine) -> None:
    def grow(count: int) -> None:
        case = new_case(session, world)
        session.add_all(AccessLog(user_id=world.users["care_a"].id, case_id=case.id, part="file",
                                  at=at(n % 24, day=DAY + timedelta(days=n % 30))) for n in range(count))
        session.commit()

    def queries() -> int:
        fresh(session)
        with count_queries(engine) as statements:
            review = access_review.list_accesses(session, world.users["dpo"])
            assert review.accesses
        return len(statements)

    grow(5)
    small = queries()
    grow(500)
    assert queries() == small <= 6


def test_the_purge_deletes_only_the_older_reads_and_is_audited(session: Session, world: World) -> None:
    case = new_case(session, world)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for days in (400, 366, 364, 1):
        read(session, world, "care_a", case, now - timedelta(days=days))
    assert access_review.count_purgeable(session, keep_days=365, now=now) == 2
    assert access_review.purge_access_log(session, keep_days=365, now=now) == 2
    fresh(session)
    left = session.execute(select(AccessLog.at).order_by(AccessLog.at)).scalars().all()
    assert left == [now - timedelta(days=364), now - timedelta(days=1)]
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "access_log.purged")).scalar_one()
    assert entry.actor_name == "command line" and entry.actor_id is None
    assert '"deleted":2' in entry.details and "2025-06-01" in entry.details
    assert audit.verify(session).ok
    with pytest.raises(InvalidInput):
        access_review.purge_access_log(session, keep_days=0, now=now)
    with pytest.raises(Forbidden):
        access_review.purge_access_log(session, keep_days=365, actor=world.users["dpo"], now=now)


def test_the_purge_from_the_command_line(session: Session, world: World, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path, database_url: str) -> None:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMISSION_ACCESS_LOG_DAYS", "30")
    monkeypatch.delenv("COMMISSION_ENV", raising=False)
    case = new_case(session, world)
    now = datetime.now(UTC)
    read(session, world, "care_a", case, now - timedelta(days=40))
    read(session, world, "care_a", case, now - timedelta(days=2))

    def count() -> int:
        fresh(session)
        return session.execute(select(func.count(AccessLog.id))).scalar_one()

    result = CliRunner().invoke(main, ["access-log", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run: 1 read(s) older than 30 days" in result.output and count() == 2
    result = CliRunner().invoke(main, ["access-log", "purge"])
    assert result.exit_code == 0, result.output
    assert "access log purged: 1 read(s)" in result.output and count() == 1
    assert session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "access_log.purged")).scalar_one() == 1
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
