"""Backups taken while the application writes, restored after they are checked: nothing committed before
the backup is missing, the data's invariants and the audit chain hold, the documents come back; each
backup leaves the audit trail's checkpoint beside it, or in the file kept elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from commission.backup import BackupError, create_backup, restore_backup
from commission.cli import main
from commission.db import make_engine, make_session_factory
from commission.models import AuditEntry, AuditHead, Case, CaseDocument
from commission.services import cases
from commission.storage import DocumentStore
from tests.cases_helpers import new_case
from tests.conftest import World, is_postgres

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Another process, writing through the services without pause: a new draft file at each commit,
# whose id it prints once the commit has returned.
WRITER = """
import sys
from datetime import date
from sqlalchemy import select
from commission.db import make_engine, make_session_factory
from commission.models import User
from commission.services import cases
from commission.services.unit import commit

engine = make_engine(sys.argv[1])
session = make_session_factory(engine)()
care = session.execute(select(User).where(User.login == "care_a")).scalar_one()
number = 0
while True:
    number += 1
    case = cases.create_case(session, care, cases.CaseInput(first_name=f"Writer{number}", last_name="Test",
                                                            birth_date="1980-01-01"), today=date(2026, 3, 2))
    commit(session)  # the writer's unit of work, as a request's
    print(case.id, flush=True)
"""


def start_writer(database_url: str, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    log = tmp_path / "writer.log"
    with log.open("w") as handle:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([sys.executable, "-c", WRITER, database_url], stdout=handle,
                                   stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    return process, log


def committed(log: Path) -> list[int]:
    return [int(line) for line in log.read_text().splitlines() if line.strip().isdigit()]


def wait_for(log: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(committed(log)) < count:
        assert process.poll() is None, process.stderr.read() if process.stderr else "the writer stopped"
        assert time.monotonic() < deadline, "the writer does not write"
        time.sleep(0.05)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_a_backup_taken_while_another_process_writes_misses_nothing(
        session: Session, world: World, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = tmp_path / "instance"
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(instance))
    store = DocumentStore(instance / "documents")
    case = new_case(session, world)
    cases.attach_document(session, world.users["care_a"], store, case.id, filename="id.pdf", data=PDF,
                          kind="identity")
    session.close()

    writer, log = start_writer(database_url, tmp_path)
    try:
        wait_for(log, 5, writer)
        before = committed(log)  # every file committed before the backup starts
        archive = tmp_path / "backups" / "commission.tar.gz"
        code, output = run("backup", str(archive))
        assert code == 0, output
        wait_for(log, len(before) + 5, writer)  # and the writer goes on after it
    finally:
        writer.kill()
        writer.wait()
        if writer.stderr:
            writer.stderr.close()
    after = committed(log)
    assert len(after) > len(before)
    with tarfile.open(archive) as opened:
        names = opened.getnames()
    assert "manifest.json" in names and any(name.startswith("documents/") for name in names)

    if is_postgres():  # the same database, replaced by the backup
        code, output = run("restore", str(archive))
        assert code != 0 and "already holds data" in output  # not without --force
        code, output = run("restore", str(archive), "--force")
        target_url = database_url
    else:  # a new instance, as after the loss of the machine
        target_url = f"sqlite:///{tmp_path / 'restored' / 'commission.sqlite'}"
        monkeypatch.setenv("COMMISSION_DATABASE_URL", target_url)
        monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "restored"))
        code, output = run("restore", str(archive))
    assert code == 0, output
    assert "groups of checks passed" in output

    engine = make_engine(target_url)
    try:
        with make_session_factory(engine)() as restored:
            ids = set(restored.execute(select(Case.id)).scalars())
            assert set(before) <= ids, "a file committed before the backup is missing"
            assert case.id in ids
            digest = restored.execute(select(CaseDocument.sha256)).scalar_one()
    finally:
        engine.dispose()
    documents = instance / "documents" if is_postgres() else tmp_path / "restored" / "documents"
    assert DocumentStore(documents).get(digest) == PDF
    code, output = run("check")
    assert code == 0, output
    code, output = run("audit", "verify")
    assert code == 0, output


def test_a_damaged_or_foreign_archive_is_refused(tmp_path: Path, database_url: str, world: World) -> None:
    archive = tmp_path / "backup.tar.gz"
    create_backup(database_url, tmp_path / "documents", archive)
    # a byte changed inside the database member: the manifest's hash no longer matches
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as opened:
        opened.extractall(unpacked, filter="data")
    member = next(path for path in unpacked.iterdir() if path.name.startswith("database."))
    data = bytearray(member.read_bytes())
    data[len(data) // 2] ^= 0xFF
    member.write_bytes(bytes(data))
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(damaged, "w:gz") as repacked:
        for path in unpacked.iterdir():
            repacked.add(path, arcname=path.name)
    target = f"sqlite:///{tmp_path / 'target.sqlite'}" if not is_postgres() else database_url
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(damaged, target, tmp_path / "restored-documents", force=True)
    not_an_archive = tmp_path / "notes.tar.gz"
    not_an_archive.write_text("hello")
    with pytest.raises(BackupError, match="not a readable backup"):
        restore_backup(not_an_archive, target, tmp_path / "restored-documents")
    with pytest.raises(BackupError, match="does not exist"):
        restore_backup(tmp_path / "missing.tar.gz", target, tmp_path / "restored-documents")


def test_the_commands_say_what_is_wrong_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           database_url: str) -> None:
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    code, output = run("restore", str(tmp_path / "nothing.tar.gz"))
    assert code == 1 and "does not exist" in output and "Traceback" not in output
    (tmp_path / "folder").mkdir()
    code, output = run("backup", str(tmp_path / "folder"))
    assert code != 0 and "Traceback" not in output


def test_every_backup_leaves_the_audit_trail_checkpoint_where_the_database_does_not_reach(
        session: Session, world: World, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("COMMISSION_AUDIT_CHECKPOINT_FILE", raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    head = session.get(AuditHead, 1)
    assert head is not None and head.last_id > 0
    session.commit()
    archive = tmp_path / "backups" / "monday.tar.gz"
    code, output = run("backup", str(archive))
    assert code == 0 and "audit checkpoint appended to" in output, output
    beside = tmp_path / "backups" / "monday.tar.gz.checkpoint"
    line = json.loads(beside.read_text())
    assert (line["id"], line["hash"]) == (head.last_id, head.last_hash)
    assert run("audit", "verify", "--checkpoint", str(beside))[0] == 0
    # configured: every backup's checkpoint goes to the one file kept elsewhere
    kept = tmp_path / "elsewhere" / "audit-checkpoints.jsonl"
    monkeypatch.setenv("COMMISSION_AUDIT_CHECKPOINT_FILE", str(kept))
    assert run("backup", str(tmp_path / "backups" / "tuesday.tar.gz"))[0] == 0
    assert not (tmp_path / "backups" / "tuesday.tar.gz.checkpoint").exists()
    assert len(kept.read_text().splitlines()) == 1
    # the newest entry cut away after the backup, the head moved back: the checkpoint counts it missing
    newest = head.last_id
    previous = session.get(AuditEntry, newest - 1)
    assert previous is not None
    session.execute(delete(AuditEntry).where(AuditEntry.id == newest))
    session.execute(update(AuditHead).values(last_id=previous.id, last_hash=previous.hash))
    session.commit()
    code, output = run("audit", "verify")
    assert code != 0 and f"entry {newest} was removed: 1 missing" in output, output
