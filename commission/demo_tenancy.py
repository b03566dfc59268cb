"""The replay's tenancies: offers answered, leases signed, moves in; the exits, the works before the next person,
a place taken over by its tenant replaced by its landlord; and the money that goes with them (deposits committed,
paid, refunded or retained; the towns' contributions called and received).

People stay for years (four on average once settled), so that about one place in six changes hands each year;
a place is ready again a few days to a few weeks after an exit, and goes to the next hearing or, in writing, to the
members (:meth:`commission.demo_hearings.HearingsReplay.vacancy`).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from sqlalchemy import select

from commission.demo_calendar import Replay
from commission.demo_phrases import DECLINES, EXITS, INVENTORIES, RETENTIONS, STREETS
from commission.models.cases import Case
from commission.models.followup import ExitReason
from commission.models.housing import Place, PlaceKind
from commission.models.tenancy import LeaseKind, Occupancy
from commission.models.treasury import Deposit
from commission.services import followup, stock, tenancy, treasury, unit
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

MEAN_STAY_DAYS = round(3.5 * 365)  # how long people stay on average, once past their first months
SETTLING_DAYS = 240  # nobody leaves in their first months (a few do, in life; not in this demo)
DECLINED = 0.12  # offers declined
TAKEN_OVER = ExitReason.LEASE_TAKEN_OVER.value
# The days between an exit and the place ready again, by the state it was left in.
WORKS_DAYS = {"good": (2, 7), "works_needed": (10, 25), "damaged": (20, 40)}


class TenancyReplay(Replay):
    """Offers, moves, exits and money."""

    def leaves_on(self, settled: date) -> date:
        """When a tenancy settled since ``settled`` ends (after the end of the replay for most)."""
        return settled + timedelta(days=round(self.rng.expovariate(1 / MEAN_STAY_DAYS)))

    # ------------------------------------------------------------ offers and moves

    def offer_answer(self, case_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        if case is None or not CASE_MACHINE.allows("accept_offer", case.state):
            return
        if self.rng.random() < DECLINED:
            place_id = case.allocated_place_id
            self.fire(case_id, "decline_offer", None, day, reason=self.rng.choice(DECLINES))
            self.after_offers(day)
            if place_id is not None:  # unless the next candidate ranked for it has it now
                self.at(self.later(day, 1, 3), partial(self.vacancy, place_id))
            return
        self.fire(case_id, "accept_offer", None, day)
        # the council commits the deposit and pays it; the lease is signed when the landlord is ready (within
        # a week), the move follows within ten days
        self.at(self.later(day, 1, 4), partial(self.commit_deposit, case_id))
        signed = self.later(day, 2, 7)
        move_in = self.later(signed, 2, 10)
        place = self.session.get(Place, case.allocated_place_id) if case.allocated_place_id else None
        lease = (self.rng.choices([LeaseKind.SUBLEASE, LeaseKind.DIRECT], weights=[70, 30])[0]
                 if place is not None and place.kind is PlaceKind.APARTMENT else LeaseKind.OCCUPANCY).value
        self.at(signed, lambda d: self.fire(case_id, "start_move_in", self.coordinator, d,
                                            values={"move_in_date": move_in, "lease_kind": lease}))
        self.at(move_in, partial(self._housed, case_id))

    def after_offers(self, day: date) -> None:
        """Whoever a decision or a declined offer left with an offer answers it."""
        for case_id in self.session.execute(
            select(Case.id).where(Case.state.in_(CASE_MACHINE.tagged(Tag.OFFER_PENDING)), Case.offer_deadline >= day)
        ).scalars():
            self.at(self.later(day, 1, 6), partial(self.offer_answer, case_id))

    def _housed(self, case_id: int, day: date) -> None:
        self.fire(case_id, "confirm_housed", self.coordinator, day)
        self.housed(case_id, day)
        self.at(self.leaves_on(day + timedelta(days=SETTLING_DAYS)), partial(self.exit, case_id))

    # ------------------------------------------------------------ exits

    def exit(self, case_id: int, day: date) -> None:
        """The care team says the tenancy ends; the exit is recorded three to six weeks later."""
        case = self.session.get(Case, case_id)
        if case is None or not CASE_MACHINE.allows("start_exit", case.state):
            return
        # a sublet apartment's lease may be taken over by its tenant; the other places are left
        reasons = [exit for exit in EXITS if exit[0] != TAKEN_OVER or case.lease_kind == LeaseKind.SUBLEASE.value]
        reason, note, _weight = self.rng.choices(reasons, weights=[weight for *_rest, weight in reasons])[0]
        self.fire(case_id, "start_exit", None, day, reason=note or reason)
        self.at(self.later(day, 20, 45), partial(self._close, case_id, reason, note))

    def close_in_good_order(self, case_id: int, ready: date, day: date) -> None:
        """An exit recorded with the place in good order, ready again on the day given."""
        self._close(case_id, "ordinary_housing", "", day, condition="good", ready=ready)

    def _close(self, case_id: int, reason: str, note: str, day: date, *, condition: str | None = None,
               ready: date | None = None) -> None:
        place_id = self.session.execute(select(Case.allocated_place_id).where(Case.id == case_id)).scalar_one()
        condition = condition or self.rng.choices(list(WORKS_DAYS), weights=[6, 3, 1])[0]
        followup.record_exit(self.session, self.coordinator, case_id, followup.ExitInput(
            reason=reason, exit_date=(day - timedelta(days=self.rng.randint(0, 5))).isoformat(),
            place_condition=condition, place_notes=self.rng.choice(INVENTORIES), note=note,
        ), today=day)
        if place_id is not None:
            place = self.session.get(Place, place_id)
            if place is not None and PLACE_MACHINE.means(place.state, Tag.OUT_OF_STOCK):
                # the tenant took the lease over: the landlord puts another apartment in the agreement
                self.at(self.later(day, 20, 50), partial(self._replacement, place_id))
            else:
                self.at(ready or self.later(day, *WORKS_DAYS[condition]), partial(self._works_done, place_id))
        deposit_id = self.session.execute(
            select(Deposit.id).where(Deposit.case_id == case_id,
                                     Deposit.state.in_(DEPOSIT_MACHINE.tagged(Tag.AWAITING_REFUND)))
        ).scalar_one_or_none()
        if deposit_id is not None:
            self.at(self.later(day, 30, 90), partial(self._settle_deposit, deposit_id))

    def _works_done(self, place_id: int, day: date) -> None:
        place = self.session.execute(select(Place).where(Place.id == place_id)).scalar_one()
        if not PLACE_MACHINE.allows("make_available", place.state):
            return
        inventory = self.rng.choice(INVENTORIES)
        occupancy = self.session.execute(
            select(Occupancy).where(Occupancy.place_id == place_id).order_by(Occupancy.id.desc()).limit(1)
        ).scalar_one_or_none()
        if occupancy is not None:
            occupancy.exit_inventory = inventory
        tenancy.place_step(self.session, self.coordinator, place, "make_available", day,
                           values={"inventory": inventory})
        unit.commit(self.session)
        self.vacancy(place_id, day)

    def _replacement(self, withdrawn_id: int, day: date) -> None:
        """Another apartment of the same landlord, under the same agreement, in place of one taken over."""
        old = self.session.get(Place, withdrawn_id)
        assert old is not None
        count = self.session.execute(select(Place.id).where(Place.kind == old.kind)).all()
        prefix = old.reference.split("-")[0]
        surface = old.surface_m2 or 30
        place = stock.create_place(self.session, self.coordinator, stock.PlaceInput(
            reference=f"{prefix}-{len(count) + 1:03d}", kind=old.kind.value, town_id=str(old.town_id),
            address=f"{self.rng.randint(1, 220)} {self.rng.choice(STREETS)}, appt {self.rng.randint(1, 40)}",
            organisation_id=str(old.organisation_id), agreement_id=str(old.agreement_id or ""),
            rooms=str(old.rooms), surface_m2=str(surface), floor=str(self.rng.choice([0, 0, 1, 2, 3])),
            rent=_euros(old.rent_cents), charges=_euros(old.charges_cents), deposit=_euros(old.deposit_cents),
        ), today=day)
        place_id = place.id
        unit.commit(self.session)
        self.vacancy(place_id, day)

    # ------------------------------------------------------------ money

    def commit_deposit(self, case_id: int, day: date) -> None:
        deposit = next((deposit for deposit in self.session.execute(
            select(Deposit).where(Deposit.case_id == case_id).order_by(Deposit.id)
        ).scalars() if DEPOSIT_MACHINE.allows("commit", deposit.state)), None)
        if deposit is None:
            return
        treasury.fire_deposit(self.session, self.delegate, deposit.id, "commit", expected_version=None, today=day)
        deposit_id = deposit.id
        self.at(self.later(day, 3, 15), partial(self._pay_deposit, deposit_id))

    def _pay_deposit(self, deposit_id: int, day: date) -> None:
        treasury.fire_deposit(self.session, self.treasurer, deposit_id, "pay", expected_version=None, today=day,
                              movement=treasury.Movement(value_date=day.isoformat(), method="transfer",
                                                         reference=f"VIR-{day:%Y%m%d}-{deposit_id:04d}"))

    def _settle_deposit(self, deposit_id: int, day: date) -> None:
        deposit = self.session.get(Deposit, deposit_id)
        if deposit is None or not DEPOSIT_MACHINE.means(deposit.state, Tag.AWAITING_REFUND):
            return
        movement = treasury.Movement(value_date=day.isoformat(), method=self.rng.choice(["transfer", "cheque"]),
                                     reference=f"REMB-{day:%Y%m%d}-{deposit_id:04d}")
        roll = self.rng.random()
        self.settled += 1
        if self.settled == 3:  # one deposit lost, in all these years
            treasury.approve_write_off(self.session, self.treasurer, deposit_id)
            treasury.approve_write_off(self.session, self.coordinator, deposit_id)
            movement.reason = "Bailleur en liquidation judiciaire\u00a0: la créance ne sera pas recouvrée."
            treasury.fire_deposit(self.session, self.treasurer, deposit_id, "write_off", expected_version=None,
                                  today=day, movement=movement)
        elif roll < 0.5:
            retained = self.rng.choice([0.15, 0.3, 0.5])
            movement.refunded = f"{deposit.amount_cents * (1 - retained) / 100:.2f}".replace(".", ",")
            movement.reason = self.rng.choice(RETENTIONS)
            treasury.fire_deposit(self.session, self.treasurer, deposit_id, "retain", expected_version=None,
                                  today=day, movement=movement)
        else:
            treasury.fire_deposit(self.session, self.treasurer, deposit_id, "refund", expected_version=None,
                                  today=day, movement=movement)

    def contributions(self, day: date, *, year: int) -> None:
        rows = treasury.contributions(self.session, self.treasurer, year)
        for row in rows:
            row_id = row.id
            treasury.call_contribution(self.session, self.treasurer, row_id, day.isoformat())
            self.at(self.later(day, 20, 110), partial(self._receive_contribution, row_id))

    def _receive_contribution(self, row_id: int, day: date) -> None:
        treasury.receive_contribution(self.session, self.treasurer, row_id, day.isoformat(), "transfer",
                                      f"MANDAT-{day:%Y}-{row_id:03d}")


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f}".replace(".", ",")
