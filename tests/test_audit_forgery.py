"""The trail forged as whoever can write the database (but not read the key) would: each forgery is found.

`commission audit verify` walks the signed chain (the key is outside the database), `--checkpoint FILE`
compares it with the heads kept elsewhere (cut tails, rewritten chains of entries written before the
key), and `commission check` reconciles every ledger entry with its audit entry and its cause. Each
names the first entry that differs, or how many are missing, in one line, and exits non-zero.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from commission.cli import main
from commission.config import ConfigurationError, load_settings
from commission.models import AuditEntry, AuditHead
from commission.models.treasury import EntryKind, LedgerEntry, LedgerLine
from commission.services import audit, audit_keys, treasury
from tests.conftest import World, is_postgres, starting_scenario
from tests.databases import Restored, Scenario
from tests.test_treasury_reports import FUND

FIELDS = ("id", "at", "actor_id", "actor_name", "action", "object_type", "object_id", "details", "prev_hash")


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, fund_ids=FUND)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.delenv("COMMISSION_AUDIT_CHECKPOINT_FILE", raising=False)
    monkeypatch.delenv("COMMISSION_ENV", raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")  # the French messages: test_the_messages_are_in_the_shell_s_language
    return database_url


@pytest.fixture
def fund_ids(restored: Restored) -> dict[str, Any]:
    return restored.ids


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert not (result.exception and not isinstance(result.exception, SystemExit)), result.output
    return result.exit_code, result.output


def refused(*args: str) -> str:
    """The command's one line, after a non-zero exit and no traceback."""
    code, output = run(*args)
    assert code != 0, output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 1, output
    return output


def entries(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return list(session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())


def fields(entry: AuditEntry, **changes: Any) -> dict[str, Any]:
    return {**{name: getattr(entry, name) for name in FIELDS}, **changes}


def move_head(session: Session, last_id: int, last_hash: str) -> None:
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_id=last_id, last_hash=last_hash))


def rewrite_from(session: Session, start: int, hashing: str, *, change: bool = True) -> None:
    """Entry `start` changed, and every hash from it on recomputed, as a forger without the key can."""
    chain = [entry for entry in entries(session) if entry.id >= start]
    prev = chain[0].prev_hash
    for entry in chain:
        values = fields(entry, prev_hash=prev)
        if entry.id == start and change:
            values["actor_name"] = "someone else"
        new_hash = audit.entry_hash(**values)
        session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(
            actor_name=values["actor_name"], prev_hash=prev, hash=new_hash,
            key_id=None if hashing == "plain, no key id" else entry.key_id))
        prev = new_hash
    move_head(session, chain[-1].id, prev)
    session.commit()


def as_before_the_key(session: Session) -> int:
    """The trail as an installation from before the signed chain holds it: plain hashes, no key id."""
    rewrite_from(session, 1, "plain, no key id", change=False)
    return len(entries(session))


