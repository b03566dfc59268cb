"""The place machine: a place of the stock, from available to offered, occupied, vacated, and back.

available -> offered (a hearing allocated it) -> occupied (the person moved in) -> vacated (the person
left: inventory of fixtures, works) -> available again. An offer that falls through makes it available
again. A place leaves the stock (withdrawn) when its agreement ends, and may come back.
"""

from __future__ import annotations

from commission.i18n import N_, Message, msg
from commission.models.housing import Place
from commission.workflow.engine import FireContext, MachineSpec, StateSpec, TransitionSpec
from commission.workflow.tags import Screen, Tag, Tone


def _inventory_given(_place: Place, context: FireContext) -> Message | None:
    if not str(context.values.get("inventory", "")).strip():
        return msg("Record the inventory of fixtures at the exit.")
    return None


def _on_available(place: Place, context: FireContext) -> None:
    place.active = True
    place.vacant_since = context.today


def _on_taken(place: Place, _context: FireContext) -> None:
    place.vacant_since = None


def _on_withdrawn(place: Place, _context: FireContext) -> None:
    place.active = False
    place.vacant_since = None


PLACE_MACHINE = MachineSpec(
    name="place",
    initial="available",
    states=(
        StateSpec("available", N_("Available"), N_("Vacant: the commission may allocate it."),
                  tags=frozenset({Tag.ALLOCATABLE, Tag.FREE}), tone=Tone.WAITING),
        StateSpec("offered", N_("Offered"), N_("Allocated by a hearing; the person has been offered it."),
                  tags=frozenset({Tag.TAKEN, Tag.OFFERED}), tone=Tone.DECIDED),
        StateSpec("occupied", N_("Occupied"), N_("Someone lives there."),
                  tags=frozenset({Tag.TAKEN, Tag.OCCUPIED}), tone=Tone.ACTIVE),
        StateSpec("vacated", N_("Vacated"), N_("The person has left: inventory of fixtures and works before the "
                                                 "next allocation."),
                  tags=frozenset({Tag.FREE, Tag.VACATED}), tone=Tone.ATTENTION),
        StateSpec("withdrawn", N_("Out of the stock"), N_("No longer in the stock: its agreement has ended."),
                  tags=frozenset({Tag.OUT_OF_STOCK}), tone=Tone.ENDED),
    ),
    transitions=(
        # These four follow the file's steps (allocation, lost offer, move-in, exit); the others are the
        # coordinator's, from the place's page.
        TransitionSpec("offer", ("available",), "offered", N_("Offer to the person allocated"), effect=_on_taken,
                       screen=Screen.CONSEQUENCE),
        TransitionSpec("release", ("offered",), "available", N_("The offer fell through"), effect=_on_available,
                       screen=Screen.CONSEQUENCE),
        TransitionSpec("occupy", ("offered",), "occupied", N_("The person moved in"), screen=Screen.CONSEQUENCE),
        TransitionSpec("vacate", ("occupied",), "vacated", N_("The person left"), screen=Screen.CONSEQUENCE),
        TransitionSpec("make_available", ("vacated",), "available", N_("Ready for the next person"),
                       guards=(_inventory_given,), effect=_on_available),
        TransitionSpec("withdraw", ("available", "vacated"), "withdrawn", N_("Withdraw from the stock"),
                       effect=_on_withdrawn, reason_required=msg("Say why the place leaves the stock.")),
        TransitionSpec("reinstate", ("withdrawn",), "available", N_("Bring back into the stock"),
                       effect=_on_available),
    ),
    # A place arrives in any state: offered and occupied follow the import of the file that holds it.
    importable=("available", "offered", "occupied", "vacated", "withdrawn"),
)
