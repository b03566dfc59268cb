"""Decisions reach people: a file walked through every outcome, each letter read back from its PDF.

For each outcome: the person's letter, its copies to the guardian (on paper) and the care team (by e-mail), and
the landlord's for an allocation, a move-in and an exit on its place; each with its reference (N/Réf.), the
signatory under the delegation, the place-and-date line, a postal address ending with its postcode and town;
and no health detail in any letter to a landlord or sent by e-mail.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.errors import Forbidden
from commission.models import Case, CaseMedical
from commission.models.letters import Channel, CouncilProfile, LetterKind, LetterStatus, OutgoingLetter, Recipient
from commission.services import accounts, followup, hearings
from commission.services.letters import register
from tests.cases_helpers import step
from tests.conftest import World
from tests.followup_helpers import MOVE_IN
from tests.hearings_helpers import HEARING_DAY, sitting

# What a letter that leaves the office's hands may never hold: the medical part, the psychiatrist, the care
# team's name (it says where the person is treated), the person's housing situation as the file tells it.
HEALTH_WORDS = ("schizophr", "psychiatr", "Lemaire", "traitement", "neurolept", "CMP", "hospitalis", "Hospitalised",
                "hôpital de jour", "day hospital", "diagnos")


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def _council(session: Session, world: World) -> None:
    """The council's letterhead, the landlord's and the care team's addresses, a guardian's address, the holder
    of the signing delegation and her title."""
    session.add(CouncilProfile(id=1, street="2 rue Jean Jaurès", postcode="59370", town="Mons-en-Barœul",
                               phone="03 20 00 00 00", email="commission@csm.example.org",
                               contact_name="Claire Coordination", president_name="Jean Président",
                               president_capacity="Président du conseil"))
    world.landlord_a.address = "10 avenue de la Gare, 59790 Ronchin"
    world.landlord_a.email = "attributions@habitat-a.example.org"
    world.team_a.email = "equipe@epsm.example.org"
    member = world.users["member"]
    member.title = "Adjointe au maire de Ronchin"
    member.display_name = "Nadia Haddad"
    session.commit()
    accounts.grant_signing_delegation(session, world.users["coordinator"], member.id)
    session.commit()


def _guardian_address(session: Session, case: Case) -> None:
    case = session.get(Case, case.id) or case
    assert case.applicant.guardian is not None
    case.applicant.guardian.address = "UDAF du Nord, 5 rue de Lille, 59810 Lesquin"
    session.add(CaseMedical(case_id=case.id, diagnosis_summary="Schizophrénie paranoïde stabilisée",
                            treatment="Neuroleptique retard"))
    session.commit()


def _letters(session: Session, case: Case, kind: LetterKind) -> dict[Recipient, OutgoingLetter]:
    rows = session.execute(select(OutgoingLetter).where(OutgoingLetter.case_id == case.id,
                                                        OutgoingLetter.kind == kind)).scalars().all()
    found = {letter.recipient: letter for letter in rows}
    assert len(found) == len(rows), f"two letters to one recipient for {kind}"
    return found


@pytest.fixture
def walked(session: Session, world: World) -> dict[str, Case]:
    """Five files heard at one hearing, each given another outcome; then the offer expires, the next ranked
    candidate is offered the place, moves in, is reviewed and leaves."""
    _council(session, world)
    chair, coordinator = world.users["chair"], world.users["coordinator"]
    names = ["Alice", "Bruno", "Chloé", "David", "Emma"]
    s = sitting(session, world, names)
    for case in s.cases:
        _guardian_address(session, case)
    files = dict(zip(names, s.cases, strict=True))
    items = {item.case_id: item for item in s.hearing.items}
    place = world.place_a

    def decide(name: str, **data: str) -> None:
        hearings.decide_item(session, chair, s.hearing.id, items[files[name].id].id,
                             hearings.DecisionInput(**data), today=HEARING_DAY)  # type: ignore[arg-type]
        session.commit()

    decide("Alice", decision="allocate", place_id=str(place.id), reason="Le logement répond à la demande")
    decide("Bruno", decision="ranked", place_id=str(place.id), rank="2", reason="Candidat suivant")
    decide("Chloé", decision="waiting_list", reason="Avis favorable, pas de logement adapté libre")
    decide("David", decision="defer", reason="L'avis d'imposition 2025")
    decide("Emma", decision="refuse", reason="Les ressources ne couvrent pas le loyer")
    # Alice does not answer: her offer expires; the place goes to Bruno, ranked second.
    alice = session.get(Case, files["Alice"].id)
    assert alice is not None and alice.offer_deadline is not None
    deadline = alice.offer_deadline
    step(session, coordinator, alice, "expire_offer", today=deadline + timedelta(days=1))
    session.commit()
    bruno = session.get(Case, files["Bruno"].id)
    assert bruno is not None and bruno.allocated_place_id == place.id
    day = deadline + timedelta(days=2)
    step(session, world.users["care_a"], bruno, "accept_offer", today=day)
    step(session, coordinator, bruno, "start_move_in", today=day,
         values={"move_in_date": MOVE_IN, "lease_kind": "sublease", "lease_start": MOVE_IN})
    step(session, coordinator, bruno, "confirm_housed", today=MOVE_IN)
    session.commit()
    # Reviewed at the hearing after his first six months, then he leaves for ordinary housing.
    assert bruno.review_due is not None
    review_day = bruno.review_due + timedelta(days=7)
    review = sitting(session, world, [], day=review_day)
    item = next(item for item in review.hearing.items if item.case_id == bruno.id)
    hearings.decide_item(session, chair, review.hearing.id, item.id, hearings.DecisionInput(
        decision="review_noted", review_outcome="continue", reason="Tout va bien"), today=review_day)
    session.commit()
    followup.record_exit(session, coordinator, bruno.id, followup.ExitInput(
        reason="ordinary_housing", exit_date=(review_day + timedelta(days=30)).isoformat(), place_condition="good"),
        today=review_day + timedelta(days=31))
    session.commit()
    return files


EXPECTED: list[tuple[str, LetterKind, bool]] = [  # (person, letter, the landlord gets one too)
    ("Alice", LetterKind.OFFER, True),
    ("Alice", LetterKind.OFFER_EXPIRED, False),
    ("Bruno", LetterKind.RANKED, False),
    ("Bruno", LetterKind.OFFER, True),
    ("Bruno", LetterKind.WELCOME, True),
    ("Bruno", LetterKind.REVIEW, False),
    ("Bruno", LetterKind.EXIT, True),
    ("Chloé", LetterKind.WAITING_LIST, False),
    ("David", LetterKind.DEFERRAL, False),
    ("Emma", LetterKind.REFUSAL, False),
]


def test_every_outcome_writes_its_letters_to_each_recipient(session: Session, world: World,
                                                            walked: dict[str, Case]) -> None:
    coordinator = world.users["coordinator"]
    for name, kind, to_landlord in EXPECTED:
        letters = _letters(session, walked[name], kind)
        expected = {Recipient.PERSON, Recipient.GUARDIAN, Recipient.CARE_TEAM} | (
            {Recipient.LANDLORD} if to_landlord else set())
        assert set(letters) == expected, (name, kind)
        person, guardian, team = letters[Recipient.PERSON], letters[Recipient.GUARDIAN], letters[Recipient.CARE_TEAM]
        assert (person.channel, person.status) == (Channel.POST, LetterStatus.TO_POST)
        assert (guardian.channel, guardian.status) == (Channel.POST, LetterStatus.TO_POST)
        assert (team.channel, team.status, team.email) == (Channel.EMAIL, LetterStatus.TO_SEND,
                                                           "equipe@epsm.example.org")
        for recipient, letter in letters.items():
            text = text_of(register.letter_pdf(session, coordinator, letter.id)[0])
            assert re.fullmatch(r"CA-\d{4}-\d{6}", letter.reference)
            assert letter.reference in text, (name, kind, recipient)
            assert walked[name].reference in text
            assert "Pour le président et par délégation" in text and "Nadia Haddad" in text
            assert "Adjointe au maire de Ronchin" in text
            assert re.search(r"Mons-en-Barœul, le \d{1,2}(er)? \w+ \d{4}", text), text[:400]
            assert "03 20 00 00 00" in text and "Claire Coordination" in text
            if letter.channel is Channel.POST:
                assert letter.address.splitlines()[-1] in text
                assert re.fullmatch(r"\d{5} [A-Z0-9 ]+", letter.address.splitlines()[-1]), letter.address
            if recipient in (Recipient.GUARDIAN, Recipient.CARE_TEAM):
                assert "Copie" in text
            if recipient is Recipient.LANDLORD or letter.channel is Channel.EMAIL:
                for word in HEALTH_WORDS:
                    assert word.lower() not in text.lower(), (name, kind, recipient, word)


def test_each_letter_says_what_was_decided(session: Session, world: World, walked: dict[str, Case]) -> None:
    coordinator = world.users["coordinator"]

    def person_text(name: str, kind: LetterKind) -> str:
        letter = _letters(session, walked[name], kind)[Recipient.PERSON]
        return text_of(register.letter_pdf(session, coordinator, letter.id)[0])

    refusal = person_text("Emma", LetterKind.REFUSAL)
    assert "Les ressources ne couvrent pas le loyer" in refusal
    assert "60 jours" in refusal  # how long the person has to ask for a new examination
    assert "L'avis d'imposition 2025" in person_text("David", LetterKind.DEFERRAL)
    assert "2e" in person_text("Bruno", LetterKind.RANKED)
    offer = person_text("Alice", LetterKind.OFFER)
    assert "300,00 €" in offer and "59790 Ronchin" in offer
    landlord = _letters(session, walked["Bruno"], LetterKind.WELCOME)[Recipient.LANDLORD]
    assert landlord.email == "attributions@habitat-a.example.org"
    assert "Bruno Martin" in text_of(register.letter_pdf(session, coordinator, landlord.id)[0])


def test_the_register_and_the_file_list_the_letters_to_their_readers(session: Session, world: World,
                                                                     walked: dict[str, Case]) -> None:
    emma = walked["Emma"]
    page = register.list_letters(session, world.users["coordinator"], status="to_send")
    assert page.total and all(letter.status is LetterStatus.TO_SEND for letter in page)
    assert register.letters_of_case(session, world.users["care_a"], emma)
    assert register.letters_of_case(session, world.users["care_b"], emma) == []
    letter = register.letters_of_case(session, world.users["care_a"], emma)[0]
    for login in ("care_b", "chair", "member", "landlord_a", "treasurer", "dpo"):
        with pytest.raises(Forbidden):
            register.letter_pdf(session, world.users[login], letter.id)
        with pytest.raises(Forbidden):
            register.list_letters(session, world.users[login])


def test_nobody_writes_to_a_person_who_died(session: Session, world: World) -> None:
    from tests.followup_helpers import housed

    _council(session, world)
    ada = housed(session, world, ["Ada"])[0]
    session.commit()
    followup.record_exit(session, world.users["coordinator"], ada.id, followup.ExitInput(
        reason="death", exit_date=(MOVE_IN + timedelta(days=40)).isoformat(), place_condition="good"),
        today=MOVE_IN + timedelta(days=41))
    session.commit()
    assert set(_letters(session, ada, LetterKind.EXIT)) == {Recipient.LANDLORD}


def test_a_letter_keeps_the_text_it_was_sent_with(session: Session, world: World,
                                                  walked: dict[str, Case]) -> None:
    """The council's details change after a letter was written: the letter, read again, is as it was sent."""
    letter = _letters(session, walked["Emma"], LetterKind.REFUSAL)[Recipient.PERSON]
    before = text_of(register.letter_pdf(session, world.users["coordinator"], letter.id)[0])
    profile = session.get(CouncilProfile, 1)
    assert profile is not None
    profile.phone, profile.town = "03 99 99 99 99", "Lesquin"
    session.commit()
    after = text_of(register.letter_pdf(session, world.users["coordinator"], letter.id)[0])
    assert after == before and "03 99 99 99 99" not in after


