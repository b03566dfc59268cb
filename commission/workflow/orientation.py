"""The orientation machine: a person oriented, with their consent, towards a structure of the territory.

sent (the care team or the coordinator sent the request) -> accepted (the structure takes the person on: they are
followed there, on the council's books though outside its places) -> ended (that follow-up is over); or sent ->
declined (with the structure's reason). Each step is dated with the day it happened.
"""

from __future__ import annotations

from commission.i18n import N_, msg
from commission.models.directory import Orientation
from commission.workflow.engine import FireContext, MachineSpec, StateSpec, TransitionSpec
from commission.workflow.tags import Tag, Tone


def _answered(orientation: Orientation, context: FireContext) -> None:
    orientation.answered_on = context.values.get("on", context.today)


def _ended(orientation: Orientation, context: FireContext) -> None:
    orientation.ended_on = context.values.get("on", context.today)


ORIENTATION_MACHINE = MachineSpec(
    name="orientation",
    initial="sent",
    states=(
        StateSpec("sent", N_("Request sent"), N_("The request is with the structure; its answer is awaited."),
                  tags=frozenset({Tag.AWAITING_ANSWER}), tone=Tone.WAITING),
        StateSpec("accepted", N_("Followed there"), N_("The structure took the person on: they are followed there."),
                  tags=frozenset({Tag.HELPED, Tag.FOLLOWED_THERE}), tone=Tone.ACTIVE),
        StateSpec("declined", N_("Declined"), N_("The structure could not take the person on, with its reason."),
                  final=True, tags=frozenset(), tone=Tone.ATTENTION),
        StateSpec("ended", N_("Ended"), N_("The follow-up there is over."), final=True,
                  tags=frozenset({Tag.HELPED}), tone=Tone.ENDED),
    ),
    transitions=(
        TransitionSpec("accept", ("sent",), "accepted", N_("Record its acceptance"), effect=_answered),
        TransitionSpec("decline", ("sent",), "declined", N_("Record its refusal"), effect=_answered,
                       reason_required=msg("Give the structure's reason.")),
        TransitionSpec("end", ("accepted",), "ended", N_("Record the end of the follow-up"), effect=_ended),
    ),
)
