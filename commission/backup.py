"""Backups that can be taken while the application is in use, and restored only after they are checked.

A backup is one ``.tar.gz`` archive:

- ``database.sqlite`` (SQLite's online backup API: a consistent snapshot, even while others write) or
  ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``, which reads one consistent snapshot);
- ``documents/``: the document store (files named by their hash, written before the rows that name
  them are committed: copied after the snapshot, every file the snapshot names is there);
- ``manifest.json``: when, which schema revision, which database kind, and the SHA-256 of every member.

Beside the archive (or to ``COMMISSION_AUDIT_CHECKPOINT_FILE``) goes the audit trail's checkpoint, its
head's id and hash (`commission audit verify --checkpoint FILE`).

Restoring checks the archive (every member's hash), restores into a fresh database, then checks that
every document the database names is present and intact, the data's invariants (``commission check``)
and the audit trail's chain, before the restored database replaces anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, make_url, select, text
from sqlalchemy.engine import Engine

from commission.db import make_engine, make_session_factory
from commission.i18n import Message, translations

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
POSTGRES_MEMBER = "database.dump"


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why, in plain words."""


@dataclass
class Manifest:
    created_at: str
    dialect: str
    revision: str | None
    members: dict[str, str] = field(default_factory=dict)  # name -> sha256
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps({"format": self.format, "created_at": self.created_at, "dialect": self.dialect,
                           "revision": self.revision, "members": self.members}, indent=2, sort_keys=True)


@dataclass
class RestoreReport:
    manifest: Manifest
    documents: int
    checks: int
    problems: list[str]


def _english(message: Message) -> str:
    """A service's message inside this module's own, which are in English."""
    return message.render(translations("en").gettext)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(database)


def _libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        # a fixed program and arguments built here, no shell: nothing of the user's reaches a shell
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed: install the PostgreSQL client tools") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.returncode}")


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def checkpoint_path(out: Path, checkpoint_file: Path | None) -> Path:
    """Where a backup's audit checkpoint goes: the configured file, else beside the archive."""
    return checkpoint_file or out.with_name(f"{out.name}.checkpoint")


def _audit_checkpoint(engine: Engine) -> Any:
    """The audit trail's head, read just before the snapshot: the archive holds every entry it names."""
    from commission.services import audit

    with engine.connect() as connection:
        if not inspect(connection).has_table("audit_head"):
            return None
    with make_session_factory(engine)() as session:
        return audit.take_checkpoint(session)


def create_backup(database_url: str, documents: Path, out: Path, *, checkpoint_file: Path | None = None
                  ) -> Manifest:
    """Write the archive `out` (written aside, then moved into place: never a half-written backup), and append
    the audit trail's checkpoint to :func:`checkpoint_path`."""
    if out.exists() and out.is_dir():
        raise BackupError(f"{out} is a folder: give the archive's file name, such as backup.tar.gz")
    engine = make_engine(database_url)
    try:
        revision = _revision(engine)
        checkpoint = _audit_checkpoint(engine)
    finally:
        engine.dispose()
    dialect = make_url(database_url).get_backend_name()
    manifest = Manifest(created_at=datetime.now(UTC).isoformat(timespec="seconds"), dialect=dialect,
                        revision=revision)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as work:
        work_path = Path(work)
        if dialect == "sqlite":
            member = work_path / SQLITE_MEMBER
            source = sqlite3.connect(f"file:{_sqlite_path(database_url)}?mode=ro", uri=True)
            target = sqlite3.connect(member)
            try:
                source.backup(target)  # all pages in one step: one consistent snapshot
            finally:
                target.close()
                source.close()
        elif dialect == "postgresql":
            member = work_path / POSTGRES_MEMBER
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={member}",
                  _libpq_url(database_url)])
        else:
            raise BackupError(f"backups of {dialect} databases are not supported")
        manifest.members[member.name] = _sha256(member)
        partial = work_path / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(member, arcname=member.name)
            if documents.is_dir():
                for path in sorted(documents.rglob("*")):
                    if path.is_file() and not path.name.startswith(".upload-"):
                        name = f"documents/{path.relative_to(documents).as_posix()}"
                        manifest.members[name] = _sha256(path)
                        archive.add(path, arcname=name)
            data = manifest.to_json().encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, out)
    if checkpoint is not None:
        from commission.services import audit

        try:
            audit.append_checkpoint(checkpoint_path(out, checkpoint_file), checkpoint)
        except audit.CheckpointError as error:
            raise BackupError(f"the backup is written to {out}, but not its audit checkpoint: "
                              f"{_english(error.message)}") from None
    return manifest


