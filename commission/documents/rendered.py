"""Rendered documents kept, so that a document whose inputs have not changed is not rendered again.

Rendering an agenda of a few hundred files takes WeasyPrint tens of seconds; reading it back from a file,
milliseconds. The folder is the instance's ``rendered`` (beside ``documents``, the store of the records'
files): a cache, not a record. It is not backed up, anything in it may go at any time, and the retention
rules empty it when they erase anyone, so that no kept document outlives a name struck out of the records.
This module loads no rendering engine: the web names the folder without loading WeasyPrint.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

FOLDER = "rendered"


def rendered_documents(instance_path: Path) -> RenderedDocuments:
    """The instance's kept documents."""
    return RenderedDocuments(instance_path / FOLDER)


class RenderedDocuments:
    """Rendered PDFs kept in a folder, each under a key and a slot.

    The key is :func:`commission.documents.pdf.document_key`, the digest of the document's HTML and of the
    renderer: the HTML holds all that its reader is given and nothing else (the data was narrowed for them
    before), so a kept document is served only where rendering would give that same document, whoever
    asks; any change of the data, of a template, a translation or the stylesheet renders anew. The slot,
    named by the caller, is one document as one kind of reader reads it (the agenda of hearing 12 as its
    members read it): keeping a slot's new version removes its older one, so that what a change took out
    of a document (a file withdrawn, a name corrected) does not stay on disk. The folder keeps at most
    ``limit`` documents, the least recently served go first. Failing to keep a document never fails its
    request: it is served, rendered.
    """

    SLOT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

    def __init__(self, folder: Path, *, limit: int = 256) -> None:
        self.folder = folder
        self.limit = limit

    def _path(self, slot: str, key: str) -> Path:
        if not slot or not set(slot) <= self.SLOT or len(slot) > 100:
            raise ValueError("a slot is made of letters, digits, - and _")
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("not a SHA-256 digest")
        return self.folder / f"{slot}.{key}.pdf"

    def get(self, slot: str, key: str) -> bytes | None:
        """The document kept under this key, or None."""
        path = self._path(slot, key)
        try:
            data = path.read_bytes()
            os.utime(path)  # served: the last to go
        except OSError:
            return None
        return data

    def put(self, slot: str, key: str, pdf: bytes) -> None:
        """Keep a document, in place of the slot's older one."""
        path = self._path(slot, key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".rendering-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(pdf)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            for older in self.folder.glob(f"{slot}.*.pdf"):
                if older != path:
                    older.unlink(missing_ok=True)
            kept = sorted(self.folder.glob("*.pdf"), key=_modified)
            for oldest in kept[:max(len(kept) - self.limit, 0)]:
                oldest.unlink(missing_ok=True)
        except OSError:
            return  # a full or read-only disk: the document is served all the same, rendered

    def clear(self) -> int:
        """Remove every kept document (and what an interrupted write left); how many documents there were."""
        if not self.folder.is_dir():
            return 0
        for leftover in self.folder.glob(".rendering-*"):
            leftover.unlink(missing_ok=True)
        removed = 0
        for path in self.folder.glob("*.pdf"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
