"""The stock's kinds of import: partners, then agreements naming them, then places naming both (in their current
state), and the directory's structures; each through the form's own service and rules."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.models import Agreement, Organisation, Place, PlaceKind, PlaceTransition, Renewal, Structure
from commission.models.directory import StructureKind
from commission.models.reference import OrganisationKind
from commission.services.imports.kinds import french
from tests.conftest import World, fresh
from tests.imports_helpers import problems, run

PARTNERS = [{"external_ref": "P-1", "name": "Habitat Lys", "kind": "Bailleur social", "town": "Ronchin",
             "email": "contact@lys.fr"},
            {"external_ref": "P-2", "name": "Résidence Sud", "kind": "residence", "address": "2 rue Haute"}]
AGREEMENTS = [{"external_ref": "C-1", "partner": "P-1", "reference": "CONV-LYS-2021", "title": "Réservation",
               "start_date": "01/04/2021", "end_date": "2027-03-31", "renewal": "tacit", "notice_months": "3"},
              {"external_ref": "C-2", "partner": "Habitat A", "reference": "CONV-A-2022", "title": "Convention A",
               "start_date": "2022-01-01", "renewal": "none"}]
PLACES = [{"external_ref": "L-1", "reference": "LYS-001", "kind": "apartment", "town": "Ronchin",
           "address": "3 rue des Tilleuls", "partner": "P-1", "agreement": "C-1", "rooms": "2", "surface_m2": "45",
           "floor": "1", "accessible": "oui", "rent": "350,50", "charges": "60", "deposit": "1 200,00"},
          {"external_ref": "L-2", "reference": "LYS-002", "kind": "apartment", "town": "59790", "address": "5 rue",
           "partner": "Habitat Lys", "rent": "300", "charges": "0", "deposit": "0", "agreement": "CONV-LYS-2021",
           "state": "vacated", "since": "2026-01-15"},
          {"external_ref": "L-3", "reference": "SUD-001", "kind": "residence_place", "town": "Lesquin",
           "address": "2 rue Haute", "partner": "P-2", "state": "withdrawn", "since": "2025-06-30", "rent": "0",
           "charges": "0", "deposit": "0"}]


def test_partners_agreements_and_places_arrive_in_order(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    assert run(session, coordinator, "partners", PARTNERS, dry_run=False).applied
    report = run(session, coordinator, "agreements", AGREEMENTS, dry_run=False)
    assert report.applied, problems(report)
    report = run(session, coordinator, "places", PLACES, dry_run=False)
    assert report.applied, problems(report)
    fresh(session)
    lys = session.execute(select(Organisation).where(Organisation.name == "Habitat Lys")).scalar_one()
    assert lys.kind is OrganisationKind.LANDLORD and lys.town_id == world.towns["Ronchin"].id
    conv = session.execute(select(Agreement).where(Agreement.reference == "CONV-LYS-2021")).scalar_one()
    assert (conv.organisation_id, conv.start_date, conv.renewal) == (lys.id, date(2021, 4, 1), Renewal.TACIT)
    other = session.execute(select(Agreement).where(Agreement.reference == "CONV-A-2022")).scalar_one()
    assert other.organisation_id == world.landlord_a.id
    places = {place.reference: place for place in session.execute(
        select(Place).where(Place.reference.in_(["LYS-001", "LYS-002", "SUD-001"]))).scalars()}
    first = places["LYS-001"]
    assert (first.kind, first.rent_cents, first.charges_cents, first.deposit_cents, first.accessible,
            first.agreement_id, first.state) == (PlaceKind.APARTMENT, 35050, 6000, 120000, True, conv.id, "available")
    assert places["LYS-002"].state == "vacated" and places["LYS-002"].active
    assert places["SUD-001"].state == "withdrawn" and not places["SUD-001"].active
    steps = session.execute(select(PlaceTransition.trigger).where(PlaceTransition.place_id == places["SUD-001"].id)
                            .order_by(PlaceTransition.id)).scalars().all()
    assert steps == ["create", "import_withdrawn"]
    again = run(session, coordinator, "places", PLACES, dry_run=True)
    assert (again.unchanged, again.created, again.issues) == (3, 0, [])


def test_a_place_names_what_exists_and_follows_the_forms_rules(session: Session, world: World) -> None:
    amounts = {"charges": "0", "deposit": "0"}
    rows = [{"external_ref": "L-9", "reference": "APP-001", "kind": "castle", "town": "Paris", "address": "",
             "partner": "Nobody", "agreement": "CONV-NONE", "rent": "abc", "state": "abc", **amounts},
            {"external_ref": "L-8", "reference": "NEW-1", "kind": "apartment", "town": "Ronchin", "address": "1 rue",
             "partner": "Habitat B", "state": "occupied", "rent": "", **amounts}]
    report = run(session, world.users["coordinator"], "places", rows, dry_run=True)
    found = [(line, column) for line, column, _message in problems(report)]
    # every problem of a row at once, each once: the cells read by the parsers, the records named looked up, the
    # form's own rules (the reference taken, the address missing)
    assert sorted(found) == sorted([(2, french(column)) for column in (
        "Kind", "Rent", "State", "Reference", "Town", "Address", "Partner", "Agreement")]
        + [(3, french("Rent"))]), found
    rows[1]["rent"] = "10"
    report = run(session, world.users["coordinator"], "places", rows[1:], dry_run=True)
    assert [(line, column) for line, column, _message in problems(report)] == [(2, french("State"))]  # occupied


def test_structures_of_the_directory(session: Session, world: World) -> None:
    rows = [{"external_ref": "S-1", "name": "CMP Lys", "kind": "cmp", "town": "Ronchin", "website": "www.lys.fr",
             "partner": "EPSM"},
            {"external_ref": "S-2", "name": "GEM Soleil", "kind": "Mutual-help group (GEM)", "phone": "03 20 00 00 00"},
            {"external_ref": "S-3", "name": "Bad", "kind": "cmp", "phone": "call me", "website": "not a site"}]
    report = run(session, world.users["coordinator"], "structures", rows[:2], dry_run=False)
    assert report.applied, problems(report)
    fresh(session)
    cmp_ = session.execute(select(Structure).where(Structure.name == "CMP Lys")).scalar_one()
    assert cmp_.kind is StructureKind.CMP and cmp_.website == "https://www.lys.fr" and cmp_.organisation_id
    assert session.execute(select(Structure.kind).where(Structure.name == "GEM Soleil")).scalar_one() \
        is StructureKind.MUTUAL_HELP_GROUP
    report = run(session, world.users["coordinator"], "structures", rows[2:], dry_run=True)
    assert {column for _line, column, _message in problems(report)} == {french("Telephone"), french("Website")}


def test_an_agreement_whose_partner_is_not_imported_yet_says_so(session: Session, world: World) -> None:
    report = run(session, world.users["coordinator"], "agreements", AGREEMENTS[:1], dry_run=True)
    assert [(line, column) for line, column, _message in problems(report)] == [(2, french("Partner"))]


def csv_of(kind_name: str, rows: list[dict[str, str]]) -> bytes:
    """The rows as a French spreadsheet saves them: `;`, Windows-1252."""
    from tests.imports_helpers import table_of

    table = table_of(kind_name, rows)
    lines = [";".join(table.headers), *(";".join(row) for row in table.rows)]
    return "\r\n".join(lines).encode("cp1252")


def test_the_stock_at_the_seeds_scale_in_one_go(session: Session, world: World) -> None:
    """8 partners, 10 agreements and 73 places read from CSV files: the planted errors reported by line and column,
    then, corrected, imported all at once; `commission check` and the audit trail hold; a second run changes
    nothing."""
    from commission.services import audit, integrity
    from commission.services.imports import core, mapping, reading

    coordinator = world.users["coordinator"]
    towns = ["Ronchin", "Lesquin"]
    partners = [{"external_ref": f"P-{n}", "name": f"Bailleur {n}", "kind": "Bailleur social" if n % 2 else "hostel",
                 "town": towns[n % 2]} for n in range(8)]
    agreements = [{"external_ref": f"C-{n}", "partner": f"P-{n % 8}", "reference": f"CONV-{n:02d}",
                   "title": f"Convention {n}", "start_date": f"01/0{1 + n % 9}/2020", "end_date": "2030-12-31",
                   "renewal": "tacit", "notice_months": "3"} for n in range(10)]
    places = [{"external_ref": f"L-{n}", "reference": f"LOG-{n:03d}", "kind": "apartment", "town": towns[n % 2],
               "address": f"{n} rue de la Paix", "partner": f"P-{n % 8}", "agreement": f"C-{n % 8}",
               "rooms": str(1 + n % 4), "rent": "350,00", "charges": "45", "deposit": "350",
               "state": ["available", "vacated", "withdrawn"][n % 3] if n % 5 == 0 else ""} for n in range(73)]
    planted = {(7, "Rent"): ("rent", "beaucoup"), (20, "Town"): ("town", "Atlantis"),
               (31, "Kind"): ("kind", "château"), (45, "Partner"): ("partner", "P-99"),
               (60, "Reference"): ("reference", "LOG-001")}  # (line, column): the cell planted

    def run_csv(kind_name: str, rows: list[dict[str, str]], dry_run: bool) -> core.ImportReport:
        table = reading.read_table(csv_of(kind_name, rows), f"{kind_name}.csv")
        kind = core.get_kind(kind_name)
        report = core.run_import(session, coordinator, kind_name, table, mapping.propose_mapping(kind, table.headers),
                                 filename=f"{kind_name}.csv", dry_run=dry_run)
        session.commit()
        return report

    assert run_csv("partners", partners, False).applied
    assert run_csv("agreements", agreements, False).applied
    broken = [dict(row) for row in places]
    for (line, _column), (name, value) in planted.items():
        broken[line - 2][name] = value
    report = run_csv("places", broken, True)
    assert sorted((issue.row, issue.header) for issue in report.issues) == sorted(
        (line, french(column)) for line, column in planted)
    assert report.created == 73 - 5
    report = run_csv("places", places, False)
    assert report.applied and report.created == 73
    fresh(session)
    checked, trouble = integrity.check_all(session)
    assert checked and trouble == []
    assert audit.verify(session).ok
    again = run_csv("places", places, False)
    assert (again.created, again.unchanged, again.issues) == (0, 73, [])
