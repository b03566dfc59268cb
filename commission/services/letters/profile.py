"""The council's letterhead and the settings of its letters, kept by the coordinator (one row)."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import policy, postal
from commission.errors import ConcurrentChange, InvalidInput
from commission.i18n import Message, msg
from commission.models.accounts import User
from commission.models.letters import DEFAULT_MEANS_THRESHOLD_CENTS, DEFAULT_NEW_EXAMINATION_DAYS, CouncilProfile
from commission.models.reference import Town
from commission.parsing import collect, parse_euros, parse_text, parse_whole
from commission.services import audit
from commission.services.unit import flush, locked

Errors = dict[str, list[Message]]
MAX_THRESHOLD_CENTS = 1_000_000  # ten thousand euros a month: above, a typing mistake


def current(session: Session) -> CouncilProfile:
    """The council's profile as saved, or the defaults (not added to the session) before the coordinator saved it."""
    profile = session.get(CouncilProfile, 1)
    if profile is not None:
        return profile
    return CouncilProfile(id=1, street="", address_extra="", postcode="", town="", phone="", email="",
                          contact_name="", president_name="", president_capacity="", logo=None, logo_type="",
                          means_threshold_cents=DEFAULT_MEANS_THRESHOLD_CENTS,
                          new_examination_days=DEFAULT_NEW_EXAMINATION_DAYS)


# ---------------------------------------------------------------- the coordinator's edits

MAX_LOGO_BYTES = 1024 * 1024  # a letterhead's logo is a few dozen kilobytes; a megabyte is plenty
MAX_LOGO_SIDE = 4000  # pixels: larger is no logo but a photograph, or a decompression bomb
MIN_LOGO_SIDE = 16
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
_MAGIC = {"PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff"}
_POSTCODE = re.compile(r"[0-9]{5}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_FIELDS = ("street", "address_extra", "postcode", "town", "phone", "email", "contact_name", "president_name",
           "president_capacity", "means_threshold_cents", "new_examination_days")


@dataclass(frozen=True)
class ProfileInput:
    """What the council's page sends, as typed."""

    street: str = ""
    address_extra: str = ""
    postcode: str = ""
    town: str = ""
    phone: str = ""
    email: str = ""
    contact_name: str = ""
    president_name: str = ""
    president_capacity: str = ""
    means_threshold: str = ""  # euros a month left to live on, "300" or "300,00"
    new_examination_days: str = ""

    @classmethod
    def of(cls, profile: CouncilProfile) -> ProfileInput:
        cents = profile.means_threshold_cents
        return cls(street=profile.street, address_extra=profile.address_extra, postcode=profile.postcode,
                   town=profile.town, phone=profile.phone, email=profile.email, contact_name=profile.contact_name,
                   president_name=profile.president_name, president_capacity=profile.president_capacity,
                   means_threshold=f"{cents // 100},{cents % 100:02d}",
                   new_examination_days=str(profile.new_examination_days))


def _text(errors: Errors, name: str, text: str, limit: int) -> str:
    return collect(errors, parse_text, text, name, limit=limit) or ""


def _parse(data: ProfileInput) -> dict[str, Any]:
    errors: Errors = {}
    values: dict[str, Any] = {
        "street": _text(errors, "street", data.street, 38),
        "address_extra": _text(errors, "address_extra", data.address_extra, 38),
        "postcode": _text(errors, "postcode", data.postcode, 5),
        "town": _text(errors, "town", data.town, 32),
        "phone": _text(errors, "phone", data.phone, 40),
        "email": _text(errors, "email", data.email, 200),
        "contact_name": _text(errors, "contact_name", data.contact_name, 120),
        "president_name": _text(errors, "president_name", data.president_name, 120),
        "president_capacity": _text(errors, "president_capacity", data.president_capacity, 160),
        "means_threshold_cents": collect(errors, parse_euros, data.means_threshold, "means_threshold",
                                         maximum=MAX_THRESHOLD_CENTS,
                                         missing=msg("Give the amount in euros (0 for no warning).")),
        "new_examination_days": collect(errors, parse_whole, data.new_examination_days, "new_examination_days",
                                        minimum=1, maximum=365),
    }
    if values["postcode"] and not _POSTCODE.fullmatch(values["postcode"]) and "postcode" not in errors:
        errors.setdefault("postcode", []).append(msg("Give the postcode: 5 digits (for example 59370)."))
    if values["email"] and not _EMAIL.fullmatch(values["email"]) and "email" not in errors:
        errors.setdefault("email", []).append(msg("This is not an e-mail address."))
    if errors:
        raise InvalidInput(errors)
    return values


