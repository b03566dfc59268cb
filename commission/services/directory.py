"""The directory of the territory: the structures a professional may orient someone to, its guide and its export.

Every staff member reads it (:data:`policy.Action.VIEW_DIRECTORY`); the coordinator and the care teams keep it
(:data:`policy.Action.EDIT_DIRECTORY`). A structure is closed rather than deleted: the orientations made to it
keep it. The audit trail names the structure only; the rest of what a form sends is not copied there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from commission import clock, policy
from commission.documents.dir_data import Guide, GuideChapter, GuideEntry, GuideTown
from commission.errors import ConcurrentChange, InvalidInput, NotFound
from commission.i18n import N_, msg
from commission.models.accounts import User
from commission.models.directory import NEED_OF_KIND, Need, Structure, StructureKind
from commission.models.reference import Organisation, Town
from commission.services import audit
from commission.services.paging import Page, paginate
from commission.services.sorting import Sort, ordered
from commission.services.stock.fields import Errors, _add, _choice, _email, _row, _text
from commission.services.unit import flush, locked
from commission.workflow.engine import MachineSpec, StateSpec
from commission.workflow.tags import Tone

LONG_TEXT = 2000  # the hours, the offer, the audience: a paragraph each, not a brochure
_PHONE = re.compile(r"\+?[0-9][0-9 .()\-]{5,38}")
_WEBSITE = re.compile(r"https?://[^\s/?#@]+\.[^\s/?#@]+(?:[/?#]\S*)?", re.IGNORECASE)
_BARE_SITE = re.compile(r"[^\s/?#@:]+\.[^\s/?#@:]+(?:[/?#]\S*)?")

# Whether a structure is open, as the lists' badges draw it: only the words and tone of its two statuses.
STRUCTURE_STATUSES = MachineSpec(
    name="structure",
    initial="active",
    states=(
        StateSpec("active", N_("In activity"), N_("Professionals may orient people to it."), tone=Tone.ACTIVE),
        StateSpec("inactive", N_("Closed down"), N_("It no longer receives: kept for the orientations made."),
                  tone=Tone.ENDED),
    ),
    transitions=(),
)

# The kinds of each need, in the order the guide and the lists show them.
KINDS_OF_NEED: dict[Need, tuple[StructureKind, ...]] = {
    need: tuple(kind for kind in StructureKind if NEED_OF_KIND[kind] is need) for need in Need}


def collation_key(text: str) -> str:
    """A name as an index sorts it: without accents or case (« Écoute » beside « Ecoute », before « F »)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


# ---------------------------------------------------------------- input


@dataclass
class StructureInput:
    """What the form sends, as strings."""

    name: str = ""
    kind: str = ""
    town_id: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    opening_hours: str = ""
    offer: str = ""
    audience: str = ""
    contact_name: str = ""

    @classmethod
    def of(cls, structure: Structure) -> StructureInput:
        values = {item.name: getattr(structure, item.name) for item in fields(cls)}
        values.update(kind=structure.kind.value, town_id=str(structure.town_id) if structure.town_id else "")
        return cls(**values)


def _website(errors: Errors, text: str) -> str:
    cleaned = _text(errors, "website", text, 300)
    if not cleaned:
        return ""
    if not re.match(r"https?://", cleaned, re.IGNORECASE) and _BARE_SITE.fullmatch(cleaned):
        cleaned = "https://" + cleaned
    if not _WEBSITE.fullmatch(cleaned) and "website" not in errors:
        _add(errors, "website", msg("This is not a website address (for example https://www.example.org)."))
    return cleaned


def _phone(errors: Errors, text: str) -> str:
    cleaned = _text(errors, "phone", text, 40)
    if cleaned and "phone" not in errors and not _PHONE.fullmatch(cleaned):
        _add(errors, "phone", msg("This is not a telephone number (for example 03 20 00 00 00)."))
    return cleaned


def _parse(session: Session, data: StructureInput, current: Structure | None) -> dict[str, Any]:
    errors: Errors = {}
    name = _text(errors, "name", data.name, 200, msg("Give the structure's name."))
    kind = _choice(StructureKind, data.kind)
    if kind is None:
        _add(errors, "kind", msg("Choose the kind of structure."))
    town: Town | None = None
    if (data.town_id or "").strip():
        town = _row(session, Town, data.town_id)
        if town is None:
            _add(errors, "town_id", msg("Choose the town, or none for a structure outside the member towns."))
    if name and "name" not in errors and "town_id" not in errors:
        clash = select(Structure.id).where(
            func.lower(Structure.name) == name.lower(),
            Structure.town_id == town.id if town is not None else Structure.town_id.is_(None))
        if current is not None:
            clash = clash.where(Structure.id != current.id)
        if session.execute(clash.limit(1)).first() is not None:
            _add(errors, "name", msg("The directory already has a structure of this name in this town."))
    values = {
        "name": name,
        "kind": kind,
        "town_id": town.id if town is not None else None,
        "address": _text(errors, "address", data.address, 300),
        "phone": _phone(errors, data.phone),
        "email": _email(errors, "email", data.email),
        "website": _website(errors, data.website),
        "opening_hours": _text(errors, "opening_hours", data.opening_hours, LONG_TEXT),
        "offer": _text(errors, "offer", data.offer, LONG_TEXT),
        "audience": _text(errors, "audience", data.audience, LONG_TEXT),
        "contact_name": _text(errors, "contact_name", data.contact_name, 200),
    }
    if errors:
        raise InvalidInput(errors)
    return values


