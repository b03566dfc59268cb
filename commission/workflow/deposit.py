"""The deposit machine: the rental deposit the council pays a landlord, until it comes back.

requested (the hearing allocated a place) -> committed (the holder of the signing delegation commits
the council to the landlord) -> paid (the treasurer recorded the payment) -> at the exit, refund
claimed -> refunded in full, partly retained (with the reason and amount), or written off (approved by
the treasurer and the coordinator, both recorded). An allocation that falls through cancels it.
Every movement of money is a ledger entry written in the same transaction as the step.
"""

from __future__ import annotations

from commission.i18n import N_, Message, msg
from commission.models.treasury import Deposit
from commission.workflow.engine import FireContext, MachineSpec, StateSpec, TransitionSpec
from commission.workflow.tags import Tag, Tone


def _not_before_commitment(deposit: Deposit, context: FireContext) -> Message | None:
    day = context.values.get("value_date")
    if day is None:
        return msg("Give the date of the payment.")
    if deposit.committed_on is not None and day < deposit.committed_on:
        return msg("The payment cannot be dated before the commitment (%(date)s).",
                   date=deposit.committed_on.isoformat())
    return None


def _both_approved(deposit: Deposit, _context: FireContext) -> Message | None:
    if deposit.write_off_treasurer_id is None or deposit.write_off_coordinator_id is None:
        return msg("A write-off needs the approval of the treasurer and of the coordinator.")
    return None


DEPOSIT_MACHINE = MachineSpec(
    name="deposit",
    initial="requested",
    states=(
        StateSpec("requested", N_("Requested"), N_("A hearing allocated the place; the deposit awaits the "
                                                   "council's commitment."),
                  tags=frozenset({Tag.BEFORE_PAYMENT}), tone=Tone.WAITING),
        StateSpec("committed", N_("Committed"), N_("The council committed to pay the landlord."),
                  tags=frozenset({Tag.BEFORE_PAYMENT}), tone=Tone.DECIDED),
        StateSpec("paid", N_("Paid"), N_("Paid to the landlord; it comes back at the exit."),
                  tags=frozenset({Tag.PAID_OUT, Tag.OUTSTANDING}), tone=Tone.ACTIVE),
        StateSpec("refund_claimed", N_("Refund claimed"), N_("The person left; the refund is claimed from the "
                                                             "landlord."),
                  tags=frozenset({Tag.OUTSTANDING, Tag.AWAITING_REFUND}), tone=Tone.WAITING),
        StateSpec("refunded", N_("Refunded"), N_("The landlord refunded the whole deposit."), final=True,
                  tags=frozenset({Tag.RETURNED, Tag.CLOSED_ACCOUNT}), tone=Tone.ENDED),
        StateSpec("retained", N_("Partly retained"), N_("The landlord kept part of it, with the reason."),
                  final=True,
                  tags=frozenset({Tag.RETURNED, Tag.PARTLY_RETAINED, Tag.CLOSED_ACCOUNT}), tone=Tone.ENDED),
        StateSpec("written_off", N_("Written off"), N_("Lost, with the approval of the treasurer and the "
                                                       "coordinator."), final=True,
                  tags=frozenset({Tag.CLOSED_ACCOUNT}), tone=Tone.ATTENTION),
        StateSpec("cancelled", N_("Cancelled"), N_("The allocation fell through before any payment."), final=True,
                  tags=frozenset({Tag.CLOSED_ACCOUNT}), tone=Tone.ENDED),
    ),
    transitions=(
        TransitionSpec("commit", ("requested",), "committed", N_("Commit the council to the landlord")),
        TransitionSpec("pay", ("committed",), "paid", N_("Record the payment"), guards=(_not_before_commitment,)),
        TransitionSpec("claim_refund", ("paid",), "refund_claimed", N_("Claim the refund")),
        TransitionSpec("refund", ("refund_claimed",), "refunded", N_("Record the full refund")),
        TransitionSpec("retain", ("refund_claimed",), "retained", N_("Record a partial refund"),
                       reason_required=msg("Give the reason the landlord retained part of the deposit.")),
        TransitionSpec("write_off", ("refund_claimed",), "written_off", N_("Write off"),
                       guards=(_both_approved,), reason_required=msg("Say why the deposit is lost.")),
        TransitionSpec("cancel", ("requested", "committed"), "cancelled", N_("Cancel"),
                       reason_required=msg("Say why the deposit is cancelled.")),
    ),
    # Deposits still open arrive by an import: paid and claimed ones with an opening-balance entry of the ledger
    # (the money with the landlord); a settled deposit has nothing left to follow.
    importable=("requested", "committed", "paid", "refund_claimed"),
)
