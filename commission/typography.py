"""French typography, as the French write it (shared/UX.md): the faults found in a text, and the fixes
that can be made without reading it (the catalogue's spaces before punctuation, inside guillemets).

A no-break space (U+00A0) before ``:`` and inside « »; a narrow no-break space (U+202F) before ``; ! ?``;
"1er" for the first of a month; "14 h" and "14 h 30" for times; amounts grouped by narrow no-break spaces
with a no-break space before the euro sign; one inclusive style, the middle dot ("présent·e").

:func:`faults` reads text as a reader sees it (a page's text, a PDF's): URLs, e-mail addresses and
identifiers are left out before it looks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NBSP = "\u00a0"
NNBSP = "\u202f"
SPACES = " \u00a0\u202f\t\n"

MONTHS = ("janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc")

# What is not prose: addresses, e-mail addresses, file names with a colon-free scheme, ISO timestamps.
_NOT_PROSE = re.compile(
    r"(?:https?|mailto|file|data):\S*"           # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"               # e-mail addresses
    r"|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"  # ISO dates
    r"|\b[0-9a-f]{16,}\b"                          # digests, keys
    r"|\b[A-Z][A-Za-z]+(?:-[A-Z][A-Za-z]+)+: \S+"   # an HTTP header quoted with its value
)


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    advice: str


RULES = (
    Rule("space before colon", re.compile(r"[^\s\u00a0\u202f:/\d]:(?=[\s\u00a0]|$)"),
         "a no-break space before « : » (État : reçu)"),
    Rule("ordinary space before colon", re.compile(r"(?<=\S) :"),
         "the space before « : » must be a no-break space"),
    Rule("space before ; ! ?", re.compile(r"(?<=[^\s\u00a0\u202f;!?(\[«])[;!?](?=[\s\u00a0\u202f)»]|$)"),
         "a narrow no-break space before « ; », « ! » and « ? »"),
    Rule("ordinary space before ; ! ?", re.compile(r"(?<=\S) [;!?](?=[\s\u00a0\u202f)»]|$)"),
         "the space before « ; », « ! » and « ? » must be a narrow no-break space"),
    Rule("straight quotes", re.compile(r"\"[^\"\n]{1,80}\""), "« guillemets » with no-break spaces inside"),
    Rule("guillemets without no-break spaces", re.compile(r"«(?!\u00a0)|(?<!\u00a0)»"),
         "a no-break space inside « »"),
    Rule("first of the month", re.compile(r"(?<![\d,.])\b1 (?:" + "|".join(MONTHS) + r")", re.IGNORECASE),
         "« 1er » for the first of a month"),
    Rule("time with a colon", re.compile(r"(?<![\d:])\b(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?\b(?![\d:])"),
         "« 14 h » and « 14 h 30 », not « 14:00 »"),
    Rule("ordinal with ème", re.compile(r"\b\d+(?:ème|eme|ième)\b"), "« 2e », not « 2ème »"),
    Rule("inclusive style with parentheses", re.compile(r"\w\((?:e|es|ne|se|ère)\)"),
         "one inclusive style, the middle dot: « présent·e »"),
    Rule("English abbreviation", re.compile(r"\b(?:No\.|Mr\b|Mrs\b|Mme\.)"), "« n° », « M. », « Mme »"),
    Rule("amount with a point", re.compile(r"\b\d+\.\d{2}[\s\u00a0\u202f]?€"), "« 1 168,11 € »"),
    Rule("euro sign without a no-break space", re.compile(r"\d(?:€| €)"), "a no-break space before « € »"),
    Rule("thousands with an ordinary space", re.compile(r"\b\d{1,3} \d{3}(?:,\d{2})?[\u00a0 ]?€"),
         "a narrow no-break space between thousands"),
)


@dataclass(frozen=True)
class Fault:
    rule: str
    excerpt: str
    advice: str

    def __str__(self) -> str:
        return f"{self.rule}: «{self.excerpt}» ({self.advice})"


def prose(text: str) -> str:
    """The text without what is not prose (URLs, e-mail addresses, ISO dates, digests)."""
    return _NOT_PROSE.sub(" ", text)


def faults(text: str) -> list[Fault]:
    """Every fault of French typography in a text a reader sees."""
    text = prose(text)
    found = []
    for rule in RULES:
        for match in rule.pattern.finditer(text):
            start, end = max(0, match.start() - 25), min(len(text), match.end() + 25)
            excerpt = " ".join(text[start:end].split())
            found.append(Fault(rule.name, excerpt, rule.advice))
    return found


_FIRST_OF_MONTH = re.compile(r"(?<![\d,.])\b1(?=[ \u00a0\u202f](?:" + "|".join(MONTHS) + r"))", re.IGNORECASE)
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])")


def first_of_month(text: str) -> str:
    """« 1er » for the first of a month, in a French date as Babel writes it (« 1 déc. 2026 »)."""
    return _FIRST_OF_MONTH.sub("1er", text)


def hours(text: str) -> str:
    """French times as the French write them, in a text Babel formatted: « 14:00 » as « 14 h », « 14:05 » as
    « 14 h 05 », « 14:05:30 » as « 14 h 05 min 30 s », « 14:05:00 » as « 14 h 05 » (no-break spaces inside)."""

    def spelled(found: re.Match[str]) -> str:
        hour, minutes, seconds = int(found[1]), found[2], found[3]
        if seconds not in (None, "00"):
            return f"{hour}{NBSP}h{NBSP}{minutes}{NBSP}min{NBSP}{seconds}{NBSP}s"
        return f"{hour}{NBSP}h" if minutes == "00" else f"{hour}{NBSP}h{NBSP}{minutes}"

    return _CLOCK.sub(spelled, text)


def punctuation(mark: str, locale: str) -> str:
    """A high punctuation mark as ``locale`` writes it after a word: in French a no-break space before « : »
    and a narrow one before « ; », « ! » and « ? »; in other languages the mark alone."""
    if not str(locale).startswith("fr"):
        return mark
    if mark == ":":
        return NBSP + mark
    if mark in (";", "!", "?"):
        return NNBSP + mark
    return mark


def typeset_date(text: str, locale: str) -> str:
    """A date, a time or both, formatted by Babel for ``locale``, as that language writes it: in French « 1er »
    and « 14 h 05 »; other languages as Babel gives them."""
    if not str(locale).startswith("fr"):
        return text
    return hours(first_of_month(text))


def fix_spacing(text: str) -> str:
    """The spaces before high punctuation and inside guillemets made right, in a French text that uses
    ordinary spaces for them (a catalogue's translations). Leaves everything else as it is."""
    text = re.sub(r"(?<=\S)[ \u202f]:(?=[\s\u00a0]|$)", NBSP + ":", text)
    text = re.sub(r"(?<=\S)[ \u00a0]([;!?])(?=[\s\u00a0\u202f)»]|$)", NNBSP + r"\1", text)
    text = re.sub(r"« ?", "«" + NBSP, text)
    text = re.sub(r" ?»", NBSP + "»", text)
    text = re.sub(r"«\u00a0\u00a0", "«" + NBSP, text)
    text = re.sub(r"\u00a0\u00a0»", NBSP + "»", text)
    return text
