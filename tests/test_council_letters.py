"""Letters a council signs: its profile (letterhead, logo, settings), the letter's PDF laid out for a window
envelope, and the print runs of the letters to post. PDFs are read back with pypdf, words and positions."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.documents.correspondence import place_date_line, render_letters
from commission.documents.data import LetterPage
from commission.errors import ConcurrentChange, Forbidden, InvalidInput, TransitionRefused
from commission.models import AuditEntry
from commission.models.letters import (
    Channel,
    CouncilProfile,
    LetterKind,
    LetterStatus,
    OutgoingLetter,
    PrintRun,
    Recipient,
)
from commission.services.letters import printing, profile
from tests.cases_helpers import new_case
from tests.conftest import World, fresh, is_postgres

MM = 72 / 25.4  # PDF points per millimetre
A4_HEIGHT_MM = 297


def content(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "letterhead": {"council": "Conseil intercommunal de santé, santé mentale et citoyenneté",
                       "lines": ["Hôtel de ville", "1 rue Jean Jaurès", "59370 MONS EN BAROEUL"],
                       "phone": "03 20 00 00 00", "email": "commission@example.org"},
        "reference": "CA-2026-00042", "file_reference": "D-2025-00017",
        "contact": {"name": "Claire Dubois", "phone": "03 20 00 00 01", "email": "claire.dubois@example.org"},
        "recipient": ["Madame Ada Martin", "appt 4", "12 rue des Lilas", "59790 RONCHIN"],
        "place_date": "Mons-en-Barœul, le 1er décembre 2026", "subject": "Votre demande de logement",
        "paragraphs": ["Madame,", "La commission a examiné votre demande.",
                       "Veuillez agréer, Madame, nos salutations."],
        "signature": {"preamble": "Pour le président et par délégation,", "name": "Nadia Haddad",
                      "capacity": "adjointe au maire de Ronchin"},
        "copies": ["M. Paul Durand, curateur"], "copy_of": "",
    }
    data.update(overrides)
    return data


def png(width: int = 300, height: int = 100, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 60, 120)).save(buffer, fmt)
    return buffer.getvalue()


def words(pdf: bytes, page_number: int = 0) -> list[tuple[float, float, str]]:
    """Each line of text of a page with the position of its start: millimetres from the left and from the top
    of the sheet (the baseline)."""
    page = PdfReader(io.BytesIO(pdf)).pages[page_number]
    found: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x / MM, A4_HEIGHT_MM - y / MM, text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


# ---------------------------------------------------------------- the letter's PDF


def test_a_letter_reads_as_a_french_administrative_letter() -> None:
    pdf = render_letters([LetterPage.from_content(content())], logo=png(), logo_type="image/png")
    [text] = texts(pdf)
    for part in ("N/Réf.", "CA-2026-00042", "Dossier", "D-2025-00017", "Affaire suivie par", "Claire Dubois",
                 "Mons-en-Barœul, le 1er décembre 2026", "Objet", "Votre demande de logement",
                 "Pour le président et par délégation,", "Nadia Haddad", "adjointe au maire de Ronchin",
                 "Copie", "M. Paul Durand, curateur", "59790 RONCHIN", "59370 MONS EN BAROEUL"):
        assert part in text, part
    # top to bottom in a French letter's order (the text's order in the PDF is the drawing's, not the reading's)
    placed = words(pdf)

    def top(start: str) -> float:
        return next(y for _x, y, line in placed if start in line)

    order = [top(part) for part in ("Conseil intercommunal", "CA-2026-00042", "Mons-en-Barœul, le", "Objet",
                                    "La commission a examiné", "Pour le président", "Nadia Haddad", "M. Paul Durand")]
    assert order == sorted(order)
    # the references in the left column, beside the address
    assert next(x for x, _y, line in placed if "CA-2026-00042" in line) < 100 < next(
        x for x, _y, line in placed if line == "Madame Ada Martin")
    assert "Copie — lettre adressée" not in text


def test_the_address_lies_in_the_window_of_a_dl_envelope() -> None:
    """The window of a French DL envelope shows an 85 x 33 mm frame 110 mm from the left and 55 mm from the top
    of the sheet, whatever the letter's slide in it; the address's lines start there, and nothing else does."""
    lines = ["Madame Ada Martin-Dubois-Lefebvre", "Résidence Les Tilleuls Bâtiment C", "appt 4",
             "125 bis avenue du Général de Gaulle", "BP 12", "59370 MONS EN BAROEUL"]
    pdf = render_letters([LetterPage.from_content(content(recipient=lines))], logo=png(), logo_type="image/png")
    placed = words(pdf)
    in_window = [(x, y, text) for x, y, text in placed if 109 <= x <= 195 and 55 <= y <= 88]
    assert [text for _x, _y, text in in_window] == lines
    assert all(abs(x - 110) < 0.5 for x, _y, _text in in_window)  # aligned to the left, as La Poste's readers want
    # the letterhead, references and text stay out of the window
    assert all(not (100 <= x <= 200 and 50 <= y <= 95) for x, y, text in placed if text not in lines)
    place_date = next(y for _x, y, text in placed if text.startswith("Mons-en-Barœul, le"))
    assert place_date > 95  # the text begins below the window


def test_each_letter_starts_on_its_own_page_and_a_copy_says_so() -> None:
    pages = [LetterPage.from_content(content()),
             LetterPage.from_content(content(recipient=["M. Paul Durand", "10 rue X", "59000 LILLE"],
                                             copy_of="Madame Ada Martin", reference="CA-2026-00043"))]
    first, second = texts(render_letters(pages))
    assert "CA-2026-00042" in first and "CA-2026-00043" not in first
    assert "Copie — lettre adressée à Madame Ada Martin" in second and "59000 LILLE" in second


def test_content_missing_or_of_another_type_prints_empty() -> None:
    page = LetterPage.from_content({"reference": "CA-2026-00001", "recipient": "not a list", "paragraphs": [1, "Un"],
                                    "signature": ["not", "a", "mapping"]})
    assert page.recipient == () and page.paragraphs == ("Un",) and page.signature_name == ""
    assert LetterPage.from_content(page.content()) == page
    assert texts(render_letters([page]))[0]


def test_only_the_council_logo_is_loaded() -> None:
    """Another image slipped into the content is text, escaped: the letter loads nothing but its logo."""
    sneaky = content(subject='<img src="file:///etc/passwd">', paragraphs=['<img src="data:image/png;base64,AAAA">'])
    [text] = texts(render_letters([LetterPage.from_content(sneaky)], logo=png(), logo_type="image/png"))
    assert '<img src="file:///etc/passwd">' in text
    # a logo of another type is not printed
    assert texts(render_letters([LetterPage.from_content(content())], logo=b"<svg/>", logo_type="image/svg+xml"))


def test_the_place_and_date_line() -> None:
    assert place_date_line("Mons-en-Barœul", date(2026, 12, 1)) == "Mons-en-Barœul, le 1er décembre 2026"
    assert place_date_line("", date(2026, 12, 2)) == "2 décembre 2026"


# ---------------------------------------------------------------- the council's profile


def form(**overrides: str) -> profile.ProfileInput:
    values = {"street": "1 rue Jean Jaurès", "address_extra": "Hôtel de ville", "postcode": "59370",
              "town": "Mons-en-Barœul", "phone": "03 20 00 00 00", "email": "commission@example.org",
              "contact_name": "Claire Dubois", "president_name": "Jean Lefebvre",
              "president_capacity": "Président du conseil", "means_threshold": "300,50",
              "new_examination_days": "60"}
    values.update(overrides)
    return profile.ProfileInput(**values)


def test_the_coordinator_saves_the_profile_and_the_change_is_audited(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    assert session.get(CouncilProfile, 1) is None
    saved = profile.update(session, coordinator, form(), expected_version=0)
    session.commit()
    assert saved.id == 1 and saved.means_threshold_cents == 30050 and saved.town == "Mons-en-Barœul"
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "council_profile.updated")).scalar_one()
    assert "30050" in entry.details
    head = profile.letterhead(saved, "Conseil")
    assert head["lines"] == ["Hôtel de ville", "1 rue Jean Jaurès", "59370 MONS EN BAROEUL"]
    with pytest.raises(ConcurrentChange):  # drawn before the first save
        profile.update(session, coordinator, form(town="Ronchin"), expected_version=0)
    session.rollback()
    again = profile.update(session, coordinator, form(town="Ronchin"), expected_version=saved.version)
    session.commit()
    assert again.town == "Ronchin"


def test_bad_input_names_each_field_and_changes_nothing(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        profile.update(session, world.users["coordinator"], form(
            postcode="5937", email="commission.example.org", means_threshold="-3", new_examination_days="400",
            street="x" * 39), expected_version=None)
    assert set(refused.value.errors) == {"postcode", "email", "means_threshold", "new_examination_days", "street"}
    session.rollback()
    assert session.get(CouncilProfile, 1) is None


@pytest.mark.parametrize("role", ["care_a", "chair", "treasurer", "member"])
def test_only_the_coordinator_edits_the_profile(session: Session, world: World, role: str) -> None:
    with pytest.raises(Forbidden):
        profile.update(session, world.users[role], form(), expected_version=None)
    with pytest.raises(Forbidden):
        profile.set_logo(session, world.users[role], png(), expected_version=None)


def test_the_logo_is_checked_by_its_content(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    gif = png(fmt="GIF")
    fake = b"\x89PNG\r\n\x1a\n" + b"not a png at all" * 10
    truncated = png(400, 400)[:200]
    too_heavy = b"\x89PNG\r\n\x1a\n" + bytes(1024 * 1024)
    for refused in (svg, gif, fake, truncated, b"", png(5000, 20), png(8, 8), too_heavy):
        with pytest.raises(InvalidInput) as error:
            profile.set_logo(session, coordinator, refused, expected_version=None)
        assert list(error.value.errors) == ["logo"]
    session.rollback()
    saved = profile.set_logo(session, coordinator, png(fmt="JPEG"), expected_version=None)
    session.commit()
    assert saved.logo_type == "image/jpeg" and profile.logo(session, coordinator) == (saved.logo, "image/jpeg")
    saved = profile.remove_logo(session, coordinator, expected_version=saved.version)
    session.commit()
    assert saved.logo is None and profile.logo(session, coordinator) is None
    actions = session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "council_profile")).scalars()
    assert list(actions) == ["council_profile.logo_set", "council_profile.logo_removed"]


# ---------------------------------------------------------------- print runs


def letter(session: Session, case_id: int, name: str, number: int, status: LetterStatus = LetterStatus.TO_POST,
           ) -> OutgoingLetter:
    """A letter as the register holds it (the lead's writing service makes them; here only what printing reads)."""
    row = OutgoingLetter(
        reference=f"CA-2026-{number:06d}", case_id=case_id, kind=LetterKind.REFUSAL, recipient=Recipient.PERSON,
        recipient_name=name, address="\n".join([name, "12 rue des Lilas", "59790 RONCHIN"]),
        channel=Channel.POST, status=status, letter_date=date(2026, 3, 20),
        content=content(reference=f"CA-2026-{number:06d}", recipient=[name, "12 rue des Lilas", "59790 RONCHIN"]),
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def to_post(session: Session, world: World) -> Iterator[list[OutgoingLetter]]:
    case = new_case(session, world)
    letters = [letter(session, case.id, "Zoé Vasseur", 1), letter(session, case.id, "ada Martin", 2),
               letter(session, case.id, "Bruno Petit", 3),
               letter(session, case.id, "Sent Already", 4, LetterStatus.POSTED)]
    session.commit()
    yield letters


def test_a_print_run_takes_every_letter_to_post_and_prints_them_by_recipient(
    session: Session, world: World, to_post: list[OutgoingLetter],
) -> None:
    coordinator = world.users["coordinator"]
    assert [row.recipient_name for row in printing.waiting(session, coordinator)] == [
        "ada Martin", "Bruno Petit", "Zoé Vasseur"]
    run = printing.create_run(session, coordinator)
    session.commit()
    fresh(session)
    statuses = {row.recipient_name: (row.status, row.print_run_id) for row in session.execute(
        select(OutgoingLetter)).scalars()}
    assert statuses["Zoé Vasseur"] == (LetterStatus.PRINTED, run.id)
    assert statuses["Sent Already"] == (LetterStatus.POSTED, None)
    assert printing.waiting(session, coordinator) == []
    with pytest.raises(TransitionRefused):  # nothing left to print
        printing.create_run(session, coordinator)
    session.rollback()

    [view] = printing.list_runs(session, coordinator)
    assert not view.downloaded and not view.posted
    pdf = printing.run_pdf(session, coordinator, run.id)
    session.commit()
    pages = texts(pdf)
    assert len(pages) == 3
    assert ["ada Martin" in pages[0], "Bruno Petit" in pages[1], "Zoé Vasseur" in pages[2]] == [True, True, True]
    assert printing.get_run(session, coordinator, run.id).downloaded

    posted_on = clock.today()
    with pytest.raises(ConcurrentChange):
        printing.mark_posted(session, coordinator, run.id, posted_on=posted_on, expected_version=run.version + 1)
    session.rollback()
    with pytest.raises(InvalidInput):
        printing.mark_posted(session, coordinator, run.id, posted_on=posted_on + timedelta(days=1),
                             expected_version=None)
    session.rollback()
    printing.mark_posted(session, coordinator, run.id, posted_on=posted_on, expected_version=1)
    session.commit()
    fresh(session)
    posted = session.execute(select(OutgoingLetter).where(OutgoingLetter.print_run_id == run.id)).scalars().all()
    assert {(row.status, row.posted_on) for row in posted} == {(LetterStatus.POSTED, posted_on)}
    with pytest.raises(TransitionRefused):
        printing.mark_posted(session, coordinator, run.id, posted_on=posted_on, expected_version=None)
    session.rollback()
    actions = session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "print_run")
                              .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["print_run.created", "print_run.downloaded", "print_run.posted"]


@pytest.mark.parametrize("role", ["care_a", "chair", "treasurer", "landlord_a"])
def test_print_runs_are_the_coordinators(session: Session, world: World, to_post: list[OutgoingLetter],
                                         role: str) -> None:
    user = world.users[role]
    for attempt in (lambda: printing.create_run(session, user), lambda: printing.waiting(session, user),
                    lambda: printing.list_runs(session, user)):
        with pytest.raises(Forbidden):
            attempt()
    run = printing.create_run(session, world.users["coordinator"])
    session.commit()
    with pytest.raises(Forbidden):
        printing.run_pdf(session, user, run.id)
    with pytest.raises(Forbidden):
        printing.mark_posted(session, user, run.id, posted_on=clock.today(), expected_version=None)
    assert session.get(PrintRun, run.id) is not None


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
