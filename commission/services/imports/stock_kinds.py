"""The stock's kinds of import: partners, agreements, places, and the directory's structures.

Each row becomes a record through the service the form uses (:func:`create_partner`, :func:`create_agreement`,
:func:`create_place`, :func:`create_structure`): the same permission, the same rules, the same audit entry.
A record of another kind is named by its external reference in its own import (a place's partner: the
partner's reference in the partners' file), or else by its name (a partner, a town) or reference (an
agreement) in the application. Import the partners first, then the agreements, then the places.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from commission.errors import InvalidInput, TransitionRefused
from commission.i18n import N_, msg
from commission.labels import ORGANISATION_KIND_LABELS, PLACE_KIND_LABELS, RENEWAL_LABELS
from commission.models.directory import StructureKind
from commission.models.housing import Place, PlaceKind
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.models.tenancy import Agreement, Renewal
from commission.services import directory, import_steps
from commission.services.imports.kinds import (
    Column,
    ImportContext,
    Kind,
    choice_value,
    date_value,
    euros_value,
    flag_value,
    normalised,
    register,
    state_value,
    text,
    whole_value,
)
from commission.services.stock import (
    STOCK_PARTNER_KINDS,
    AgreementInput,
    PartnerInput,
    PlaceInput,
    create_agreement,
    create_partner,
    create_place,
    euros,
)
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

# The directory's kinds of structure, as its pages name them (the same message ids).
STRUCTURE_KIND_NAMES = {
    StructureKind.CMP: N_("Medico-psychological centre (CMP)"),
    StructureKind.HOSPITAL_SECTOR: N_("Hospital sector (day hospital, CATTP, mobile team)"),
    StructureKind.CCAS: N_("Municipal social action centre (CCAS)"),
    StructureKind.DISTRICT_SOCIAL_SERVICE: N_("District social services"),
    StructureKind.SOCIAL_CENTRE: N_("Social centre"),
    StructureKind.LANDLORD: N_("Social landlord"),
    StructureKind.HOSTEL: N_("Hostel, social residence"),
    StructureKind.RESIDENCE: N_("Supported residence, boarding house"),
    StructureKind.RETIREMENT_HOME: N_("Retirement home"),
    StructureKind.MUTUAL_HELP_GROUP: N_("Mutual-help group (GEM)"),
    StructureKind.USERS_ASSOCIATION: N_("Users' association"),
    StructureKind.FAMILIES_ASSOCIATION: N_("Families' association"),
    StructureKind.PREVENTION: N_("Prevention"),
}
PARTNER_KIND_NAMES = {kind: ORGANISATION_KIND_LABELS[kind] for kind in STOCK_PARTNER_KINDS}


def _str(values: Mapping[str, object], name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value)


def _cents(values: Mapping[str, object], name: str) -> str:
    value = values.get(name)
    return euros(value) if isinstance(value, int) else ""


# ---------------------------------------------------------------- finding the records a row names


def town_id(context: ImportContext, values: Mapping[str, object], column: str = "town") -> str:
    """The town named by its name or its postcode (case and accents aside), as the form's ``town_id``."""
    wanted = _str(values, column)
    if not wanted:
        return ""
    key = normalised(wanted)
    for town in context.session.execute(select(Town).order_by(Town.id)).scalars():
        if key in {normalised(town.name), normalised(town.postcode)}:
            return str(town.id)
    names = ", ".join(context.session.execute(select(Town.name).order_by(Town.name)).scalars())
    if not names:
        return context.note(column, msg("No member town is recorded yet: add the council's towns first."))
    return context.note(column, msg("No member town is named “%(name)s”; the member towns are: %(towns)s.",
                                    name=wanted, towns=names))


def _named(context: ImportContext, values: Mapping[str, object], column: str, kind: str,
           key: InstrumentedAttribute[str], missing: str) -> str:
    """The record a cell names: by its reference in the import of ``kind``, else by ``key`` (its name or its own
    reference, whatever the case), as the form's id; ``missing`` (a message id) noted on the column otherwise."""
    wanted = _str(values, column)
    if not wanted:
        return ""
    found = context.lookup(kind, wanted)
    if found is None:
        found = context.session.execute(
            select(key.class_.id).where(func.lower(key) == wanted.lower()).limit(1)).scalar_one_or_none()
    if found is None:
        return context.note(column, msg(missing))
    return str(found)


