"""Documents rendered once and kept: served again while nothing they show has changed, never to another reader.

The agenda and the minutes are kept in the instance's ``rendered`` folder under the digest of their HTML
(``commission.documents.pdf.document_key``): each test counts the renderings (``html_to_pdf`` is every
document's way to WeasyPrint) and reads the PDFs back. The folder itself (``RenderedDocuments``) is tested
on its own first, then the services and the routes that use it, then the retention rules that empty it.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from commission import clock
from commission.config import Settings
from commission.documents import pdf as pdf_module
from commission.documents.minutes import render_minutes
from commission.documents.pdf import compact_tables, document_key, font_configuration
from commission.documents.rendered import FOLDER, RenderedDocuments, rendered_documents
from commission.models import Hearing
from commission.services import hearing_documents, hearings, retention
from commission.storage import DocumentStore
from tests.cases_helpers import TODAY
from tests.conftest import World, fresh, login
from tests.documents_helpers import sample_minutes
from tests.hearings_helpers import HEARING_DAY, closed, plan, ready_case

KEY_A, KEY_B = "a" * 64, "b" * 64


def text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture
def renderings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The HTML of every document WeasyPrint renders during the test."""
    rendered: list[str] = []
    original = pdf_module.html_to_pdf

    def counted(html: str, **kwargs: object) -> bytes:
        rendered.append(html)
        return original(html, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf_module, "html_to_pdf", counted)
    yield rendered


def kept_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.pdf"))


# ---------------------------------------------------------------- the folder


def test_a_kept_document_is_found_by_its_key_only(tmp_path: Path) -> None:
    kept = RenderedDocuments(tmp_path / "rendered")
    assert kept.get("agenda-1-x", KEY_A) is None  # no folder yet: nothing kept, no error
    kept.put("agenda-1-x", KEY_A, b"%PDF one")
    assert kept.get("agenda-1-x", KEY_A) == b"%PDF one"
    assert kept.get("agenda-1-x", KEY_B) is None
    assert kept.get("agenda-1-y", KEY_A) is None


def test_a_new_version_replaces_the_slots_older_one_on_disk(tmp_path: Path) -> None:
    kept = RenderedDocuments(tmp_path)
    kept.put("agenda-1-x", KEY_A, b"%PDF with Ada")
    kept.put("agenda-1-y", KEY_A, b"%PDF another view")
    kept.put("agenda-1-x", KEY_B, b"%PDF without her")
    assert kept.get("agenda-1-x", KEY_A) is None
    assert kept_files(tmp_path) == [f"agenda-1-x.{KEY_B}.pdf", f"agenda-1-y.{KEY_A}.pdf"]
    assert not any(b"Ada" in path.read_bytes() for path in tmp_path.iterdir())


def test_the_least_recently_served_go_first_past_the_limit(tmp_path: Path) -> None:
    kept = RenderedDocuments(tmp_path, limit=2)
    kept.put("one", KEY_A, b"1")
    kept.put("two", KEY_A, b"2")
    old = tmp_path / f"two.{KEY_A}.pdf"
    past = old.stat().st_mtime - 60
    os.utime(old, (past, past))
    os.utime(tmp_path / f"one.{KEY_A}.pdf", (past - 60, past - 60))
    assert kept.get("one", KEY_A) == b"1"  # served: now the most recent
    kept.put("three", KEY_A, b"3")
    assert kept_files(tmp_path) == [f"one.{KEY_A}.pdf", f"three.{KEY_A}.pdf"]
    assert kept.clear() == 2 and kept_files(tmp_path) == []


def test_slots_and_keys_cannot_name_another_path(tmp_path: Path) -> None:
    kept = RenderedDocuments(tmp_path)
    for slot in ("", "../x", "a.b", "a/b", "x" * 101):
        with pytest.raises(ValueError):
            kept.get(slot, KEY_A)
    for key in ("", "A" * 64, "a" * 63, "../" + "a" * 61):
        with pytest.raises(ValueError):
            kept.put("slot", key, b"")


def test_a_folder_that_cannot_be_written_fails_no_request(tmp_path: Path) -> None:
    blocked = tmp_path / "rendered"
    blocked.write_text("a file where the folder should be")
    kept = RenderedDocuments(blocked)
    kept.put("slot", KEY_A, b"%PDF")  # not kept, and no error
    assert kept.get("slot", KEY_A) is None
    pdf = render_minutes(sample_minutes(1), kept=kept, slot="minutes-1")
    assert pdf.startswith(b"%PDF") and "Procès-verbal" in text(pdf)


# ---------------------------------------------------------------- what the key covers


