"""The documents attached to a file: checked by their content, every opening logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from commission import policy
from commission.errors import InvalidInput, NotFound
from commission.i18n import Message, msg
from commission.models.accounts import Role, User
from commission.models.cases import AccessLog, Case, CaseDocument, DocumentKind
from commission.models.integrations import IntegrationToken
from commission.services import audit
from commission.services.cases.editing import _enum
from commission.services.cases.reading import refuse_if_anonymised
from commission.services.unit import flush, log_read
from commission.services.uploads import checked, upload_error
from commission.storage import DocumentStore


def attach_document(
    session: Session, actor: User, store: DocumentStore, case_id: int, *, filename: str, data: bytes,
    kind: str, medical: bool = False,
) -> CaseDocument:
    """Attach a PDF or an image to a file. The type is read from the content, not from the name."""
    policy.require(actor, policy.Action.ATTACH_DOCUMENT)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound()
    policy.require(actor, policy.Action.ATTACH_DOCUMENT, case)
    refuse_if_anonymised(case)
    if medical:
        policy.require(actor, policy.Action.EDIT_MEDICAL, case)
    errors: dict[str, list[Message]] = {}
    document_kind = _enum(DocumentKind, kind)
    if document_kind is None:
        errors["kind"] = [msg("Choose what kind of document it is.")]
    if (problem := upload_error(data)) is not None:
        errors["file"] = [problem]
    if errors:
        raise InvalidInput(errors)
    upload = checked(filename, data)
    digest = store.put(data)
    document = CaseDocument(
        case_id=case.id, kind=document_kind, filename=upload.filename, content_type=upload.content_type,
        size=upload.size, sha256=digest, medical=medical, uploaded_by_id=actor.id,
    )
    session.add(document)
    session.flush()
    audit.record(session, actor, "case.document_attached", "case", case.id,
                 {"document": document.id, "kind": kind, "size": len(data), "sha256": digest})
    flush(session)
    return document


def list_documents(session: Session, actor: User, case: Case) -> list[CaseDocument]:
    policy.require(actor, policy.Action.VIEW_CASES, case)
    query = select(CaseDocument).where(CaseDocument.case_id == case.id).options(joinedload(CaseDocument.uploaded_by))
    if not policy.can(actor, policy.Action.VIEW_MEDICAL, case):
        query = query.where(CaseDocument.medical.is_(False))
    return list(session.execute(query.order_by(CaseDocument.id)).scalars())


def open_document(
    session: Session, actor: User, store: DocumentStore, case_id: int, document_id: int
) -> tuple[CaseDocument, bytes]:
    """A document's bytes; every opening is logged."""
    policy.require(actor, policy.Action.VIEW_CASES)
    document = session.get(CaseDocument, document_id)
    case = session.get(Case, case_id)
    if document is None or case is None or document.case_id != case.id:
        raise NotFound()
    policy.require(actor, policy.Action.VIEW_CASES, case)
    if document.medical:
        policy.require(actor, policy.Action.VIEW_MEDICAL, case)
    log_read(session, actor.id, case.id, f"document:{document.id}")
    return document, store.get(document.sha256)


@dataclass(frozen=True)
class AccessRead:
    """A read of a sensitive part of a file, with the reader named as the accounts name them."""

    at: datetime
    reader: str  # the account's display name, or the integration token's name
    role: Role | None  # None for a read through the integration API
    part: str


def access_log(session: Session, actor: User, case: Case) -> list[AccessRead]:
    policy.require(actor, policy.Action.VIEW_ALL_CASES)
    rows = session.execute(select(AccessLog.at, func.coalesce(User.display_name, IntegrationToken.name), User.role,
                                  AccessLog.part)
                           .outerjoin(User, User.id == AccessLog.user_id)
                           .outerjoin(IntegrationToken, IntegrationToken.id == AccessLog.token_id)
                           .where(AccessLog.case_id == case.id).order_by(AccessLog.id.desc()).limit(200))
    return [AccessRead(at, reader or "", role, part) for at, reader, role, part in rows]
