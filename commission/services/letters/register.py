"""The register of outgoing mail: every letter written, to whom, how, when, and what became of it; the letters'
PDFs; and the e-mails: each letter to a partner, and the note telling a person who agreed to it that a letter was
posted to them (it names no one and says nothing more).

A letter to a landlord travels attached to its e-mail; a care team's copy of the person's letter does not (it may
quote the commission's reasons): its e-mail links to it in the application. The e-mails leave in a run
(``commission letters send``, daily from cron, like the digests). A run claims each letter before it sends it,
committed: of two runs at once, one sends it. Without a mail server, the letters wait in the register, shown as
waiting to be sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from commission import clock, mail, policy
from commission.config import MailSettings
from commission.db import utcnow
from commission.documents.correspondence import render_letters
from commission.documents.data import LetterPage
from commission.errors import Forbidden, NotFound, TransitionRefused
from commission.i18n import DEFAULT_LOCALE, N_, msg, translations
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import MailStatus, SentMail
from commission.models.letters import Channel, LetterStatus, OutgoingLetter, Recipient
from commission.models.people import Applicant
from commission.services import audit
from commission.services.digest import SENDING
from commission.services.letters.profile import current as current_profile
from commission.services.paging import PER_PAGE, Page, paginate
from commission.services.unit import commit

LETTER_MAIL = "letter"
NOTICE_MAIL = "letter_notice"
# Filters of the register's page.
STATUS_FILTERS: dict[str, tuple[LetterStatus, ...]] = {
    "to_post": (LetterStatus.TO_POST,), "printed": (LetterStatus.PRINTED,), "to_send": (LetterStatus.TO_SEND,),
    "failed": (LetterStatus.FAILED,), "no_address": (LetterStatus.NO_ADDRESS,),
    "done": (LetterStatus.POSTED, LetterStatus.SENT),
}
DONE_LABEL = N_("Posted or e-mailed")


def list_letters(session: Session, actor: User, *, status: str = "", page: int = 1,
                 per_page: int = PER_PAGE) -> Page[OutgoingLetter]:
    """The register, newest first (the coordinator's page), optionally one kind of status."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    query = select(OutgoingLetter).order_by(OutgoingLetter.created_at.desc(), OutgoingLetter.id.desc())
    if status in STATUS_FILTERS:
        query = query.where(OutgoingLetter.status.in_(STATUS_FILTERS[status]))
    return paginate(session, query, page, per_page)


def status_counts(session: Session, actor: User) -> dict[LetterStatus, int]:
    """How many letters stand at each status (the register's summary)."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    rows = session.execute(select(OutgoingLetter.status, func.count()).group_by(OutgoingLetter.status))
    return dict(rows.all())


def letters_of_case(session: Session, actor: User, case: Case) -> list[OutgoingLetter]:
    """The letters about one file, for whoever reads its letters (the coordinator, the person's care team)."""
    if not policy.can(actor, policy.Action.VIEW_LETTERS, case):
        return []
    return list(session.execute(
        select(OutgoingLetter).where(OutgoingLetter.case_id == case.id)
        .order_by(OutgoingLetter.created_at.desc(), OutgoingLetter.id.desc())
    ).scalars())


def get_letter(session: Session, actor: User, letter_id: int) -> OutgoingLetter:
    letter = session.get(OutgoingLetter, letter_id)
    if letter is None:
        raise NotFound()
    case = session.get(Case, letter.case_id)
    if case is None or not policy.can(actor, policy.Action.VIEW_LETTERS, case):
        raise Forbidden()
    return letter


def pdf_of(session: Session, letters: list[OutgoingLetter], title: str, locale: str = DEFAULT_LOCALE) -> bytes:
    """The letters as they were sent, in one PDF, on the council's letterhead (its logo as it is now)."""
    profile = current_profile(session)
    return render_letters([LetterPage.from_content(letter.content) for letter in letters], logo=profile.logo,
                          logo_type=profile.logo_type, locale=locale, title=title)


def letter_pdf(session: Session, actor: User, letter_id: int) -> tuple[bytes, str]:
    """One letter's PDF and its file name."""
    letter = get_letter(session, actor, letter_id)
    audit.record(session, actor, "letter.read", "outgoing_letter", letter.id, {"case_id": letter.case_id})
    return pdf_of(session, [letter], letter.reference), f"courrier-{letter.reference}.pdf"


# ---------------------------------------------------------------- the e-mails


@dataclass
class SendRun:
    mail_configured: bool
    sent: int = 0
    failed: int = 0
    notices: int = 0
    waiting: int = 0  # letters to e-mail left waiting (mail not configured)
    errors: list[str] = field(default_factory=list)


# The letters that travel attached to their e-mail: the landlord's, whose texts offer no field that could hold a
# health detail. A copy of the person's letter to the care team holds the commission's own words (a refusal's
# reason, what a deferral awaits), which may touch on care: its e-mail names no one and links to it in the
# application, where the team reads it after logging in.
ATTACHED = frozenset({Recipient.LANDLORD})


def _letter_mail(settings: MailSettings, letter: OutgoingLetter, pdf: bytes | None, base_url: str,
                 gettext: Callable[[str], str]) -> tuple[str, str, EmailMessage]:
    """The e-mail of a letter to a partner: it names no one; the letter attached (``pdf``), or a link to it."""
    subject = gettext("Letter from the apartment commission — reference %(reference)s") % {
        "reference": letter.reference}
    values = {"reference": letter.reference, "file": letter.content.get("file_reference", ""),
              "link": f"{base_url}/letters/{letter.id}" if base_url else f"/letters/{letter.id}"}
    if pdf is not None:
        body = gettext("Hello,\n\nPlease find attached a letter from the apartment commission (reference "
                       "%(reference)s, file %(file)s).\n\nThe coordination of the apartment commission") % values
    else:
        body = gettext("Hello,\n\nThe apartment commission has written a letter about file %(file)s (reference "
                       "%(reference)s). A copy is kept for your team in the application: %(link)s\n\n"
                       "The coordination of the apartment commission") % values
    message = mail.compose(settings, letter.email, subject, body)
    if pdf is not None:
        message.add_attachment(pdf, maintype="application", subtype="pdf",
                               filename=f"courrier-{letter.reference}.pdf")
    return subject, body, message


def _notice_text(letter: OutgoingLetter, gettext: Callable[[str], str]) -> tuple[str, str]:
    """The note to a person who agreed to it: a letter is on its way; no name, no subject, no more."""
    subject = gettext("A letter from the apartment commission is on its way")
    body = gettext("Hello,\n\nThe apartment commission has posted you a letter (reference %(reference)s). "
                   "You will receive it in the next few days; your care team can read it with you.\n\n"
                   "This message needs no reply.") % {"reference": letter.reference}
    return subject, body


def _claim(session: Session, letter_id: int, from_status: LetterStatus) -> bool:
    """Take the letter for this run, committed before anything leaves: False when another run took it."""
    claimed = session.execute(
        update(OutgoingLetter).where(OutgoingLetter.id == letter_id, OutgoingLetter.status == from_status)
        .values(status=LetterStatus.FAILED, version=OutgoingLetter.version + 1)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return False
    commit(session)
    return True


def send_emails(session: Session, settings: MailSettings | None, *, base_url: str = "",
                locale: str = DEFAULT_LOCALE) -> SendRun:
    """Send the letters waiting to be e-mailed, and the notices of the letters posted to persons who agreed."""
    gettext = translations(locale).gettext
    run = SendRun(mail_configured=settings is not None)
    waiting = list(session.execute(select(OutgoingLetter.id).where(OutgoingLetter.status == LetterStatus.TO_SEND)
                                   .order_by(OutgoingLetter.id)).scalars())
    if settings is None:
        run.waiting = len(waiting)
        return run
    for letter_id in waiting:
        if not _claim(session, letter_id, LetterStatus.TO_SEND):
            continue
        letter = session.execute(select(OutgoingLetter).where(OutgoingLetter.id == letter_id)
                                 .execution_options(populate_existing=True)).scalar_one()
        pdf = pdf_of(session, [letter], letter.reference, locale) if letter.recipient in ATTACHED else None
        subject, body, message = _letter_mail(settings, letter, pdf, base_url, gettext)
        error = _deliver(settings, message)
        row = SentMail(user_id=None, letter_id=letter.id, kind=LETTER_MAIL, for_date=clock.today(),
                       to_address=letter.email[:200], subject=subject[:300], body=body,
                       status=MailStatus.FAILED if error else MailStatus.SENT, error=error,
                       sent_at=None if error else utcnow())
        session.add(row)
        letter.status = LetterStatus.FAILED if error else LetterStatus.SENT
        letter.sent_at = None if error else utcnow()
        session.flush()
        audit.record(session, None, "letter.failed" if error else "letter.sent", "outgoing_letter", letter.id,
                     {"sent_mail_id": row.id, **({"error": error} if error else {})})
        commit(session)
        if error:
            run.failed += 1
            run.errors.append(f"{letter.reference}: {error}")
        else:
            run.sent += 1
    run.notices = _send_notices(session, settings, gettext, run)
    return run


def _send_notices(session: Session, settings: MailSettings, gettext, run: SendRun) -> int:  # type: ignore[no-untyped-def]
    """One note per letter posted to a person who agreed to be told by e-mail."""
    noticed = exists().where(SentMail.letter_id == OutgoingLetter.id, SentMail.kind == NOTICE_MAIL)
    rows = session.execute(
        select(OutgoingLetter, Applicant.email).join(Case, Case.id == OutgoingLetter.case_id)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(OutgoingLetter.recipient == Recipient.PERSON, OutgoingLetter.status == LetterStatus.POSTED,
               Applicant.notice_by_email, Applicant.email != "", ~noticed)
        .order_by(OutgoingLetter.id)
    ).all()
    count = 0
    for letter, address in rows:
        subject, body = _notice_text(letter, gettext)
        row = SentMail(user_id=None, letter_id=letter.id, kind=NOTICE_MAIL, for_date=clock.today(),
                       to_address=address[:200], subject=subject[:300], body=body, status=MailStatus.FAILED,
                       error=SENDING.format(at=utcnow().isoformat(timespec="seconds"), attempt=uuid.uuid4().hex[:12]))
        session.add(row)
        session.flush()
        commit(session)  # claimed: a second run finds the note and leaves it
        error = _deliver(settings, mail.compose(settings, address, subject, body))
        row.status, row.error = (MailStatus.FAILED, error) if error else (MailStatus.SENT, "")
        row.sent_at = None if error else utcnow()
        audit.record(session, None, "letter.notice_failed" if error else "letter.notice_sent", "outgoing_letter",
                     letter.id, {"sent_mail_id": row.id})
        commit(session)
        if error:
            run.errors.append(f"{letter.reference} (notice): {error}")
        else:
            count += 1
    return count


def _deliver(settings: MailSettings, message) -> str:  # type: ignore[no-untyped-def]
    try:
        mail.send(settings, message)
    except mail.MailError as error:
        return str(error) or "MailError"
    return ""


def may_send_again(actor: User, letter: OutgoingLetter) -> bool:
    """A letter the mail server refused may be sent again, or printed, by the coordinator."""
    return letter.status is LetterStatus.FAILED and policy.can(actor, policy.Action.MANAGE_LETTERS)


def send_again(session: Session, actor: User, letter_id: int, *, by_post: bool) -> OutgoingLetter:
    """A letter the mail server refused: e-mailed again at the next run, or printed with the next print run."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    letter = session.get(OutgoingLetter, letter_id)
    if letter is None:
        raise NotFound()
    if letter.status is not LetterStatus.FAILED:
        raise TransitionRefused(msg("Only a letter the mail server refused can be sent again."))
    if by_post and not letter.address:
        raise TransitionRefused(msg("This recipient has no postal address: complete it, or send the e-mail again."))
    letter.status = LetterStatus.TO_POST if by_post else LetterStatus.TO_SEND
    if by_post:
        letter.channel = Channel.POST
    session.flush()
    audit.record(session, actor, "letter.send_again", "outgoing_letter", letter.id, {"by_post": by_post})
    return letter


__all__ = ["get_letter", "letter_pdf", "letters_of_case", "list_letters", "send_again", "send_emails"]