def partner_id(context: ImportContext, values: Mapping[str, object], column: str = "partner") -> str:
    """The partner named by its reference in the partners' import, or by its name."""
    return _named(context, values, column, "partners", Organisation.name,
                  N_("No partner has this reference or this name: import the partners first."))


def agreement_id(context: ImportContext, values: Mapping[str, object], column: str = "agreement") -> str:
    """The agreement named by its reference in the agreements' import, or by its own reference."""
    return _named(context, values, column, "agreements", Agreement.reference,
                  N_("No agreement has this reference: import the agreements first."))


def _town_column(required: bool = False) -> Column:
    return Column("town", N_("Town"), required=required, synonyms=("commune", "ville", "code postal", "town_id"),
                  example="Armentières", fields=("town_id",))


# ---------------------------------------------------------------- partners


def _apply_partner(context: ImportContext, values: Mapping[str, object]) -> int:
    data = PartnerInput(name=_str(values, "name"), kind=_str(values, "kind"), town_id=town_id(context, values),
                        address=_str(values, "address"), phone=_str(values, "phone"), email=_str(values, "email"))
    return context.create(lambda: create_partner(context.session, context.actor, data)).id


PARTNERS = register(Kind(
    name="partners", ref_example="P-001", label=N_("Partners (landlords, hostels, residences)"),
    object_type="organisation", order=10,
    description=N_("The social landlords and structures that provide places. Import them first."),
    columns=(
        Column("name", N_("Name"), required=True, parse=text(200), synonyms=("nom", "raison sociale", "partenaire"),
               example="Habitat du Nord"),
        Column("kind", N_("Kind"), required=True, parse=choice_value(OrganisationKind, PARTNER_KIND_NAMES),
               synonyms=("type", "nature", "categorie"), example="Bailleur social"),
        _town_column(),
        Column("address", N_("Address"), parse=text(300), synonyms=("adresse",), example="12 rue de Lille"),
        Column("phone", N_("Telephone"), parse=text(40), synonyms=("téléphone", "tel", "tél"),
               example="03 20 00 00 00"),
        Column("email", N_("E-mail"), parse=text(200), synonyms=("courriel", "mail", "adresse électronique"),
               example="contact@habitat-nord.fr"),
    ),
    apply=_apply_partner,
))


# ---------------------------------------------------------------- agreements


def _apply_agreement(context: ImportContext, values: Mapping[str, object]) -> int:
    data = AgreementInput(
        organisation_id=partner_id(context, values), reference=_str(values, "reference"), title=_str(values, "title"),
        start_date=_str(values, "start_date"), end_date=_str(values, "end_date"),
        renewal=_str(values, "renewal") or Renewal.EXPLICIT.value, notice_months=_str(values, "notice_months") or "3",
        notes=_str(values, "notes"))
    return context.create(lambda: create_agreement(context.session, context.actor, data)).id


AGREEMENTS = register(Kind(
    name="agreements", ref_example="C-001", label=N_("Agreements"), object_type="agreement", order=20,
    description=N_("The agreements (conventions) with the partners. Import the partners first."),
    columns=(
        Column("partner", N_("Partner"), required=True, parse=text(200),
               synonyms=("partenaire", "bailleur", "structure", "organisme"), example="Habitat du Nord",
               fields=("organisation_id",), help=N_("The partner's external reference, or its name.")),
        Column("reference", N_("Reference"), required=True, parse=text(60),
               synonyms=("référence", "référence de la convention", "n° de convention"), example="CONV-2021-04"),
        Column("title", N_("Title"), required=True, parse=text(200), synonyms=("titre", "intitulé", "objet"),
               example="Convention de réservation"),
        Column("start_date", N_("Start date"), required=True, parse=date_value(),
               synonyms=("début", "date de début", "date d'effet"), example="2021-04-01"),
        Column("end_date", N_("End date"), parse=date_value(), synonyms=("fin", "date de fin", "échéance"),
               example="2027-03-31"),
        Column("renewal", N_("Renewal"), parse=choice_value(Renewal, RENEWAL_LABELS),
               synonyms=("renouvellement", "reconduction"), example="tacit"),
        Column("notice_months", N_("Notice (months)"), parse=whole_value(0, 24),
               synonyms=("préavis", "préavis (mois)", "préavis en mois"), example="3"),
        Column("notes", N_("Notes"), parse=text(5000), synonyms=("remarques", "observations", "commentaire"),
               example=""),
    ),
    apply=_apply_agreement,
))


