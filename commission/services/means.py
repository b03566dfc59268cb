"""What a place proposed would leave a person to live on: their monthly resources and housing allowance set against
the place's rent and charges, with a warning below the threshold the coordinator keeps in the council's profile.

Who reads what is the policy's (:func:`commission.policy.reads_means`): the coordinator, the chairs and the
person's own care team read the figures; any other reader of a proposal reads only whether the warning applies.
The threshold is read once per page, whatever the number of places or items shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import policy
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.hearings import AgendaItem
from commission.models.housing import Place
from commission.services.letters import profile


@dataclass(frozen=True)
class Means:
    """A person's month set against a place: ``left_cents`` is resources + allowance − rent − charges (an unknown
    allowance counts as none); unknown resources leave it, and the warning, unknown (None)."""

    resources_cents: int | None
    allowance_cents: int | None
    rent_cents: int
    charges_cents: int
    left_cents: int | None
    threshold_cents: int
    below: bool | None

    @property
    def housing_cost_cents(self) -> int:
        return self.rent_cents + self.charges_cents


@dataclass(frozen=True)
class MeansView:
    """The means as one reader reads them: the figures when the policy lets them, else only whether the
    warning applies (``below``: True or False, never the figures nor whether the resources are known)."""

    below: bool | None
    figures: Means | None = None

    @property
    def warns(self) -> bool:
        return self.below is True

    @property
    def shown(self) -> bool:
        """Whether a page has anything to show: the figures, or the warning."""
        return self.figures is not None or self.warns


def threshold(session: Session) -> int:
    """What must be left to live on each month, below which a place proposed is flagged (the coordinator's)."""
    return profile.current(session).means_threshold_cents


def means_for(case: Case, place: Place, threshold_cents: int) -> Means:
    resources, allowance = case.monthly_resources_cents, case.housing_allowance_cents
    left = None if resources is None else resources + (allowance or 0) - place.rent_cents - place.charges_cents
    return Means(resources_cents=resources, allowance_cents=allowance, rent_cents=place.rent_cents,
                 charges_cents=place.charges_cents, left_cents=left, threshold_cents=threshold_cents,
                 below=None if left is None else left < threshold_cents)


def view(user: User | None, case: Case, place: Place, threshold_cents: int, *,
         figures: bool | None = None) -> MeansView:
    """The means of ``case`` against ``place`` as ``user`` reads them; ``figures`` overrides the policy's answer
    for a document whose fields say it (``Field.MEANS``)."""
    means = means_for(case, place, threshold_cents)
    if figures if figures is not None else policy.reads_means(user, case):
        return MeansView(below=means.below, figures=means)
    return MeansView(below=means.below is True)


def for_places(session: Session, user: User | None, case: Case, places: Iterable[Place]) -> dict[int, MeansView]:
    """The means against each place offered to a person (the session's choices), by place id."""
    chosen = list(places)
    if not chosen:
        return {}
    limit = threshold(session)
    return {place.id: view(user, case, place, limit) for place in chosen}


def for_case(session: Session, user: User | None, case: Case) -> MeansView | None:
    """The means against the place allocated to the file, if one is."""
    place = case.allocated_place
    return None if place is None else view(user, case, place, threshold(session))


def for_items(session: Session, user: User | None, items: Iterable[AgendaItem]) -> dict[int, MeansView]:
    """The means of each agenda item with a place (allocated, or ranked for), by item id: the places in one
    query, the threshold in another, none when no item has a place; their files must be loaded already."""
    placed = [item for item in items if item.place_id is not None]
    if not placed:
        return {}
    places = {place.id: place for place in session.execute(
        select(Place).where(Place.id.in_({item.place_id for item in placed}))).scalars()}
    limit = threshold(session)
    return {item.id: view(user, item.case, places[item.place_id], limit) for item in placed
            if item.place_id in places}


__all__ = ["Means", "MeansView", "for_case", "for_items", "for_places", "means_for", "threshold", "view"]
