"""The documents read back as a member would read them: minutes, agenda, letters (PDF) and invitations (.ics).

PDFs are read with pypdf and calendars with vobject, libraries other than the ones that wrote them.
No database: the documents are built from the plain data of ``tests.documents_helpers``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
import vobject
from babel.dates import format_date
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, PdfObject

from commission.documents import pdf as pdf_module
from commission.documents.agenda import render_agenda
from commission.documents.calendar import invitation_ics, invitations_ics
from commission.documents.data import MinutesData, PersonRef, redact_agenda, redact_minutes
from commission.documents.letters import render_letter, render_letters
from commission.documents.minutes import render_minutes
from commission.documents.pdf import (
    AssetsOnlyFetcher,
    RefusedResourceError,
    document_assets,
    documents_dir,
    html_to_pdf,
)
from commission.typography import hours
from tests.documents_helpers import (
    COUNCIL,
    PARIS,
    sample_agenda,
    sample_draft,
    sample_invitation,
    sample_letter,
    sample_letters,
    sample_minutes,
)

HEARING_LABEL = "Commission du 19 mars 2026 — Ronchin"


def pages_text(document: bytes) -> list[str]:
    """Each page's text with runs of white space (line breaks of wrapped cells included) made one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(document)).pages]


def spaced(text: str) -> str:
    """A text with its white space as pages_text gives it (no-break spaces as spaces)."""
    return " ".join(text.split())


def all_text(document: bytes) -> str:
    return " ".join(pages_text(document))


@pytest.fixture(scope="module")
def minutes() -> MinutesData:
    return sample_minutes(12)


@pytest.fixture(scope="module")
def minutes_pdf(minutes: MinutesData) -> bytes:
    return render_minutes(minutes)


@pytest.fixture(scope="module")
def redacted_pdf(minutes: MinutesData) -> bytes:
    return render_minutes(redact_minutes(minutes))


# The minutes


def test_minutes_name_the_hearing_its_chair_and_quorum(minutes_pdf: bytes) -> None:
    text = all_text(minutes_pdf)
    assert "Procès-verbal" in text
    assert HEARING_LABEL in text
    assert "Lieu : Salle du conseil municipal, Hôtel de ville, 2 rue Louis Pasteur, Ronchin ; à partir de 14 h." in text
    assert "Présidée par Hélène Dubois, Adjointe au maire de Ronchin." in text
    assert "Version 1 — Signé — approuvé le 24 mars 2026" in text
    assert "Quorum : 9 membres votants présents ou représentés, 6 requis. Le quorum est atteint." in text


def test_minutes_list_every_member_with_their_capacity_and_status(minutes: MinutesData, minutes_pdf: bytes) -> None:
    text = all_text(minutes_pdf)
    for attendee in minutes.attendees:
        assert f"{attendee.name} {attendee.capacity}" in text
    assert "Représenté·e (1)" in text
    assert "représenté·e par Isabelle Noël" in text
    assert "Excusé·e (2)" in text
    assert "voix consultative" in text


def test_minutes_record_every_decision_with_its_reason_and_vote(minutes: MinutesData, minutes_pdf: bytes) -> None:
    text = all_text(minutes_pdf)
    for item in minutes.items:
        assert f"Point {item.position} — {item.kind_label} — dossier {item.case_reference}" in text
        assert f"{item.person.full_name}, né·e le {item.person.birth_date:%d/%m/%Y}" in text
        assert f"{item.decision_label} — {item.reason}" in text
        if item.votes:
            votes = item.votes
            assert (f"Pour : {votes.in_favour} — contre : {votes.against} — abstentions : {votes.abstentions}"
                    in text)
    assert "Retrait pour conflit d'intérêts : Olivier Caron" in text
    assert "Reporté à Commission du 18 juin 2026 — Lezennes" in text
    assert "— rang 1" in text
    assert "Reporté d'une commission précédente." in text


