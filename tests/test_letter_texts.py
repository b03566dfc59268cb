"""The texts of the letters the coordinator edits: the shipped texts, the check of a template before it is saved
(nothing beyond the fields offered), the versions, and the preview on a real file."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound
from commission.i18n import Message, translations
from commission.models import AuditEntry, LetterTemplate
from commission.models.letters import Audience, LetterKind
from commission.services.letters import texts
from commission.services.letters.facts import values_for
from commission.typography import faults
from tests.cases_helpers import new_case
from tests.conftest import World, is_postgres

LETTERS = list(texts.FIELDS)
REFUSAL = (LetterKind.REFUSAL, Audience.PERSON)
FRENCH = translations("fr").gettext
# Words no letter holds: a letter never gives a medical detail, and a landlord's says nothing of health or care.
HEALTH_WORDS = re.compile(r"m[ée]dic|diagnos|traitement|treatment|psychiat|hospital|hôpital|hospitalis|santé|health|"
                          r"soin|care\b|clinique|clinic|maladie|illness|patient", re.IGNORECASE)
GOOD_BODY = "Madame, Monsieur,\n\nVotre demande ({{ file_reference }}) n’a pas été retenue.\n\nCordialement,"


def key_id(key: tuple[LetterKind, Audience]) -> str:
    return f"{key[0].value}-{key[1].value}"


def examples(key: tuple[LetterKind, Audience]) -> dict[str, str]:
    return {spec.name: spec.example for spec in texts.FIELDS[key]}


def rendered(key: tuple[LetterKind, Audience], locale: str, values: dict[str, str] | None = None
             ) -> texts.RenderedText:
    subject, body = texts.shipped_text(*key, locale)
    return texts._rendered(subject, body, values or examples(key), None, 0)


def french(messages: list[Message]) -> str:
    return " ".join(message.render(FRENCH) for message in messages)


# ---------------------------------------------------------------- the shipped texts


def test_every_letter_of_the_brief_exists_with_its_fields() -> None:
    assert {key for key in LETTERS if key[1] is Audience.PERSON} == {(kind, Audience.PERSON) for kind in LetterKind}
    assert {key[0] for key in LETTERS if key[1] is Audience.LANDLORD} == {
        LetterKind.OFFER, LetterKind.WELCOME, LetterKind.EXIT}
    assert set(texts.SHIPPED) == set(LETTERS)
    assert texts.field_names(*REFUSAL) == ("person_name", "file_reference", "hearing_date", "council_name",
                                           "contact_phone", "contact_email", "reason", "new_examination_days",
                                           "new_examination_by")
    for (kind, audience), fields in texts.FIELDS.items():
        names = [spec.name for spec in fields]
        assert len(names) == len(set(names)), kind
        assert all(spec.label and spec.example for spec in fields)
        common = {"landlord", "place_reference", "place_address"} if audience is Audience.LANDLORD else {
            "contact_phone", "contact_email", "hearing_date"}
        assert common <= set(names)


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("key", LETTERS, ids=key_id)
def test_every_shipped_text_passes_the_check_and_renders_with_its_examples(
        key: tuple[LetterKind, Audience], locale: str) -> None:
    subject, body = texts.shipped_text(*key, locale)
    assert texts.check(*key, subject, body) == {}
    text = rendered(key, locale)
    assert text.template_id is None and text.version == 0
    assert text.paragraphs[0] == ("Madame, Monsieur," if locale == "fr" else "Dear Sir or Madam,")
    assert text.paragraphs[-1].startswith("Nous vous prions d’agréer" if locale == "fr" else "Yours faithfully")
    assert len(text.paragraphs) >= 4
    whole = " ".join((text.subject, *text.paragraphs))
    assert "{" not in whole and "}" not in whole and "\n" not in whole and "  " not in whole
    if locale == "fr":
        assert body != texts.SHIPPED[key].body and subject != texts.SHIPPED[key].subject, "translated"
        assert not faults(whole), faults(whole)


@pytest.mark.parametrize("key", LETTERS, ids=key_id)
def test_no_letter_holds_a_health_detail_and_a_landlords_never_speaks_of_care(key: tuple[LetterKind, Audience]
                                                                               ) -> None:
    for locale in ("fr", "en"):
        text = rendered(key, locale)
        whole = " ".join((text.subject, *text.paragraphs))
        if key[1] is Audience.PERSON:  # the council's own name speaks of mental health: it is the letterhead's
            whole = whole.replace(examples(key)["council_name"], "")
        assert not HEALTH_WORDS.search(whole), (locale, HEALTH_WORDS.search(whole))


def test_a_refusal_says_why_and_how_to_ask_for_a_new_examination_and_by_when() -> None:
    text = rendered(REFUSAL, "fr")
    whole = " ".join(text.paragraphs)
    assert "Lors de sa séance du 17 septembre 2026" in whole
    assert "«\u00a0Le projet de logement autonome reste à construire avec la personne\u00a0»" in whole
    assert "dans un délai de 60 jours, soit au plus tard le 16 novembre 2026" in whole
    assert "l’équipe qui vous accompagne" in whole and "en écrivant à la commission" in whole


def test_a_field_left_empty_leaves_no_hole_and_no_empty_paragraph() -> None:
    values = {**examples(REFUSAL), "hearing_date": "", "reason": "", "contact_phone": "", "contact_email": "",
              "new_examination_by": ""}
    text = rendered(REFUSAL, "fr", values)
    whole = "\n".join(text.paragraphs)
    assert "La commission appartement a examiné votre demande" in whole
    assert "motif" not in whole  # the reason's paragraph, empty, is dropped
    assert "soit au plus tard" not in whole and "courriel" not in whole and "téléphone" not in whole
    assert "Pour toute question, vous pouvez joindre la coordination de la commission." in whole
    assert len(text.paragraphs) == len(rendered(REFUSAL, "fr").paragraphs) - 1
    assert " ," not in whole and " ." not in whole


def test_the_offer_to_the_person_gives_the_rent_the_deposit_and_the_deadline() -> None:
    key = (LetterKind.OFFER, Audience.PERSON)
    whole = " ".join(rendered(key, "fr").paragraphs)
    assert "Le loyer mensuel s’élève à 407,91\u00a0€, auquel s’ajoutent 82,70\u00a0€ de charges." in whole
    assert "au plus tard le 1er octobre 2026" in whole


# ---------------------------------------------------------------- the check


def test_a_template_naming_an_unknown_field_is_refused_with_the_fields_offered() -> None:
    errors = texts.check(*REFUSAL, "Objet", "Madame,\n\n{{ diagnosis }}")
    message = french(errors["body"])
    assert message.startswith("«\u00a0{{ diagnosis }}\u00a0» n’est pas un champ de cette lettre\u00a0:")
    assert "person_name, file_reference" in message and "new_examination_by" in message


@pytest.mark.parametrize(("body", "expected"), [
    ("{{ ''.__class__ }}", "«\u00a0''.__class__\u00a0» va au-delà des champs proposés"),
    ("{{ person.__dict__ }}", "«\u00a0person.__dict__\u00a0» va au-delà des champs proposés"),
    ("{{ reason.__class__.__mro__[1].__subclasses__() }}", "appelle une fonction"),
    ("{{ reason[0] }}", "«\u00a0reason[0]\u00a0» va au-delà"),
    ("{{ reason.upper() }}", "appelle une fonction"),
    ("{{ cycler }}", "«\u00a0{{ cycler }}\u00a0» n’est pas un champ de cette lettre"),
    ("{{ lipsum }}", "«\u00a0{{ lipsum }}\u00a0» n’est pas un champ"),
    ("{{ lipsum() }}", "«\u00a0lipsum(…)\u00a0» appelle une fonction"),
    ("{{ range(99999999) }}", "appelle une fonction"),
    ("{{ self }}", "«\u00a0{{ self }}\u00a0» n’est pas un champ"),
    ("{{ config }}", "«\u00a0{{ config }}\u00a0» n’est pas un champ"),
    ("{{ namespace }}", "n’est pas un champ"),
    ("{% for x in reason %}{{ x }}{% endfor %}", "l’instruction «\u00a0for\u00a0» n’est pas permise"),
    ("{{ reason|attr('__class__') }}", "le filtre «\u00a0attr\u00a0» n’est pas permis"),
    ("{{ reason|upper }}", "le filtre «\u00a0upper\u00a0» n’est pas permis"),
    ("{% include 'base.html' %}", "l’instruction «\u00a0include\u00a0» n’est pas permise"),
    ("{% extends 'base.html' %}", "«\u00a0extends\u00a0»"),
    ("{% import 'macros.html' as m %}", "«\u00a0import\u00a0»"),
    ("{% from 'macros.html' import field %}", "«\u00a0from\u00a0»"),
    ("{% set x = reason %}{{ x }}", "«\u00a0set\u00a0»"),
    ("{% set x %}a{% endset %}", "«\u00a0set\u00a0»"),
    ("{% macro m() %}x{% endmacro %}", "«\u00a0macro\u00a0»"),
    ("{% with x = reason %}{{ x }}{% endwith %}", "«\u00a0with\u00a0»"),
    ("{% filter upper %}x{% endfilter %}", "«\u00a0filter\u00a0»"),
    ("{% autoescape false %}x{% endautoescape %}", "«\u00a0autoescape\u00a0»"),
    ("{% block b %}x{% endblock %}", "«\u00a0block\u00a0»"),
    ("{% if reason is defined %}x{% endif %}", "le test «\u00a0is defined\u00a0»"),
    ("{{ 'x' * 100000000 }}", "cette expression n’est pas permise"),
    ("{{ [reason] }}", "cette expression n’est pas permise"),
    ("{{ {'a': reason} }}", "cette expression n’est pas permise"),
    ("{{ 9 ** 9 ** 9 }}", "cette expression n’est pas permise"),
    ("{% if rent > 3 %}x{% endif %}", "n’est pas un champ"),
    ("{% if reason > 3 %}x{% endif %}", "n’a pas pu être écrit avec les exemples"),
    ("Madame,\n\n{{ reason", "Ligne 3\u00a0: le texte ne peut pas être lu"),
    ("{% if reason %}sans fin", "Ligne 1\u00a0: le texte ne peut pas être lu"),
    ("{% frobnicate %}", "le texte ne peut pas être lu"),
    ("{{ " + "(" * 3000 + "reason" + ")" * 3000 + " }}", "trop de niveaux imbriqués"),
    ("{{ " + "not " * 2400 + "reason }}", "trop de niveaux imbriqués"),
    ("{% if reason %}{% endif %}", "ce texte est vide"),
    ("x" * 10_001, "10000 caractères au plus"),
    ("   \n\n  ", "Remplissez ce champ"),
])
def test_a_template_reaching_beyond_its_fields_is_refused_with_a_clear_message(body: str, expected: str) -> None:
    errors = texts.check(*REFUSAL, "Objet", body)
    assert set(errors) == {"body"}
    assert expected in french(errors["body"]), french(errors["body"])
    assert "Traceback" not in french(errors["body"])


def test_a_refusal_names_the_line_of_the_fault() -> None:
    errors = texts.check(*REFUSAL, "Objet", "Madame,\n\n{{ reason }}\n\n{{ person.__dict__ }}")
    assert french(errors["body"]).startswith("Ligne 5\u00a0:")


def test_the_subject_is_checked_too() -> None:
    assert "Remplissez ce champ" in french(texts.check(*REFUSAL, " ", GOOD_BODY)["subject"])
    assert "300 caractères au plus" in french(texts.check(*REFUSAL, "x" * 301, GOOD_BODY)["subject"])
    assert "va au-delà" in french(texts.check(*REFUSAL, "{{ ''.__class__ }}", GOOD_BODY)["subject"])
    assert texts.check(*REFUSAL, "Dossier {{ file_reference }}", GOOD_BODY) == {}


def test_a_field_of_another_letter_is_not_a_field_of_this_one() -> None:
    assert texts.check(*REFUSAL, "Objet", "{{ reply_by }}")
    assert texts.check(LetterKind.OFFER, Audience.PERSON, "Objet", "{{ reply_by }}") == {}
    # a landlord's letter is not offered the reason of a refusal, nor anything of the person's own letters
    assert texts.check(LetterKind.EXIT, Audience.LANDLORD, "Objet", "{{ reason }}")


def test_conditions_and_plain_comparisons_are_allowed() -> None:
    body = ("Madame,\n\n{% if reason and not hearing_date %}a{% elif reason == 'x' or reason in 'abc' %}b"
            "{% else %}c{% endif %} {{ reason if reason else 'aucun motif' }} {{ person_name ~ ' !' }}")
    assert texts.check(*REFUSAL, "Objet", body) == {}
    assert texts.check(*REFUSAL, "Objet", "{% raw %}{{ person.__dict__ }}{% endraw %}") == {}  # text, not a field


def test_the_sandbox_has_no_globals_filters_or_tests() -> None:
    environment = texts._ENVIRONMENT
    assert environment.globals == {} and environment.filters == {} and environment.tests == {}


# ---------------------------------------------------------------- versions


def count(session: Session, model: type, *where: object) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()  # type: ignore[arg-type]


def test_a_refused_template_is_not_saved(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    for body in ("{{ ''.__class__ }}", "{{ person.__dict__ }}", "{{ diagnosis }}"):
        with pytest.raises(InvalidInput) as refused:
            texts.save(session, coordinator, *REFUSAL, subject="Objet", body=body, note="", expected_version=0)
        session.rollback()
        assert "body" in refused.value.errors
    assert count(session, LetterTemplate) == 0
    assert count(session, AuditEntry, AuditEntry.action == "letter_template.saved") == 0
    with pytest.raises(InvalidInput) as long_note:
        texts.save(session, coordinator, *REFUSAL, subject="Objet", body=GOOD_BODY, note="x" * 301,
                   expected_version=0)
    assert set(long_note.value.errors) == {"note"}


def test_versions_are_saved_one_after_the_other_and_never_changed(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    assert texts.current_version(session, *REFUSAL) == 0
    assert texts.render(session, *REFUSAL, examples(REFUSAL)).version == 0
    first = texts.save(session, coordinator, *REFUSAL, subject="Votre demande {{ file_reference }}",
                       body=GOOD_BODY.replace("\n", "\r\n"), note="  Plus court  ", expected_version=0)
    session.commit()
    assert (first.version, first.note, first.created_by_id) == (1, "Plus court", coordinator.id)
    assert "\r" not in first.body
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "letter_template.saved")).scalar_one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("letter_template", str(first.id), coordinator.id)
    assert '"version":1' in entry.details and '"kind":"refusal"' in entry.details

    text = texts.render(session, *REFUSAL, examples(REFUSAL), "en")  # a saved text is the same in every language
    assert (text.template_id, text.version) == (first.id, 1)
    assert text.subject == "Votre demande D-2026-00042"
    assert text.paragraphs == ("Madame, Monsieur,", "Votre demande (D-2026-00042) n’a pas été retenue.",
                               "Cordialement,")

    second = texts.save(session, coordinator, *REFUSAL, subject="Objet", body=GOOD_BODY + "\n\nP.-S.",
                        note="", expected_version=1)
    session.commit()
    assert second.version == 2 and texts.current_version(session, *REFUSAL) == 2
    with pytest.raises(ConcurrentChange) as stale:
        texts.save(session, coordinator, *REFUSAL, subject="Autre", body=GOOD_BODY, note="", expected_version=1)
    session.rollback()
    assert "version\u00a02" in stale.value.message.render(FRENCH) or "(version 2)" in stale.value.message.render(FRENCH)
    assert [saved.version for saved in texts.history(session, coordinator, *REFUSAL)] == [2, 1]
    assert texts.history(session, coordinator, *REFUSAL)[0].created_by.login == "coordinator"
    assert texts.version_of(session, coordinator, *REFUSAL, 1).subject == "Votre demande {{ file_reference }}"
    with pytest.raises(NotFound):
        texts.version_of(session, coordinator, *REFUSAL, 3)
    # the other letters keep their shipped text
    assert texts.current_version(session, LetterKind.REFUSAL, Audience.PERSON) == 2
    assert texts.current_version(session, LetterKind.DEFERRAL, Audience.PERSON) == 0

    restored = texts.restore(session, coordinator, *REFUSAL, expected_version=2)
    session.commit()
    assert (restored.subject, restored.body) == texts.shipped_text(*REFUSAL, "fr")
    assert restored.version == 3 and restored.note == "Texte d’origine du logiciel, rétabli."
    assert count(session, LetterTemplate) == 3
    assert count(session, AuditEntry, AuditEntry.action == "letter_template.saved") == 3

    states = {(state.kind, state.audience): state for state in texts.overview(session, coordinator)}
    assert list(states) == LETTERS
    assert states[REFUSAL].version == 3 and states[REFUSAL].saved_by == coordinator.display_name
    assert states[(LetterKind.EXIT, Audience.LANDLORD)].version == 0


@pytest.mark.parametrize("role", ["care_a", "chair", "member", "treasurer", "landlord_a", "dpo"])
def test_only_the_coordinator_edits_the_texts(session: Session, world: World, role: str) -> None:
    actor = world.users[role]
    with pytest.raises(Forbidden):
        texts.save(session, actor, *REFUSAL, subject="Objet", body=GOOD_BODY, note="", expected_version=0)
    with pytest.raises(Forbidden):
        texts.history(session, actor, *REFUSAL)
    with pytest.raises(Forbidden):
        texts.overview(session, actor)
    with pytest.raises(Forbidden):
        texts.preview(session, actor, *REFUSAL, "Objet", GOOD_BODY, 1)
    assert count(session, LetterTemplate) == 0


def test_a_letter_that_does_not_exist_is_not_found(session: Session, world: World) -> None:
    with pytest.raises(NotFound):
        texts.save(session, world.users["coordinator"], LetterKind.REFUSAL, Audience.LANDLORD, subject="Objet",
                   body=GOOD_BODY, note="", expected_version=0)


def test_rendering_asks_for_every_field(session: Session) -> None:
    values = examples(REFUSAL)
    del values["reason"]
    with pytest.raises(ValueError, match="reason"):
        texts.render(session, *REFUSAL, values)
    # a value of another letter is not passed to the text
    assert texts.render(session, *REFUSAL, {**examples(REFUSAL), "reply_by": "x"}).paragraphs


# ---------------------------------------------------------------- the preview, and the fields' contract


def test_the_preview_writes_an_unsaved_text_on_a_real_file(session: Session, world: World) -> None:
    case = new_case(session, world)
    coordinator = world.users["coordinator"]
    text = texts.preview(session, coordinator, *REFUSAL, "Dossier {{ file_reference }}",
                         "Madame, Monsieur,\n\n{{ person_name }}{% if hearing_date %}, {{ hearing_date }}{% endif %}"
                         " : {{ new_examination_days }} jours.", case.id)
    assert text.subject == f"Dossier {case.reference}"
    assert text.paragraphs == ("Madame, Monsieur,", "Camille Martin : 60 jours.")
    assert (text.template_id, text.version) == (None, 1)
    assert count(session, LetterTemplate) == 0
    with pytest.raises(InvalidInput) as refused:
        texts.preview(session, coordinator, *REFUSAL, "Objet", "{{ person.__dict__ }}", case.id)
    assert "body" in refused.value.errors
    with pytest.raises(NotFound):
        texts.preview(session, coordinator, *REFUSAL, "Objet", GOOD_BODY, 999_999)


@pytest.mark.parametrize("key", LETTERS, ids=key_id)
def test_the_facts_give_exactly_the_fields_offered(session: Session, world: World,
                                                   key: tuple[LetterKind, Audience]) -> None:
    case = new_case(session, world)
    values = values_for(session, case, *key, date(2026, 3, 2), {"place": world.place_a})
    assert set(values) == set(texts.field_names(*key))
    assert all(isinstance(value, str) for value in values.values())
    text = texts.render(session, *key, values)
    assert "{" not in " ".join(text.paragraphs)


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
