"""The texts of the letters, which the coordinator edits in the browser.

Each letter (a kind of letter, for the person or for the landlord) has a subject and a body written as a template
with named fields (:data:`FIELDS`): ``{{ person_name }}``, and ``{% if reply_by %}...{% endif %}`` where a field may
be empty. Nothing else: a template is read before it is saved, and anything that reaches beyond a plain field (an
attribute, an index, a call, a filter, a loop, an include, an assignment...) is refused with a clear message, then
the text is written once with the examples to be sure. Templates are rendered in Jinja's
:class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` with :class:`~jinja2.StrictUndefined`, without its globals.

Each save is a new version (never changed, never deleted), with who saved it, when and why; the latest is in force.
Without any, a letter uses the text the software ships (version 0, :mod:`.texts_defaults`), in the letter's
language. A letter already written keeps the text it was written with (the register holds it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from commission import clock, policy
from commission.errors import ConcurrentChange, InvalidInput, NotFound
from commission.i18n import DEFAULT_LOCALE, Message, msg, translations
from commission.models.accounts import User
from commission.models.letters import Audience, LetterKind, LetterTemplate
from commission.services import audit
from commission.services.letters.texts_defaults import (
    AUDIENCE_LABELS,
    FIELDS,
    KIND_LABELS,
    LETTERS,
    SHIPPED,
    FieldSpec,
    ShippedText,
)

MAX_SUBJECT = 300
MAX_BODY = 10_000
MAX_NOTE = 300

__all__ = ["AUDIENCE_LABELS", "FIELDS", "KIND_LABELS", "LETTERS", "MAX_BODY", "MAX_NOTE", "MAX_SUBJECT", "SHIPPED",
           "FieldSpec", "LetterState", "RenderedText", "ShippedText", "check", "current_version", "field_names",
           "history", "latest", "overview", "preview", "render", "restore", "save", "version_of"]


@dataclass(frozen=True)
class RenderedText:
    """A letter's text written for one file: its subject, its paragraphs (the salutation first, the closing formula
    last), and the version of the text used (``template_id`` None and ``version`` 0: the shipped text)."""

    subject: str
    paragraphs: tuple[str, ...]
    template_id: int | None
    version: int


def _environment() -> ImmutableSandboxedEnvironment:
    # Letters are plain text: the PDF's template escapes them when it places them (autoescape there, not here).
    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    # Nothing but the fields: no range, lipsum, cycler, joiner, namespace, dict; no filters, no tests.
    environment.globals.clear()
    environment.filters.clear()
    environment.tests.clear()
    return environment


_ENVIRONMENT = _environment()


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """A checked source, compiled once (the sources are the shipped texts and the versions saved)."""
    return _ENVIRONMENT.from_string(source)


# ---------------------------------------------------------------- the letters and their fields


def _require_letter(kind: LetterKind, audience: Audience) -> tuple[FieldSpec, ...]:
    fields = FIELDS.get((kind, audience))
    if fields is None:
        raise NotFound(msg("This letter does not exist."))
    return fields


def field_names(kind: LetterKind, audience: Audience) -> tuple[str, ...]:
    """The names of the fields a letter's text may use."""
    return tuple(spec.name for spec in _require_letter(kind, audience))


# ---------------------------------------------------------------- checking a template

# What a letter's template may hold: text, fields, constants, and conditions on them.
_ALLOWED = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If, nodes.Not, nodes.And,
            nodes.Or, nodes.Compare, nodes.Operand, nodes.Concat, nodes.CondExpr)
_CONSTANTS = (str, int, float, bool, type(None))
# The statements refused, by the word that opens them.
_STATEMENTS: tuple[tuple[type[nodes.Node], str], ...] = (
    (nodes.For, "for"), (nodes.Macro, "macro"), (nodes.CallBlock, "call"), (nodes.FilterBlock, "filter"),
    (nodes.With, "with"), (nodes.Import, "import"), (nodes.FromImport, "from"), (nodes.Include, "include"),
    (nodes.Extends, "extends"), (nodes.Assign, "set"), (nodes.AssignBlock, "set"), (nodes.Block, "block"),
    (nodes.Scope, "autoescape"), (nodes.ScopedEvalContextModifier, "autoescape"),
    (nodes.EvalContextModifier, "autoescape"),
    (nodes.ExprStmt, "do"), (nodes.Continue, "continue"), (nodes.Break, "break"),
)
_EXAMPLE_FIELD = "person_name"


