"""Postal addresses as La Poste reads them (NF Z10-011), from the free text the files hold."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commission.postal import MAX_LINES, MAX_WIDTH, NO_POSTCODE, TOO_LONG, address_lines, council_lines, la_poste_town

MEMBER_TOWNS = {"Ronchin": "59790", "Mons-en-Barœul": "59370", "Lezennes": "59260", "Faches-Thumesnil": "59155"}


@pytest.mark.parametrize(("address", "lines"), [
    ("12 rue des Lilas, appt 4, Ronchin", ("appt 4", "12 rue des Lilas", "59790 RONCHIN")),
    ("12, rue X, 59130 Lambersart", ("12 rue X", "59130 LAMBERSART")),
    ("3 bis\nrue de la Gare\n59370 Mons-en-Barœul", ("3 bis rue de la Gare", "59370 MONS EN BAROEUL")),
    ("8 place de la République, Mons en Baroeul", ("8 place de la République", "59370 MONS EN BAROEUL")),
    ("12 rue Y 59790 Ronchin", ("12 rue Y", "59790 RONCHIN")),
    ("5, allée des Tilleuls, Bâtiment C, 59000, Lille, France", ("Bâtiment C", "5 allée des Tilleuls", "59000 LILLE")),
    ("BP 12, 59000 Lille Cedex", ("BP 12", "59000 LILLE CEDEX")),
    ("  7 , rue  du   Moulin ,, FACHES THUMESNIL ", ("7 rue du Moulin", "59155 FACHES THUMESNIL")),
])
def test_free_text_becomes_la_poste_lines(address: str, lines: tuple[str, ...]) -> None:
    result = address_lines("Mme Ada Martin", address, known_towns=MEMBER_TOWNS)
    assert result.complete and result.problem == ""
    assert result.lines == ("Mme Ada Martin", *lines)


def test_an_address_without_postcode_is_not_complete() -> None:
    result = address_lines("M. Paul Durand", "12 rue des Lilas, Villeneuve-d'Ascq", known_towns=MEMBER_TOWNS)
    assert not result.complete and result.problem == NO_POSTCODE
    assert result.lines == ("M. Paul Durand", "12 rue des Lilas", "Villeneuve-d'Ascq")  # shown as typed, to complete
    assert not address_lines("M. Paul Durand", "").complete
    # a member town alone is no address: nothing says where in the town
    assert not address_lines("M. Paul Durand", "Ronchin", known_towns=MEMBER_TOWNS).complete


def test_the_last_line_has_capitals_digits_and_spaces_only() -> None:
    assert la_poste_town("Villeneuve-d'Ascq") == "VILLENEUVE D ASCQ"
    assert la_poste_town("L'Haÿ-les-Roses") == "L HAY LES ROSES"
    assert council_lines("1 rue Jean Jaurès", "Hôtel de ville", "59370", "Mons-en-Barœul") == (
        "Hôtel de ville", "1 rue Jean Jaurès", "59370 MONS EN BAROEUL")


def test_too_many_parts_keep_the_name_and_the_town_and_ask_to_complete() -> None:
    result = address_lines("Mme A", "appt 1, étage 2, bâtiment B, résidence Les Pins, 12 rue X, lieu-dit Y, "
                                    "59790 Ronchin")
    assert len(result.lines) == MAX_LINES and result.lines[0] == "Mme A" and result.lines[-1] == "59790 RONCHIN"
    assert not result.complete and result.problem == TOO_LONG


_PART = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(",\n 0123456789"),
                max_size=80)


@given(name=_PART, address=st.lists(_PART | st.sampled_from(["12", "59790 Ronchin", "Ronchin", "59000"]),
                                    max_size=9).map(", ".join))
def test_any_text_gives_at_most_six_lines_of_38_characters(name: str, address: str) -> None:
    result = address_lines(name, address, known_towns=MEMBER_TOWNS)
    assert len(result.lines) <= MAX_LINES
    assert all(0 < len(line) <= MAX_WIDTH and line == line.strip() for line in result.lines)
    if result.complete:
        assert re.fullmatch(r"[0-9]{5}( [A-Z0-9]+)+", result.lines[-1])
        assert "," not in result.lines[-2]


def test_extra_lines_follow_the_name() -> None:
    result = address_lines("M. Paul Durand", "10 rue Nationale, 59000 Lille", extra_lines=["UDAF du Nord", " "])
    assert result.lines == ("M. Paul Durand", "UDAF du Nord", "10 rue Nationale", "59000 LILLE")
    long_name = "Association tutélaire de la métropole lilloise et des environs"
    assert all(len(line) <= MAX_WIDTH for line in address_lines(long_name, "1 rue X, 59000 Lille").lines)