def test_minutes_end_with_the_hearing_news_and_the_signature(minutes: MinutesData, minutes_pdf: bytes) -> None:
    text = all_text(minutes_pdf)
    for line in (*minutes.vacancies, *minutes.movements, minutes.remarks, minutes.next_hearing):
        assert line in text
    signature = " ".join(["Signé par Hélène Dubois", minutes.signer_capacity, "le 26 mars 2026"])
    last_page = pages_text(minutes_pdf)[-1]
    assert last_page.index(minutes.next_hearing) < last_page.index(signature)


def test_every_page_carries_the_header_and_its_number(minutes_pdf: bytes) -> None:
    pages = pages_text(minutes_pdf)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"{number} / {len(pages)}" in text
        assert COUNCIL.name in text and HEARING_LABEL in text


def test_a_draft_correction_says_what_it_corrects_and_awaits_signature() -> None:
    pages = pages_text(render_minutes(replace(sample_draft(6), status_label="Brouillon")))
    text = " ".join(pages)
    assert "Version 2 — Brouillon" in text
    assert "Version 2, rectifiant la version 1 : erreur sur le rang attribué au point 2" in text
    assert len(pages) > 1 and all("Projet" in page for page in pages), "a draft is marked on every page"
    assert "Signature du président de séance" in text and "Signé par" not in text


def test_minutes_in_english_on_request() -> None:
    text = all_text(render_minutes(sample_minutes(1), locale="en"))
    assert "Apartment commission of March 19, 2026 — Ronchin" in text
    assert "Quorum: 9 voting members present or represented, 6 required. The quorum is met." in text
    assert "Camille Martin, born on 1/1/1955" in text


# What the redacted minutes do not say


def birth_date_spellings(day: date) -> set[str]:
    spellings = {day.isoformat(), f"{day:%d/%m/%Y}", f"{day:%d/%m/%y}", f"{day.day}/{day.month}/{day:%y}"}
    for locale in ("fr", "en"):
        spellings |= {format_date(day, style, locale=locale) for style in ("short", "medium", "long", "full")}
    return spellings


def assert_no_personal_data(text: str, people: list[PersonRef]) -> None:
    for person in people:
        assert person.full_name not in text
        assert person.full_name.split()[-1] not in text, person.full_name
        assert person.birth_date is not None
        for spelling in birth_date_spellings(person.birth_date):
            assert spelling not in text, spelling
        if person.protection:
            assert person.protection not in text


def test_redacted_minutes_show_initials_and_no_name_nor_birth_date(minutes: MinutesData, redacted_pdf: bytes) -> None:
    text = all_text(redacted_pdf)
    assert_no_personal_data(text, [item.person for item in minutes.items])
    for item in minutes.items:
        assert f"Personne {item.person.initials} Équipe soignante {item.person.care_team}" in text
    for page in pages_text(redacted_pdf):
        assert "Version diffusable — données personnelles occultées" in page


def test_the_template_withholds_personal_data_even_when_the_data_forgot_to(minutes: MinutesData) -> None:
    forgotten = replace(minutes, redacted=True)  # marked redacted, persons left whole: a service's mistake
    assert_no_personal_data(all_text(render_minutes(forgotten)), [item.person for item in minutes.items])


def test_a_landlords_extract_says_so_and_prints_no_row_it_was_not_given(minutes: MinutesData) -> None:
    """The data a landlord's representative gets (the policy's fields: decisions, own places, who sat): the
    rows and sections it holds nothing for are not printed empty, and the extract says what it is."""
    kept = redact_minutes(minutes).items[0]
    extract = replace(redact_minutes(minutes), items=(replace(kept, person=replace(kept.person, care_team=""),
                                                              request="", note=""),),
                      vacancies=minutes.vacancies[:1], movements=(), remarks="", extract_for="Habitat Métropole Est")
    text = all_text(render_minutes(extract))
    assert "Extrait pour Habitat Métropole Est : les seuls dossiers concernant ses logements." in text
    assert f"Personne {kept.person.initials} Horaire de passage" in text  # no care team, no request row
    assert "Équipe soignante" not in text and f"Demande {kept.request}" not in text
    assert "Observations" not in text and "Entrées et sorties" not in text
    assert f"Places vacantes de Habitat Métropole Est {minutes.vacancies[0]}" in text
    assert minutes.vacancies[1] not in text
    assert "Aucun dossier concernant ces logements n'a été examiné." in all_text(render_minutes(
        replace(extract, items=())))


