"""The keys that sign the audit trail, kept outside the database and outside the instance folder.

Each entry's hash is an HMAC (SHA-256) under one of these keys, and the entry names the key's id, so
that whoever can write the database but not read this file cannot forge, rewrite or extend the chain.
The file (``COMMISSION_AUDIT_KEY_FILE``, see :mod:`commission.config`) holds one key a line,
``<id> <key in hex>``; the last line is the key new entries are signed with. Rotating appends a key:
the earlier ones stay, so that the entries they signed still verify. A key's id is a fingerprint of
the key (it says nothing of the key, and a file whose key does not match its id is refused). The line
``signed-after <N>`` says how many entries the trail held when the file was created (those of an
installation from before the key): every later entry must be signed, so that a trail rewritten whole
with plain hashes is not taken for an old one. One key file per installation.

The file is created when absent, with mode 0600 in a folder of mode 0700, by the first entry written
(the first account added, the demo) or by ``commission audit rotate-key``, unless the trail is already
signed: then the key was lost or moved, and the trail refuses to go on (a new key would leave every
earlier entry unverifiable).

Read once per process (and per file): signing an entry costs one HMAC.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from commission.config import ConfigurationError, load_audit_settings

KEY_BYTES = 32
KEY_ID_LENGTH = 16
SIGNED_AFTER = "signed-after"
_HEADER = (
    "# The keys that sign the commission's audit trail: one a line, \"<id> <key in hex>\"; the last signs new\n"
    "# entries. Keep this file outside the database and the instance folder, and a copy away from the backups:\n"
    "# without it the trail can no longer be verified.\n"
)


def key_id_of(key: bytes) -> str:
    return hashlib.sha256(b"commission audit key\x00" + key).hexdigest()[:KEY_ID_LENGTH]


@dataclass(frozen=True)
class Keyring:
    path: Path
    keys: dict[str, bytes]  # by id, oldest first
    current_id: str
    signed_after: int | None = None  # every entry after this id is signed (None: a file from before the rule)

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]


_loaded: dict[Path, Keyring] = {}


def key_file() -> Path:
    return load_audit_settings().key_file


def _parse(path: Path, text: str) -> Keyring:
    keys: dict[str, bytes] = {}
    signed_after = None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            key_id, encoded = line.split()
            if key_id == SIGNED_AFTER:
                signed_after = int(encoded)
                continue
            key = bytes.fromhex(encoded)
        except ValueError:
            raise ConfigurationError(f"{path}, line {number}: not an audit key (\"<id> <key in hex>\")") from None
        if len(key) < KEY_BYTES or key_id_of(key) != key_id:
            raise ConfigurationError(f"{path}, line {number}: the key does not match its id {key_id}")
        keys[key_id] = key
    if not keys:
        raise ConfigurationError(f"{path} holds no audit key")
    return Keyring(path, keys, list(keys)[-1], signed_after)


def _read(path: Path) -> Keyring | None:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"cannot read the audit key file {path}: {error}") from None
    return _parse(path, text)


def _write(path: Path, keys: dict[str, bytes], signed_after: int | None, *, replace: bool) -> None:
    """Written aside with mode 0600, then put in place at once: no reader ever sees half a file."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(_HEADER + (f"{SIGNED_AFTER} {signed_after}\n" if signed_after is not None else "")
                          + "".join(f"{key_id} {key.hex()}\n" for key_id, key in keys.items()))
                out.flush()
                os.fsync(out.fileno())
            if replace:
                os.replace(partial, path)
            else:
                os.link(partial, path)  # fails if another process created the file meanwhile
        finally:
            Path(partial).unlink(missing_ok=True)
    except FileExistsError:
        raise
    except OSError as error:
        raise ConfigurationError(f"cannot write the audit key file {path} ({error.strerror or error}): set "
                                 "COMMISSION_AUDIT_KEY_FILE to a file this account may write, outside the "
                                 "instance folder") from None


def _new_key() -> tuple[str, bytes]:
    key = secrets.token_bytes(KEY_BYTES)
    return key_id_of(key), key


def keyring(*, create_after: int | None = None) -> Keyring | None:
    """The keys of the configured file (read once per process); None if absent, unless ``create_after`` (the
    trail's last entry, 0 if none) is given: then the file is created."""
    path = key_file()
    found = _loaded.get(path)
    if found is not None:
        return found
    found = _read(path)
    if found is None and create_after is not None:
        key_id, key = _new_key()
        with contextlib.suppress(FileExistsError):  # another process created it first: its key is used
            _write(path, {key_id: key}, create_after, replace=False)
        found = _read(path)
    if found is not None:
        _loaded[path] = found
    return found


def rotate() -> tuple[str | None, Keyring]:
    """A new key to sign new entries with; the earlier ones stay in the file. Returns the earlier id."""
    path = key_file()
    _loaded.pop(path, None)
    existing = _read(path)
    key_id, key = _new_key()
    keys = {**(existing.keys if existing else {}), key_id: key}
    try:
        _write(path, keys, existing.signed_after if existing else None, replace=True)
    finally:
        _loaded.pop(path, None)
    ring = keyring()
    assert ring is not None
    return (existing.current_id if existing else None), ring


def sign(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()