# ---------------------------------------------------------------- places


def _apply_place(context: ImportContext, values: Mapping[str, object]) -> int:
    accessible = values.get("accessible")
    data = PlaceInput(
        reference=_str(values, "reference"), kind=_str(values, "kind"), town_id=town_id(context, values),
        address=_str(values, "address"), organisation_id=partner_id(context, values),
        agreement_id=agreement_id(context, values), rooms=_str(values, "rooms") or "1",
        surface_m2=_str(values, "surface_m2"), floor=_str(values, "floor") or "0", accessible=accessible is True,
        rent=_cents(values, "rent"), charges=_cents(values, "charges"), deposit=_cents(values, "deposit"))
    since = values.get("since")
    day = since if isinstance(since, date) else context.today
    place = context.create(lambda: create_place(context.session, context.actor, data, today=day))
    state = _str(values, "state") or PLACE_MACHINE.initial
    if state != PLACE_MACHINE.initial:
        _arrive(context, place, state, since if isinstance(since, date) else None)
    return place.id


def _arrive(context: ImportContext, place: Place, state: str, since: date | None) -> None:
    """A place brought from ``available`` to the state the file gives, by the place machine's import step."""
    if PLACE_MACHINE.means(state, Tag.TAKEN):
        context.refuse("state", msg("A place offered or occupied arrives with the file of the person who holds "
                                    "it (the people's import): import it here as available."))
    try:
        import_steps.arrive(context.session, context.actor, place, state, on=since, today=context.today,
                            reason=context.kind.name)
    except TransitionRefused as refused:
        raise InvalidInput({"state": refused.messages}) from None
    # The import step runs no effect of the place's own steps: what they would have set, set here.
    place.vacant_since = None
    if PLACE_MACHINE.means(state, Tag.OUT_OF_STOCK):
        place.active = False


PLACES = register(Kind(
    name="places", ref_example="L-001", label=N_("Places"), object_type="place", order=30,
    description=N_("The places of the stock, in their current state. Import the partners and the agreements "
                   "first; the places offered or occupied arrive with the people's files."),
    columns=(
        Column("reference", N_("Reference"), required=True, parse=text(40),
               synonyms=("référence", "référence du logement", "n° de logement", "logement"), example="ARM-012"),
        Column("kind", N_("Kind"), required=True, parse=choice_value(PlaceKind, PLACE_KIND_LABELS),
               synonyms=("type", "type de place", "nature"), example="Appartement du parc social"),
        _town_column(required=True),
        Column("address", N_("Address"), required=True, parse=text(300), synonyms=("adresse",),
               example="3 rue des Tilleuls, apt 12"),
        Column("partner", N_("Partner"), required=True, parse=text(200),
               synonyms=("partenaire", "bailleur", "propriétaire", "gestionnaire"), example="Habitat du Nord",
               fields=("organisation_id",), help=N_("The partner's external reference, or its name.")),
        Column("agreement", N_("Agreement"), parse=text(60), synonyms=("convention", "référence de la convention"),
               example="CONV-2021-04", fields=("agreement_id",),
               help=N_("The agreement's external reference, or its own reference.")),
        Column("rooms", N_("Rooms"), parse=whole_value(0, 20), synonyms=("pièces", "nombre de pièces", "typologie"),
               example="2"),
        Column("surface_m2", N_("Surface (m²)"), parse=whole_value(1, 1000), synonyms=("surface", "surface m2"),
               example="45"),
        Column("floor", N_("Floor"), parse=whole_value(0, 60), synonyms=("étage",), example="1"),
        Column("accessible", N_("Accessible"), parse=flag_value(),
               synonyms=("accessibilité", "pmr", "accessible pmr"), example="non"),
        Column("rent", N_("Rent"), required=True, parse=euros_value(), synonyms=("loyer", "loyer (€)", "loyer mensuel"),
               example="350,00"),
        Column("charges", N_("Charges"), required=True, parse=euros_value(),
               synonyms=("charges (€)", "charges mensuelles"), example="60,00"),
        Column("deposit", N_("Deposit"), required=True, parse=euros_value(), synonyms=("dépôt de garantie", "caution"),
               example="350,00"),
        Column("state", N_("State"), parse=state_value(PLACE_MACHINE), synonyms=("état", "statut", "situation"),
               example="Disponible",
               help=N_("Available (the default), vacated (works before the next person) or withdrawn.")),
        Column("since", N_("Since"), parse=date_value(), synonyms=("depuis", "date de l'état", "vacant depuis"),
               example="2026-09-01", help=N_("The day the place entered that state (today by default).")),
    ),
    apply=_apply_place,
))