def test_the_key_is_the_documents_html_and_the_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = "<p>Ada Martin</p>"
    before = document_key(html)
    assert document_key(html) == before and document_key("<p>A. M.</p>") != before
    changed = tmp_path / pdf_module.STYLESHEET
    changed.write_text((pdf_module.documents_dir() / pdf_module.STYLESHEET).read_text() + "\np { color: #111 }\n")
    monkeypatch.setattr(pdf_module, "document_assets", lambda: [changed, pdf_module.SRGB_PROFILE])
    pdf_module.renderer_fingerprint.cache_clear()
    try:
        assert document_key(html) != before  # a new stylesheet: every document is rendered anew
    finally:
        monkeypatch.undo()
        pdf_module.renderer_fingerprint.cache_clear()
    assert document_key(html) == before


def test_the_same_data_is_rendered_once(tmp_path: Path, renderings: list[str]) -> None:
    kept = RenderedDocuments(tmp_path)
    data = sample_minutes(2)
    first = render_minutes(data, kept=kept, slot="minutes-1")
    assert render_minutes(data, kept=kept, slot="minutes-1") == first
    assert len(renderings) == 1
    english = render_minutes(data, locale="en", kept=kept, slot="minutes-1-en")
    assert len(renderings) == 2 and "Minutes" in text(english)


def test_white_space_around_table_tags_goes_and_nothing_else() -> None:
    html = '<p>Vote : <strong>8</strong> pour</p>\n<table class="facts">\n  <tr>\n    <th>Nom</th>\n' \
           '    <td> Ada\u00a0Martin <br> <em>née</em> </td>\n  </tr>\n</table>\n<p> fin </p>'
    assert compact_tables(html) == '<p>Vote : <strong>8</strong> pour</p><table class="facts"><tr><th>Nom</th>' \
                                   '<td>Ada\u00a0Martin <br> <em>née</em></td></tr></table><p> fin </p>'
    assert compact_tables("<td>\u00a0</td> <thead>x</thead>") == "<td>\u00a0</td><thead>x</thead>"


def test_each_thread_keeps_its_own_font_configuration() -> None:
    mine = font_configuration()
    assert font_configuration() is mine
    theirs: list[object] = []
    thread = threading.Thread(target=lambda: theirs.append(font_configuration()))
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine


# ---------------------------------------------------------------- the services


def planned(session: Session, world: World, *names: str) -> Hearing:
    for name in names:
        ready_case(session, world, name, actor="care_a" if name < "B" else "care_b")
    hearing = plan(session, world)
    hearings.build_agenda(session, world.users["coordinator"], hearing.id, hearing.version, today=TODAY)
    return hearing


def test_the_agenda_is_rendered_again_only_when_it_changed(session: Session, world: World, tmp_path: Path,
                                                          renderings: list[str]) -> None:
    kept = RenderedDocuments(tmp_path)
    coordinator = world.users["coordinator"]
    hearing = planned(session, world, "Ada")
    first = hearing_documents.agenda_pdf(session, coordinator, hearing, kept=kept)
    assert hearing_documents.agenda_pdf(session, coordinator, hearing, kept=kept) == first
    assert len(renderings) == 1 and "Ada Martin" in text(first)

    bea = ready_case(session, world, "Bea", actor="care_b")
    added = hearings.add_item(session, coordinator, hearing.id, bea.id, today=TODAY)
    second = hearing_documents.agenda_pdf(session, coordinator, hearing, kept=kept)
    assert len(renderings) == 2 and "Bea Martin" in text(second)
    hearings.remove_item(session, coordinator, hearing.id, added.id, "Dossier retiré", today=TODAY)
    third = hearing_documents.agenda_pdf(session, coordinator, hearing, kept=kept)
    assert len(renderings) == 3 and "Bea Martin" not in text(third)
    # one document for the coordinator's view of this agenda: what was withdrawn is not left on disk
    assert len(kept_files(tmp_path)) == 1
    assert all("Bea Martin" not in text(path.read_bytes()) for path in tmp_path.glob("*.pdf"))


def test_a_kept_agenda_is_never_served_to_a_reader_who_reads_less(session: Session, world: World, tmp_path: Path,
                                                                  renderings: list[str]) -> None:
    kept = RenderedDocuments(tmp_path)
    hearing = planned(session, world, "Ada", "Bea")
    member = hearing_documents.agenda_pdf(session, world.users["member"], hearing, kept=kept)
    assert "Ada Martin" in text(member) and "Bea Martin" in text(member)
    # the coordinator reads what the member reads: the same document, rendered once
    assert hearing_documents.agenda_pdf(session, world.users["coordinator"], hearing, kept=kept) == member
    assert len(renderings) == 1
    read = {login_name: text(hearing_documents.agenda_pdf(session, world.users[login_name], hearing, kept=kept))
            for login_name in ("care_b", "treasurer", "landlord_a", "landlord_b")}
    for login_name in ("care_b", "treasurer"):  # no seat: initials only
        assert "Ada Martin" not in read[login_name] and "Bea Martin" not in read[login_name], login_name
        assert "A.M." in read[login_name] and "B.M." in read[login_name]
    # a landlord's representative reads its own vacant places only (APP-001 is Habitat A's, APP-002 Habitat B's)
    assert "APP-001" in text(member) and "APP-002" in text(member)
    assert "APP-001" in read["landlord_a"] and "APP-002" not in read["landlord_a"]
    assert "APP-002" in read["landlord_b"] and "APP-001" not in read["landlord_b"]
    # care_b and the treasurer read the same document: one rendering; each landlord its own
    assert len(renderings) == 4


