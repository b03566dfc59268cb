"""Which column of the file is which column of the kind: matched by name, proposed to the user, who confirms
or changes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from commission.errors import InvalidInput
from commission.i18n import Message, msg
from commission.services.imports.kinds import Kind, normalised


@dataclass
class ColumnMapping:
    """``assigned``: the file's column index -> the kind's column name; the rest is what is missing or ignored."""

    headers: list[str]
    assigned: dict[int, str] = field(default_factory=dict)

    def missing(self, kind: Kind) -> list[str]:
        """The required columns of the kind that no column of the file gives."""
        given = set(self.assigned.values())
        return [column.name for column in kind.all_columns if column.required and column.name not in given]

    def unknown(self) -> list[int]:
        """The file's columns that are ignored."""
        return [index for index, header in enumerate(self.headers) if index not in self.assigned and header]

    def index_of(self, name: str) -> int | None:
        return next((index for index, assigned in self.assigned.items() if assigned == name), None)

    def header_of(self, name: str) -> str | None:
        index = self.index_of(name)
        return self.headers[index] if index is not None else None

    def problems(self, kind: Kind) -> list[Message]:
        return [msg("No column gives « %(column)s », which is required.", column=msg(column.label))
                for name in self.missing(kind) if (column := kind.column(name)) is not None]


def propose_mapping(kind: Kind, headers: list[str]) -> ColumnMapping:
    """Each header matched to the kind's column of the same name (case, accents, spaces, synonyms aside); a
    column of the kind is given by the first header that means it."""
    mapping = ColumnMapping(headers=list(headers))
    taken: set[str] = set()
    for index, header in enumerate(headers):
        wanted = normalised(header)
        if not wanted:
            continue
        for column in kind.all_columns:
            if column.name not in taken and wanted in column.names():
                mapping.assigned[index] = column.name
                taken.add(column.name)
                break
    return mapping


def chosen_mapping(kind: Kind, headers: list[str], choices: Mapping[str, str]) -> ColumnMapping:
    """The mapping the user chose: ``choices`` maps a header (its text, or its index as ``"3"``) to a column
    name of the kind, or to ``""`` to ignore it; the headers not named keep the proposed column. Refused
    when a column is chosen twice or does not exist."""
    mapping = propose_mapping(kind, headers)
    errors: dict[str, list[Message]] = {}
    for key, name in choices.items():
        index = _index(headers, key)
        if index is None:
            errors.setdefault("map", []).append(msg("The file has no column « %(header)s ».", header=key))
            continue
        cleaned = (name or "").strip()
        if not cleaned:
            mapping.assigned.pop(index, None)
            continue
        column = kind.column(cleaned) or next(
            (item for item in kind.all_columns if normalised(cleaned) in item.names()), None)
        if column is None:
            errors.setdefault("map", []).append(msg("« %(name)s » is no column of this import.", name=cleaned))
            continue
        for other, assigned in list(mapping.assigned.items()):
            if assigned == column.name and other != index and str(other) not in choices \
                    and headers[other] not in choices:
                mapping.assigned.pop(other)
        mapping.assigned[index] = column.name
    seen: dict[str, int] = {}
    for index, name in sorted(mapping.assigned.items()):
        if name in seen:
            errors.setdefault("map", []).append(msg("Two columns of the file are given as « %(column)s »: choose "
                                                    "one.", column=_label(kind, name)))
        seen[name] = index
    if errors:
        raise InvalidInput(errors)
    return mapping


def _label(kind: Kind, name: str) -> Message | str:
    column = kind.column(name)
    return msg(column.label) if column is not None else name


def _index(headers: list[str], key: str) -> int | None:
    if key in headers:
        return headers.index(key)
    wanted = normalised(key)
    for index, header in enumerate(headers):
        if wanted and normalised(header) == wanted:
            return index
    if key.isdigit() and int(key) < len(headers):
        return int(key)
    return None