@contextmanager
def _unpacked(archive_path: Path) -> Iterator[tuple[Manifest, Path]]:
    """The archive unpacked in a temporary folder, every member checked against the manifest."""
    if not archive_path.is_file():
        raise BackupError(f"{archive_path} does not exist")
    with tempfile.TemporaryDirectory(prefix="commission-restore-") as work:
        root = Path(work)
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(root, filter="data")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(f"{archive_path} is not a readable backup archive ({error})") from None
        try:
            raw: dict[str, Any] = json.loads((root / MANIFEST).read_text())
            manifest = Manifest(created_at=raw["created_at"], dialect=raw["dialect"], revision=raw["revision"],
                                members=dict(raw["members"]), format=int(raw["format"]))
        except (OSError, ValueError, KeyError, TypeError):
            raise BackupError("the archive has no valid manifest: it is not a commission backup") from None
        if manifest.format != FORMAT:
            raise BackupError(f"backup format {manifest.format} is not known to this version")
        for name, expected in manifest.members.items():
            path = root / name
            if not path.is_file():
                raise BackupError(f"the archive lacks {name}")
            if _sha256(path) != expected:
                raise BackupError(f"{name} is damaged: its content does not match the manifest")
        yield manifest, root


def _referenced_documents(engine: Engine) -> set[str]:
    from commission.models import CaseDocument, Minutes

    with make_session_factory(engine)() as session:
        names = set(session.execute(select(CaseDocument.sha256)).scalars())
        for full, redacted in session.execute(select(Minutes.pdf_sha256, Minutes.redacted_sha256)):
            names.update(name for name in (full, redacted) if name)
    return names


def _check(engine: Engine, documents: Path) -> tuple[int, list[str]]:
    from commission.services import audit, integrity
    from commission.storage import DocumentStore

    store = DocumentStore(documents)
    problems = [f"document {name} is missing" for name in sorted(_referenced_documents(engine))
                if not store.exists(name)]
    with make_session_factory(engine)() as session:
        checks, found = integrity.check_all(session)
        problems += found
        verdict = audit.verify(session)
        if not verdict.ok and verdict.problem is not None:
            problems.append(f"audit trail: {_english(verdict.problem)}")
    return checks + 2, problems


def _has_data(engine: Engine) -> bool:
    with engine.connect() as connection:
        if not inspect(connection).has_table("user_account"):
            return False
        return bool(connection.execute(text("SELECT count(*) FROM user_account")).scalar())


def restore_backup(archive_path: Path, database_url: str, documents: Path, *, force: bool = False) -> RestoreReport:
    """Check the archive, restore it into `database_url` and `documents`, then check the result.

    A database that holds data is replaced only with ``force``. On SQLite the restored copy is checked
    before it replaces the database file; on PostgreSQL ``pg_restore`` runs in one transaction."""
    dialect = make_url(database_url).get_backend_name()
    with _unpacked(archive_path) as (manifest, root):
        if manifest.dialect != dialect:
            raise BackupError(f"this backup is of a {manifest.dialect} database; the target is {dialect}")
        target = make_engine(database_url)
        try:
            if _has_data(target) and not force:
                raise BackupError("the target database already holds data: restore with --force to replace it")
        finally:
            target.dispose()
        documents.mkdir(parents=True, exist_ok=True)
        restored_documents = 0
        for path in sorted((root / "documents").rglob("*")) if (root / "documents").is_dir() else []:
            if path.is_file():
                destination = documents / path.relative_to(root / "documents")
                if not destination.exists():
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination)
                restored_documents += 1
        if dialect == "sqlite":
            final = _sqlite_path(database_url)
            final.parent.mkdir(parents=True, exist_ok=True)
            staged = final.with_name(f".{final.name}.restoring")
            shutil.copyfile(root / SQLITE_MEMBER, staged)
            engine = make_engine(f"sqlite:///{staged}")
            try:
                checks, problems = _check(engine, documents)
            finally:
                engine.dispose()
            if problems:
                staged.unlink(missing_ok=True)
                raise BackupError("the backup's data does not pass the checks: " + "; ".join(problems[:5]))
            for suffix in ("-wal", "-shm"):
                Path(f"{final}{suffix}").unlink(missing_ok=True)
            os.replace(staged, final)
        else:
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  f"--dbname={_libpq_url(database_url)}", str(root / POSTGRES_MEMBER)])
            engine = make_engine(database_url)
            try:
                checks, problems = _check(engine, documents)
            finally:
                engine.dispose()
    return RestoreReport(manifest, restored_documents, checks, problems)