# ---------------------------------------------------------------- writing


def create_structure(session: Session, actor: User, data: StructureInput, *,
                     organisation_id: int | None = None) -> Structure:
    """Add a structure to the directory (``organisation_id``: the same body as one of the council's partners)."""
    policy.require(actor, policy.Action.EDIT_DIRECTORY)
    values = _parse(session, data, None)
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise InvalidInput({"": [msg("This partner does not exist.")]})
    structure = Structure(**values, organisation_id=organisation_id, active=True)
    session.add(structure)
    flush(session)
    audit.record(session, actor, "structure.created", "structure", structure.id,
                 {"name": structure.name, "kind": structure.kind.value, "town_id": structure.town_id})
    flush(session)
    return structure


def _lock(session: Session, actor: User, structure_id: int) -> Structure:
    policy.require(actor, policy.Action.EDIT_DIRECTORY)
    structure = session.execute(locked(select(Structure).where(Structure.id == structure_id))).scalar_one_or_none()
    if structure is None:
        raise NotFound()
    return structure


def update_structure(session: Session, actor: User, structure_id: int, data: StructureInput,
                     expected_version: int | None) -> Structure:
    """Save a structure's new details; refused (ConcurrentChange) when it changed since ``expected_version``."""
    structure = _lock(session, actor, structure_id)
    if expected_version is not None and structure.version != expected_version:
        raise ConcurrentChange()
    values = _parse(session, data, structure)
    changed = sorted(name for name, value in values.items() if getattr(structure, name) != value)
    if not changed:
        return structure
    for name in changed:
        setattr(structure, name, values[name])
    flush(session)
    audit.record(session, actor, "structure.updated", "structure", structure.id,
                 {"name": structure.name, "fields": changed})
    flush(session)
    return structure


def set_structure_active(session: Session, actor: User, structure_id: int, active: bool,
                         expected_version: int | None = None) -> Structure:
    """Close a structure (it leaves the guide and the choices, kept for the orientations made), or reopen it."""
    structure = _lock(session, actor, structure_id)
    if expected_version is not None and structure.version != expected_version:
        raise ConcurrentChange()
    if structure.active == active:
        return structure
    structure.active = active
    flush(session)
    audit.record(session, actor, "structure.reopened" if active else "structure.closed", "structure", structure.id,
                 {"name": structure.name})
    flush(session)
    return structure


# ---------------------------------------------------------------- reading


OUTSIDE = "outside"  # the town filter's value for the structures outside the member towns


@dataclass(frozen=True)
class StructureFilter:
    need: Need | None = None
    kind: StructureKind | None = None
    town_id: int | None = None
    outside: bool = False  # only those outside the member towns
    active: bool | None = True  # None: open and closed
    text: str = ""  # in the name, the offer or the address

    @property
    def args(self) -> dict[str, str]:
        """The filter as the list's query string writes it (without the defaults)."""
        found = {"need": self.need.value if self.need else "", "kind": self.kind.value if self.kind else "",
                 "town": OUTSIDE if self.outside else str(self.town_id or ""), "text": self.text,
                 "status": {True: "", False: "closed", None: "all"}[self.active]}
        return {name: value for name, value in found.items() if value}


# The keys the directory may be sorted by.
STRUCTURE_SORTS = {
    "name": (Structure.search_text,),  # the name without accents or case first (« Écoute » before « F »)
    "kind": (Structure.kind,),
    "town": (Town.name,),
}


def _filtered(query: Select[Any], structure_filter: StructureFilter) -> Select[Any]:
    if structure_filter.need is not None:
        query = query.where(Structure.kind.in_(KINDS_OF_NEED[structure_filter.need]))
    if structure_filter.kind is not None:
        query = query.where(Structure.kind == structure_filter.kind)
    if structure_filter.outside:
        query = query.where(Structure.town_id.is_(None))
    elif structure_filter.town_id is not None:
        query = query.where(Structure.town_id == structure_filter.town_id)
    if structure_filter.active is not None:
        query = query.where(Structure.active.is_(structure_filter.active))
    words = structure_filter.text.lower().split()[:8]
    if words:
        conditions: list[ColumnElement[bool]] = [
            or_(*(func.lower(column).contains(word, autoescape=True)
                  for column in (Structure.name, Structure.offer, Structure.address)))
            for word in words]
        query = query.where(*conditions)
    return query