def test_a_place_date_line_names_the_first_of_the_month_as_the_french_do() -> None:
    from commission.services.letters.facts import day_text

    assert day_text(date(2026, 12, 1)) == "1er décembre 2026"


def test_the_persons_export_holds_their_letters(session: Session, world: World, walked: dict[str, Case]) -> None:
    from commission.services import person_export

    emma = walked["Emma"]
    data = person_export.collect(session, emma.applicant_id, exported_by=world.users["coordinator"], council="CISM")
    letters = data["cases"][0]["letters"]
    assert {(letter["kind"], letter["recipient"]) for letter in letters} == {
        ("refusal", "person"), ("refusal", "guardian"), ("refusal", "care_team")}
    assert all(letter["reference"].startswith("CA-") and letter["paragraphs"] for letter in letters)
    assert person_export.counts(data)["letters"] == 3


def test_the_emails_name_no_one_and_only_the_landlords_letters_travel_attached(
        session: Session, world: World, walked: dict[str, Case], monkeypatch: pytest.MonkeyPatch) -> None:
    """Sent through a mail server (captured): the landlord's letter attached, free of any health detail; the care
    team's copy linked in the application, never attached; a person who agreed is told a letter was posted, and
    the note names no one. Nothing is sent twice."""
    from email.message import EmailMessage

    from commission import mail
    from commission.config import MailSettings
    from commission.models import SentMail
    from commission.models.letters import PrintRun

    sent: list[EmailMessage] = []
    monkeypatch.setattr(mail, "send", lambda _settings, message: sent.append(message))
    settings = MailSettings(host="smtp.example.org", port=25, sender="commission@example.org")
    emma = session.get(Case, walked["Emma"].id)
    assert emma is not None
    emma.applicant.email, emma.applicant.notice_by_email = "emma@example.org", True
    run = PrintRun(created_by_id=world.users["coordinator"].id, posted_on=HEARING_DAY)
    session.add(run)
    session.flush()
    for letter in _letters(session, emma, LetterKind.REFUSAL).values():
        if letter.channel is Channel.POST:
            letter.status, letter.print_run_id, letter.posted_on = LetterStatus.POSTED, run.id, HEARING_DAY
    session.commit()
    names = {case.applicant.full_name for case in walked.values()} | {"Paul Durand"}

    result = register.send_emails(session, settings, base_url="https://commission.example.org")
    waiting = session.execute(select(OutgoingLetter).where(OutgoingLetter.channel == Channel.EMAIL)).scalars().all()
    assert result.failed == 0 and result.sent == len(waiting) and result.notices == 1
    assert all(letter.status is LetterStatus.SENT and letter.sent_at for letter in waiting)
    by_address: dict[str, list[EmailMessage]] = {}
    for message in sent:
        by_address.setdefault(str(message["To"]), []).append(message)
    for message in by_address["attributions@habitat-a.example.org"]:
        (attachment,) = list(message.iter_attachments())
        text = text_of(attachment.get_payload(decode=True))
        assert "CA-" in text and not any(word.lower() in text.lower() for word in HEALTH_WORDS)
    for message in by_address["equipe@epsm.example.org"]:
        assert not list(message.iter_attachments())
        assert "https://commission.example.org/letters/" in message.get_content()
    (notice,) = by_address["emma@example.org"]
    assert not list(notice.iter_attachments())
    for message in sent:
        words = f"{message['Subject']} {message.get_body().get_content()}"  # type: ignore[union-attr]
        assert not any(name in words for name in names), words
        assert not any(word.lower() in words.lower() for word in HEALTH_WORDS), words
    kept = session.execute(select(SentMail).where(SentMail.letter_id.is_not(None))).scalars().all()
    assert len(kept) == len(sent)
    again = register.send_emails(session, settings, base_url="https://commission.example.org")
    assert (again.sent, again.notices) == (0, 0) and len(sent) == len(kept)