def test_draft_minutes_are_rendered_again_once_edited(session: Session, world: World, tmp_path: Path,
                                                      renderings: list[str]) -> None:
    kept = RenderedDocuments(tmp_path)
    store = DocumentStore(tmp_path / "documents")
    coordinator = world.users["coordinator"]
    hearing = closed(session, world, "Ada", HEARING_DAY)
    _record, first = hearing_documents.minutes_pdf(session, coordinator, store, hearing.id, kept=kept)
    _record, again = hearing_documents.minutes_pdf(session, coordinator, store, hearing.id, kept=kept)
    assert again == first and len(renderings) == 1
    hearings.update_minutes(session, world.users["chair"], hearing.id, remarks="Deux places livrées en mai.",
                            movements="", notes={})
    _record, edited = hearing_documents.minutes_pdf(session, coordinator, store, hearing.id, kept=kept)
    assert len(renderings) == 2 and "Deux places livrées en mai." in text(edited)
    assert len(kept_files(tmp_path)) == 1


def test_signed_minutes_come_from_the_store_and_extracts_are_kept_per_landlord(
        session: Session, world: World, tmp_path: Path, renderings: list[str]) -> None:
    kept = RenderedDocuments(tmp_path)
    store = DocumentStore(tmp_path / "documents")
    hearing = closed(session, world, "Ada", HEARING_DAY, signed_in=store)
    renderings.clear()  # the signing rendered the full and the redacted minutes into the store
    for login_name, redacted in (("coordinator", False), ("care_b", False), ("coordinator", True)):
        record, pdf = hearing_documents.minutes_pdf(session, world.users[login_name], store, hearing.id,
                                                    redacted=redacted, kept=kept)
        assert pdf == store.get(record.redacted_sha256 if redacted or login_name == "care_b" else record.pdf_sha256)
    assert renderings == [] and kept_files(tmp_path) == []
    extracts = {}
    for login_name in ("landlord_a", "landlord_a", "landlord_b"):
        _record, extracts[login_name] = hearing_documents.minutes_pdf(session, world.users[login_name], store,
                                                                      hearing.id, kept=kept)
    assert len(renderings) == 2 and len(kept_files(tmp_path)) == 2
    for own, other, landlord in (("APP-001", "APP-002", "Habitat A"), ("APP-002", "APP-001", "Habitat B")):
        extract = text(extracts[f"landlord_{landlord[-1].lower()}"])
        assert f"Extrait pour {landlord}" in extract and own in extract and other not in extract


# ---------------------------------------------------------------- the routes, and the retention rules


def test_the_routes_keep_what_they_render_in_the_instance(client: FlaskClient, session: Session, world: World,
                                                          settings: Settings, renderings: list[str]) -> None:
    hearing = closed(session, world, "Ada", HEARING_DAY)
    login(client, "coordinator")
    for path in (f"/hearings/{hearing.id}/agenda.pdf", f"/hearings/{hearing.id}/minutes.pdf"):
        first, second = client.get(path), client.get(path)
        assert first.status_code == second.status_code == 200 and first.data == second.data
    assert len(renderings) == 2
    assert len(kept_files(settings.instance_path / FOLDER)) == 2


def test_the_retention_rules_empty_the_kept_documents(session: Session, world: World, settings: Settings,
                                                      tmp_path: Path) -> None:
    from tests.test_retention import _build

    store = DocumentStore(tmp_path / "documents")
    _build(session, world, store)
    kept = rendered_documents(settings.instance_path)
    kept.put("agenda-1-x", KEY_A, b"%PDF naming someone the rules erase")
    with clock.travel(date(2027, 12, 31)):
        assert retention.run(session, settings, store, dry_run=False).due == []
    with clock.travel(date(2028, 4, 1)):
        assert retention.run(session, settings, store, dry_run=True).due
        assert kept.get("agenda-1-x", KEY_A) is not None  # nobody erased yet
        fresh(session)
        assert retention.run(session, settings, store, dry_run=False).applied
    assert kept.get("agenda-1-x", KEY_A) is None and kept_files(kept.folder) == []