# Hostile text and what WeasyPrint may load


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every URL WeasyPrint asks the fetcher for, during the test."""
    asked: list[str] = []
    original = AssetsOnlyFetcher.fetch

    def spy(self: AssetsOnlyFetcher, url: str, headers: Mapping[str, str] | None = None) -> object:
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(AssetsOnlyFetcher, "fetch", spy)
    yield asked


HOSTILE = ("<script>alert(1)</script>", '<img src="file:///etc/passwd">', "W" * 5000)


def test_hostile_text_is_printed_as_text_and_loads_nothing(fetched: list[str]) -> None:
    base = sample_minutes(1)
    person = PersonRef(full_name=HOSTILE[0], initials="X. X.", birth_date=date(1980, 1, 1), care_team=HOSTILE[1])
    item = replace(base.items[0], person=person, reason=HOSTILE[2], note='<link rel="stylesheet" href="http://x/">')
    document = render_minutes(replace(base, items=(item,), remarks="{{ 7 * 7 }} {% raw %}"))

    text = all_text(document)
    assert HOSTILE[0] in text and HOSTILE[1] in text
    assert '<link rel="stylesheet" href="http://x/">' in text
    assert "{{ 7 * 7 }} {% raw %}" in text
    assert text.count("W") == len(HOSTILE[2]), "the long word is printed whole (across pages)"
    lines = [line for page in PdfReader(BytesIO(document)).pages for line in page.extract_text().splitlines()]
    assert max(len(line) for line in lines) < 200, "the long word must wrap, not run off the page"
    assert all(Path(url.removeprefix("file://")) in document_assets() for url in fetched), fetched


@pytest.mark.parametrize("snippet", [
    '<img src="file:///etc/passwd">',
    '<img src="/etc/passwd">',
    '<img src="../../../../../../etc/passwd">',
    '<img src="document.css/../../../../../../../etc/passwd">',
    '<img src="http://127.0.0.1:9/pixel.png">',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<link rel="stylesheet" href="https://example.org/evil.css">',
    '<link rel="attachment" href="file:///etc/hostname">',
    '<div style="background-image: url(file:///etc/passwd)">x</div>',
    "<style>@import url(file:///etc/passwd);</style>",
    '<style>@font-face { font-family: x; src: url(file:///etc/passwd) } p { font-family: x }</style>',
])
def test_anything_but_the_stylesheet_is_refused_and_stops_the_document(snippet: str) -> None:
    fetcher = AssetsOnlyFetcher(document_assets())
    html = f'<!doctype html><html lang="fr"><head><link rel="stylesheet" href="document.css"></head>' \
           f"<body>{snippet}<p>texte</p></body></html>"
    with pytest.raises(RefusedResourceError):
        html_to_pdf(html, fetcher=fetcher)
    assert fetcher.refused
    assert not any(url.endswith("document.css") for url in fetcher.refused)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "file://localhost/etc/passwd", "file://evil.example.org/share/document.css",
    "http://localhost/document.css", "data:text/css,p{}", "ftp://example.org/document.css",
])
def test_the_fetcher_refuses_any_other_url(url: str) -> None:
    fetcher = AssetsOnlyFetcher(document_assets())
    with pytest.raises(PermissionError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_documents_stylesheet() -> None:
    stylesheet = documents_dir() / "document.css"
    response = AssetsOnlyFetcher(document_assets()).fetch(stylesheet.as_uri())
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


# Metadata and archival format


def dictionary(value: object) -> DictionaryObject:
    """A PDF dictionary, through its indirect reference if need be."""
    resolved = value.get_object() if isinstance(value, PdfObject) else value
    assert isinstance(resolved, DictionaryObject), resolved
    return resolved


def test_the_pdf_names_its_title_author_and_language(minutes_pdf: bytes) -> None:
    reader = PdfReader(BytesIO(minutes_pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == f"Procès-verbal — {HEARING_LABEL} — version 1"
    assert reader.metadata.author == COUNCIL.name
    assert reader.metadata.subject == HEARING_LABEL
    assert reader.metadata.creation_date == datetime(2026, 3, 26, 9, 30, tzinfo=UTC)
    assert str(reader.root_object["/Lang"]) == "fr"


def test_the_pdf_declares_pdf_a_with_embedded_fonts_and_an_output_intent(minutes_pdf: bytes) -> None:
    reader = PdfReader(BytesIO(minutes_pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None and (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("2", "B")
    assert xmp.dc_creator == [COUNCIL.name]
    intents = reader.root_object["/OutputIntents"]
    assert isinstance(intents, ArrayObject)
    intent = dictionary(intents[0])
    assert str(intent["/S"]) == "/GTS_PDFA1" and "sRGB" in str(intent["/OutputConditionIdentifier"])
    fonts = [dictionary(font) for font in dictionary(dictionary(reader.pages[0]["/Resources"])["/Font"]).values()]
    assert fonts and all("DejaVu-Sans" in str(font["/BaseFont"]) for font in fonts)
    for font in fonts:
        descendants = font["/DescendantFonts"]
        assert isinstance(descendants, ArrayObject)
        descriptor = dictionary(dictionary(descendants[0])["/FontDescriptor"])
        assert "/FontFile2" in descriptor, "PDF/A needs every font embedded"


# The agenda


def test_the_agenda_lists_the_files_in_order_with_their_time_slots() -> None:
    agenda = sample_agenda(8)
    text = all_text(render_agenda(agenda))
    assert "Ordre du jour" in text and HEARING_LABEL in text
    for item in agenda.items:
        assert item.time_slot is not None
        assert f"{item.position} {spaced(hours(f'{item.time_slot:%H:%M}'))} {item.person.full_name}" in text
    assert text.count("Reporté de la séance précédente.") == sum(item.carried_over for item in agenda.items)
    for vacancy in agenda.vacancies:
        assert vacancy in text


def test_a_landlords_agenda_names_whose_vacant_places_it_lists() -> None:
    agenda = replace(sample_agenda(2), vacancies=sample_agenda(2).vacancies[:1], places_of="Logis du Nord")
    text = all_text(render_agenda(agenda))
    assert f"Places vacantes de Logis du Nord {agenda.vacancies[0]}" in text


def test_the_redacted_agenda_shows_initials_only() -> None:
    agenda = sample_agenda(8)
    text = all_text(render_agenda(redact_agenda(agenda)))
    assert_no_personal_data(text, [item.person for item in agenda.items])
    assert "Version diffusable — données personnelles occultées" in text


# Letters


def test_letters_come_one_per_page_each_to_its_recipient() -> None:
    letters = sample_letters()
    pages = pages_text(render_letters(letters))
    assert len(pages) == len(letters)
    for letter, text in zip(letters, pages, strict=True):
        assert letter.time_slot is not None
        assert letter.recipient_name in text
        assert " ".join(letter.recipient_address) in text
        assert "Ronchin, le 2 mars 2026" in text
        assert "Objet : convocation à la commission appartement du 19 mars 2026" in text
        assert spaced(hours(f"{letter.time_slot:%H:%M}")) in text
        assert letter.signatory in text


@pytest.mark.parametrize(("role", "says"), [
    ("person", "Vous êtes invité·e à venir présenter votre situation"),
    ("guardian", "En votre qualité de curateur ou tuteur de Camille Martin"),
    ("care_team", "Nous demandons à un membre de l'équipe d'accompagner la personne et de présenter le dossier"),
])
def test_each_recipient_gets_the_letter_of_their_role(role: str, says: str) -> None:
    pages = pages_text(render_letter(sample_letter(role)))
    assert len(pages) == 1
    assert says in pages[0]
    assert "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées." in pages[0]


def test_a_letter_without_a_time_slot_gives_the_start_of_the_hearing() -> None:
    text = all_text(render_letter(replace(sample_letter("guardian"), time_slot=None)))
    assert "La séance commence à 14 h." in text


def test_no_letter_is_no_document() -> None:
    with pytest.raises(ValueError, match="at least one letter"):
        render_letters([])


# Invitations


def test_an_invitation_reads_back_in_another_library() -> None:
    invitation = sample_invitation()
    calendar = vobject.readOne(invitation_ics(invitation).decode())
    assert calendar.method.value == "REQUEST"
    assert calendar.prodid.value and calendar.version.value == "2.0"
    event = calendar.vevent
    assert event.uid.value == invitation.uid
    assert event.summary.value == invitation.summary
    assert event.description.value == invitation.description
    assert event.location.value == invitation.location
    assert event.dtstart.value == datetime(2026, 3, 19, 14, 0, tzinfo=PARIS)
    assert "Europe/Paris" in repr(event.dtstart.value.tzinfo), "the time refers to the calendar's VTIMEZONE"
    assert event.dtstart.value.utcoffset() == timedelta(hours=1)
    assert event.dtend.value == datetime(2026, 3, 19, 17, 0, tzinfo=PARIS)
    assert event.dtstamp.value == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert event.sequence.value == "1"
    assert event.attendee.value == f"mailto:{invitation.attendee_email}"
    assert event.attendee.params["CN"] == [invitation.attendee_name]
    assert event.organizer.value == f"mailto:{invitation.organizer_email}"
    assert calendar.vtimezone.tzid.value == "Europe/Paris"


def test_an_invitation_is_the_same_bytes_every_time() -> None:
    assert invitation_ics(sample_invitation()) == invitation_ics(sample_invitation())


def test_a_summer_hearing_given_in_utc_is_written_in_paris_time() -> None:
    start = datetime(2026, 6, 18, 12, 0, tzinfo=UTC)
    invitation = sample_invitation(start=start, end=start + timedelta(hours=3), stamp=None)
    event = vobject.readOne(invitation_ics(invitation).decode()).vevent
    assert "Europe/Paris" in repr(event.dtstart.value.tzinfo)
    assert event.dtstart.value.replace(tzinfo=None) == datetime(2026, 6, 18, 14, 0)
    assert event.dtstart.value.utcoffset() == timedelta(hours=2)
    assert event.dtstamp.value == start, "without a stamp, the start stands in: no clock in the output"


def test_an_invitation_without_an_email_has_no_attendee() -> None:
    event = vobject.readOne(invitation_ics(sample_invitation(attendee_email="")).decode()).vevent
    assert "attendee" not in event.contents


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation_ics(sample_invitation(start=datetime(2026, 3, 19, 14, 0)))


def test_several_invitations_make_one_calendar_to_import() -> None:
    invitations = [sample_invitation(), sample_invitation(uid="hearing-2026-1-member-8@commission.example.org")]
    calendar = vobject.readOne(invitations_ics(invitations).decode())
    assert [event.uid.value for event in calendar.vevent_list] == [i.uid for i in invitations]
    assert "method" not in calendar.contents, "a scheduling request carries one UID; a file to import none"
    assert len(calendar.vtimezone_list) == 1


def test_the_renderers_locale_falls_back_to_french() -> None:
    assert pdf_module.supported_locale("de") == "fr"
    assert pdf_module.supported_locale("en") == "en"