def _lock(session: Session, actor: User, expected_version: int | None) -> CouncilProfile:
    """The profile to change, locked; created (unsaved defaults) when the coordinator never saved it.
    ``expected_version`` is the version the form was drawn from (0 or None for a profile never saved)."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    profile = session.execute(locked(select(CouncilProfile).where(CouncilProfile.id == 1))).scalar_one_or_none()
    if profile is None:
        if expected_version:
            raise ConcurrentChange()
        profile = current(session)
        session.add(profile)
    elif expected_version is not None and profile.version != expected_version:
        raise ConcurrentChange()
    profile.updated_by_id = actor.id
    return profile


def update(session: Session, actor: User, data: ProfileInput, expected_version: int | None) -> CouncilProfile:
    """Save the letterhead and the settings of the letters (the coordinator). Every field's problem at once."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    values = _parse(data)
    profile = _lock(session, actor, expected_version)
    before = {name: getattr(profile, name) for name in _FIELDS}
    for name, value in values.items():
        setattr(profile, name, value)
    changed = {name: [before[name], values[name]] for name in _FIELDS if before[name] != values[name]}
    flush(session)
    audit.record(session, actor, "council_profile.updated", "council_profile", profile.id, {"changed": changed})
    flush(session)
    return profile


def logo_type(data: bytes) -> tuple[str, int, int]:
    """The content type, width and height of a PNG or JPEG logo, read from its content (never from its name or
    the browser's word). Raises InvalidInput (field ``logo``) for anything else: SVG, GIF, a damaged or absurd
    image."""
    refused = InvalidInput({"logo": [msg("The logo must be a PNG or JPEG image.")]})
    if not data:
        raise InvalidInput({"logo": [msg("Choose the logo's file.")]})
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidInput({"logo": [msg("The logo is too large: at most 1 MB.")]})
    kind = next((name for name, magic in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise refused
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                width, height = image.size
                if not (MIN_LOGO_SIDE <= width <= MAX_LOGO_SIDE and MIN_LOGO_SIDE <= height <= MAX_LOGO_SIDE):
                    raise InvalidInput({"logo": [msg("The logo must measure between %(low)s and %(high)s pixels "
                                                     "on each side.", low=MIN_LOGO_SIDE, high=MAX_LOGO_SIDE)]})
                image.verify()
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                image.load()  # decoded whole: a truncated file is refused here, not when a letter is printed
    except InvalidInput:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise refused from None
    return LOGO_TYPES[kind], width, height


def set_logo(session: Session, actor: User, data: bytes, expected_version: int | None) -> CouncilProfile:
    """Put the council's logo on its letterhead: a PNG or a JPEG, checked by its content."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    content_type, width, height = logo_type(data)
    profile = _lock(session, actor, expected_version)
    profile.logo = data
    profile.logo_type = content_type
    flush(session)
    audit.record(session, actor, "council_profile.logo_set", "council_profile", profile.id,
                 {"type": content_type, "bytes": len(data), "width": width, "height": height,
                  "sha256": hashlib.sha256(data).hexdigest()})
    flush(session)
    return profile


def remove_logo(session: Session, actor: User, expected_version: int | None) -> CouncilProfile:
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    if session.get(CouncilProfile, 1) is None:
        return current(session)
    profile = _lock(session, actor, expected_version)
    if profile.logo is None:
        return profile
    profile.logo = None
    profile.logo_type = ""
    flush(session)
    audit.record(session, actor, "council_profile.logo_removed", "council_profile", profile.id, {})
    flush(session)
    return profile


def logo(session: Session, actor: User) -> tuple[bytes, str] | None:
    """The logo and its content type, for the page's preview (whoever may edit the letters)."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    profile = session.get(CouncilProfile, 1)
    if profile is None or profile.logo is None or profile.logo_type not in LOGO_TYPES.values():
        return None
    return profile.logo, profile.logo_type


# ---------------------------------------------------------------- what every letter carries


def letterhead(profile: CouncilProfile, council_name: str) -> dict[str, Any]:
    """The ``letterhead`` of a letter's content: the council's name, its postal lines as La Poste writes them."""
    return {"council": council_name,
            "lines": list(postal.council_lines(profile.street, profile.address_extra, profile.postcode, profile.town)),
            "phone": profile.phone, "email": profile.email}


def contact(profile: CouncilProfile) -> dict[str, str]:
    """The ``contact`` of a letter's content: whom to call (« Affaire suivie par »)."""
    return {"name": profile.contact_name, "phone": profile.phone, "email": profile.email}


def known_towns(session: Session) -> dict[str, str]:
    """The member towns and their postcodes, for the addresses that name the town only."""
    return {name: postcode for name, postcode in session.execute(select(Town.name, Town.postcode))}
