"""The documents of an agreement: the signed convention, its amendments and renewals. Attached by whoever keeps
the stock, read by everyone who may read the agreements; checked by their content, every opening logged."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import policy
from commission.errors import InvalidInput, NotFound
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.tenancy import Agreement, AgreementDocument, AgreementDocumentKind
from commission.services import audit
from commission.services.stock.fields import _choice
from commission.services.unit import flush
from commission.services.uploads import checked, upload_error
from commission.storage import DocumentStore


def attach_agreement_document(session: Session, actor: User, store: DocumentStore, agreement_id: int, *,
                              filename: str, data: bytes, kind: str) -> AgreementDocument:
    """Attach a PDF or an image to an agreement. The type is read from the content, not from the name."""
    policy.require(actor, policy.Action.MANAGE_STOCK)
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound()
    errors: dict[str, list[Message]] = {}
    document_kind = _choice(AgreementDocumentKind, kind)
    if document_kind is None:
        errors["kind"] = [msg("Choose what kind of document it is.")]
    if (problem := upload_error(data)) is not None:
        errors["file"] = [problem]
    if errors:
        raise InvalidInput(errors)
    assert document_kind is not None
    upload = checked(filename, data)
    digest = store.put(data)
    document = AgreementDocument(agreement_id=agreement.id, kind=document_kind, filename=upload.filename,
                                 content_type=upload.content_type, size=upload.size, sha256=digest,
                                 uploaded_by_id=actor.id)
    session.add(document)
    flush(session)
    audit.record(session, actor, "agreement.document_attached", "agreement", agreement.id,
                 {"document": document.id, "kind": document_kind.value, "size": upload.size, "sha256": digest})
    flush(session)
    return document


def list_agreement_documents(session: Session, actor: User, agreement_id: int) -> list[AgreementDocument]:
    """An agreement's documents, the oldest first."""
    policy.require(actor, policy.Action.VIEW_AGREEMENTS)
    return list(session.execute(
        select(AgreementDocument).options(joinedload(AgreementDocument.uploaded_by))
        .where(AgreementDocument.agreement_id == agreement_id).order_by(AgreementDocument.id)
    ).scalars())


def open_agreement_document(session: Session, actor: User, store: DocumentStore, agreement_id: int,
                            document_id: int) -> tuple[AgreementDocument, bytes]:
    """A document's bytes; every opening is in the audit trail."""
    policy.require(actor, policy.Action.VIEW_AGREEMENTS)
    document = session.get(AgreementDocument, document_id)
    if document is None or document.agreement_id != agreement_id:
        raise NotFound()
    audit.record(session, actor, "agreement.document_opened", "agreement", agreement_id, {"document": document.id})
    flush(session)
    return document, store.get(document.sha256)
