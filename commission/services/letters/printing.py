"""Print runs: the letters waiting to be posted, printed together in one PDF (each letter on its own pages, the
addresses placed for window envelopes), then marked as posted the day the envelopes went to the post. The
coordinator's work (``MANAGE_LETTERS``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.documents.correspondence import render_letters
from commission.documents.data import LetterPage
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import DEFAULT_LOCALE, msg, translations
from commission.models.accounts import User
from commission.models.audit import AuditEntry
from commission.models.letters import LetterStatus, OutgoingLetter, PrintRun
from commission.services import audit
from commission.services.letters import profile
from commission.services.unit import flush, locked

DOWNLOADED = "print_run.downloaded"


@dataclass(frozen=True)
class RunView:
    """A print run as its page lists it."""

    run: PrintRun
    letters: tuple[OutgoingLetter, ...]  # by recipient, as printed
    downloaded: bool  # its PDF was downloaded at least once: the envelopes may be ready

    @property
    def posted(self) -> bool:
        return self.run.posted_on is not None


def _order(letters: list[OutgoingLetter]) -> list[OutgoingLetter]:
    return sorted(letters, key=lambda letter: (letter.recipient_name.casefold(), letter.reference))


def waiting(session: Session, actor: User) -> list[OutgoingLetter]:
    """The letters to post, not yet in a print run, by recipient."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    letters = session.execute(
        select(OutgoingLetter).where(OutgoingLetter.status == LetterStatus.TO_POST,
                                     OutgoingLetter.print_run_id.is_(None))
    ).scalars().all()
    return _order(list(letters))


def create_run(session: Session, actor: User) -> PrintRun:
    """Put every letter waiting to be posted into a new print run (they are then printed, not yet posted)."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    letters = session.execute(locked(
        select(OutgoingLetter).where(OutgoingLetter.status == LetterStatus.TO_POST,
                                     OutgoingLetter.print_run_id.is_(None)).order_by(OutgoingLetter.id)
    )).scalars().all()
    if not letters:
        raise TransitionRefused(msg("No letter is waiting to be posted: there is nothing to print."))
    run = PrintRun(created_by_id=actor.id)
    session.add(run)
    flush(session)
    for letter in letters:
        letter.status = LetterStatus.PRINTED
        letter.print_run_id = run.id
    flush(session)
    audit.record(session, actor, "print_run.created", "print_run", run.id,
                 {"letters": [letter.reference for letter in _order(list(letters))]})
    flush(session)
    return run


def _run(session: Session, actor: User, run_id: int) -> PrintRun:
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    run = session.get(PrintRun, run_id)
    if run is None:
        raise NotFound()
    return run


def _letters(session: Session, run: PrintRun) -> list[OutgoingLetter]:
    return _order(list(session.execute(
        select(OutgoingLetter).where(OutgoingLetter.print_run_id == run.id)).scalars().all()))


def _downloaded(session: Session, run_ids: list[int]) -> set[int]:
    if not run_ids:
        return set()
    rows = session.execute(select(AuditEntry.object_id).where(
        AuditEntry.action == DOWNLOADED, AuditEntry.object_type == "print_run",
        AuditEntry.object_id.in_([str(run_id) for run_id in run_ids]))).scalars().all()
    return {int(row) for row in rows}


def get_run(session: Session, actor: User, run_id: int) -> RunView:
    run = _run(session, actor, run_id)
    return RunView(run, tuple(_letters(session, run)), run.id in _downloaded(session, [run.id]))


def list_runs(session: Session, actor: User, *, limit: int = 20) -> list[RunView]:
    """The latest print runs, newest first, those not yet posted before the others."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    runs = session.execute(
        select(PrintRun).order_by(PrintRun.posted_on.is_not(None), PrintRun.id.desc()).limit(limit)
    ).scalars().all()
    ids = [run.id for run in runs]
    letters: dict[int, list[OutgoingLetter]] = {run_id: [] for run_id in ids}
    if ids:
        for letter in session.execute(select(OutgoingLetter).where(OutgoingLetter.print_run_id.in_(ids))).scalars():
            letters[letter.print_run_id or 0].append(letter)
    downloaded = _downloaded(session, ids)
    return [RunView(run, tuple(_order(letters[run.id])), run.id in downloaded) for run in runs]


def count_runs(session: Session, actor: User) -> int:
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    return session.execute(select(func.count()).select_from(PrintRun)).scalar_one()


def run_pdf(session: Session, actor: User, run_id: int, locale: str = DEFAULT_LOCALE) -> bytes:
    """Every letter of the run in one PDF, by recipient, each starting on a new page; the download is recorded."""
    run = _run(session, actor, run_id)
    letters = _letters(session, run)
    if not letters:
        raise NotFound()
    council = profile.current(session)
    title = translations(locale).gettext("Print run no. %(number)s") % {"number": run.id}
    pdf = render_letters([LetterPage.from_content(letter.content) for letter in letters], logo=council.logo,
                         logo_type=council.logo_type, locale=locale, title=title)
    audit.record(session, actor, DOWNLOADED, "print_run", run.id, {"letters": len(letters)})
    flush(session)
    return pdf


def mark_posted(session: Session, actor: User, run_id: int, *, posted_on: date,
                expected_version: int | None) -> PrintRun:
    """The envelopes of the run went to the post on ``posted_on``: its letters are posted."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    run = session.execute(locked(select(PrintRun).where(PrintRun.id == run_id))).scalar_one_or_none()
    if run is None:
        raise NotFound()
    if expected_version is not None and run.version != expected_version:
        raise ConcurrentChange()
    if run.posted_on is not None:
        raise TransitionRefused(msg("This print run was already marked as posted."))
    created = clock.local_date(run.created_at) if run.created_at else clock.today()
    if not created <= posted_on <= clock.today():
        raise InvalidInput({"posted_on": [msg("Give a date between the print run's (%(first)s) and today.",
                                              first=created.isoformat())]})
    run.posted_on = posted_on
    run.posted_by_id = actor.id
    letters = session.execute(locked(select(OutgoingLetter).where(
        OutgoingLetter.print_run_id == run.id, OutgoingLetter.status == LetterStatus.PRINTED))).scalars().all()
    for letter in letters:
        letter.status = LetterStatus.POSTED
        letter.posted_on = posted_on
    flush(session)
    audit.record(session, actor, "print_run.posted", "print_run", run.id,
                 {"posted_on": posted_on.isoformat(),
                  "letters": [letter.reference for letter in _order(list(letters))]})
    flush(session)
    return run


__all__ = ["RunView", "count_runs", "create_run", "get_run", "list_runs", "mark_posted", "run_pdf", "waiting"]