def list_structures(session: Session, actor: User, structure_filter: StructureFilter | None = None, *,
                    sort: Sort | None = None, page: int = 1) -> Page[Structure]:
    """One page of the directory, with each structure's town (two queries whatever the volume)."""
    policy.require(actor, policy.Action.VIEW_DIRECTORY)
    query = (select(Structure).outerjoin(Town, Town.id == Structure.town_id)
             .options(contains_eager(Structure.town)))
    query = _filtered(query, structure_filter or StructureFilter())
    query = ordered(query, STRUCTURE_SORTS, sort or Sort(), default=(Structure.search_text, Town.name),
                    tiebreak=Structure.id)
    return paginate(session, query, page)


@dataclass(frozen=True)
class StructureView:
    structure: Structure
    need: Need
    editable: bool  # the reader may edit it, close or reopen it

    @property
    def status(self) -> str:
        return "active" if self.structure.active else "inactive"


def get_structure(session: Session, actor: User, structure_id: int) -> Structure:
    policy.require(actor, policy.Action.VIEW_DIRECTORY)
    structure = session.execute(
        select(Structure).where(Structure.id == structure_id)
        .options(joinedload(Structure.town), joinedload(Structure.organisation))
    ).scalar_one_or_none()
    if structure is None:
        raise NotFound()
    return structure


def structure_view(session: Session, actor: User, structure_id: int) -> StructureView:
    structure = get_structure(session, actor, structure_id)
    return StructureView(structure, structure.need, policy.can(actor, policy.Action.EDIT_DIRECTORY))


def _entries(session: Session, query: Select[Any]) -> list[GuideEntry]:
    rows = session.execute(query.outerjoin(Town, Town.id == Structure.town_id)
                           .add_columns(Town.name)).all()
    return [GuideEntry(name=structure.name, kind=structure.kind, town=town or "", address=structure.address,
                       phone=structure.phone, email=structure.email, website=structure.website,
                       opening_hours=structure.opening_hours, offer=structure.offer, audience=structure.audience,
                       active=structure.active)
            for structure, town in rows]


def guide_data(session: Session, actor: User, town_id: int | None = None, need: Need | None = None, *,
               council: str = "", today: date | None = None) -> Guide:
    """The printed guide: the open structures, a chapter per need in :class:`Need`'s order, in each a section per
    member town (by name) then one for those outside them, the structures by name. ``town_id`` and ``need`` keep
    one town's (with the structures outside the member towns, which serve it too) or one need's."""
    policy.require(actor, policy.Action.VIEW_DIRECTORY)
    town = session.get(Town, town_id) if town_id is not None else None
    if town_id is not None and town is None:
        raise NotFound()
    query = select(Structure).where(Structure.active.is_(True))
    if town is not None:
        query = query.where(or_(Structure.town_id == town.id, Structure.town_id.is_(None)))
    if need is not None:
        query = query.where(Structure.kind.in_(KINDS_OF_NEED[need]))
    entries = _entries(session, query)
    towns = [name for name in session.execute(select(Town.name)).scalars()]
    town_order = {name: position for position, name in enumerate(sorted(towns, key=collation_key))}
    chapters = []
    for chapter_need in Need:
        found = [entry for entry in entries if entry.need is chapter_need]
        if not found:
            continue
        names = sorted({entry.town for entry in found}, key=lambda name: (name == "", town_order.get(name, 0)))
        chapters.append(GuideChapter(chapter_need, tuple(
            GuideTown(name, tuple(sorted((entry for entry in found if entry.town == name),
                                         key=lambda entry: collation_key(entry.name))))
            for name in names)))
    return Guide(council=council, issued_on=today or clock.today(), chapters=tuple(chapters),
                 town=town.name if town is not None else "", need=need)


def export_rows(session: Session, actor: User, structure_filter: StructureFilter | None = None
                ) -> Sequence[GuideEntry]:
    """The directory for the partners' spreadsheets: the structures' public details, by need, town and name
    (open ones only unless the filter says otherwise). No person is named."""
    policy.require(actor, policy.Action.VIEW_DIRECTORY)
    entries = _entries(session, _filtered(select(Structure), structure_filter or StructureFilter()))
    needs = {need: position for position, need in enumerate(Need)}
    return sorted(entries, key=lambda entry: (needs[entry.need], entry.town == "", collation_key(entry.town),
                                              collation_key(entry.name)))


def structure_choices(session: Session, *, include: int | None = None) -> list[Structure]:
    """The open structures, to fill choice lists (with ``include`` even if closed), by name."""
    condition: ColumnElement[bool] = Structure.active.is_(True)
    if include is not None:
        condition = or_(condition, Structure.id == include)
    return sorted(session.execute(select(Structure).where(condition)).scalars(),
                  key=lambda structure: collation_key(structure.name))
