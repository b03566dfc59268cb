"""The one search box: accents, capitals and typos do not matter; each reader finds only what they may open;
the same results, and a bounded number of statements, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, func, insert, select
from sqlalchemy.orm import Session

from commission.errors import Forbidden, InvalidInput
from commission.models import Applicant, Case, Organisation, OrganisationKind, Place, PlaceKind
from commission.search import normalise, similarity, word_similarity
from commission.services import directory
from commission.services.search import SearchResults, search
from tests.cases_helpers import new_case
from tests.conftest import World


def _found(results: SearchResults, kind: str) -> list[str]:
    return [f"{hit.label} | {hit.detail}" for group in results.groups if group.kind == kind for hit in group.hits]


def _labels(results: SearchResults, kind: str) -> list[str]:
    return [hit.label for group in results.groups if group.kind == kind for hit in group.hits]


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_normalise_drops_accents_capitals_and_punctuation() -> None:
    assert normalise("Déschamps") == "deschamps"
    assert normalise("  DESCHAMPS-Lœuvre, Æsop  Straße ") == "deschamps loeuvre aesop strasse"
    assert normalise("12, rue de l'Église\u00a0(bât. B)") == "12 rue de l eglise bat b"
    assert normalise("D-2026-00012") == "d 2026 00012"
    assert normalise("") == normalise(None) == ""


def test_trigrams_as_pg_trgm_computes_them() -> None:
    # pg_trgm's documentation and PostgreSQL's answers: similarity('word', 'two words') = 0.36363637,
    # word_similarity('word', 'two words') = 0.8; word_similarity('dechamps', 'deschamps') = 0.5833333
    assert similarity("word", "two words") == pytest.approx(0.36363637)
    assert word_similarity("word", "two words") == pytest.approx(0.8)
    assert word_similarity("dechamps", "deschamps") == pytest.approx(7 / 12)
    assert word_similarity("dechamps", "camille deschamps") == pytest.approx(7 / 12)
    assert word_similarity("martin", "deschamps") == 0


PAIRS = [("dechamps", "camille deschamps"), ("deschamps", "camille deschamps"), ("word", "two words"),
         ("ab", "abab ba ab"), ("2026 12", "d 2026 00012"), ("rue pasteur", "app 001 1 rue pasteur"),
         ("pastuer", "app 001 1 rue pasteur"), ("marin", "camille martin"), ("a", "b")]


def test_the_database_computes_the_same_similarity(session: Session) -> None:
    """PostgreSQL's pg_trgm and SQLite's function (this module's, registered on each connection) agree."""
    for query, text in PAIRS:
        in_database = session.execute(select(func.word_similarity(query, text))).scalar_one()
        assert in_database == pytest.approx(word_similarity(query, text), abs=1e-6), (query, text)


@pytest.fixture
def people(session: Session, world: World) -> dict[str, Case]:
    files = {
        "plain": new_case(session, world, last_name="Deschamps"),
        "accented": new_case(session, world, first_name="Léa", last_name="Déschamps"),
        "other_team": new_case(session, world, "care_b", first_name="Jules", last_name="Deschamps"),
        "unrelated": new_case(session, world, first_name="Hugo", last_name="Bernard"),
    }
    return files


def test_accents_capitals_and_a_typo_still_find_the_file(session: Session, world: World,
                                                          people: dict[str, Case]) -> None:
    coordinator = world.users["coordinator"]
    expected = ["Léa Déschamps", "Camille Deschamps", "Jules Deschamps"]
    for query in ("deschamps", "DESCHAMPS", "Déschamps", "  deschamps! ", "dechamps", "deschamp"):
        found = _labels(search(session, coordinator, query), "files")
        assert sorted(found) == sorted(expected), query
    assert "Hugo Bernard" not in _labels(search(session, coordinator, "dechamps"), "files")
    # A file found by its reference comes first.
    plain = people["plain"]
    found = search(session, coordinator, plain.reference).groups[0]
    assert found.hits[0].values == {"case_id": plain.id} and found.hits[0].detail == plain.reference
    assert search(session, coordinator, f"D-{plain.created_at.year + 1}-{plain.id:05d}").total == 0


def test_the_same_results_in_the_same_order_on_both_databases(session: Session, world: World,
                                                               people: dict[str, Case]) -> None:
    """The order is fixed (contains the query, then most similar, then by name): written out, it is what both
    SQLite and PostgreSQL answer (the suite runs on each)."""
    coordinator = world.users["coordinator"]
    results = search(session, coordinator, "deschamps")
    assert _labels(results, "files") == ["Camille Deschamps", "Jules Deschamps", "Léa Déschamps"]
    assert _labels(search(session, coordinator, "dechamps"), "files") == [
        "Camille Deschamps", "Jules Deschamps", "Léa Déschamps"]
    assert _found(search(session, coordinator, "pastuer"), "places") == [
        "APP-001 | 1 rue Pasteur, Ronchin", "APP-002 | 1 rue Pasteur, Lesquin"]
    assert _labels(search(session, coordinator, "habitat"), "partners") == ["Habitat A", "Habitat B"]


def test_a_care_team_never_finds_another_teams_person(session: Session, world: World,
                                                      people: dict[str, Case]) -> None:
    care_a, care_b = world.users["care_a"], world.users["care_b"]
    assert sorted(_labels(search(session, care_a, "deschamps"), "files")) == ["Camille Deschamps", "Léa Déschamps"]
    assert _labels(search(session, care_b, "deschamps"), "files") == ["Jules Deschamps"]
    assert _labels(search(session, care_b, "Léa Déschamps"), "files") == ["Jules Deschamps"]  # its own only
    assert search(session, care_b, people["accented"].reference).total == 0
    # Nor does anyone who may not open the files: the commission's members, the landlords.
    for role in ("chair", "member", "treasurer", "landlord_a"):
        assert _labels(search(session, world.users[role], "deschamps"), "files") == [], role


def test_each_reader_finds_only_the_records_they_may_open(session: Session, world: World) -> None:
    landlord_a = world.users["landlord_a"]
    assert _labels(search(session, landlord_a, "app 00"), "places") == ["APP-001"]
    assert _labels(search(session, world.users["landlord_b"], "pasteur"), "places") == ["APP-002"]
    assert _labels(search(session, landlord_a, "habitat"), "partners") == []  # the partners: the council's staff
    assert _labels(search(session, world.users["care_a"], "pasteur"), "places") == []
    assert _labels(search(session, world.users["member"], "habitat"), "partners") == ["Habitat A", "Habitat B"]
    member_hit = search(session, world.users["member"], "habitat a").groups[2].hits[0]
    assert member_hit.endpoint == "places.reference"  # read in the reference data; the coordinator edits it
    coordinator_hit = search(session, world.users["coordinator"], "habitat a").groups[2].hits[0]
    assert coordinator_hit.endpoint == "stock.edit_partner"
    with pytest.raises(Forbidden):
        search(session, world.users["dpo"], "habitat")


def test_structures_of_the_directory_are_found_by_every_staff_role(session: Session, world: World) -> None:
    directory.create_structure(session, world.users["coordinator"], directory.StructureInput(
        name="Groupe d'entraide « Le Phare »", kind="mutual_help_group", address="3 place de l'Église, Ronchin"))
    for role in ("coordinator", "care_b", "landlord_a", "member"):
        assert _labels(search(session, world.users[role], "le phare"), "structures") == [
            "Groupe d'entraide « Le Phare »"], role
    assert _labels(search(session, world.users["member"], "eglise"), "structures") != []


def test_the_search_text_follows_the_names(session: Session, world: World, people: dict[str, Case]) -> None:
    applicant = session.get(Applicant, people["unrelated"].applicant_id)
    assert applicant is not None and applicant.search_text == "hugo bernard"
    applicant.last_name = "Lefèvre-Œillet"
    session.commit()
    assert applicant.search_text == "hugo lefevre oeillet"
    assert _labels(search(session, world.users["coordinator"], "lefevre"), "files") == ["Hugo Lefèvre-Œillet"]
    place = session.get(Place, world.place_a.id)
    assert place is not None and place.search_text == "app 001 1 rue pasteur"


def test_rows_inserted_in_bulk_get_their_search_text(session: Session, world: World) -> None:
    session.execute(insert(Organisation), [{"name": "Foyer de l'Œuvre", "kind": OrganisationKind.HOSTEL,
                                            "address": "5 rue Gambetta"}])
    session.execute(insert(Place), [{"reference": "FOY-9", "kind": PlaceKind.HOSTEL_PLACE,
                                     "town_id": world.towns["Lesquin"].id, "address": "5 rue Gambetta",
                                     "organisation_id": world.landlord_a.id, "rooms": 0, "rent_cents": 0,
                                     "charges_cents": 0, "deposit_cents": 0}])
    session.commit()
    texts = session.execute(select(Organisation.search_text).where(Organisation.name.like("Foyer%"))).scalars()
    assert list(texts) == ["foyer de l oeuvre 5 rue gambetta"]
    assert session.execute(select(Place.search_text).where(Place.reference == "FOY-9")).scalar_one() == (
        "foy 9 5 rue gambetta")


def test_a_query_too_short_is_refused(session: Session, world: World) -> None:
    for query in ("", " ", "é", "-!"):
        with pytest.raises(InvalidInput):
            search(session, world.users["coordinator"], query)


def test_a_search_takes_a_bounded_number_of_statements(engine: Engine, session: Session, world: World,
                                                        people: dict[str, Case]) -> None:
    coordinator = world.users["coordinator"]
    assert coordinator.role is not None  # loaded before counting
    with count_statements(engine) as statements:
        search(session, coordinator, "dechamps")
    work = [statement for statement in statements
            if not statement.upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN"))]
    # one per kind (files, places, partners, structures), and on PostgreSQL the threshold of the transaction
    assert len(work) <= 5, work
    assert sum(statement.startswith("SELECT") for statement in work) == len(work)


def test_the_list_of_files_is_filtered_by_the_same_match(session: Session, world: World,
                                                         people: dict[str, Case]) -> None:
    from commission.services import cases

    def names(actor: str, query: str) -> list[str]:
        page = cases.list_cases(session, world.users[actor], cases.CaseFilter(query=query))
        return sorted(case.applicant.full_name for case in page.cases)

    assert names("coordinator", "dechamps") == ["Camille Deschamps", "Jules Deschamps", "Léa Déschamps"]
    assert names("care_b", "deschamps") == ["Jules Deschamps"]
    assert names("coordinator", people["unrelated"].reference) == ["Hugo Bernard"]
