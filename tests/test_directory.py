"""The directory of the territory: structures kept by the coordinator and the care teams, read by every staff
member, printed as a guide grouped by need and town, exported for the partners."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.documents.guide import directory_export, guide_title, render_guide
from commission.documents.pdf import gettext
from commission.errors import ConcurrentChange, Forbidden, InvalidInput
from commission.models import AuditEntry, Need, Structure, StructureKind
from commission.services import directory
from commission.services.sorting import Sort
from tests.conftest import World, fresh

KIND_LABELS = {kind: kind.value.replace("_", " ").title() for kind in StructureKind}
NEED_LABELS = {need: f"Chapter {need.value}" for need in Need}
HOURS = "Du lundi au vendredi, de 9\u00a0h à 12\u00a0h"


def structure_input(world: World, **overrides: str) -> directory.StructureInput:
    data = directory.StructureInput(
        name="GEM L'Entre-Deux", kind="mutual_help_group", town_id=str(world.towns["Ronchin"].id),
        address="8 rue Carnot, 59790 Ronchin", phone="03 20 53 19 82", email="gem@example.org",
        website="www.gem.example.org", opening_hours=HOURS, offer="Accueil entre pairs", audience="Adultes",
        contact_name="Mme Roux, animatrice")
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


def structures(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Structure)).scalar_one()


def test_a_structure_is_added_edited_closed_and_reopened_with_its_trail(session: Session, world: World) -> None:
    care = world.users["care_a"]
    structure = directory.create_structure(session, care, structure_input(world))
    assert structure.need is Need.PEER and structure.active
    assert structure.website == "https://www.gem.example.org"
    seen = structure.version
    directory.update_structure(session, world.users["coordinator"], structure.id,
                               structure_input(world, phone="03 20 00 00 00"), seen)
    with pytest.raises(ConcurrentChange):
        directory.update_structure(session, care, structure.id, structure_input(world, phone="03 20 11 11 11"), seen)
    fresh(session)
    assert structure.phone == "03 20 00 00 00"
    directory.set_structure_active(session, care, structure.id, False, structure.version)
    assert not structure.active
    directory.set_structure_active(session, care, structure.id, True)
    actions = session.execute(select(AuditEntry.action, AuditEntry.details).where(
        AuditEntry.object_type == "structure").order_by(AuditEntry.id)).all()
    assert [action for action, _ in actions] == ["structure.created", "structure.updated", "structure.closed",
                                                 "structure.reopened"]
    text = " ".join(str(details) for _, details in actions)
    assert "Mme Roux" not in text and "03 20" not in text and "Accueil" not in text  # the name only, no free text


def test_bad_input_is_refused_field_by_field_and_writes_nothing(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    with pytest.raises(InvalidInput) as refused:
        directory.create_structure(session, coordinator, directory.StructureInput(
            name=" ", kind="zoo", town_id="999999", email="nope", website="not a site", phone="call me",
            offer="x" * 2001))
    assert set(refused.value.errors) == {"name", "kind", "town_id", "email", "website", "phone", "offer"}
    assert structures(session) == 0


def test_a_duplicate_name_in_the_same_town_is_refused_with_a_message(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    directory.create_structure(session, coordinator, structure_input(world))
    with pytest.raises(InvalidInput) as refused:
        directory.create_structure(session, coordinator, structure_input(world, name="gem l'entre-deux"))
    assert list(refused.value.errors) == ["name"]
    directory.create_structure(session, coordinator, structure_input(world, town_id=str(world.towns["Lesquin"].id)))
    directory.create_structure(session, coordinator, structure_input(world, town_id=""))
    with pytest.raises(InvalidInput):
        directory.create_structure(session, coordinator, structure_input(world, town_id=""))
    assert structures(session) == 3


@pytest.mark.parametrize("role", ["coordinator", "care_a", "care_b"])
def test_the_coordinator_and_the_care_teams_edit_the_directory(session: Session, world: World, role: str) -> None:
    structure = directory.create_structure(session, world.users[role], structure_input(world))
    directory.update_structure(session, world.users[role], structure.id, structure_input(world, offer="Ateliers"),
                               structure.version)


@pytest.mark.parametrize("role", ["chair", "member", "treasurer", "landlord_a"])
def test_the_others_read_it_only(session: Session, world: World, role: str) -> None:
    structure = directory.create_structure(session, world.users["coordinator"], structure_input(world))
    reader = world.users[role]
    assert directory.list_structures(session, reader).total == 1
    assert directory.structure_view(session, reader, structure.id).editable is False
    assert directory.guide_data(session, reader).count == 1
    with pytest.raises(Forbidden):
        directory.create_structure(session, reader, structure_input(world, name="Autre"))
    with pytest.raises(Forbidden):
        directory.set_structure_active(session, reader, structure.id, False)


def test_the_data_protection_officer_neither_reads_nor_edits(session: Session, world: World) -> None:
    dpo = world.users["dpo"]
    with pytest.raises(Forbidden):
        directory.list_structures(session, dpo)
    with pytest.raises(Forbidden):
        directory.export_rows(session, dpo)
    with pytest.raises(Forbidden):
        directory.create_structure(session, dpo, structure_input(world))


def _fill(session: Session, world: World) -> None:
    coordinator, ronchin, lesquin = world.users["coordinator"], world.towns["Ronchin"], world.towns["Lesquin"]
    for name, kind, town in [("CMP de Ronchin", "cmp", ronchin), ("CCAS de Lesquin", "ccas", lesquin),
                             ("Point Écoute Jeunes", "prevention", lesquin),
                             ("Maison des adolescents", "prevention", None),
                             ("Ancien foyer", "hostel", ronchin), ("Accueil de jour", "hospital_sector", None)]:
        structure = directory.create_structure(session, coordinator, structure_input(
            world, name=name, kind=kind, town_id=str(town.id) if town else "", offer=f"Offre {name}"))
        if name == "Ancien foyer":
            directory.set_structure_active(session, coordinator, structure.id, False)


def names(page: object) -> list[str]:
    return [structure.name for structure in page]  # type: ignore[attr-defined]


def test_the_list_filters_and_sorts(session: Session, world: World) -> None:
    _fill(session, world)
    reader = world.users["member"]
    lesquin = world.towns["Lesquin"]

    def listed(**filters: object) -> list[str]:
        sort = filters.pop("sort", None)
        return names(directory.list_structures(session, reader, directory.StructureFilter(**filters),  # type: ignore[arg-type]
                                               sort=sort))  # type: ignore[arg-type]

    assert listed() == ["Accueil de jour", "CCAS de Lesquin", "CMP de Ronchin", "Maison des adolescents",
                        "Point Écoute Jeunes"]
    assert listed(need=Need.CARE) == ["Accueil de jour", "CMP de Ronchin"]
    assert listed(kind=StructureKind.PREVENTION) == ["Maison des adolescents", "Point Écoute Jeunes"]
    assert listed(town_id=lesquin.id) == ["CCAS de Lesquin", "Point Écoute Jeunes"]
    assert listed(outside=True) == ["Accueil de jour", "Maison des adolescents"]
    assert listed(active=False) == ["Ancien foyer"]
    assert len(listed(active=None)) == 6
    assert listed(text="offre maison") == ["Maison des adolescents"]
    assert listed(text="100%") == []
    assert listed(sort=Sort("name", descending=True))[0] == "Point Écoute Jeunes"
    by_town = listed(sort=Sort("town"))
    assert set(by_town[:2]) == {"CCAS de Lesquin", "Point Écoute Jeunes"} and set(by_town[3:]) == {
        "Accueil de jour", "Maison des adolescents"}  # those outside the towns last
    page = directory.list_structures(session, reader, directory.StructureFilter(active=None), page=1)
    assert page.total == 6 and page.pages == 1


def test_the_guide_groups_by_need_then_town_then_name_open_ones_only(session: Session, world: World) -> None:
    _fill(session, world)
    guide = directory.guide_data(session, world.users["chair"], council="Conseil")
    assert [chapter.need for chapter in guide.chapters] == [Need.CARE, Need.SOCIAL, Need.PREVENTION]
    care, _social, prevention = guide.chapters
    assert [(town.town, [entry.name for entry in town.entries]) for town in care.towns] == [
        ("Ronchin", ["CMP de Ronchin"]), ("", ["Accueil de jour"])]
    assert [town.town for town in prevention.towns] == ["Lesquin", ""]
    assert guide.count == 5  # the closed hostel is left out
    lesquin = directory.guide_data(session, world.users["chair"], world.towns["Lesquin"].id, Need.PREVENTION)
    assert [(town.town, [entry.name for entry in town.entries]) for town in lesquin.chapters[0].towns] == [
        ("Lesquin", ["Point Écoute Jeunes"]), ("", ["Maison des adolescents"])]
    assert lesquin.town == "Lesquin" and lesquin.need is Need.PREVENTION


def test_the_guide_prints_its_chapters_and_each_structures_hours(session: Session, world: World) -> None:
    _fill(session, world)
    guide = directory.guide_data(session, world.users["care_a"], council="Conseil local de santé mentale")
    pdf = render_guide(guide, kind_labels=KIND_LABELS, need_labels=NEED_LABELS, locale="fr")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for need in (Need.CARE, Need.SOCIAL, Need.PREVENTION):
        assert NEED_LABELS[need] in text
    assert "Chapter housing" not in text  # the closed hostel's chapter is empty
    assert "CMP de Ronchin" in text and "9 h à 12 h" in text.replace("\u00a0", " ")
    assert "Mme Roux" not in text  # the professionals' contact is not printed
    assert reader.metadata is not None and reader.metadata.title == guide_title(gettext("fr"))
    assert reader.metadata.author == "Conseil local de santé mentale"


def test_the_export_holds_no_formula_and_no_person(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    directory.create_structure(session, coordinator, structure_input(
        world, name="=HYPERLINK(\"http://evil\")", offer="+33 la suite", audience="@SUM(A1)"))
    rows = directory.export_rows(session, world.users["treasurer"])
    data = directory_export(rows, "csv", str, kind_labels=KIND_LABELS, need_labels=NEED_LABELS)
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][0] == "Name" and len(lines) == 2
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in lines[1])
    assert lines[1][0].startswith("'=HYPERLINK")
    assert "Mme Roux" not in data.decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(directory_export(rows, "xlsx", str, kind_labels=KIND_LABELS,
                                                         need_labels=NEED_LABELS)))
    sheet = workbook.active
    assert sheet is not None
    assert sheet.cell(row=2, column=1).value == "'=HYPERLINK(\"http://evil\")"
    assert sheet.cell(row=2, column=1).data_type == "s"
