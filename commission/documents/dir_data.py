"""The directory of the territory as plain data: what its printed guide and its export show of each structure.

The structures' public contact details only (address, telephone, e-mail, website, hours, what they offer and to
whom): never a person's name, not even the professionals' contact there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commission.models.directory import Need, StructureKind


@dataclass(frozen=True)
class GuideEntry:
    """One structure as the guide and the export show it."""

    name: str
    kind: StructureKind
    town: str  # its town's name, "" outside the member towns
    address: str
    phone: str
    email: str
    website: str
    opening_hours: str
    offer: str
    audience: str
    active: bool = True

    @property
    def need(self) -> Need:
        from commission.models.directory import NEED_OF_KIND

        return NEED_OF_KIND[self.kind]


@dataclass(frozen=True)
class GuideTown:
    """The structures of one chapter in one town; ``town`` "" for those outside the member towns."""

    town: str
    entries: tuple[GuideEntry, ...]


@dataclass(frozen=True)
class GuideChapter:
    need: Need
    towns: tuple[GuideTown, ...]

    @property
    def count(self) -> int:
        return sum(len(town.entries) for town in self.towns)


@dataclass(frozen=True)
class Guide:
    """The printed guide: a chapter per need (in :class:`Need`'s order), then a section per town."""

    council: str
    issued_on: date
    chapters: tuple[GuideChapter, ...]
    town: str = ""  # the guide of one town only, if so
    need: Need | None = None  # the guide of one need only, if so

    @property
    def count(self) -> int:
        return sum(chapter.count for chapter in self.chapters)
