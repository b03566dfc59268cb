"""The prospect machine: a structure or landlord the housing sub-group approaches, until an agreement is signed.

contacted (a first contact) -> met (a meeting took place) -> proposal (the council made its proposal) ->
drafted (the agreement is drafted) -> signed (the coordinator signed it: the partner and the agreement enter
the stock). A proposal may follow the first contact directly. Any open prospect may be abandoned, with the
reason; an abandoned one may be taken up again, from a new contact. Each step is dated (the day it happened)
and carries its note and the next action.
"""

from __future__ import annotations

from typing import Any

from commission.i18n import N_, Message, msg
from commission.workflow.engine import FireContext, MachineSpec, StateSpec, TransitionSpec
from commission.workflow.tags import Tag, Tone

# The step that signs the agreement: taken from its own form (the agreement's reference, title, dates),
# by whoever keeps the stock.
SIGN = "sign"

_OPEN = ("contacted", "met", "proposal", "drafted")


def _agreement_given(_prospect: Any, context: FireContext) -> Message | None:
    if not context.values.get("agreement_id"):
        return msg("Record the signed agreement first: its reference, title and dates.")
    return None


def _on_signed(prospect: Any, context: FireContext) -> None:
    prospect.agreement_id = context.values["agreement_id"]
    if context.values.get("organisation_id"):
        prospect.organisation_id = context.values["organisation_id"]


PROSPECT_MACHINE = MachineSpec(
    name="prospect",
    initial="contacted",
    states=(
        StateSpec("contacted", N_("Contacted"), N_("A first contact was made; no meeting yet."),
                  tags=frozenset({Tag.PURSUED}), tone=Tone.WAITING),
        StateSpec("met", N_("Met"), N_("The sub-group met the structure or landlord."),
                  tags=frozenset({Tag.PURSUED}), tone=Tone.ACTIVE),
        StateSpec("proposal", N_("Proposal made"), N_("The council made its proposal; its answer is awaited."),
                  tags=frozenset({Tag.PURSUED}), tone=Tone.WAITING),
        StateSpec("drafted", N_("Agreement drafted"), N_("The agreement is drafted; it awaits the signatures."),
                  tags=frozenset({Tag.PURSUED, Tag.SIGNABLE}), tone=Tone.DECIDED),
        StateSpec("signed", N_("Signed"), N_("The agreement is signed: the partner and its places enter the "
                                             "stock."), final=True,
                  tags=frozenset({Tag.CONCLUDED}), tone=Tone.ACTIVE),
        StateSpec("abandoned", N_("Abandoned"), N_("No longer pursued, with the reason; it may be taken up "
                                                   "again."), final=True,
                  tags=frozenset({Tag.GIVEN_UP}), tone=Tone.ENDED),
    ),
    transitions=(
        TransitionSpec("meet", ("contacted",), "met", N_("Record the meeting")),
        TransitionSpec("propose", ("contacted", "met"), "proposal", N_("Record the proposal")),
        TransitionSpec("draft", ("proposal",), "drafted", N_("Record the drafted agreement")),
        TransitionSpec(SIGN, ("drafted",), "signed", N_("Sign the agreement"), guards=(_agreement_given,),
                       effect=_on_signed),
        TransitionSpec("abandon", _OPEN, "abandoned", N_("Abandon"),
                       reason_required=msg("Say why the prospect is abandoned.")),
        TransitionSpec("resume", ("abandoned",), "contacted", N_("Take up again")),
    ),
)
