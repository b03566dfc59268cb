"""Translatable messages for the domain, which knows nothing of Flask.

Services build :class:`Message` objects; the web renders them with Flask-Babel in the user's
language, the CLI with the catalogues directly. ``N_`` marks a message id for extraction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from babel.support import NullTranslations, Translations

from commission.resources import translations_dir

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"


def N_(msgid: str) -> str:
    """Mark a message id for extraction; translated later, where the user's language is known."""
    return msgid


@dataclass(frozen=True)
class Message:
    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str]) -> str:
        text = gettext(self.msgid)
        if not self.params:
            return text
        return text % {name: _render_param(value, gettext) for name, value in self.params.items()}

    def __str__(self) -> str:
        return self.render(translations(DEFAULT_LOCALE).gettext)


def _render_param(value: object, gettext: Callable[[str], str]) -> object:
    """Nested messages and lists of message ids are translated too."""
    if isinstance(value, Message):
        return value.render(gettext)
    if isinstance(value, list | tuple):
        return ", ".join(gettext(item) if isinstance(item, str) else str(_render_param(item, gettext))
                         for item in value)
    return value


def msg(msgid: str, **params: object) -> Message:
    return Message(msgid, params)


@cache
def translations(locale: str) -> NullTranslations:
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    return Translations.load(str(translations_dir()), [locale], domain="messages")