def checkpoint(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "audit-checkpoints.jsonl"
    code, output = run("audit", "checkpoint", "--output", str(path))
    assert code == 0, output
    return path


# ---------------------------------------------------------------- the chain


def test_the_untouched_trail_verifies_with_the_key_and_its_checkpoints(env: str, session: Session, world: World,
                                                                       tmp_path: Path) -> None:
    count = len(entries(session))
    path = checkpoint(tmp_path)
    line = json.loads(path.read_text().splitlines()[-1])
    assert line["id"] == line["count"] == count and len(line["hash"]) == 64
    audit.record(session, world.users["coordinator"], "test.event", "thing", 1)
    session.commit()
    checkpoint(tmp_path)  # the second run verifies against the first, then appends
    code, output = run("audit", "verify", "--checkpoint", str(path))
    assert code == 0, output
    assert f"{count + 1} entries verified" in output and "2 of the 2 checkpoints" in output
    assert all(entry.key_id == audit_keys.keyring().current_id for entry in entries(session))  # type: ignore[union-attr]


@pytest.mark.parametrize("forger", ["plain hash, no key id", "plain hash under the key's id", "another key"])
def test_an_entry_appended_with_the_head_moved_is_named(env: str, session: Session, world: World,
                                                         forger: str) -> None:
    last = entries(session)[-1]
    values = fields(last, id=last.id + 1, actor_name="intruder", action="ledger.expense", details="{}",
                    prev_hash=last.hash)
    key_id = None if forger == "plain hash, no key id" else last.key_id
    forged = (audit.signed_hash(b"a key of the forger's own, 32 B.", str(key_id), **values)
              if forger == "another key" else audit.entry_hash(**values))
    session.execute(insert(AuditEntry).values(**values, key_id=key_id, hash=forged))
    move_head(session, last.id + 1, forged)
    session.commit()
    assert f"entry {last.id + 1} was" in refused("audit", "verify")
    assert audit.verify(session).entry_id == last.id + 1


def test_a_tail_cut_with_the_head_rewound_is_counted_by_the_checkpoint(env: str, session: Session, world: World,
                                                                       tmp_path: Path) -> None:
    path = checkpoint(tmp_path)
    trail = entries(session)
    kept = trail[-4]
    session.execute(delete(AuditEntry).where(AuditEntry.id > kept.id))
    move_head(session, kept.id, kept.hash)
    session.commit()
    output = refused("audit", "verify", "--checkpoint", str(path))
    assert f"entries {kept.id + 1} to {trail[-1].id} were removed: 3 missing after entry {kept.id}" in output


def test_the_configured_checkpoint_file_is_read_by_default(env: str, session: Session, world: World,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMISSION_AUDIT_CHECKPOINT_FILE", str(tmp_path / "checkpoints.jsonl"))
    assert run("audit", "checkpoint")[0] == 0
    last = entries(session)[-2]
    session.execute(delete(AuditEntry).where(AuditEntry.id > last.id))
    move_head(session, last.id, last.hash)
    session.commit()
    assert f"entry {last.id + 1} was removed: 1 missing after entry {last.id}" in refused("audit", "verify")


@pytest.mark.parametrize("hashing", ["plain, no key id", "plain, key id kept"])
def test_a_chain_rewritten_from_an_entry_on_names_that_entry(env: str, session: Session, world: World,
                                                             tmp_path: Path, hashing: str) -> None:
    path = checkpoint(tmp_path)
    target = entries(session)[-5].id
    rewrite_from(session, target, hashing)
    assert f"entry {target} was" in refused("audit", "verify")
    assert f"entry {target} was" in refused("audit", "verify", "--checkpoint", str(path))


def test_entries_written_before_the_key_verify_and_none_may_follow_the_first_signed_one(
        env: str, session: Session, world: World, own_key_file: Path) -> None:
    """An installation upgraded from before the key: its key file is created by its first new entry."""
    old = as_before_the_key(session)
    own_key_file.unlink()
    audit.record(session, world.users["coordinator"], "test.after_upgrade", "thing", 1)
    session.commit()
    assert f"signed-after {old}" in own_key_file.read_text()
    code, output = run("audit", "verify")
    assert code == 0 and f"{old + 1} entries verified" in output and f"{old} written before the trail" in output
    # rewritten whole with plain hashes, the signed entry too, so that it all looks old
    rewrite_from(session, 3, "plain, no key id")
    assert f"entry {old + 1} was forged: it is not signed, yet the key file" in refused("audit", "verify")


def test_an_old_chain_rewritten_is_caught_by_the_checkpoint(env: str, session: Session, world: World,
                                                            tmp_path: Path, own_key_file: Path) -> None:
    """A key file from before ``signed-after``: a trail of plain hashes holds together, its checkpoints do not."""
    # the copy without its "signed-after" line, written before anything reads (and keeps) the file: the run's
    # key file has that line when this machine's suite created it, not when an older state of the code did
    kept = [line for line in own_key_file.read_text().splitlines() if not line.startswith(audit_keys.SIGNED_AFTER)]
    own_key_file.write_text("\n".join(kept) + "\n")
    ring = audit_keys.keyring()
    assert ring is not None and ring.signed_after is None
    as_before_the_key(session)
    checkpoint(tmp_path)
    middle = entries(session)[-1].id
    audit.record(session, None, "test.event", "thing", 1)
    audit.record(session, None, "test.event", "thing", 2)
    session.commit()
    rewrite_from(session, 1, "plain, no key id", change=False)
    path = checkpoint(tmp_path)  # a second checkpoint, of the two entries more
    rewrite_from(session, 2, "plain, no key id")
    output = refused("audit", "verify", "--checkpoint", str(path))
    assert f"entry {middle} differs from the checkpoint of" in output and f"up to entry {middle}" in output


def test_an_unreadable_timestamp_is_named_not_a_traceback(env: str, session: Session, world: World) -> None:
    target = entries(session)[2].id
    session.execute(text("UPDATE audit_entry SET at = :at WHERE id = :id"),
                    {"at": "infinity" if is_postgres() else "not a time", "id": target})
    session.commit()
    output = refused("audit", "verify")
    assert f"entry {target} was altered: it cannot be read" in output
    session.rollback()
    assert audit.verify(session).entry_id == target


def test_the_messages_are_in_the_shell_s_language(env: str, session: Session, world: World,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    code, output = run("audit", "verify")
    assert code == 0 and "Le journal d'audit est intact\u00a0:" in output, output
    target = entries(session)[-2]
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values(actor_name="quelqu'un d'autre"))
    session.commit()
    assert (f"Le journal d'audit est rompu\u00a0: l'entrée {target.id} a été modifiée (ou forgée sans la clé)"
            in refused("audit", "verify"))


def test_a_checkpoint_file_that_is_not_one_is_refused(env: str, world: World, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    assert "line 1: not a checkpoint" in refused("audit", "verify", "--checkpoint", str(tmp_path / "notes.txt"))
    assert "does not exist" in refused("audit", "verify", "--checkpoint", str(tmp_path / "none.jsonl"))
    assert "--output FILE" in refused("audit", "checkpoint")
    assert "is a folder" in refused("audit", "checkpoint", "--output", str(tmp_path))


def test_a_checkpoint_is_not_written_over_a_broken_trail(env: str, session: Session, world: World,
                                                         tmp_path: Path) -> None:
    target = entries(session)[-2]
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values(details='{"forged":1}'))
    session.commit()
    path = tmp_path / "checkpoints.jsonl"
    assert f"entry {target.id} was altered" in refused("audit", "checkpoint", "--output", str(path))
    assert not path.exists()


# ---------------------------------------------------------------- the key


@pytest.fixture
def own_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the run's key file, for this test to rotate or lose."""
    copy = tmp_path / "keys" / "audit.key"
    copy.parent.mkdir()
    shutil.copy(audit_keys.key_file(), copy)
    monkeypatch.setenv("COMMISSION_AUDIT_KEY_FILE", str(copy))
    return copy


def test_a_rotated_key_signs_new_entries_and_the_old_ones_still_verify(env: str, session: Session, world: World,
                                                                       own_key_file: Path) -> None:
    before = audit_keys.keyring()
    assert before is not None
    code, output = run("audit", "rotate-key")
    assert code == 0 and "which keeps the 1 earlier ones" in output, output
    after = audit_keys.keyring()
    assert after is not None and after.current_id != before.current_id and before.current_id in after.keys
    audit.record(session, world.users["coordinator"], "test.event", "thing", 1)
    session.commit()
    signers = {entry.key_id for entry in entries(session)}
    assert signers == {before.current_id, after.current_id}
    assert run("audit", "verify")[0] == 0
    assert own_key_file.stat().st_mode & 0o777 == 0o600
    # the earlier key lost: its entries can no longer be told from forgeries
    own_key_file.write_text(f"{after.current_id} {after.current.hex()}\n")
    audit_keys._loaded.clear()
    assert f"is signed with key {before.current_id}, which is not in {own_key_file}" in refused("audit", "verify")


def test_a_lost_key_file_stops_the_trail_rather_than_start_a_new_key(env: str, session: Session, world: World,
                                                                     own_key_file: Path) -> None:
    own_key_file.unlink()
    assert "there is no key file" in refused("audit", "verify")
    with pytest.raises(ConfigurationError, match="does not exist, yet the trail is signed"):
        audit.record(session, world.users["coordinator"], "test.event", "thing", 1)
    session.rollback()
    assert not own_key_file.exists()


def test_a_key_file_is_created_private_and_never_in_the_instance_folder(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "config" / "commission" / "audit.key"
    monkeypatch.setenv("COMMISSION_AUDIT_KEY_FILE", str(key_file))
    ring = audit_keys.keyring(create_after=0)
    assert ring is not None and key_file.stat().st_mode & 0o777 == 0o600 and ring.signed_after == 0
    assert key_file.parent.stat().st_mode & 0o777 == 0o700
    with pytest.raises(ConfigurationError, match="inside the instance folder"):
        load_settings({"COMMISSION_INSTANCE_PATH": str(tmp_path / "instance"), "COMMISSION_ENV": "development",
                       "COMMISSION_AUDIT_KEY_FILE": str(tmp_path / "instance" / "audit.key")})


# ---------------------------------------------------------------- the ledger


def ledger_entry(session: Session, kind: EntryKind) -> LedgerEntry:
    return session.execute(select(LedgerEntry).where(LedgerEntry.kind == kind).order_by(LedgerEntry.id)
                           .limit(1)).scalar_one()


def test_the_untouched_ledger_reconciles(env: str, fund_ids: dict[str, Any]) -> None:
    code, output = run("check")
    assert code == 0, output


@pytest.mark.parametrize(("kind", "change", "said"), [
    (EntryKind.CONTRIBUTION_CALLED, "UPDATE ledger_entry SET label = label || ' (bis)' WHERE id = :id", "label"),
    (EntryKind.CONTRIBUTION_RECEIVED, "UPDATE ledger_entry SET value_date = :day WHERE id = :id", "value date"),
    (EntryKind.EXPENSE, "UPDATE ledger_entry SET value_date = :day WHERE id = :id", "value date"),
    (EntryKind.DEPOSIT_PAID, "UPDATE ledger_entry SET reference = 'VIR-X' WHERE id = :id", "reference"),
    (EntryKind.CONTRIBUTION_CALLED,
     "UPDATE ledger_line SET debit_cents = CASE WHEN debit_cents > 0 THEN debit_cents + 100 ELSE 0 END, "
     "credit_cents = CASE WHEN credit_cents > 0 THEN credit_cents + 100 ELSE 0 END WHERE entry_id = :id", "lines"),
])
def test_an_altered_ledger_entry_is_named(env: str, session: Session, fund_ids: dict[str, Any], kind: EntryKind,
                                          change: str, said: str) -> None:
    entry = ledger_entry(session, kind)
    session.execute(text(change), {"id": entry.id, "day": "2025-02-03"})
    session.commit()
    output = refused_check()
    assert f"ledger entry {entry.id} differs from its audit entry" in output and said in output
    assert audit.verify(session).ok  # the trail itself is intact: it is the ledger that changed


def refused_check() -> str:
    code, output = run("check")
    assert code != 0 and "Traceback" not in output, output
    return output


def test_a_balanced_entry_inserted_without_its_audit_entry_is_named(env: str, session: Session,
                                                                    fund_ids: dict[str, Any]) -> None:
    new_id = session.execute(insert(LedgerEntry).values(
        kind=EntryKind.EXPENSE, value_date=datetime(2025, 2, 2, tzinfo=UTC).date(), label="Travaux", reference="",
        posted_at=datetime(2025, 2, 2, tzinfo=UTC)).returning(LedgerEntry.id)).scalar_one()
    session.execute(text("INSERT INTO ledger_line (entry_id, account, debit_cents, credit_cents) VALUES "
                         "(:id, '628', 12000, 0), (:id, '512', 0, 12000)"), {"id": new_id})
    session.commit()
    assert f"ledger entry {new_id} (expense, 2025-02-02, 'Travaux') has no audit entry" in refused_check()


@pytest.mark.parametrize("kind", [EntryKind.EXPENSE, EntryKind.CONTRIBUTION_RECEIVED, EntryKind.CORRECTION])
def test_a_deleted_entry_and_its_lines_are_named(env: str, session: Session, fund_ids: dict[str, Any],
                                                 kind: EntryKind) -> None:
    entry = ledger_entry(session, kind)
    if kind is EntryKind.EXPENSE:  # its correction goes with it, as a careful forger would
        session.execute(delete(LedgerLine).where(LedgerLine.entry_id.in_(
            select(LedgerEntry.id).where(LedgerEntry.corrects_id == entry.id))))
        session.execute(delete(LedgerEntry).where(LedgerEntry.corrects_id == entry.id))
    session.execute(delete(LedgerLine).where(LedgerLine.entry_id == entry.id))
    session.execute(delete(LedgerEntry).where(LedgerEntry.id == entry.id))
    session.commit()
    assert f"ledger entry {entry.id} was deleted: audit entry" in refused_check()


def test_an_entry_is_reconciled_with_the_contribution_that_caused_it(session: Session,
                                                                     fund_ids: dict[str, Any]) -> None:
    entry = ledger_entry(session, EntryKind.CONTRIBUTION_CALLED)
    session.execute(text("UPDATE contribution SET called_on = '2025-01-20' WHERE id = :id"),
                    {"id": entry.contribution_id})
    session.commit()
    problems = treasury.check(session)
    assert any(f"ledger entry {entry.id} is dated" in problem and f"contribution {entry.contribution_id}" in problem
               for problem in problems), problems
