"""The money: the deposits out with the landlords on the day, and the fund over the year."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from commission.documents.figures import Finances, Period
from commission.models.treasury import Account, Deposit, DepositTransition
from commission.services.dashboard.period import _state_on
from commission.services.treasury import balances
from commission.services.treasury_reports import money_by_figure
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- money


def _outstanding(found: Period, *, settled: bool = False) -> Subquery:
    states = _state_on(DepositTransition, DepositTransition.deposit_id, Deposit, found.end, settled=settled)
    return select(states.c.id).where(states.c.state.in_(DEPOSIT_MACHINE.tagged(Tag.OUTSTANDING))).subquery()


def _outstanding_totals(found: Period, *, settled: bool = False) -> Subquery:
    """How many deposits were out with a landlord on the day (paid, or their refund claimed), and how much:
    one row (``count``, ``cents``)."""
    ids = _outstanding(found, settled=settled)
    return (select(func.count(Deposit.id).label("count"), func.coalesce(func.sum(Deposit.amount_cents), 0)
                   .label("cents"))
            .join(ids, ids.c.id == Deposit.id).subquery())


def _finances(session: Session, found: Period) -> Finances:
    """The year's money from the ledger's entries (value dates within the year, up to the day), grouped as
    the treasurer's statement groups them; two queries."""
    figures = money_by_figure(session, found.first_day, found.as_of)
    return Finances(
        contributions_received_cents=figures["contributions_received_cents"],
        deposits_paid_cents=figures["deposits_paid_cents"],
        refunds_received_cents=figures["refunds_received_cents"],
        retained_cents=figures["retentions_cents"],
        written_off_cents=figures["write_offs_cents"],
        other_expenses_cents=figures["other_expenses_cents"],
        fund_balance_cents=balances(session, until=found.as_of)[Account.BANK],
    )
