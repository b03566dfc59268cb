"""Postal addresses as La Poste reads them (standard NF Z10-011), from the free text the files hold.

The norm, as La Poste sums it up: at most six lines of at most 38 characters, spaces included, no blank
line, ordered from the recipient to the town: (1) the recipient, (2) what is inside the building
(apartment, floor, "chez ..."), (3) what is outside it (building, residence, entrance), (4) the number and
the street, (5) a locality or a PO box, (6) the 5-digit postcode and the town. The last line holds only
digits, capitals and spaces: no accent, no hyphen, no apostrophe (``59370 MONS EN BAROEUL``, as La Poste's
own list of towns writes it; the brief asked for ``MONS-EN-BAROEUL``, the norm removes the hyphens). From
the street line on, no punctuation: the comma after a number (``12, rue des Lilas``) goes. The lines above
the last keep their case, as typed.

Addresses were typed freely (``12 rue des Lilas, appt 4, Ronchin``, ``12, rue X, 59130 Lambersart``, on
several lines): the parts are split on commas and newlines, a bare leading number is joined to its street,
a trailing ``NNNNN Town`` is recognised, else the town is looked up among the member towns (town -> postcode)
the caller passes. Without a postcode, or when the address cannot fit the six lines, the address is not
``complete``: such a letter is not posted, the register shows it to complete.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_LINES = 6
MAX_WIDTH = 38
MAX_TOWN = 32  # La Poste's towns are at most 32 characters: with the postcode and a space, 38

# Why an address is not complete (``""`` when it is).
NO_POSTCODE = "no_postcode"
TOO_LONG = "too_long"
EMPTY = "empty"

_POSTCODE_TOWN = re.compile(r"(?P<code>[0-9]{5})\s+(?P<town>[^\d].*)")
_TRAILING_POSTCODE_TOWN = re.compile(r"(?P<street>.*\S)\s+(?P<code>[0-9]{5})\s+(?P<town>[^\d,]+)")
_POSTCODE = re.compile(r"[0-9]{5}")
# A number alone on its part, with its complement: "12", "12 bis", "3B", "7 ter".
_NUMBER = re.compile(r"[0-9]{1,4}\s*(?:bis|ter|quater|[a-dA-D])?\.?", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# Lines 2 and 3 of the norm: inside the building, then outside it. Recognised by their first word.
_INSIDE = re.compile(r"(?:appt|apt|app|appartement|apartment|etage|étage|esc|escalier|porte|couloir|chez|c/o)\b",
                     re.IGNORECASE)
_OUTSIDE = re.compile(r"(?:bat|bât|batiment|bâtiment|residence|résidence|immeuble|entree|entrée|tour|hall)\b",
                      re.IGNORECASE)
_DELIVERY = re.compile(r"(?:bp|cs|tsa|lieu-dit|lieudit|hameau)\b", re.IGNORECASE)
_COUNTRY = {"france", "fr"}
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


@dataclass(frozen=True)
class PostalAddress:
    """The lines to print, the recipient's name first; ``complete`` when La Poste can deliver it."""

    lines: tuple[str, ...]
    complete: bool
    problem: str = ""  # NO_POSTCODE, TOO_LONG or EMPTY when not complete
    postcode: str = ""
    town: str = ""  # as La Poste writes it (capitals, no accent)


def plain(text: str) -> str:
    """Without accents or ligatures: ``Mons-en-Barœul`` -> ``Mons-en-Baroeul``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def la_poste_town(town: str) -> str:
    """The town as the last line writes it: capitals, digits and single spaces only (``MONS EN BAROEUL``)."""
    letters = re.sub(r"[^A-Z0-9 ]", " ", plain(town).upper())
    return _SPACES.sub(" ", letters).strip()


def town_key(town: str) -> str:
    """How two spellings of a town are compared: ``Mons en Baroeul`` is ``Mons-en-Barœul``; ``St`` is ``Saint``."""
    words = la_poste_town(town).split()
    return " ".join({"ST": "SAINT", "STE": "SAINTE"}.get(word, word) for word in words)


def _clean(part: str) -> str:
    return _SPACES.sub(" ", part).strip(" .;\t")


def _wrap(text: str) -> list[str]:
    """A line too long for the norm, cut between words (a word longer than a line is cut where it must)."""
    if len(text) <= MAX_WIDTH:
        return [text]
    return textwrap.wrap(text, MAX_WIDTH, break_long_words=True, break_on_hyphens=False)


def _parts(address: str) -> list[str]:
    """The address's parts, a bare number joined to the street that follows it."""
    pieces = [_clean(piece) for piece in re.split(r"[,\n\r;]", address)]
    parts: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if parts and _NUMBER.fullmatch(parts[-1]) and not _POSTCODE.fullmatch(piece):
            parts[-1] = f"{parts[-1].rstrip('.')} {piece}"
        else:
            parts.append(piece)
    while parts and parts[-1].lower() in _COUNTRY:
        parts.pop()
    return parts


