"""Who sits in the housing sub-group: the accounts seated in it (``User.housing_subgroup``, set on the accounts'
page) and the members without an account, recorded here by the coordinator.

The membership is read by whoever may see the sub-group's workspace; only those who may manage the sub-group add a
member without an account, change what is known of them, or record that they left (never deleted: past meetings
name them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput, NotFound, TransitionRefused
from commission.i18n import Message, msg
from commission.labels import ROLE_LABELS
from commission.models.accounts import User
from commission.models.reference import Organisation, Town
from commission.models.subgroup import SubgroupMember
from commission.services import audit
from commission.services.stock.fields import Errors, _add, _day, _email, _row, _text
from commission.services.unit import flush, locked

ACCOUNT_KEY, MEMBER_KEY = "u", "m"  # how a choice among the membership names an account or a member


def person_key(user_id: int | None = None, member_id: int | None = None) -> str:
    """How a form names one person of the membership: ``u-3`` for an account, ``m-7`` for a member without one."""
    return f"{ACCOUNT_KEY}-{user_id}" if user_id is not None else f"{MEMBER_KEY}-{member_id}"


def read_key(key: str) -> tuple[int | None, int | None] | None:
    """(account id, member id) from a form's choice, or ``None`` for anything that cannot be one."""
    kind, _, number = (key or "").strip().partition("-")
    if kind not in (ACCOUNT_KEY, MEMBER_KEY) or not number.isascii() or not number.isdigit() or len(number) > 10:
        return None
    return (int(number), None) if kind == ACCOUNT_KEY else (None, int(number))


@dataclass(frozen=True)
class Seat:
    """One person of the sub-group, as its list shows them: an account seated in it, or a member without one."""

    key: str  # person_key: how the forms name them (attendance, an action's owner)
    name: str
    capacity: str | Message  # in what capacity they sit (an account without a title: its role's label)
    email: str
    phone: str
    town: str
    organisation: str
    user: User | None = None
    member: SubgroupMember | None = None

    @property
    def has_account(self) -> bool:
        return self.user is not None


def seat_of_user(user: User) -> Seat:
    return Seat(person_key(user_id=user.id), user.display_name, user.title or msg(ROLE_LABELS[user.role]),
                user.email, "", user.town.name if user.town else "",
                user.organisation.name if user.organisation else "", user=user)


def seat_of_member(member: SubgroupMember) -> Seat:
    return Seat(person_key(member_id=member.id), member.name, member.capacity, member.email, member.phone,
                member.town.name if member.town else "", member.organisation.name if member.organisation else "",
                member=member)


def _seated_accounts(session: Session) -> list[User]:
    return list(session.execute(
        select(User).options(joinedload(User.town), joinedload(User.organisation))
        .where(User.active, User.housing_subgroup).order_by(User.display_name, User.id)
    ).scalars())


def _sitting_members(session: Session) -> list[SubgroupMember]:
    return list(session.execute(
        select(SubgroupMember).options(joinedload(SubgroupMember.town), joinedload(SubgroupMember.organisation))
        .where(SubgroupMember.left_on.is_(None)).order_by(SubgroupMember.name, SubgroupMember.id)
    ).scalars())


def seats(session: Session) -> list[Seat]:
    """Everyone sitting now, by name (no permission asked: for the services that already checked it)."""
    found = [*map(seat_of_user, _seated_accounts(session)), *map(seat_of_member, _sitting_members(session))]
    return sorted(found, key=lambda seat: (seat.name.casefold(), seat.key))


