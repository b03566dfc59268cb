"""The interface is fully translated into French, and the compiled catalogues are current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "commission" / "translations"


def catalogue(locale: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_every_text_of_the_code_and_templates_is_in_the_catalogue(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_",
         "-k", "msg", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        extracted = {message.id for message in read_po(handle) if message.id}
    known = {message.id for message in catalogue("fr") if message.id}
    missing = extracted - known
    assert not missing, f"run scripts/i18n.sh; not in the catalogue: {sorted(missing)[:10]}"


# A message marked inside an f-string's braces: Python 3.11's tokenizer gives Babel the f-string as one string, so the
# message is never extracted and is shown untranslated (``f"{say(msg('line %(line)s', ...))}"``).
MESSAGE_IN_FSTRING = re.compile(r"""\bf(["'])[^\n]*?\{[^}\n]*\b(msg|_|_l|N_|gettext|ngettext)\(\s*["']""")


def test_no_message_is_marked_inside_an_f_string() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sorted((ROOT / "commission").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if MESSAGE_IN_FSTRING.search(line)]
    assert not found, "messages the extractor cannot see:\n" + "\n".join(found)


def test_every_french_text_is_translated() -> None:
    untranslated = [message.id for message in catalogue("fr") if message.id and not _filled(message.string)]
    fuzzy = [message.id for message in catalogue("fr") if message.id and message.fuzzy]
    assert not untranslated and not fuzzy, (untranslated[:10], fuzzy[:10])


def _key(value: object) -> object:
    """Plural entries come as sequences (msgid and msgid_plural, and one string per form)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _filled(string: object) -> bool:
    return all(string) if isinstance(string, list | tuple) else bool(string)


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_compiled_catalogues_match_their_sources(locale: str) -> None:
    source = {_key(m.id): _key(m.string) for m in catalogue(locale) if m.id and _filled(m.string)}
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id and _filled(m.string)}
    assert compiled == source, "run scripts/i18n.sh to compile the catalogues"


def test_placeholders_survive_translation() -> None:
    import re

    pattern = re.compile(r"%\(\w+\)s")
    for message in catalogue("fr"):
        if message.id and message.string:
            assert sorted(pattern.findall(str(message.id))) == sorted(pattern.findall(str(message.string))), message.id


def test_domain_messages_render_in_both_languages() -> None:
    from commission.i18n import msg, translations

    message = msg("The password must have at least %(count)s characters.", count=12)
    assert message.render(translations("fr").gettext) == "Le mot de passe doit compter au moins 12 caractères."
    assert message.render(translations("en").gettext) == "The password must have at least 12 characters."
    assert str(message).startswith("Le mot de passe")


def test_french_translations_follow_french_typography() -> None:
    """Every French text as the French write it (shared/UX.md): the spaces before ``: ; ! ?``, « », 1er,
    14 h, one inclusive style. The pages and documents are read whole by tests/web/test_typography.py."""
    from commission.typography import faults

    found = [f"{message.id!r}: {fault}" for message in catalogue("fr") if message.id
             for string in (message.string if isinstance(message.string, tuple) else (message.string,))
             for fault in faults(string)]
    assert not found, "\n".join(found)


def test_the_typography_checker_finds_the_common_faults() -> None:
    from commission.typography import faults

    wrong = ["État: reçu", "État : reçu", "Vous venez?", "Vous venez ?", 'le "projet de soin"', "« projet »",
             "le 1 déc. 2026", "à 14:00", "2ème étage", "Présent(e)", "1168.11€", "1 168,11 €", "No. 4"]
    right = ["État\u00a0: reçu", "Vous venez\u202f?", "le «\u00a0projet de soin\u00a0»", "le 1er déc. 2026",
             "à 14 h", "à 14 h 30", "2e étage", "Présent·e", "1\u202f168,11\u00a0€", "n° 4",
             "https://example.org:8080/a?b=c", "ecrire@example.org", "2026-12-01T14:00:00+00:00",
             "01/12/2026", "le 11 déc. 2026", "21 janv."]
    assert all(faults(text) for text in wrong), [text for text in wrong if not faults(text)]
    assert not any(faults(text) for text in right), {text: faults(text) for text in right if faults(text)}
