"""An agreement's documents (issue 21): the signed convention, its amendments and renewals, attached by the
coordinator, checked by their content, read by everyone who may read the agreements, every opening logged."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.errors import Forbidden, InvalidInput, NotFound
from commission.models import AgreementDocument, AuditEntry
from commission.services import accounts, stock
from commission.storage import DocumentStore
from tests.conftest import World, csrf_token, login
from tests.test_stock import agreement_input

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_coordinator_attaches_and_the_seated_members_read(session: Session, world: World,
                                                              tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents")
    coordinator, member = world.users["coordinator"], world.users["member"]
    agreement = stock.create_agreement(session, coordinator, agreement_input(world))
    document = stock.attach_agreement_document(session, coordinator, store, agreement.id,
                                               filename="../convention signée.pdf", data=PDF, kind="convention")
    assert document.filename == "convention signée.pdf" and document.content_type == "application/pdf"
    assert document.size == len(PDF)

    with pytest.raises(Forbidden):
        stock.list_agreement_documents(session, member, agreement.id)
    with pytest.raises(Forbidden):
        stock.open_agreement_document(session, member, store, agreement.id, document.id)
    accounts.set_housing_subgroup(session, coordinator, member.id, True)
    assert [d.id for d in stock.list_agreement_documents(session, member, agreement.id)] == [document.id]
    opened, data = stock.open_agreement_document(session, member, store, agreement.id, document.id)
    assert data == PDF and opened.id == document.id
    assert session.execute(select(AuditEntry.actor_id).where(
        AuditEntry.action == "agreement.document_opened")).scalars().all() == [member.id]
    with pytest.raises(Forbidden):  # reading is all
        stock.attach_agreement_document(session, member, store, agreement.id, filename="a.pdf", data=PDF,
                                        kind="amendment")
    other = stock.create_agreement(session, coordinator, agreement_input(world, reference="CONV-B"))
    with pytest.raises(NotFound):  # one agreement's document is not reached through another's
        stock.open_agreement_document(session, coordinator, store, other.id, document.id)


def test_a_file_that_is_not_a_document_is_refused_and_nothing_kept(session: Session, world: World,
                                                                   tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents")
    coordinator = world.users["coordinator"]
    agreement = stock.create_agreement(session, coordinator, agreement_input(world))
    with pytest.raises(InvalidInput) as refused:
        stock.attach_agreement_document(session, coordinator, store, agreement.id, filename="x.pdf",
                                        data=b"MZ not a pdf", kind="nonsense")
    assert set(refused.value.errors) == {"file", "kind"}
    assert session.execute(select(AgreementDocument)).first() is None


def test_the_agreement_page_lists_its_documents_and_only_the_coordinator_uploads(
    client: FlaskClient, session: Session, world: World,
) -> None:
    agreement = stock.create_agreement(session, world.users["coordinator"], agreement_input(world))
    session.commit()
    login(client, "coordinator")
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert 'id="documents-title"' in page and "avenant" not in page
    token = csrf_token(client, f"/agreements/{agreement.id}")
    response = client.post(f"/agreements/{agreement.id}/documents", data={
        "csrf_token": token, "kind": "amendment", "file": (io.BytesIO(PDF), "avenant 1.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "avenant 1.pdf" in page and 'enctype="multipart/form-data"' in page
    document = session.execute(select(AgreementDocument)).scalar_one()
    download = client.get(f"/agreements/{agreement.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