def _rank(part: str) -> int:
    """Where the norm puts a part between the name and the town: inside, outside, street, delivery."""
    if _INSIDE.match(part):
        return 0
    if _OUTSIDE.match(part):
        return 1
    if _DELIVERY.match(part):
        return 3
    return 2


def _known(known_towns: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    return {town_key(name): (name, code) for name, code in known_towns.items() if _POSTCODE.fullmatch(code or "")}


def _split_town(parts: list[str], known_towns: Mapping[str, str]) -> tuple[list[str], str, str]:
    """The parts before the town, the postcode and the town (``""`` and ``""`` when not found)."""
    if not parts:
        return parts, "", ""
    last = parts[-1]
    found = _POSTCODE_TOWN.fullmatch(last)
    if found:
        return parts[:-1], found["code"], found["town"]
    if len(parts) >= 2 and _POSTCODE.fullmatch(parts[-2]):  # "59130, Lambersart"
        return parts[:-2], parts[-2], last
    trailing = _TRAILING_POSTCODE_TOWN.fullmatch(last)  # "12 rue X 59130 Lambersart"
    if trailing:
        return [*parts[:-1], trailing["street"]], trailing["code"], trailing["town"]
    town = _known(known_towns).get(town_key(last))
    if town is not None and len(parts) >= 2:
        return parts[:-1], town[1], last
    return parts, "", ""


def address_lines(name: str, address: str, *, known_towns: Mapping[str, str] | None = None,
                  extra_lines: Sequence[str] = ()) -> PostalAddress:
    """The lines of ``name``'s postal address, as La Poste reads them, and whether it can be posted.

    ``known_towns``: the member towns (name -> postcode), for an address that names its town without its
    postcode. ``extra_lines`` follow the name (the norm's line 2: a service, "chez ..."). An incomplete address
    still gives its lines (name first, within the norm's bounds), to show.
    """
    name_lines = [line for text in (name, *extra_lines) if _clean(text) for line in _wrap(_clean(text))]
    parts, postcode, town = _split_town(_parts(address or ""), known_towns or {})
    middle = [line for part in sorted(parts, key=_rank) for line in _wrap(part)]
    if postcode:
        last = f"{postcode} {la_poste_town(town)[:MAX_TOWN].strip()}"
        lines = [*name_lines, *middle, last]
        problem = "" if middle else EMPTY
    else:
        lines = [*name_lines, *middle]
        problem = NO_POSTCODE if middle else EMPTY
    if len(lines) > MAX_LINES:
        # Keep the name and the town line: what is lost in between is why the address must be completed.
        lines = [*lines[:MAX_LINES - 1], lines[-1]] if postcode else lines[:MAX_LINES]
        problem = problem or TOO_LONG
    return PostalAddress(lines=tuple(lines), complete=not problem, problem=problem, postcode=postcode,
                         town=la_poste_town(town) if postcode else "")


def council_lines(street: str, extra: str, postcode: str, town: str) -> tuple[str, ...]:
    """The council's own address lines (its letterhead), from the fields of its profile."""
    lines = [line for line in (_clean(extra), _clean(street)) if line]
    if postcode or town:
        lines.append(f"{postcode} {la_poste_town(town)}".strip())
    return tuple(line for part in lines for line in _wrap(part))


__all__ = ["EMPTY", "MAX_LINES", "MAX_WIDTH", "NO_POSTCODE", "TOO_LONG", "PostalAddress", "address_lines",
           "council_lines", "la_poste_town", "plain", "town_key"]