def _describe(node: nodes.Node, depth: int = 0) -> str:
    """The expression as the coordinator wrote it, near enough to recognise it: ``''.__class__``."""
    if depth > 6:
        return "…"
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Const):
        return repr(node.value)[:30]
    if isinstance(node, nodes.Getattr):
        return f"{_describe(node.node, depth + 1)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_describe(node.node, depth + 1)}[{_describe(node.arg, depth + 1)}]"
    if isinstance(node, nodes.Call):
        return f"{_describe(node.node, depth + 1)}(…)"
    if isinstance(node, nodes.Filter):
        inner = _describe(node.node, depth + 1) if node.node is not None else ""
        return f"{inner}|{node.name}"
    if isinstance(node, nodes.Test):
        return f"{_describe(node.node, depth + 1)} is {node.name}"
    return "…"


def _refusal(node: nodes.Node, offered: tuple[str, ...], line: int) -> Message | None:
    """Why a node of the template is refused, or None when it is allowed (its children are read next)."""
    if isinstance(node, nodes.Name):
        if node.ctx == "load" and node.name in offered:
            return None
        return msg("“{{ %(name)s }}” is not a field of this letter: the fields offered are %(fields)s.",
                   name=node.name, fields=", ".join(offered))
    if isinstance(node, nodes.Const) and not isinstance(node.value, _CONSTANTS):
        return msg("Line %(line)s: this expression is not allowed in a letter; a letter can only print its fields "
                   "and test them.", line=line)
    if isinstance(node, _ALLOWED):
        return None
    example = _EXAMPLE_FIELD if _EXAMPLE_FIELD in offered else offered[0]
    if isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Slice):
        return msg("Line %(line)s: “%(expression)s” reaches beyond the fields offered. A letter can only name a "
                   "field, as in {{ %(example)s }}.", line=line, expression=_describe(node), example=example)
    if isinstance(node, nodes.Call):
        return msg("Line %(line)s: “%(expression)s” calls a function, which a letter cannot do. A letter can only "
                   "name a field, as in {{ %(example)s }}.", line=line, expression=_describe(node), example=example)
    if isinstance(node, nodes.Filter):
        return msg("Line %(line)s: the filter “%(name)s” is not allowed in a letter: a field is printed as it is.",
                   line=line, name=node.name)
    if isinstance(node, nodes.Test):
        return msg("Line %(line)s: the test “is %(name)s” is not allowed in a letter; test the field itself "
                   "(if %(example)s).", line=line, name=node.name, example=example)
    for statement, word in _STATEMENTS:
        if isinstance(node, statement):
            return msg("Line %(line)s: the statement “%(word)s” is not allowed in a letter; only fields and "
                       "conditions on them (if, elif, else, endif) are.", line=line, word=word)
    return msg("Line %(line)s: this expression is not allowed in a letter; a letter can only print its fields "
               "and test them.", line=line)


def _template_problems(source: str, offered: tuple[str, ...]) -> list[Message]:
    """What is wrong with a template: a syntax error, or every node beyond a plain field (read without recursion:
    a text nests as deep as it likes)."""
    try:
        tree = _ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        return [msg("Line %(line)s: the text cannot be read as a letter's template (%(error)s). Check that each "
                    "{{ opens and closes, and that each if has its endif.", line=error.lineno, error=error.message)]
    except RecursionError:
        return [msg("The text nests too deeply to be read.")]
    problems: list[Message] = []
    pending: list[tuple[nodes.Node, int]] = [(tree, 1)]
    while pending:
        node, line = pending.pop()
        line = node.lineno or line  # a node the parser made without a line is on its parent's
        refusal = _refusal(node, offered, line)
        if refusal is None:
            pending.extend((child, line) for child in reversed(list(node.iter_child_nodes())))
        elif refusal not in problems:
            problems.append(refusal)
    return problems


def _examples(kind: LetterKind, audience: Audience) -> dict[str, str]:
    return {spec.name: spec.example for spec in FIELDS[(kind, audience)]}


def _write(source: str, values: Mapping[str, str]) -> str:
    return _compiled(source).render(dict(values))


def _trial(source: str, values: Mapping[str, str]) -> tuple[str, Message | None]:
    """The text written with these values, or why it cannot be (never a stack trace)."""
    try:
        return _write(source, values), None
    except (TemplateError, TypeError, ValueError, ArithmeticError, RecursionError, MemoryError) as error:
        detail = getattr(error, "message", None) or str(error) or type(error).__name__
        return "", msg("The text could not be written with the examples: %(error)s.", error=str(detail)[:200])


