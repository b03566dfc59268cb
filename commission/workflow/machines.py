"""Every machine, by the name the command line, the diagrams and the pages know it by."""

from __future__ import annotations

from typing import Any

from commission.models.cases import Case
from commission.models.directory import Orientation
from commission.models.hearings import Hearing
from commission.models.housing import Place
from commission.models.prospects import Prospect
from commission.models.treasury import Deposit
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.engine import MachineSpec
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.orientation import ORIENTATION_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.prospect import PROSPECT_MACHINE
from commission.workflow.tags import Tag

MACHINES: dict[str, MachineSpec] = {
    "case": CASE_MACHINE,
    "hearing": HEARING_MACHINE,
    "place": PLACE_MACHINE,
    "deposit": DEPOSIT_MACHINE,
    "prospect": PROSPECT_MACHINE,
    "orientation": ORIENTATION_MACHINE,
}
_BY_MODEL: dict[type, MachineSpec] = {Case: CASE_MACHINE, Hearing: HEARING_MACHINE, Place: PLACE_MACHINE,
                                      Deposit: DEPOSIT_MACHINE, Prospect: PROSPECT_MACHINE,
                                      Orientation: ORIENTATION_MACHINE}


def machine_for(record: Any) -> MachineSpec:
    """The machine that moves a row (a case, a hearing, a place, a deposit)."""
    for model, spec in _BY_MODEL.items():
        if isinstance(record, model):
            return spec
    raise TypeError(f"no machine moves a {type(record).__name__}")


def means(record: Any, tag: Tag | str) -> bool:
    """Whether a row's state carries a tag; the pages' ``{% if case is tagged "holds_place" %}``."""
    return machine_for(record).means(record.state, tag if isinstance(tag, Tag) else Tag(tag))
