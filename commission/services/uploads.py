"""What every uploaded document goes through, whatever record it is attached to: its type read from its
content (never from its name), a size limit, and a name that cannot be a path or hold control characters.

The case files' documents, the sub-group's correspondence and the agreements' documents all use it, so an
upload refused on one page is refused on every other for the same reason and with the same words.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import filetype

from commission.i18n import Message, msg

ACCEPTED_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class CheckedUpload:
    filename: str  # cleaned, with the extension of its real type
    content_type: str  # detected from the content
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def clean_filename(name: str, extension: str) -> str:
    """The name it was uploaded with, without any path, control or reserved character, and the extension of
    its real type."""
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .") or "document"
    stem = base.rsplit(".", 1)[0][:150] or "document"
    return f"{stem}{extension}"


def upload_error(data: bytes) -> Message | None:
    """Why a file cannot be attached (the message for the form's file field), or None."""
    if not data:
        return msg("Choose a file to attach.")
    if len(data) > MAX_DOCUMENT_BYTES:
        return msg("The file is larger than %(size)s MB.", size=MAX_DOCUMENT_BYTES // (1024 * 1024))
    if filetype.guess_mime(data) not in ACCEPTED_TYPES:
        return msg("Only PDF files and PNG or JPEG images can be attached.")
    return None


def checked(filename: str, data: bytes) -> CheckedUpload:
    """A file that passed :func:`upload_error` (the caller raised the error otherwise)."""
    content_type = filetype.guess_mime(data)
    assert content_type in ACCEPTED_TYPES, "check upload_error first"
    return CheckedUpload(clean_filename(filename, ACCEPTED_TYPES[content_type]), content_type, data)
