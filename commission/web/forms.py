"""Form helpers: the view parses, the service validates; its messages land on the right fields."""

from __future__ import annotations

from flask_babel import gettext
from flask_wtf import FlaskForm

from commission.errors import InvalidInput
from commission.parsing import MAX_ID, as_whole


def attach_errors(form: FlaskForm, error: InvalidInput) -> list[str]:
    """Put the service's messages on the form's fields; return those that belong to no field."""
    general: list[str] = []
    for name, messages in error.errors.items():
        texts = [message.render(gettext) for message in messages]
        field = form._fields.get(name) if name else None
        if field is None:
            general.extend(texts)
        else:
            field.errors = [*field.errors, *texts]
    return general


def optional_int(value: object) -> int | None:
    """A whole number from 0 to the largest id (a version, a year, an id), or ``None`` for anything else."""
    return as_whole(value, 0, MAX_ID)