def membership(session: Session, actor: User) -> list[Seat]:
    """The accounts seated in the sub-group (active ones) and its members without an account still sitting,
    together, by name: each with their capacity and how to reach them."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    return seats(session)


def former_members(session: Session, actor: User) -> list[SubgroupMember]:
    """The members without an account who have left, the latest first (past meetings still name them)."""
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    return list(session.execute(
        select(SubgroupMember).where(SubgroupMember.left_on.is_not(None))
        .order_by(SubgroupMember.left_on.desc(), SubgroupMember.name)
    ).scalars())


def get_member(session: Session, actor: User, member_id: int) -> SubgroupMember:
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    member = session.get(SubgroupMember, member_id)
    if member is None:
        raise NotFound()
    return member


# ---------------------------------------------------------------- members without an account


@dataclass
class MemberInput:
    name: str = ""
    capacity: str = ""
    town_id: str = ""
    organisation_id: str = ""
    email: str = ""
    phone: str = ""
    joined_on: str = ""

    @classmethod
    def of(cls, member: SubgroupMember) -> MemberInput:
        return cls(name=member.name, capacity=member.capacity,
                   town_id=str(member.town_id) if member.town_id else "",
                   organisation_id=str(member.organisation_id) if member.organisation_id else "",
                   email=member.email, phone=member.phone, joined_on=member.joined_on.isoformat())


def _parse_member(session: Session, data: MemberInput, today: date) -> dict[str, object]:
    errors: Errors = {}
    name = _text(errors, "name", data.name, 200, msg("Give the member's name."))
    capacity = _text(errors, "capacity", data.capacity, 200,
                     msg("Say in what capacity they sit (for example: Adjointe au maire de Ronchin)."))
    town = _row(session, Town, data.town_id) if (data.town_id or "").strip() else None
    if (data.town_id or "").strip() and town is None:
        _add(errors, "town_id", msg("Choose one of the towns listed."))
    organisation = _row(session, Organisation, data.organisation_id) if (data.organisation_id or "").strip() else None
    if (data.organisation_id or "").strip() and organisation is None:
        _add(errors, "organisation_id", msg("Choose one of the organisations listed."))
    email = _email(errors, "email", data.email)
    phone = _text(errors, "phone", data.phone, 40)
    joined_on = _day(errors, "joined_on", data.joined_on, required=False) or today
    if joined_on > today and "joined_on" not in errors:
        _add(errors, "joined_on", msg("This date is in the future."))
    if errors:
        raise InvalidInput(errors)
    return {"name": name, "capacity": capacity, "town_id": town.id if town else None,
            "organisation_id": organisation.id if organisation else None, "email": email, "phone": phone,
            "joined_on": joined_on}


def add_member(session: Session, actor: User, data: MemberInput, today: date | None = None) -> SubgroupMember:
    """A member without an account joins the sub-group."""
    policy.require(actor, policy.Action.MANAGE_SUBGROUP)
    member = SubgroupMember(**_parse_member(session, data, today or clock.today()))
    session.add(member)
    flush(session)
    audit.record(session, actor, "subgroup.member_added", "subgroup_member", member.id, {
        "town_id": member.town_id, "organisation_id": member.organisation_id,
        "joined_on": member.joined_on.isoformat()})
    flush(session)
    return member


def _lock_member(session: Session, actor: User, member_id: int, expected_version: int | None) -> SubgroupMember:
    policy.require(actor, policy.Action.MANAGE_SUBGROUP)
    member = session.execute(locked(select(SubgroupMember).where(SubgroupMember.id == member_id))
                             ).scalar_one_or_none()
    if member is None:
        raise NotFound()
    if expected_version is not None and member.version != expected_version:
        raise ConcurrentChange()
    if member.left_on is not None:
        raise TransitionRefused(msg("This member left the sub-group on %(date)s; what is known of them is kept as "
                                    "it was.", date=member.left_on.isoformat()))
    return member


def update_member(session: Session, actor: User, member_id: int, data: MemberInput,
                  expected_version: int | None = None, today: date | None = None) -> SubgroupMember:
    """Change what is known of a member without an account (their capacity, how to reach them)."""
    member = _lock_member(session, actor, member_id, expected_version)
    values = _parse_member(session, data, today or clock.today())
    changed = sorted(name for name, value in values.items() if getattr(member, name) != value)
    for name in changed:
        setattr(member, name, values[name])
    if changed:
        flush(session)
        # the names of the fields changed, never what was typed in them
        audit.record(session, actor, "subgroup.member_updated", "subgroup_member", member.id, {"changed": changed})
        flush(session)
    return member


def member_leaves(session: Session, actor: User, member_id: int, left_on: str,
                  expected_version: int | None = None, today: date | None = None) -> SubgroupMember:
    """A member without an account leaves the sub-group: kept, with the day they left."""
    today = today or clock.today()
    member = _lock_member(session, actor, member_id, expected_version)
    errors: Errors = {}
    day = _day(errors, "left_on", left_on, required=False) or today
    if "left_on" not in errors:
        if day > today:
            _add(errors, "left_on", msg("This date is in the future."))
        elif day < member.joined_on:
            _add(errors, "left_on", msg("They joined on %(date)s: they cannot have left before.",
                                        date=member.joined_on.isoformat()))
    if errors:
        raise InvalidInput(errors)
    member.left_on = day
    flush(session)
    audit.record(session, actor, "subgroup.member_left", "subgroup_member", member.id, {"left_on": day.isoformat()})
    flush(session)
    return member


def member_choices(session: Session) -> tuple[list[Town], list[Organisation]]:
    """The towns and the organisations a member without an account may represent, by name (the form's lists)."""
    towns = list(session.execute(select(Town).order_by(Town.name)).scalars())
    organisations = list(session.execute(
        select(Organisation).where(Organisation.active).order_by(Organisation.name)).scalars())
    return towns, organisations
