"""The daily digest: each user's reminders in one e-mail a day, and the outbox that keeps them.

Every digest composed is stored (:class:`SentMail`, one per user and day) with what became of it:
sent, failed (with the error; the next run of the same day tries again), or not sent because mail
is not configured (the demo: the coordinator reads it in the outbox). A digest sent is never sent
again that day, even when two runs overlap: a run claims the day's row before it sends.

E-mail is not a secure channel: a digest names no one and holds nothing of a care record. It gives
file references, hearing and agreement references, dates, counts, and links to the pages, where the
user logs in to read more.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel.dates import format_date, format_time
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload

from commission import clock, mail, policy
from commission.config import MailSettings
from commission.db import utcnow
from commission.errors import ConcurrentChange, NotFound
from commission.i18n import DEFAULT_LOCALE, LOCALES, Message, msg, translations
from commission.models.accounts import User
from commission.models.followup import MailStatus, SentMail
from commission.services import audit, reminders
from commission.services.paging import PER_PAGE, Page, paginate
from commission.services.unit import commit, is_concurrent_write
from commission.typography import typeset_date

DIGEST = "digest"
# A claimed row's error until the server answers; a claim older than CLAIM_TIMEOUT is a run that died.
SENDING = "sending since {at} (attempt {attempt})"
SENDING_SINCE = re.compile(r"sending since (\S+) \(attempt \w+\)")
CLAIM_TIMEOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class Digest:
    user_id: int
    login: str
    to_address: str
    subject: str
    body: str
    reminders: int


@dataclass
class DigestRun:
    """What one run did; with ``dry_run``, what it would have sent (``digests``) and nothing else."""

    for_date: date
    mail_configured: bool
    dry_run: bool = False
    sent: int = 0
    failed: int = 0
    kept: int = 0  # stored in the outbox only: mail is not configured
    already_done: int = 0  # sent (or kept) earlier the same day
    digests: list[Digest] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- composing


def _formatters(locale: str) -> tuple[Callable[[str], str], Callable[[date], str], Callable[[time], str]]:
    def day(value: date) -> str:
        return typeset_date(format_date(value, "long", locale=locale), locale)

    def hour(value: time) -> str:
        return typeset_date(format_time(value, "short", locale=locale), locale)

    return translations(locale).gettext, day, hour


def compose(user: User, found: list[reminders.Reminder], today: date, *, base_url: str = "",
            locale: str = DEFAULT_LOCALE) -> Digest:
    """The digest's subject and plain text. Only each reminder's reference, message, date and link:
    never the person's name nor the web page's finer detail."""
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    gettext, day, hour = _formatters(locale)

    def text(message: Message) -> str:
        return reminders.render(message, gettext, day, hour)

    urgent = sum(1 for reminder in found if reminder.urgent)
    subject = text(msg("Apartment commission: %(count)s reminder(s) for %(date)s", count=len(found), date=today))
    lines = [text(msg("Hello,")), "",
             text(msg("Here are your reminders for %(date)s: %(count)s, of which %(urgent)s urgent.",
                      date=today, count=len(found), urgent=urgent))]
    for group in reminders.grouped(found):
        title = gettext(group.title)
        lines += ["", f"{title} ({len(group.reminders)})", "-" * len(title)]
        for reminder in group.reminders:
            mark = "[" + gettext("URGENT") + "] " if reminder.urgent else ""
            lines.append(f"* {mark}{reminder.reference}: {text(reminder.message)}")
            if base_url:
                lines.append(f"  {base_url}{reminder.path}")
    lines.append("")
    if base_url:
        lines.append(text(msg("Open the application: %(url)s", url=f"{base_url}/")))
    lines += ["", "-- ", text(msg("This digest is sent once a day by the apartment commission's software. For the "
                                  "persons' privacy it names no one and gives no medical detail: log in to the "
                                  "application to read the files."))]
    return Digest(user.id, user.login, user.email, subject, "\n".join(lines) + "\n", len(found))


def recipients(session: Session) -> list[User]:
    """Active accounts with an e-mail address: the others get no digest."""
    return list(session.execute(
        select(User).where(User.active, User.email != "").order_by(User.id)
    ).scalars())


# ---------------------------------------------------------------- sending


def send_digests(session: Session, mail_settings: MailSettings | None, today: date | None = None, *,
                 base_url: str = "", dry_run: bool = False, locale: str = DEFAULT_LOCALE) -> DigestRun:
    """Compose each user's digest for the day and send it (or keep it in the outbox when mail is not
    configured). Users without an e-mail address or without reminders get nothing; a digest already
    sent today is not sent again; one that failed is tried again. Each digest is its own unit of work
    (the session is rolled back first: give it no pending change)."""
    today = today or clock.today()
    run = DigestRun(today, mail_settings is not None, dry_run)
    users = recipients(session)
    done = {row.user_id: row for row in session.execute(
        select(SentMail).where(SentMail.kind == DIGEST, SentMail.for_date == today)).scalars()}
    # Sent: never again. Kept in the outbox: sent once mail is configured, else left as it is.
    will_send = mail_settings is not None and not dry_run
    for user in users:
        previous = done.get(user.id)
        if previous is not None and (previous.status is MailStatus.SENT or _being_sent(previous)
                                     or (previous.status is MailStatus.NOT_SENT and not will_send)):
            run.already_done += 1
            continue
        found = reminders.reminders_for(session, user, today)
        if not found:
            continue
        digest = compose(user, found, today, base_url=base_url, locale=locale)
        if dry_run:
            run.digests.append(digest)
            continue
        session.rollback()  # end the reads: the writes below start from what is committed now
        if mail_settings is None:
            if previous is None and _keep(session, digest, today):
                run.kept += 1
                run.digests.append(digest)
            else:
                run.already_done += 1
            continue
        row = _claim(session, digest, today, previous)
        if row is None:
            run.already_done += 1  # another run claimed it meanwhile
            continue
        run.digests.append(digest)
        error = _deliver(mail_settings, digest)
        _record(session, row, digest, error)
        if error:
            run.failed += 1
            run.errors.append(f"{digest.login}: {error}")
        else:
            run.sent += 1
    session.rollback()
    return run


def _details(digest: Digest, today: date) -> dict[str, object]:
    """What the audit trail says of a digest: whose, for which day, how many reminders; never the text."""
    return {"user_id": digest.user_id, "for_date": today.isoformat(), "reminders": digest.reminders}


def _new_row(digest: Digest, today: date, status: MailStatus, error: str = "") -> SentMail:
    return SentMail(user_id=digest.user_id, kind=DIGEST, for_date=today, to_address=digest.to_address[:200],
                    subject=digest.subject[:300], body=digest.body, status=status, error=error)


def _keep(session: Session, digest: Digest, today: date) -> bool:
    """Mail is not configured: the digest goes to the outbox only. False if a run kept it meanwhile."""
    row = _new_row(digest, today, MailStatus.NOT_SENT)
    session.add(row)
    try:
        session.flush()
        audit.record(session, None, "mail.digest_kept", "sent_mail", row.id, _details(digest, today))
        commit(session)
    except (IntegrityError, OperationalError, ConcurrentChange) as error:
        session.rollback()
        if isinstance(error, OperationalError) and not is_concurrent_write(error):
            raise
        return False
    return True


def _being_sent(row: SentMail) -> bool:
    """Claimed by a run that is sending it now (a claim older than CLAIM_TIMEOUT: that run died)."""
    found = SENDING_SINCE.fullmatch(row.error) if row.status is MailStatus.FAILED else None
    if found is None:
        return False
    try:
        since = datetime.fromisoformat(found.group(1))
    except ValueError:
        return False
    return since.tzinfo is not None and clock.now() - since < CLAIM_TIMEOUT


def _claim(session: Session, digest: Digest, today: date, previous: SentMail | None) -> SentMail | None:
    """Mark the day's row as being sent by this run, committed before anything leaves: of two runs at
    once, one claims it and the other finds it claimed. A run that dies while sending leaves the row
    failed with the attempt's mark, and the next run tries again."""
    attempt = SENDING.format(at=utcnow().isoformat(timespec="seconds"), attempt=uuid.uuid4().hex[:12])
    try:
        if previous is None:
            row = _new_row(digest, today, MailStatus.FAILED, attempt)
            session.add(row)
            session.flush()
        else:
            session.refresh(previous)  # as it is now: another run may have claimed it since this one began
            if previous.status is MailStatus.SENT or _being_sent(previous):
                session.rollback()
                return None
            claimed = session.execute(
                update(SentMail).where(SentMail.id == previous.id, SentMail.status == previous.status,
                                       SentMail.error == previous.error)
                .values(to_address=digest.to_address[:200], subject=digest.subject[:300], body=digest.body,
                        status=MailStatus.FAILED, error=attempt)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                return None
            row = session.execute(select(SentMail).where(SentMail.id == previous.id)
                                  .execution_options(populate_existing=True)).scalar_one()
        audit.record(session, None, "mail.digest_composed", "sent_mail", row.id,
                     {**_details(digest, today), "retry": previous is not None})
        commit(session)
    except (IntegrityError, OperationalError, ConcurrentChange) as error:
        session.rollback()
        if isinstance(error, OperationalError) and not is_concurrent_write(error):
            raise
        return None
    return row


def _deliver(mail_settings: MailSettings, digest: Digest) -> str:
    """Send it; the error's text, or "" once the server accepted it."""
    try:
        mail.send(mail_settings, mail.compose(mail_settings, digest.to_address, digest.subject, digest.body))
    except mail.MailError as error:
        return str(error) or "MailError"
    except ValueError as error:  # an address or header the e-mail library refuses
        return f"{type(error).__name__}: {error}"[:500]
    return ""


def _record(session: Session, row: SentMail, digest: Digest, error: str) -> None:
    row = session.get(SentMail, row.id) or row
    if error:
        row.status, row.error = MailStatus.FAILED, error
    else:
        row.status, row.error, row.sent_at = MailStatus.SENT, "", utcnow()
    session.flush()
    audit.record(session, None, "mail.digest_failed" if error else "mail.digest_sent", "sent_mail", row.id,
                 {**_details(digest, row.for_date), **({"error": error} if error else {})})
    commit(session)


# ---------------------------------------------------------------- the outbox


def list_outbox(session: Session, actor: User, *, page: int = 1, per_page: int = PER_PAGE) -> Page[SentMail]:
    """Every mail composed, newest first (the coordinator's page)."""
    policy.require(actor, policy.Action.VIEW_OUTBOX)
    return paginate(session, select(SentMail).options(joinedload(SentMail.user))
                    .order_by(SentMail.created_at.desc(), SentMail.id.desc()), page, per_page)


def get_mail(session: Session, actor: User, mail_id: int) -> SentMail:
    policy.require(actor, policy.Action.VIEW_OUTBOX)
    row = session.execute(select(SentMail).options(joinedload(SentMail.user))
                          .where(SentMail.id == mail_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row
