"""The towns' and the hospital's contributions: their amounts, called and received."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import policy
from commission.errors import InvalidInput, NotFound
from commission.i18n import msg
from commission.models.accounts import User
from commission.models.treasury import (
    Account,
    Contribution,
    EntryKind,
)
from commission.services import audit
from commission.services.treasury import contribution_settings
from commission.services.treasury.ledger import Line, parse_amount, parse_day, parse_method, post
from commission.services.unit import flush, locked

# ---------------------------------------------------------------- contributions


def contributions(session: Session, actor: User, year: int) -> list[Contribution]:
    """The year's contributions, created the first time the year is opened as the year's settings compute them
    (:mod:`.contribution_settings`: by default each town's by its population, and the hospital's matching the
    towns' total); amounts may then be edited until called."""
    policy.require(actor, policy.Action.VIEW_TREASURY)
    existing = list(session.execute(
        select(Contribution).options(joinedload(Contribution.town), joinedload(Contribution.organisation))
        .where(Contribution.year == year).order_by(Contribution.id)
    ).scalars())
    if existing or not policy.can(actor, policy.Action.MANAGE_TREASURY):
        return existing
    rows = contribution_settings.proposed_contributions(session, year)
    session.add_all(rows)
    flush(session)
    audit.record(session, actor, "contribution.year_opened", "contribution_year", year,
                 {"total_cents": sum(row.amount_cents for row in rows)})
    flush(session)
    return contributions(session, actor, year)


def _contribution(session: Session, contribution_id: int) -> Contribution:
    row = session.execute(locked(select(Contribution).where(Contribution.id == contribution_id))
                          ).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def set_contribution_amount(session: Session, actor: User, contribution_id: int, amount: str) -> Contribution:
    policy.require(actor, policy.Action.MANAGE_TREASURY)
    row = _contribution(session, contribution_id)
    if row.called_on is not None:
        raise InvalidInput({"amount": [msg("The contribution has been called: its amount no longer changes.")]})
    cents = parse_amount(amount, allow_zero=True)
    audit.record(session, actor, "contribution.amount_set", "contribution", row.id,
                 {"from": row.amount_cents, "to": cents})
    row.amount_cents = cents
    flush(session)
    return row


def call_contribution(session: Session, actor: User, contribution_id: int, value_date: str) -> Contribution:
    policy.require(actor, policy.Action.MANAGE_TREASURY)
    row = _contribution(session, contribution_id)
    day = parse_day(value_date)
    if row.called_on is not None:
        raise InvalidInput({"": [msg("This contribution has already been called.")]})
    if row.amount_cents <= 0:
        raise InvalidInput({"": [msg("A contribution of zero is not called.")]})
    row.called_on = day
    post(session, actor, EntryKind.CONTRIBUTION_CALLED, day,
         str(msg("Contribution %(year)s called: %(who)s", year=row.year, who=row.contributor)),
         [Line(Account.CONTRIBUTIONS_RECEIVABLE, debit=row.amount_cents),
          Line(Account.CONTRIBUTIONS, credit=row.amount_cents)], contribution_id=row.id)
    flush(session)
    return row


def receive_contribution(session: Session, actor: User, contribution_id: int, value_date: str, method: str,
                         reference: str = "") -> Contribution:
    policy.require(actor, policy.Action.MANAGE_TREASURY)
    row = _contribution(session, contribution_id)
    day, payment = parse_day(value_date), parse_method(method)
    if row.called_on is None:
        raise InvalidInput({"": [msg("Call the contribution before recording its payment.")]})
    if row.received_on is not None:
        raise InvalidInput({"": [msg("This contribution has already been received.")]})
    if day < row.called_on:
        raise InvalidInput({"value_date": [msg("The payment cannot be dated before the call (%(date)s).",
                                               date=row.called_on.isoformat())]})
    row.received_on = day
    post(session, actor, EntryKind.CONTRIBUTION_RECEIVED, day,
         str(msg("Contribution %(year)s received: %(who)s", year=row.year, who=row.contributor)),
         [Line(Account.BANK, debit=row.amount_cents), Line(Account.CONTRIBUTIONS_RECEIVABLE, credit=row.amount_cents)],
         contribution_id=row.id, method=payment, reference=reference)
    flush(session)
    return row


