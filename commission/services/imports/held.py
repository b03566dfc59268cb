"""The file uploaded on the import page, kept between its steps (the columns, the dry run, the real run).

It is kept in the instance folder (``imports/``), under a random token, readable by its owner only (0600),
with who uploaded it, for which kind and under which name: only that account may use the token. It is read
first, so that a file that cannot be read is refused at once; it is removed by the real run that applies it,
and any file older than :data:`KEPT_FOR` is removed at the next upload.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from commission import policy
from commission.errors import InvalidInput, NotFound
from commission.i18n import msg
from commission.models.accounts import User
from commission.services.imports.kinds import Kind, get_kind
from commission.services.imports.reading import Table, read_table

KEPT_FOR = 24 * 3600  # seconds
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


@dataclass(frozen=True)
class Held:
    token: str
    kind: Kind
    filename: str
    sha256: str
    table: Table


def _folder(instance: Path) -> Path:
    folder = instance / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _write(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _clean_name(filename: str) -> str:
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(char for char in base if char.isprintable())[:200] or "import"


def _forget_old(folder: Path) -> None:
    limit = time.time() - KEPT_FOR
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def hold(instance: Path, actor: User, kind_name: str, filename: str, data: bytes, *, token: str | None = None) -> Held:
    """Read the uploaded file, and keep it for the next steps (refused with the file's problem otherwise)."""
    policy.require(actor, policy.Action.IMPORT_DATA)
    errors = {}
    kind = None
    try:
        kind = get_kind(kind_name)
    except InvalidInput as refused:
        errors.update(refused.errors)
    if not data:
        errors["file"] = [msg("Choose the file to import (CSV or XLSX).")]
    table = None
    if data:
        try:
            table = read_table(data, filename)
        except InvalidInput as refused:
            errors.update(refused.errors)
    if errors:
        raise InvalidInput(errors)
    assert kind is not None and table is not None
    folder = _folder(instance)
    _forget_old(folder)
    token = token or secrets.token_urlsafe(32)
    name = _clean_name(filename)
    _write(folder / f"{token}.data", data)
    _write(folder / f"{token}.json", json.dumps({"user": actor.id, "kind": kind.name, "filename": name}).encode())
    return Held(token, kind, name, hashlib.sha256(data).hexdigest(), table)


def held(instance: Path, actor: User, token: str) -> Held:
    """The file kept under ``token`` for this account (not found for anyone else, or once expired)."""
    policy.require(actor, policy.Action.IMPORT_DATA)
    if not _TOKEN.fullmatch(token or ""):
        raise NotFound()
    folder = instance / "imports"
    try:
        about = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.data").read_bytes()
    except (OSError, ValueError):
        raise NotFound(msg("This uploaded file is no longer kept: upload it again.")) from None
    if about.get("user") != actor.id:
        raise NotFound()
    return Held(token, get_kind(str(about.get("kind", ""))), str(about.get("filename", "import")),
                hashlib.sha256(data).hexdigest(), read_table(data, str(about.get("filename", ""))))


def release(instance: Path, token: str) -> None:
    """Forget the file once it is imported."""
    if _TOKEN.fullmatch(token or ""):
        for suffix in (".data", ".json"):
            (instance / "imports" / f"{token}{suffix}").unlink(missing_ok=True)
