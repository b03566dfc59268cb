"""The daily digest, received by a local SMTP server: addressed to the right people only, in French,
without a name or a medical detail, sent once a day, a failure recorded then retried."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commission import clock
from commission.cli import main
from commission.config import MailSettings
from commission.i18n import msg
from commission.models import AuditEntry, Case
from commission.models.followup import MailStatus, SentMail
from commission.services import accounts, cases, digest, followup
from commission.services.reminders import Reminder
from tests.cases_helpers import TODAY, new_case, step
from tests.conftest import PASSWORD, World, fresh
from tests.followup_helpers import MOVE_IN, housed

BASE_URL = "https://commission.example.org"
DAY = MOVE_IN + timedelta(days=40)  # 28 May 2026: Ada's care plan is late, Bea's file waits to be completed
# Words that must never leave in an e-mail: names, and everything of the care records.
SECRETS = ("Ada", "Martin", "Bea", "Lefort", "Durand", "Lemaire", "SCHIZO-MARKER", "CLOZAPINE-MARKER",
           "RELAPSE-MARKER", "NEIGHBOUR-MARKER", "CERTIFICATE-MARKER", "Voir le voisin")


@dataclass
class Inbox:
    """What the local SMTP server received: one entry per message."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, _server: SMTP, _session: SmtpSession, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> EmailMessage:
        (message,) = [message for recipients, message in self.received if recipients == [address]]
        return message

    @property
    def recipients(self) -> list[str]:
        return sorted(address for recipients, _message in self.received for address in recipients)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def mail_settings(port: int) -> MailSettings:
    return MailSettings(host="127.0.0.1", port=port, sender="commission@example.org", timeout_seconds=5)


def account(session: Session, login: str, role: str, address: str, **binding: object) -> None:
    accounts.create_user(session, None, accounts.UserInput(login=login, display_name=f"Compte {login}", email=address,
                                                           role=role, password=PASSWORD, **binding))  # type: ignore[arg-type]


@dataclass
class Scenario:
    ada: Case
    bea: Case


def scenario(session: Session, world: World) -> Scenario:
    """Ada housed by team A, her medical part and follow-up full of care details; Bea's file returned
    as incomplete to team A. Accounts with an address: the coordinator, one member of each team, the
    treasurer (who has nothing to do that day)."""
    account(session, "coord.mail", "coordinator", "coordination@example.org")
    account(session, "soin.a", "care_team", "soin.a@example.org", care_team_id=world.team_a.id)
    account(session, "soin.b", "care_team", "soin.b@example.org", care_team_id=world.team_b.id)
    account(session, "treso.mail", "treasurer", "tresorerie@example.org")
    care = world.users["care_a"]
    (ada,) = housed(session, world, ["Ada"])
    cases.update_medical(session, care, ada.id, cases.MedicalInput(
        diagnosis_summary="SCHIZO-MARKER", treatment="CLOZAPINE-MARKER", hospitalisations="RELAPSE-MARKER"))
    followup.record_event(session, care, ada.id, followup.EventInput(
        kind="visit", occurred_on=(MOVE_IN + timedelta(days=5)).isoformat(), summary="RELAPSE-MARKER",
        action_taken="NEIGHBOUR-MARKER"), today=MOVE_IN + timedelta(days=5))
    followup.call_meeting(session, care, ada.id, followup.MeetingInput(
        meeting_date=DAY.isoformat(), attendees="Infirmier, bailleur", actions=[followup.ActionInput(
            "Voir le voisin du dessus", "Infirmier", (DAY + timedelta(days=2)).isoformat())]), today=DAY)
    with clock.travel(TODAY):
        bea = new_case(session, world, "care_a", first_name="Bea", last_name="Lefort")
        step(session, care, bea, "submit")
        step(session, world.users["coordinator"], bea, "return_incomplete", reason="CERTIFICATE-MARKER")
    return Scenario(ada, bea)


def assert_discreet(message: EmailMessage) -> str:
    body = message.get_content()
    assert isinstance(body, str)
    everything = f"{message['Subject']}\n{body}"
    for secret in SECRETS:
        assert secret not in everything, f"{secret!r} left in an e-mail"
    return body