# ---------------------------------------------------------------- structures of the directory


def _apply_structure(context: ImportContext, values: Mapping[str, object]) -> int:
    data = directory.StructureInput(
        name=_str(values, "name"), kind=_str(values, "kind"), town_id=town_id(context, values),
        address=_str(values, "address"), phone=_str(values, "phone"), email=_str(values, "email"),
        website=_str(values, "website"), opening_hours=_str(values, "opening_hours"), offer=_str(values, "offer"),
        audience=_str(values, "audience"), contact_name=_str(values, "contact_name"))
    partner = partner_id(context, values)
    return context.create(lambda: directory.create_structure(
        context.session, context.actor, data, organisation_id=int(partner) if partner else None)).id


STRUCTURES = register(Kind(
    name="structures", ref_example="S-001", label=N_("Structures of the directory"), object_type="structure", order=40,
    description=N_("The territory's structures a person may be oriented to (care, social, housing, peer help, "
                   "prevention)."),
    columns=(
        Column("name", N_("Name"), required=True, parse=text(200), synonyms=("nom", "structure"),
               example="CMP d'Armentières"),
        Column("kind", N_("Kind"), required=True, parse=choice_value(StructureKind, STRUCTURE_KIND_NAMES),
               synonyms=("type", "catégorie", "nature"), example="cmp"),
        _town_column(),
        Column("address", N_("Address"), parse=text(300), synonyms=("adresse",), example="5 rue Nationale"),
        Column("phone", N_("Telephone"), parse=text(40), synonyms=("téléphone", "tel", "tél"),
               example="03 20 00 00 01"),
        Column("email", N_("E-mail"), parse=text(200), synonyms=("courriel", "mail"), example="cmp@example.org"),
        Column("website", N_("Website"), parse=text(300), synonyms=("site", "site internet", "site web"),
               example="www.example.org"),
        Column("opening_hours", N_("Opening hours"), parse=text(2000), synonyms=("horaires", "heures d'ouverture"),
               example="Du lundi au vendredi, 9 h - 17 h"),
        Column("offer", N_("What it offers"), parse=text(2000), synonyms=("offre", "prestations", "missions"),
               example="Consultations"),
        Column("audience", N_("For whom"), parse=text(2000), synonyms=("public", "public accueilli"),
               example="Adultes du secteur"),
        Column("contact_name", N_("Contact"), parse=text(200), synonyms=("contact", "interlocuteur", "référent"),
               example=""),
        Column("partner", N_("Partner"), parse=text(200), synonyms=("partenaire", "organisme partenaire"),
               example="", help=N_("The same body among the council's partners, if it is one.")),
    ),
    apply=_apply_structure,
))

__all__ = ["AGREEMENTS", "PARTNERS", "PLACES", "STRUCTURES", "agreement_id", "partner_id", "town_id"]


