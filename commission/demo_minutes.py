"""The signed minutes of the demo's past hearings, rendered beside the replay, in a pool of processes.

Signing the minutes stores two PDFs (the full minutes and the version for distribution), rendered by WeasyPrint:
the slowest part of the replay by far. The replay does not wait for them: the signing step records the minutes'
frozen content as usual, and the renderer it is given hands that content to a worker process and returns a
placeholder digest for each PDF. The replay goes on; as each PDF comes back, the main process puts it in the
document store and writes its digest in place of the placeholder (:meth:`MinutesPool.store_done`), and the build
ends only once every one is stored (:meth:`MinutesPool.finish`). Nobody reads the database meanwhile: the demo
is built aside (:mod:`commission.demo_install`).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commission.documents.data import MinutesData
from commission.models.hearings import Minutes
from commission.services import unit
from commission.storage import DocumentStore

# The workers are replaced after so many documents each, so that WeasyPrint's memory does not pile up: by a new
# pool, not by ``max_tasks_per_child``, which can leave the pool waiting for ever (CPython gh-115634).
TASKS_PER_WORKER = 12


def render(data: MinutesData, redacted: bool) -> bytes:
    """One PDF of signed minutes (in a worker process)."""
    from commission.documents.data import redact_minutes
    from commission.documents.minutes import render_minutes

    return render_minutes(redact_minutes(data) if redacted else data)


def workers() -> int:
    """A worker per core but the replay's own: more would only share the cores (and WeasyPrint's memory grows
    with the longest minutes, some hundreds of megabytes at scale 100)."""
    return max(1, (os.cpu_count() or 2) - 1)


class MinutesPool:
    """Renders signed minutes in worker processes; their digests are written as they come back."""

    def __init__(self, store: DocumentStore, processes: int | None = None) -> None:
        self.store = store
        self.processes = processes or workers()
        self.executor = self._new_pool()
        self.retired: list[ProcessPoolExecutor] = []  # pools finishing their last documents
        self.submitted = 0
        self.pending: dict[str, tuple[str, Future[bytes]]] = {}  # placeholder -> (column, the PDF to come)
        self.count = 0
        self.rendered = 0

    def renderer(self) -> Callable[[MinutesData], tuple[str, str]]:
        """The signing step's renderer: submits both PDFs, returns their placeholders."""

        def submit(data: MinutesData) -> tuple[str, str]:
            full, redacted = self._placeholder(), self._placeholder()
            self.pending[full] = ("pdf_sha256", self._submit(data, False))
            self.pending[redacted] = ("redacted_sha256", self._submit(data, True))
            return full, redacted

        return submit

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"))

    def _submit(self, data: MinutesData, redacted: bool) -> Future[bytes]:
        """One document to render; every TASKS_PER_WORKER documents a worker, the pool is replaced by a fresh one
        (the old one renders what it was given, then its processes end)."""
        if self.submitted and self.submitted % (TASKS_PER_WORKER * self.processes) == 0:
            self.executor.shutdown(wait=False)
            self.retired.append(self.executor)
            self.executor = self._new_pool()
        self.submitted += 1
        return self.executor.submit(render, data, redacted)

    def _placeholder(self) -> str:
        self.count += 1
        return hashlib.sha256(f"demo minutes pending {self.count} {id(self)}".encode()).hexdigest()

    def store_done(self, session: Session, *, wait: bool = False) -> None:
        """Store the PDFs rendered so far (all of them, waiting for each, with ``wait``) and write their digests
        in place of the placeholders, in a unit of work of its own."""
        done = [(placeholder, column, future) for placeholder, (column, future) in self.pending.items()
                if wait or future.done()]
        if not done:
            return
        for placeholder, column, future in done:
            digest = self.store.put(future.result())
            attribute = getattr(Minutes, column)
            # The signed minutes held in the session see the digest too (they are not read again otherwise).
            for minutes in session.execute(select(Minutes).where(attribute == placeholder)).scalars():
                session.expire(minutes, [column])
            # The signing step's own record, completed: a plain UPDATE (the ORM refuses any change to signed
            # minutes, and rightly so once they are; these are being signed).
            session.execute(update(Minutes).where(attribute == placeholder).values({column: digest}))
            del self.pending[placeholder]
            self.rendered += 1
        unit.commit(session)

    def finish(self, session: Session) -> None:
        """Wait for the last PDFs, store them, and stop the workers."""
        try:
            self.store_done(session, wait=True)
        finally:
            self.close()

    def close(self) -> None:
        for pool in (*self.retired, self.executor):
            pool.shutdown(wait=True, cancel_futures=True)
        self.retired.clear()
