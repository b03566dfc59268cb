"""The hearings held in the year, and what they decided."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from commission.documents.figures import HearingFigures, Period
from commission.models.hearings import AgendaItem, Decision, Hearing, ItemKind
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.tags import Tag

# ---------------------------------------------------------------- hearings


def _held(found: Period) -> ColumnElement[bool]:
    return and_(Hearing.year == found.year, Hearing.day <= found.as_of,
                Hearing.state.in_(HEARING_MACHINE.tagged(Tag.HELD)))


def _held_count(found: Period) -> ColumnElement[int]:
    return select(func.count(Hearing.id)).where(_held(found)).scalar_subquery()


def _hearing_figures(session: Session, found: Period, held: int) -> HearingFigures:
    """What the hearings held in the year decided (``held``: how many were held); one query."""
    decisions = dict.fromkeys(Decision, 0)
    heard = reviews = 0
    for kind, decision, count in session.execute(
            select(AgendaItem.kind, AgendaItem.decision, func.count(AgendaItem.id))
            .join(Hearing, Hearing.id == AgendaItem.hearing_id)
            .where(_held(found), AgendaItem.decision.is_not(None))
            .group_by(AgendaItem.kind, AgendaItem.decision)):
        if decision is None:
            continue
        decisions[decision] += count
        if kind is ItemKind.REVIEW:
            reviews += count
        else:
            heard += count
    return HearingFigures(held, heard, reviews, decisions)
