"""What a kind of import declares: its columns (how each cell is read) and how a row becomes a record.

A kind creates its records through the same service functions as the forms (see :mod:`.stock_kinds`), so that
the same rules apply; its columns read the cells with the parsers of :mod:`commission.parsing`. The external
reference column is the framework's, added to every kind (:data:`EXTERNAL_REF`).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import parsing
from commission.errors import InvalidInput
from commission.i18n import N_, Message, msg, translations
from commission.models.accounts import User
from commission.models.imports import ImportedRecord
from commission.workflow.engine import MachineSpec

if TYPE_CHECKING:
    from commission.services.imports.reading import Table

Parser = Callable[[str, str], object]
T = TypeVar("T")
EXTERNAL_REF_LIMIT = 100


def normalised(text: str) -> str:
    """A header or a choice as it is compared: no case, no accent, no space nor punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return re.sub(r"[^0-9a-z]+", "", bare)


def french(msgid: str) -> str:
    return translations("fr").gettext(msgid)


# ---------------------------------------------------------------- reading a cell


def text(limit: int = 300) -> Parser:
    return lambda value, name: parsing.parse_text(value, name, limit=limit)


def date_value() -> Parser:
    def parse(value: str, name: str) -> object:
        try:
            return parsing.parse_date(_french_day(value), name)
        except InvalidInput as refused:  # a spreadsheet's dates are written the French way as well
            raise InvalidInput({column: [msg(NOT_A_SHEET_DATE) if message.msgid == parsing.NOT_A_DATE else message
                                        for message in messages]
                                for column, messages in refused.errors.items()}) from None

    return parse


NOT_A_SHEET_DATE = N_("This is not a date (expected: DD/MM/YYYY or YYYY-MM-DD).")


def _french_day(value: str) -> str:
    """``12/04/2021`` (as French spreadsheets show a date) written ``2021-04-12``; anything else as it is."""
    found = re.fullmatch(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})", value.strip())
    if found is None:
        return value
    day, month, year = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def euros_value() -> Parser:
    return lambda value, name: parsing.parse_euros(value, name)


def whole_value(minimum: int = 0, maximum: int = 1_000_000) -> Parser:
    return lambda value, name: parsing.parse_whole(value, name, minimum=minimum, maximum=maximum)


def choice_value(enum_type: type[enum.Enum], labels: Mapping[Any, str]) -> Parser:
    """One member of ``enum_type`` that ``labels`` names (those the form offers): its value, or its label in English
    or in French, whatever the case."""
    members = [member for member in enum_type if member in labels]

    def parse(value: str, name: str) -> object:
        wanted = normalised(value)
        for member in members:
            label = labels.get(member, "")
            if wanted in {normalised(str(member.value)), normalised(label), normalised(french(label))} - {""}:
                return member.value
        # the labels' message ids: said in the reader's language
        raise InvalidInput({name: [msg("Choose one of: %(choices)s.", choices=[labels[member] for member in members])]})

    return parse


def state_value(spec: MachineSpec, refused: str | None = None) -> Parser:
    """One state of a machine, named by its name or its label in English or in French, in the masculine too
    (« Logé » for « Logé·e », « Versé » for « Versée »); the machine's name returned. With ``refused`` (a message
    id, said of the others), only the states a record may arrive in by an import (``spec.importable``)."""

    def parse(value: str, name: str) -> object:
        wanted = normalised(value)
        for state in spec.states:
            if _names(wanted, state.name, state.label):
                if refused is not None and state.name not in spec.importable:
                    raise InvalidInput({name: [msg(refused)]})
                return state.name
        choices = [state.label for state in spec.states if refused is None or state.name in spec.importable]
        raise InvalidInput({name: [msg("Choose one of: %(choices)s.", choices=choices)]})

    return parse


def _names(wanted: str, name: str, label: str) -> bool:
    in_french = french(label)
    forms = {normalised(name), normalised(label), normalised(in_french), normalised(in_french.split("·")[0])}
    return wanted in forms or f"{wanted}e" in forms


_YES = {"oui", "yes", "o", "y", "1", "x", "vrai", "true"}
_NO = {"non", "no", "n", "0", "faux", "false"}


def flag_value() -> Parser:
    def parse(value: str, name: str) -> object:
        cleaned = normalised(value)
        if cleaned in _YES:
            return True
        if cleaned in _NO:
            return False
        raise InvalidInput({name: [msg("Write « oui » or « non ».")]})

    return parse


# ---------------------------------------------------------------- columns and kinds


