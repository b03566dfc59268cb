"""Letters of the tenancy, as PDF: the offer of a place, the council's deposit commitment."""

from __future__ import annotations

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from commission.documents.tenancy_letters import render_commitment, render_offer
from commission.services import tenancy_documents
from commission.web.shell import db, login_required, require_user

bp = Blueprint("letters", __name__)


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF shown in the browser, saved under a meaningful name."""
    response = Response(data, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "inline", filename=filename)
    return response


@bp.get("/cases/<int:case_id>/offer.pdf")
@login_required
def offer(case_id: int) -> ResponseReturnValue:
    letter = tenancy_documents.offer_letter(db(), require_user(), case_id)
    return pdf_response(render_offer(letter), f"proposition-{letter.place.reference}.pdf")


@bp.get("/deposits/<int:deposit_id>/commitment.pdf")
@login_required
def commitment(deposit_id: int) -> ResponseReturnValue:
    letter = tenancy_documents.commitment_letter(db(), require_user(), deposit_id)
    return pdf_response(render_commitment(letter), f"engagement-{letter.reference}.pdf")