def check(kind: LetterKind, audience: Audience, subject: str, body: str) -> dict[str, list[Message]]:
    """What is wrong with a letter's subject and body, by form field (``subject``, ``body``); empty when fine."""
    offered = field_names(kind, audience)
    errors: dict[str, list[Message]] = {}
    subject, body = _lines(subject).strip(), _lines(body)
    if not subject:
        errors["subject"] = [msg("Fill in this field.")]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [msg("At most %(count)s characters.", count=MAX_SUBJECT)]
    if not body.strip():
        errors["body"] = [msg("Fill in this field.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [msg("At most %(count)s characters.", count=MAX_BODY)]
    examples = _examples(kind, audience)
    for name, source in (("subject", subject), ("body", body)):
        if name in errors:
            continue
        problems = _template_problems(source, offered)
        if not problems:
            written, failure = _trial(source, examples)
            if failure is not None:
                problems = [failure]
            elif not written.strip():
                problems = [msg("Written with the examples, this text is empty.")]
        if problems:
            errors[name] = problems
    return errors


# ---------------------------------------------------------------- rendering


def _lines(text: str) -> str:
    """A text with the line ends of a browser's form (CRLF) as plain newlines."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SPACES = re.compile(r"[ \t\n]+")  # ordinary spaces only: the no-break spaces of French typography stay


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _paragraphs(text: str) -> tuple[str, ...]:
    """The paragraphs of a written body: split on blank lines, spaces made single, the empty ones dropped (an
    ``{% if %}`` that left nothing)."""
    return tuple(paragraph for paragraph in (_one_line(part) for part in _BLANK_LINE.split(_lines(text)))
                 if paragraph)


def _context(kind: LetterKind, audience: Audience, values: Mapping[str, str]) -> dict[str, str]:
    offered = field_names(kind, audience)
    missing = [name for name in offered if name not in values]
    if missing:
        raise ValueError(f"values missing for the {kind.value} letter to the {audience.value}: {missing}")
    return {name: str(values[name]) for name in offered}


def _shipped_sources(kind: LetterKind, audience: Audience, locale: str) -> tuple[str, str]:
    shipped = SHIPPED[(kind, audience)]
    gettext = translations(locale).gettext
    return gettext(shipped.subject), gettext(shipped.body)


def _rendered(subject: str, body: str, context: Mapping[str, str], template_id: int | None,
              version: int) -> RenderedText:
    return RenderedText(_one_line(_write(subject, context)), _paragraphs(_write(body, context)), template_id,
                        version)


def latest(session: Session, kind: LetterKind, audience: Audience) -> LetterTemplate | None:
    """The version of a letter's text in force, or None while the shipped text is."""
    return session.execute(
        select(LetterTemplate).where(LetterTemplate.kind == kind, LetterTemplate.audience == audience)
        .order_by(LetterTemplate.version.desc()).limit(1)
    ).scalar_one_or_none()


def render(session: Session, kind: LetterKind, audience: Audience, values: Mapping[str, str],
           locale: str = DEFAULT_LOCALE) -> RenderedText:
    """A letter's text written with a file's values (every field offered, see :mod:`.facts`): the latest version
    saved, else the shipped text in ``locale``."""
    context = _context(kind, audience, values)
    template = latest(session, kind, audience)
    if template is not None:
        return _rendered(template.subject, template.body, context, template.id, template.version)
    subject, body = _shipped_sources(kind, audience, locale)
    return _rendered(subject, body, context, None, 0)


def shipped_text(kind: LetterKind, audience: Audience, locale: str = DEFAULT_LOCALE) -> tuple[str, str]:
    """The subject and body the software ships for a letter, in ``locale``: what the editor starts from."""
    _require_letter(kind, audience)
    return _shipped_sources(kind, audience, locale)


# ---------------------------------------------------------------- versions


def current_version(session: Session, kind: LetterKind, audience: Audience) -> int:
    """The version in force: 0 for the shipped text."""
    return session.execute(
        select(func.coalesce(func.max(LetterTemplate.version), 0))
        .where(LetterTemplate.kind == kind, LetterTemplate.audience == audience)
    ).scalar_one()


def save(session: Session, actor: User, kind: LetterKind, audience: Audience, *, subject: str, body: str,
         note: str, expected_version: int) -> LetterTemplate:
    """Save a letter's text as its next version, checked first. ``expected_version`` is the version the editor
    started from (0: the shipped text): if another was saved meanwhile, :class:`ConcurrentChange`."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    _require_letter(kind, audience)
    subject, body, note = _lines(subject).strip(), _lines(body).strip("\n"), " ".join(note.split())
    errors = check(kind, audience, subject, body)
    if len(note) > MAX_NOTE:
        errors["note"] = [msg("At most %(count)s characters.", count=MAX_NOTE)]
    if errors:
        raise InvalidInput(errors)
    version = current_version(session, kind, audience)
    if version != expected_version:
        raise ConcurrentChange(msg("Another version of this letter (version %(version)s) was saved while you were "
                                   "editing it: nothing was recorded. Reload the page, and make your change again "
                                   "on that version.", version=version))
    template = LetterTemplate(kind=kind, audience=audience, version=version + 1, subject=subject, body=body,
                              note=note, created_by_id=actor.id, created_at=clock.now())
    session.add(template)
    try:
        session.flush()
    except IntegrityError as error:  # the same version saved at the same moment by another editor
        raise ConcurrentChange(msg("Another version of this letter was saved at the same moment: nothing was "
                                   "recorded. Reload the page and make your change again.")) from error
    audit.record(session, actor, "letter_template.saved", "letter_template", template.id, {
        "kind": kind.value, "audience": audience.value, "version": template.version, "note": note,
    })
    return template


def restore(session: Session, actor: User, kind: LetterKind, audience: Audience, *, expected_version: int,
            locale: str = DEFAULT_LOCALE) -> LetterTemplate:
    """Put the shipped text back in force: saved as a new version (the versions before stay)."""
    subject, body = shipped_text(kind, audience, locale)
    note = translations(locale).gettext("The text the software ships, restored.")
    return save(session, actor, kind, audience, subject=subject, body=body, note=note,
                expected_version=expected_version)


def history(session: Session, actor: User, kind: LetterKind, audience: Audience) -> list[LetterTemplate]:
    """Every version saved of a letter's text, newest first, with who saved it."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    _require_letter(kind, audience)
    return list(session.execute(
        select(LetterTemplate).where(LetterTemplate.kind == kind, LetterTemplate.audience == audience)
        .options(joinedload(LetterTemplate.created_by)).order_by(LetterTemplate.version.desc())
    ).scalars())


def version_of(session: Session, actor: User, kind: LetterKind, audience: Audience, version: int) -> LetterTemplate:
    """One saved version of a letter's text."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    _require_letter(kind, audience)
    template = session.execute(
        select(LetterTemplate).where(LetterTemplate.kind == kind, LetterTemplate.audience == audience,
                                     LetterTemplate.version == version)
        .options(joinedload(LetterTemplate.created_by))
    ).scalar_one_or_none()
    if template is None:
        raise NotFound()
    return template


@dataclass(frozen=True)
class LetterState:
    """A letter in the coordinator's list: its version in force, who saved it and when (none: the shipped text)."""

    kind: LetterKind
    audience: Audience
    version: int
    saved_by: str
    saved_at: datetime | None


def overview(session: Session, actor: User) -> list[LetterState]:
    """Every letter that exists, with the version of its text in force."""
    policy.require(actor, policy.Action.MANAGE_LETTERS)
    newest = (select(LetterTemplate.kind, LetterTemplate.audience, func.max(LetterTemplate.version).label("version"))
              .group_by(LetterTemplate.kind, LetterTemplate.audience).subquery())
    rows = session.execute(
        select(LetterTemplate).join(newest, (LetterTemplate.kind == newest.c.kind)
                                    & (LetterTemplate.audience == newest.c.audience)
                                    & (LetterTemplate.version == newest.c.version))
        .options(joinedload(LetterTemplate.created_by))
    ).scalars()
    saved = {(row.kind, row.audience): row for row in rows}
    states = []
    for kind, audience in LETTERS:
        row = saved.get((kind, audience))
        states.append(LetterState(kind, audience, row.version if row else 0,
                                  (row.created_by.display_name if row and row.created_by else ""),
                                  row.created_at if row else None))
    return states


def preview(session: Session, actor: User, kind: LetterKind, audience: Audience, subject: str, body: str,
            case_id: int) -> RenderedText:
    """An unsaved text written for a real file, read with the actor's permissions. ``version`` is the one it would
    become if saved."""
    from commission.services import cases
    from commission.services.letters.facts import values_for

    policy.require(actor, policy.Action.MANAGE_LETTERS)
    _require_letter(kind, audience)
    subject, body = _lines(subject).strip(), _lines(body)
    errors = check(kind, audience, subject, body)
    if errors:
        raise InvalidInput(errors)
    case = cases.get_case(session, actor, case_id)
    context = _context(kind, audience, values_for(session, case, kind, audience, clock.today(), {}))
    try:
        return _rendered(subject, body, context, None, current_version(session, kind, audience) + 1)
    except (TemplateError, TypeError, ValueError, ArithmeticError) as error:
        raise InvalidInput({"body": [msg("The text could not be written with this file's values: %(error)s.",
                                         error=str(getattr(error, "message", None) or error)[:200])]}) from error