@dataclass(frozen=True)
class Column:
    """One column of a kind: its name (the key of the values), its label (the template's header, a msgid)."""

    name: str
    label: str
    required: bool = False
    parse: Parser | None = None
    synonyms: tuple[str, ...] = ()
    example: str = ""
    fields: tuple[str, ...] = ()  # the service's error keys (the form's field names) that belong to this column
    help: str = ""

    def read(self, value: str) -> object:
        return (self.parse or text(300))(value, self.name)

    def names(self) -> set[str]:
        """Every header that means this column, normalised."""
        return {normalised(item) for item in (self.name, self.label, french(self.label), *self.synonyms)} - {""}


EXTERNAL_REF = Column(
    "external_ref", N_("External reference"), required=True, parse=text(EXTERNAL_REF_LIMIT),
    synonyms=("référence externe", "ref externe", "identifiant", "id", "ref", "code", "numéro de dossier", "n°"),
    help=N_("The row's reference in your former files: importing the same row again changes nothing."),
)


@dataclass
class ImportContext:
    """What a kind's ``apply`` is given besides the row's values."""

    session: Session
    actor: User
    today: date
    dry_run: bool
    kind: Kind
    row: int = 0
    known: dict[tuple[str, str], int] = field(default_factory=dict)  # this run's records, by (kind, ref)
    pending: dict[str, list[Message]] = field(default_factory=dict)  # the row's problems noted (see note)

    def lookup(self, kind_name: str, external_ref: str) -> int | None:
        """The id of the record imported under ``kind_name`` with this reference (earlier runs, earlier rows)."""
        ref = (external_ref or "").strip()
        if not ref:
            return None
        if (kind_name, ref) in self.known:
            return self.known[(kind_name, ref)]
        return self.session.execute(
            select(ImportedRecord.object_id).where(ImportedRecord.kind == kind_name, ImportedRecord.external_ref == ref)
        ).scalar_one_or_none()

    def refuse(self, column: str, message: Message) -> NoReturn:
        raise InvalidInput({column: [message]})

    def note(self, column: str, message: Message) -> str:
        """A problem of one column found before the service is called (a record named that does not exist):
        kept, so that :meth:`create` reports it together with the service's own refusals; returns ``""``."""
        self.pending.setdefault(column, []).append(message)
        return ""

    def create(self, call: Callable[[], T]) -> T:
        """Call the service that creates the row's record; its refusals and the problems noted (:meth:`note`)
        are reported together (a column noted keeps its own message only)."""
        pending, self.pending = self.pending, {}
        try:
            result = call()
        except InvalidInput as refused:
            merged = {name: list(messages) for name, messages in pending.items()}
            for key, messages in refused.errors.items():
                column = self.kind.column_of_field(key)
                if (column.name if column is not None else key) not in pending:
                    merged.setdefault(key, []).extend(messages)
            raise InvalidInput(merged) from None
        if pending:
            raise InvalidInput(pending)
        return result


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    object_type: str
    columns: tuple[Column, ...]
    apply: Callable[[ImportContext, Mapping[str, object]], int]
    description: str = ""
    order: int = 100
    ref_example: str = "REF-001"  # the template's example of an external reference

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return (EXTERNAL_REF, *self.columns)

    def column(self, name: str) -> Column | None:
        return next((column for column in self.all_columns if column.name == name), None)

    def column_of_field(self, key: str) -> Column | None:
        """The column a service's error key belongs to."""
        return next((column for column in self.all_columns if key == column.name or key in column.fields), None)


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"two kinds of import are named {kind.name!r}")
    _KINDS[kind.name] = kind
    return kind


def kinds() -> list[Kind]:
    """Every kind registered, in the order the page shows them."""
    return sorted(_KINDS.values(), key=lambda kind: (kind.order, kind.name))


class UnknownKind(InvalidInput):
    def __init__(self, name: str) -> None:
        super().__init__({"kind": [msg("There is no import of this kind: %(name)s (choose one of %(kinds)s).",
                                       name=name, kinds=", ".join(kind.name for kind in kinds()))]})


def get_kind(name: str) -> Kind:
    kind = _KINDS.get((name or "").strip())
    if kind is None:
        raise UnknownKind(name)
    return kind


def example_table(kind: Kind) -> Table:
    """The kind's template: its headers in French, and one example row."""
    from commission.services.imports.reading import Table

    return Table(headers=[french(column.label) for column in kind.all_columns],
                 rows=[[kind.ref_example if column is EXTERNAL_REF else column.example for column in kind.all_columns]])
