"""The deposits' import: the deposits the council paid landlords on paper, still owed back, or still to pay.

One row per deposit, naming the person (their reference in the people's import, or their file's reference for a
file typed in the application) and, if the file names none or
another, the place. The deposit is created as the allocation would ask for it, then the deposit machine's import
step brings it to its current state (requested, committed, paid, refund claimed), dated. A deposit paid before the
books were kept here arrives with an opening balance of the ledger (« à-nouveau »): 275 (deposits paid, owed back)
debited, 110 (balances brought forward) credited, on the day of the import; the bank's account is not touched (the
money left it before). So `commission check` finds each deposit outstanding with what the fund is owed on it, and
the year's statement reads the deposits outstanding from the import on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select

from commission.i18n import N_, msg
from commission.models.cases import Case, reference_clause
from commission.models.housing import Place
from commission.models.treasury import Account, Deposit, DepositTransition, EntryKind
from commission.services import import_steps
from commission.services.imports.kinds import (
    Column,
    ImportContext,
    Kind,
    date_value,
    euros_value,
    register,
    state_value,
    text,
)
from commission.services.imports.people_kind import KIND as PEOPLE
from commission.services.imports.people_kind import find_place
from commission.services.steps import record_step
from commission.services.treasury.ledger import Line, post
from commission.services.unit import flush, locked
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.tags import Tag

KIND = "deposits"


COLUMNS = (
    Column("person", N_("Person"), required=True, parse=text(100), example="P-001",
           synonyms=("personne", "référence de la personne", "dossier", "ref personne"),
           help=N_("The person's reference in the people's import, or their file's reference (D-2026-00012).")),
    Column("place", N_("Place"), parse=text(100), example="LOG-001",
           synonyms=("logement", "référence du logement"),
           help=N_("Empty: the place the person's file holds or held.")),
    Column("amount", N_("Amount"), required=True, parse=euros_value(), example="450.00",
           synonyms=("montant", "montant du dépôt", "dépôt de garantie")),
    Column("state", N_("State of the deposit"), required=True, parse=state_value(DEPOSIT_MACHINE, refused=N_(
               "Only the deposits still open are imported (requested, committed, paid, refund claimed).")),
           example="Versé",
           synonyms=("état", "statut")),
    Column("committed_on", N_("Committed on"), parse=date_value(), example="2021-08-20",
           synonyms=("engagé le", "date d'engagement")),
    Column("paid_on", N_("Paid on"), parse=date_value(), example="2021-08-28",
           synonyms=("versé le", "date de versement", "payé le")),
    Column("refund_claimed_on", N_("Refund claimed on"), parse=date_value(), example="",
           synonyms=("restitution demandée le", "date de la demande de restitution")),
)


def _day(values: Mapping[str, object], name: str) -> date | None:
    value = values.get(name)
    return value if isinstance(value, date) else None


def _file(ctx: ImportContext, reference: str) -> Case:
    """The person's file: by their reference in the people's import, or by the file's own reference (D-2026-00012)
    for a file typed in the application."""
    case_id = ctx.lookup(PEOPLE, reference)
    named = reference_clause(reference)
    case: Case | None = None
    if case_id is not None:
        case = ctx.session.get(Case, case_id)
    elif named is not None:
        case = ctx.session.execute(select(Case).where(named)).scalar_one_or_none()
    if case is None:
        ctx.refuse("person", msg("No person imported has the reference “%(reference)s”, and no file either.",
                                 reference=reference))
    return case


def _dates(ctx: ImportContext, state: str, values: Mapping[str, object]) -> dict[str, date | None]:
    days = {name: _day(values, name) for name in ("committed_on", "paid_on", "refund_claimed_on")}
    reached = {"committed_on": state != DEPOSIT_MACHINE.initial,
               "paid_on": DEPOSIT_MACHINE.means(state, Tag.OUTSTANDING),
               "refund_claimed_on": DEPOSIT_MACHINE.means(state, Tag.AWAITING_REFUND)}
    previous = None
    for name, day in days.items():
        if day is None:
            if name == "paid_on" and reached[name]:
                ctx.refuse(name, msg("Give the date of the payment."))
            continue
        if not reached[name]:
            ctx.refuse(name, msg("This date does not go with the deposit's state: leave it empty or correct the "
                                 "state."))
        if day > ctx.today:
            ctx.refuse(name, msg("This date is in the future."))
        if previous is not None and day < previous:
            ctx.refuse(name, msg("This date comes before an earlier step of the deposit (%(date)s).",
                                 date=previous.isoformat()))
        previous = day
    return days


def _apply(ctx: ImportContext, values: Mapping[str, object]) -> int:
    session, actor = ctx.session, ctx.actor
    state = str(values["state"])
    case = _file(ctx, str(values["person"]))
    if values.get("place"):
        place = find_place(ctx, "place", str(values["place"]))
    elif case.allocated_place_id is not None:
        place = session.execute(locked(select(Place).where(Place.id == case.allocated_place_id))).scalar_one()
    else:
        ctx.refuse("place", msg("The person's file holds no place: give the place of the deposit."))
    if place.id != case.allocated_place_id:
        ctx.refuse("place", msg("This is not the place of the person's file."))
    # Before the payment the file still holds its place before the move-in; once claimed back, it left it.
    holds = CASE_MACHINE.means(case.state, Tag.HOLDS_PLACE)
    if DEPOSIT_MACHINE.means(state, Tag.AWAITING_REFUND) and holds:
        ctx.refuse("state", msg("The refund is claimed at the exit: the person's file still holds the place."))
    if not DEPOSIT_MACHINE.means(state, Tag.AWAITING_REFUND) and not holds:
        ctx.refuse("state", msg("The person's file no longer holds the place: only a refund claimed can be open."))
    if session.execute(select(Deposit.id).where(Deposit.case_id == case.id, Deposit.place_id == place.id)
                       ).first() is not None:
        ctx.refuse("person", msg("The person's file already has a deposit for this place."))
    days = _dates(ctx, state, values)
    amount = values["amount"]
    if not isinstance(amount, int) or amount <= 0:
        ctx.refuse("amount", msg("The amount must be more than zero."))
    deposit = Deposit(case_id=case.id, place_id=place.id, landlord_id=place.organisation_id, amount_cents=amount,
                      state=DEPOSIT_MACHINE.initial, committed_on=days["committed_on"], paid_on=days["paid_on"],
                      refund_claimed_on=days["refund_claimed_on"])
    session.add(deposit)
    flush(session)
    note = str(msg("Imported from a spreadsheet (line %(line)s).", line=ctx.row))
    record_step(session, DepositTransition, actor=actor, trigger="request", source=None, dest=deposit.state,
                reason=note, subject="deposit", subject_id=deposit.id,
                extra={"amount_cents": amount, "imported": True}, deposit_id=deposit.id,
                deposit_version=deposit.version)
    arrived = max((day for day in days.values() if day is not None), default=None)
    import_steps.arrive(session, actor, deposit, state, on=arrived, today=ctx.today, reason=note)
    if DEPOSIT_MACHINE.means(state, Tag.OUTSTANDING):
        post(session, actor, EntryKind.OPENING_BALANCE, ctx.today,
             str(msg("Deposit paid before the books opened here, owed back (place %(place)s)",
                     place=place.reference)),
             [Line(Account.DEPOSITS_RECEIVABLE, debit=amount), Line(Account.BROUGHT_FORWARD, credit=amount)],
             deposit_id=deposit.id)
    return deposit.id


DEPOSITS = register(Kind(
    name=KIND,
    label=N_("Deposits outstanding"),
    description=N_("One row per deposit still open: the person (their reference in the people's import, or their "
                   "file's reference), the "
                   "amount, its state and its dates. A deposit paid enters the ledger as an opening balance."),
    object_type="deposit",
    order=60,
    columns=COLUMNS,
    apply=_apply,
))
