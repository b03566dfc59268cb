"""The access review: the reads and changes of the files, the flags of unusual reading, the log's purge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission import migrate
from commission.cli import main
from commission.errors import Forbidden, InvalidInput
from commission.models import AccessLog, AuditEntry, Case, Deposit
from commission.models.audit import object_ref
from commission.services import access_review, audit, cases
from tests.cases_helpers import new_case
from tests.conftest import World, fresh, rolled_back_unless_asking_for
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


def test_the_pages_cut_one_list_and_past_the_end_show_the_last(session: Session, world: World) -> None:
    """Reads and changes of files and deposits, some at the same moment: the pages, one after the other,
    are the whole list; a page past the end is the last one."""
    camille, leon = new_case(session, world), new_case(session, world, first_name="Léon")
    deposit = Deposit(case_id=leon.id, place_id=world.place_a.id, landlord_id=world.landlord_a.id,
                      amount_cents=30000, state="committed")
    session.add(deposit)
    session.flush()
    audit.record(session, world.users["treasurer"], "deposit.committed", "deposit", deposit.id)
    for n in range(4):
        audit.record(session, world.users["coordinator"], "case.edited", "case", camille.id if n % 2 else leon.id)
    session.commit()
    changed = session.execute(select(AuditEntry.at).where(AuditEntry.object_type == "case")).scalars().all()
    for n, when in enumerate([*changed, at(9), at(9), at(23, 30)]):  # reads at the very moment of changes too
        read(session, world, "care_a" if n % 2 else "coordinator", camille if n % 3 else leon, when)
    dpo = world.users["dpo"]
    whole = access_review.list_accesses(session, dpo, per_page=1000)
    kinds = {(access.kind, access.what.split(".")[0]) for access in whole.accesses}
    assert {("read", "file"), ("change", "case"), ("change", "deposit")} <= kinds
    moments = [access.at for access in whole.accesses]
    assert moments == sorted(moments, reverse=True) and whole.total == len(whole.accesses) == 16
    last = -(-whole.total // 3)
    pages = [access_review.list_accesses(session, dpo, page=number, per_page=3) for number in range(1, last + 1)]
    assert [page.page for page in pages] == list(range(1, last + 1))
    assert [access for page in pages for access in page.accesses] == whole.accesses
    assert all(page.total == whole.total and page.pages == last for page in pages)
    past = access_review.list_accesses(session, dpo, page=last + 5, per_page=3)
    assert past.page == last and past.accesses == pages[last - 1].accesses


def test_the_changes_are_joined_on_the_entrys_number(session: Session, world: World) -> None:
    """The trail's object_id as a number (object_ref), when it is one: the access review joins on it."""
    for text, number in [("42", 42), ("0", 0), ("2147483647", 2147483647)]:
        assert object_ref(text) == number
    for text in ["007", "-3", "+3", "2026-03-10", "", " 12", "12 ", "2147483648", "١٢", "²", "3.0", "x12"]:
        assert object_ref(text) is None, text
    case = new_case(session, world)
    entry = audit.record(session, None, "test.event", "thing", "2026-03-10")
    session.commit()
    assert entry.object_ref is None
    refs = {(row.object_id, row.object_ref) for row in session.execute(
        select(AuditEntry.object_id, AuditEntry.object_ref).where(AuditEntry.object_type == "case"))}
    assert refs == {(str(case.id), case.id)}
    assert audit.verify(session).ok  # derived from object_id, not signed


def test_the_migration_fills_in_the_number_of_the_entries_before_it(session: Session, world: World,
                                                                    engine: Engine) -> None:
    case = new_case(session, world)
    for object_id in ["2026-03-10", "007", "2147483648", "17"]:
        audit.record(session, None, "test.event", "thing", object_id)
    session.commit()
    session.close()
    migrate.downgrade(engine, "0012")
    migrate.upgrade(engine)
    fresh(session)
    rows = [(row.object_id, row.object_ref) for row in session.execute(
        select(AuditEntry.object_id, AuditEntry.object_ref))]
    assert len(rows) > 10 and all(ref == object_ref(object_id) for object_id, ref in rows)
    assert (str(case.id), case.id) in rows and ("17", 17) in rows and ("007", None) in rows
    assert audit.verify(session).ok
    review = access_review.list_accesses(session, world.users["dpo"])
    assert any(access.kind == "change" and access.case_id == case.id for access in review.accesses)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_council_offsets_change_on_the_second_of_the_change_of_time() -> None:
    initial, changes = access_review._council_offsets(utc("2025-12-31 12:00"), utc("2027-01-01 12:00"))
    assert initial == 3600
    assert changes == [(utc("2026-03-29 01:00"), 7200), (utc("2026-10-25 01:00"), 3600)]
    assert access_review._council_offsets(utc("2026-04-01 00:00"), utc("2026-04-30 00:00")) == (7200, [])