def test_the_digest_reaches_the_right_people_in_french_without_names_nor_care_details(
        session: Session, world: World, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    s = scenario(session, world)
    run = digest.send_digests(session, mail_settings(port), DAY, base_url=BASE_URL)
    assert (run.sent, run.failed, run.kept) == (2, 0, 0)
    # the coordinator and team A's member; not team B's, nor the treasurer (nothing to do), nor the
    # accounts without an address
    assert inbox.recipients == ["coordination@example.org", "soin.a@example.org"]

    care = inbox.to("soin.a@example.org")
    body = assert_discreet(care)
    assert care["From"] == "commission@example.org" and care["Auto-Submitted"] == "auto-generated"
    assert care.get_content_type() == "text/plain" and care.get_content_charset() == "utf-8"
    assert "28 mai 2026" in body and "1er avril 2026" in body  # in French
    assert s.ada.reference in body and s.bea.reference in body
    assert f"{BASE_URL}/cases/{s.ada.id}/followup" in body and f"{BASE_URL}/cases/{s.bea.id}" in body
    assert "28 mai 2026" in str(care["Subject"])

    coordinator = assert_discreet(inbox.to("coordination@example.org"))
    assert s.ada.reference in coordinator and s.bea.reference in coordinator

    fresh(session)
    rows = session.execute(select(SentMail).order_by(SentMail.id)).scalars().all()
    assert [(row.to_address, row.status, row.for_date) for row in rows] == [
        ("coordination@example.org", MailStatus.SENT, DAY), ("soin.a@example.org", MailStatus.SENT, DAY)]
    assert rows[1].body == body.replace("\r\n", "\n")
    sent = session.execute(select(AuditEntry).where(AuditEntry.action == "mail.digest_sent")).scalars().all()
    assert len(sent) == 2 and all("MARKER" not in entry.details for entry in sent)

    # once a day: the next run of the same day sends nothing
    again = digest.send_digests(session, mail_settings(port), DAY, base_url=BASE_URL)
    assert (again.sent, again.failed, again.already_done) == (0, 0, 2)
    assert len(inbox.received) == 2
    # the next day's digest is another one
    assert digest.send_digests(session, mail_settings(port), DAY + timedelta(days=1)).sent == 2


def test_a_failed_send_is_recorded_then_retried_the_same_day(
        session: Session, world: World, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    scenario(session, world)
    nobody_listens = mail_settings(free_port())
    failed = digest.send_digests(session, nobody_listens, DAY)
    assert (failed.sent, failed.failed) == (0, 2) and len(failed.errors) == 2
    fresh(session)
    rows = session.execute(select(SentMail)).scalars().all()
    assert {row.status for row in rows} == {MailStatus.FAILED}
    assert all("Connection" in row.error or "refused" in row.error.lower() for row in rows)
    retried = digest.send_digests(session, mail_settings(port), DAY)
    assert (retried.sent, retried.failed) == (2, 0)
    assert inbox.recipients == ["coordination@example.org", "soin.a@example.org"]
    fresh(session)
    rows = session.execute(select(SentMail)).scalars().all()
    assert len(rows) == 2 and {(row.status, row.error) for row in rows} == {(MailStatus.SENT, "")}
    assert all(row.sent_at is not None for row in rows)


def test_two_runs_at_once_send_each_digest_once(session: Session, world: World, smtp_server: tuple[Inbox, int],
                                                session_factory: sessionmaker[Session],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port = smtp_server
    scenario(session, world)
    deliver = digest._deliver
    overlapping: list[digest.DigestRun] = []
    started: list[bool] = []

    def deliver_while_another_run_starts(settings: MailSettings, composed: digest.Digest) -> str:
        if not started:  # while the first digest is on its way, a second run (a second cron) starts
            started.append(True)
            with session_factory() as other:
                overlapping.append(digest.send_digests(other, settings, DAY))
        return deliver(settings, composed)

    monkeypatch.setattr(digest, "_deliver", deliver_while_another_run_starts)
    first = digest.send_digests(session, mail_settings(port), DAY)
    (second,) = overlapping
    # the second run skipped the digest being sent and sent the other one; the first skipped that one
    assert (first.sent, first.already_done, second.sent, second.already_done) == (1, 1, 1, 1)
    assert inbox.recipients == ["coordination@example.org", "soin.a@example.org"]


def test_without_mail_configured_the_digests_wait_in_the_outbox(
        session: Session, world: World, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    scenario(session, world)
    dry = digest.send_digests(session, None, DAY, dry_run=True)
    assert [d.to_address for d in dry.digests] == ["coordination@example.org", "soin.a@example.org"]
    fresh(session)
    assert session.execute(select(SentMail)).first() is None  # a dry run stores nothing
    kept = digest.send_digests(session, None, DAY)
    assert (kept.kept, kept.sent) == (2, 0)
    assert digest.send_digests(session, None, DAY).already_done == 2
    fresh(session)
    assert {row.status for row in session.execute(select(SentMail)).scalars()} == {MailStatus.NOT_SENT}
    assert inbox.received == []
    # mail configured later that day: the digests kept are sent, once
    assert digest.send_digests(session, mail_settings(port), DAY).sent == 2
    assert digest.send_digests(session, mail_settings(port), DAY).sent == 0
    assert len(inbox.received) == 2


def test_reminders_send_from_the_command_line(session: Session, world: World, smtp_server: tuple[Inbox, int],
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              database_url: str) -> None:
    inbox, port = smtp_server
    s = scenario(session, world)
    fresh(session)
    for name, value in {"COMMISSION_INSTANCE_PATH": str(tmp_path / "instance"), "COMMISSION_DATABASE_URL": database_url,
                        "COMMISSION_SMTP_HOST": "127.0.0.1", "COMMISSION_SMTP_PORT": str(port),
                        "COMMISSION_MAIL_FROM": "commission@example.org", "COMMISSION_BASE_URL": BASE_URL}.items():
        monkeypatch.setenv(name, value)
    for name in ("COMMISSION_SECRET_KEY", "COMMISSION_ENV", "COMMISSION_SMTP_USER", "COMMISSION_SMTP_PASSWORD",
                 "COMMISSION_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    dry = runner.invoke(main, ["reminders", "send", "--date", DAY.isoformat(), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would send to soin.a <soin.a@example.org>" in dry.output and "nothing sent" in dry.output
    assert inbox.received == []

    done = runner.invoke(main, ["reminders", "send", "--date", DAY.isoformat()])
    assert done.exit_code == 0, done.output
    assert "2 sent, 0 failed, 0 kept" in done.output
    assert inbox.recipients == ["coordination@example.org", "soin.a@example.org"]
    assert f"{BASE_URL}/cases/{s.bea.id}" in assert_discreet(inbox.to("soin.a@example.org"))
    again = runner.invoke(main, ["reminders", "send", "--date", DAY.isoformat()])
    assert "0 sent, 0 failed, 0 kept in the outbox, 2 already done today" in again.output

    for bad in ("2026-13-01", "demain", "28/05/2026"):
        refused = runner.invoke(main, ["reminders", "send", "--date", bad])
        # the forms' message for the same mistake, in the user's language
        assert refused.exit_code == 2
        assert "--date: Ce n'est pas une date (format attendu\u00a0: AAAA-MM-JJ)." in refused.output
        assert "Traceback" not in refused.output
    monkeypatch.setenv("COMMISSION_SMTP_PORT", "vingt-cinq")
    misconfigured = runner.invoke(main, ["reminders", "send"])
    assert misconfigured.exit_code == 2 and "COMMISSION_SMTP_PORT must be a whole number" in misconfigured.output
    monkeypatch.setenv("COMMISSION_SMTP_PORT", str(free_port()))
    failing = runner.invoke(main, ["reminders", "send", "--date", (DAY + timedelta(days=1)).isoformat()])
    assert failing.exit_code == 1 and "0 sent, 2 failed" in failing.output and "failed: coord.mail" in failing.output
    fresh(session)
    assert len(session.execute(select(SentMail)).scalars().all()) == 4


def test_the_mail_settings_from_the_environment() -> None:
    from commission.config import ConfigurationError, load_mail_settings

    assert load_mail_settings({}) is None  # no host: mail is not configured
    settings = load_mail_settings({"COMMISSION_SMTP_HOST": "smtp.example.org", "COMMISSION_SMTP_STARTTLS": "true",
                                   "COMMISSION_SMTP_USER": "commission", "COMMISSION_SMTP_PASSWORD": "secret",
                                   "COMMISSION_MAIL_FROM": "commission@example.org"})
    assert settings is not None and (settings.port, settings.starttls, settings.user) == (587, True, "commission")
    assert "secret" not in repr(settings)
    for env, problem in (
        ({"COMMISSION_SMTP_HOST": "smtp.example.org"}, "COMMISSION_MAIL_FROM"),
        ({"COMMISSION_SMTP_HOST": "smtp.example.org", "COMMISSION_MAIL_FROM": "a@b", "COMMISSION_SMTP_USER": "u"},
         "STARTTLS"),
        ({"COMMISSION_SMTP_HOST": "h", "COMMISSION_MAIL_FROM": "a@b", "COMMISSION_SMTP_STARTTLS": "peut-être"},
         "true or false"),
        ({"COMMISSION_SMTP_HOST": "h", "COMMISSION_MAIL_FROM": "a@b", "COMMISSION_SMTP_PORT": "70000"}, "port"),
    ):
        with pytest.raises(ConfigurationError, match=problem):
            load_mail_settings(env)


def test_the_digest_leaves_out_what_only_the_web_page_shows(world: World) -> None:
    late = Reminder("followup", msg("follow-up overdue since %(date)s.", date=DAY), DAY, True, "followup.show",
                    {"case_id": 3}, "D-2026-00003", person="Zoé Secret", detail=msg("home visit"))
    composed = digest.compose(world.users["coordinator"], [late], DAY, base_url=BASE_URL)
    assert "D-2026-00003" in composed.body and f"{BASE_URL}/cases/3/followup" in composed.body
    assert "Zoé" not in composed.body and "visit" not in composed.body.lower()
    assert "28 mai 2026" in composed.body and composed.reminders == 1


def test_digest_dates_follow_the_day_given(session: Session, world: World) -> None:
    s = scenario(session, world)
    (composed,) = [d for d in digest.send_digests(session, None, DAY, dry_run=True).digests
                   if d.login == "soin.a"]
    assert composed.reminders == 3  # Bea's file, Ada's care plan, the meeting's action
    assert s.bea.reference in composed.body
    assert digest.send_digests(session, None, date(2026, 3, 3), dry_run=True).digests[0].reminders == 1