def test_the_flags_follow_the_council_day_and_hour_through_the_seasons(session: Session, world: World) -> None:
    """Reads just before and after midnight, 22:00 and 07:00 in Paris, in winter (UTC+1), in summer
    (UTC+2) and on the days the clocks change: each falls on its council day and hour, to the microsecond
    (a read a microsecond before midnight stays on its day)."""
    mine = new_case(session, world)
    files = [new_case(session, world, first_name=f"Personne{n}") for n in range(16)]
    own_b = new_case(session, world, actor="care_b", care_team_id=str(world.team_b.id))
    users = world.users
    reads: list[tuple[str, Case, str]] = [
        # winter: Paris is UTC+1
        ("care_a", mine, "2026-01-15 20:59:59.999999"),  # 21:59:59 on the 15th
        ("care_a", mine, "2026-01-15 21:00:00"),  # 22:00: night, the 15th
        ("care_a", mine, "2026-01-15 22:59:59.999999"),  # 23:59:59.999999: night, still the 15th
        ("care_a", mine, "2026-01-15 23:00:00"),  # midnight: the 16th
        ("care_a", mine, "2026-01-16 05:59:59.999999"),  # 06:59:59: night, the 16th
        ("care_a", mine, "2026-01-16 06:00:00"),  # 07:00: day
        # summer: UTC+2
        ("care_a", mine, "2026-07-15 19:59:59.999999"),
        ("care_a", mine, "2026-07-15 20:00:00"),
        ("care_a", mine, "2026-07-15 21:59:59.999999"),
        ("care_a", mine, "2026-07-15 22:00:00"),
        ("care_a", mine, "2026-07-16 04:59:59.999999"),
        ("care_a", mine, "2026-07-16 05:00:00"),
        # the clocks go forward on 29 March 2026, at 01:00 UTC (02:00 becomes 03:00)
        ("care_a", mine, "2026-03-28 22:59:59"),  # 23:59:59 on the 28th
        ("care_a", mine, "2026-03-28 23:00:00"),  # midnight: the 29th
        ("care_a", mine, "2026-03-29 00:59:59.999999"),  # 01:59:59
        ("care_a", mine, "2026-03-29 01:00:00"),  # 03:00
        ("care_a", mine, "2026-03-29 04:59:59"),  # 06:59:59
        ("care_a", mine, "2026-03-29 05:00:00"),  # 07:00 (06:00 in winter time): day
        ("care_a", mine, "2026-03-29 19:59:59"),  # 21:59:59
        ("care_a", mine, "2026-03-29 20:00:00"),  # 22:00 (21:00 in winter time): night
        ("care_a", mine, "2026-03-29 21:59:59"),  # 23:59:59 on the 29th
        ("care_a", mine, "2026-03-29 22:00:00"),  # midnight: the 30th (23:00 on the 29th in winter time)
        # the clocks go back on 25 October 2026, at 01:00 UTC (03:00 becomes 02:00)
        ("care_a", mine, "2026-10-24 21:59:59"),  # 23:59:59 on the 24th
        ("care_a", mine, "2026-10-24 22:00:00"),  # midnight: the 25th
        ("care_a", mine, "2026-10-25 00:30:00"),  # 02:30 summer time
        ("care_a", mine, "2026-10-25 01:30:00"),  # 02:30 winter time
        ("care_a", mine, "2026-10-25 05:30:00"),  # 06:30 (07:30 in summer time): night
        ("care_a", mine, "2026-10-25 06:00:00"),  # 07:00
        ("care_a", mine, "2026-10-25 20:59:59"),  # 21:59:59 (22:59:59 in summer time): day
        ("care_a", mine, "2026-10-25 21:00:00"),  # 22:00
        ("care_a", mine, "2026-10-25 22:59:59.999999"),  # 23:59:59.999999 on the 25th
        ("care_a", mine, "2026-10-25 23:00:00"),  # midnight: the 26th
        # 16 files on 10 February, half of them at 00:30 (23:30 UTC the day before)
        *[("coordinator", case, "2026-02-09 23:30:00") for case in files[:8]],
        *[("coordinator", case, "2026-02-10 09:00:00") for case in files[8:]],
        # 15 files on 10 June, one of them thrice; a 16th just before midnight the day before, and just after
        *[("coordinator", case, "2026-06-10 10:00:00") for case in files[:15]],
        *[("coordinator", files[0], "2026-06-10 12:00:00") for _ in range(2)],
        ("coordinator", files[15], "2026-06-09 21:59:59.999999"),  # 23:59:59.999999 on the 9th
        ("coordinator", files[15], "2026-06-10 22:00:00"),  # midnight: the 11th
        # another team's files, on 21 July (UTC+2): the first read at 00:30, 22:30 UTC the day before
        ("care_b", files[3], "2026-07-20 22:30:00"),
        ("care_b", files[3], "2026-07-21 10:00:00"),
        ("care_b", files[1], "2026-07-21 12:00:00"),
        ("care_b", own_b, "2026-07-21 12:30:00"),  # their own team's
        ("care_b", files[2], "2026-07-21 21:59:59.999999"),  # 23:59:59.999999 on the 21st
    ]
    session.add_all(AccessLog(user_id=users[who].id, case_id=case.id, part="file", at=utc(moment))
                    for who, case, moment in reads)
    session.commit()

    def flag_list(**filters: object) -> list[tuple[str, str, str, object]]:
        found = access_review.flags(session, users["dpo"], **filters)  # type: ignore[arg-type]
        return [(flag.who, flag.day.isoformat(), flag.kind, flag.reason.params.get("count")
                 or flag.reason.params.get("references")) for flag in found]

    references = ", ".join(sorted(case.reference for case in files[1:4]))
    everything = flag_list()
    assert everything == [
        ("User care_a", "2026-10-26", "night", 1),
        ("User care_a", "2026-10-25", "night", 6),
        ("User care_a", "2026-10-24", "night", 1),
        ("User care_b", "2026-07-21", "night", 2),
        ("User care_b", "2026-07-21", "other_team", references),
        ("User care_a", "2026-07-16", "night", 2),
        ("User care_a", "2026-07-15", "night", 2),
        ("User coordinator", "2026-06-11", "night", 1),
        ("User coordinator", "2026-06-09", "night", 1),
        ("User care_a", "2026-03-30", "night", 1),
        ("User care_a", "2026-03-29", "night", 6),
        ("User care_a", "2026-03-28", "night", 1),
        ("User coordinator", "2026-02-10", "many_files", 16),
        ("User coordinator", "2026-02-10", "night", 8),
        ("User care_a", "2026-01-16", "night", 2),
        ("User care_a", "2026-01-15", "night", 2),
    ]
    # over a period (both ends given, one only) and for one user: the same flags, those of the period's days
    for since, until in [(date(2026, 3, 29), date(2026, 3, 29)), (date(2026, 6, 10), None),
                         (None, date(2026, 3, 28)), (date(2026, 10, 24), date(2026, 10, 26))]:
        kept = [flag for flag in everything
                if (since is None or flag[1] >= since.isoformat()) and (until is None or flag[1] <= until.isoformat())]
        assert flag_list(since=since, until=until) == kept, (since, until)
    assert flag_list(user_id=users["care_b"].id) == [flag for flag in everything if flag[0] == "User care_b"]
    assert flag_list(user_id=users["dpo"].id) == []
    # a threshold of 14 flags 10 June too (15 files, whichever the repeated reads)
    assert ("User coordinator", "2026-06-10", "many_files", 15) in flag_list(many_files=14)


def test_no_reads_no_flags(session: Session, world: World) -> None:
    dpo = world.users["dpo"]
    assert access_review.flags(session, dpo) == []
    assert access_review.flags(session, dpo, since=DAY) == []
    assert access_review.flags(session, dpo, since=DAY, until=DAY) == []


@pytest.fixture
def isolation(request: pytest.FixtureRequest) -> str:
    """Through ``session`` only, rolled back on PostgreSQL; copied for the tests that take the engine (a count
    of queries, the migration) or the URL (the command line)."""
    return rolled_back_unless_asking_for(request, "engine", "database_url")
