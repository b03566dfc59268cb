"""The small engine that binds a `transitions` machine to a persisted row and fires a trigger.

A machine is data (:class:`MachineSpec`): its states, each with the tags that say what it means
(editable, holds a place, followed, ...), its steps, each with who may take it and from which screen,
the guards that may refuse a step with a sentence the user can read, and the effect each step has on
the row. Firing happens inside the caller's transaction: the state column, the transition record and
the audit entry are written together, and the caller commits them or nothing.

What `transitions` does for us: each spec builds one model-less ``Machine`` when it is declared, its
transition table. The library checks the table there (a step naming an unknown state fails at import,
not at the first click), answers which steps leave a state (``get_triggers``) and where a step leads
(``get_transitions``). Building a machine for every step, as this engine once did, cost 0.2 to
0.6 ms a step for the case machine (16 states, 22 steps; measured here, idle and under load), where a
lookup in the built table takes 2 to 4 µs, and re-checked what the table had already checked: the
table is built once instead. It holds no model, so it is shared safely between the server's threads
(a machine holds strong references to its models: one bound to a row would keep the row alive, and
two requests would move the same machine at once).

Known traps of `transitions`, and how they are avoided here:
- ``add_model`` would set the initial state: no model is ever added; the row's stored state is the
  source asked of the table, and the row is written only after the table accepted the step.
- ``auto_transitions`` (``to_<state>()``) would bypass every guard: it is off.
- An exception after the state changed would leave the new state: the state is copied to the row
  only after every guard passed and the effect ran, and the caller rolls back on any error.
- Concurrent writers are stopped by the database: the row carries a version (SQLAlchemy's
  ``version_id_col``), compared with the version the user saw, and locked while it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from transitions import Machine

from commission.errors import ConcurrentChange, TransitionRefused
from commission.i18n import N_, Message, msg
from commission.workflow.tags import Screen, Tag, Tone


class Stateful(Protocol):
    id: Any
    state: str
    version: int


@dataclass
class FireContext:
    """What a step needs beyond the row: who fires it, why, and the step's own values."""

    actor: Any
    today: date
    reason: str = ""
    comment: str = ""
    values: dict[str, Any] = field(default_factory=dict)


Guard = Callable[[Any, FireContext], Message | None]
Effect = Callable[[Any, FireContext], None]


@dataclass(frozen=True)
class Awaits:
    """What a record in a state waits for, said as a state a reader understands, never as a step to take.

    ``phrase`` and ``dated`` are message ids; ``dated`` holds ``%(date)s`` and is used when the record has a
    date for it (a case's due date: the hearing, the reply deadline, the move-in).
    """

    phrase: str
    dated: str | None = None


@dataclass(frozen=True)
class StateSpec:
    name: str
    label: str
    description: str
    final: bool = False
    tags: frozenset[Tag] = frozenset()
    # The colour of its badge in every list and page (tests/web/test_lists.py wants one on every state).
    tone: Tone | None = None
    # What the record waits for in this state (the case list's "next step"); None when it waits for nothing.
    awaits: Awaits | None = None


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    label: str
    guards: tuple[Guard, ...] = ()
    effect: Effect | None = None
    reason_required: Message | None = None
    # Who may take the step besides the coordinator (the policy decides with it), and from which screen.
    roles: frozenset[Any] = frozenset()
    screen: Screen = Screen.RECORD
    # Offered on the pages only once its guards pass: a step that cannot be taken yet is not shown at all, and
    # the page says what it waits for (a session's close, until every item is decided).
    offered_when_allowed: bool = False


IMPORT_PREFIX = "import_"
IMPORT_LABEL = N_("Imported in its current state")


def import_steps(initial: str, states: Sequence[str], effect: Effect | None = None) -> tuple[TransitionSpec, ...]:
    """The import step of a machine: one step per state a record may arrive in from a spreadsheet, from the
    machine's first state to that state (``import_<state>``), on :attr:`Screen.IMPORT`, which no page offers.
    Its effect (one for every state: it reads the record's new state in ``context.values["state"]``) records on
    the row what the steps it stands for would have (the dates, the place held, the reason)."""
    return tuple(TransitionSpec(f"{IMPORT_PREFIX}{state}", (initial,), state, IMPORT_LABEL, effect=effect,
                                screen=Screen.IMPORT)
                 for state in states)


@dataclass(frozen=True)
class MachineSpec:
    name: str
    states: tuple[StateSpec, ...]
    transitions: tuple[TransitionSpec, ...]
    initial: str
    # The states a record may be imported in (its current state, from a spreadsheet); each gives one import step
    # (:func:`import_steps`), kept apart from ``transitions``: the pages, the diagrams and every list of the steps
    # a user takes know nothing of them; :func:`fire_import` alone takes them.
    importable: tuple[str, ...] = ()
    import_effect: Effect | None = field(default=None, repr=False, compare=False)
    imports: tuple[TransitionSpec, ...] = field(init=False, repr=False, compare=False)
    table: Machine = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = {state.name for state in self.states}
        object.__setattr__(self, "imports", import_steps(self.initial, self.importable, self.import_effect))
        for transition in (*self.transitions, *self.imports):
            unknown = {*transition.sources, transition.dest} - names
            if unknown:
                raise ValueError(f"{self.name}.{transition.trigger} names unknown states {unknown}")
        object.__setattr__(self, "table", Machine(
            model=None,
            states=[state.name for state in self.states],
            transitions=[
                {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
                for t in (*self.transitions, *self.imports)
            ],
            initial=self.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        ))

    def state(self, name: str) -> StateSpec:
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(name)

    def tone(self, state: str) -> Tone | None:
        """The meaning of a state's badge: ``badge-{{ machine.tone(case.state).value }}``."""
        return self.state(state).tone

    def tagged(self, tag: Tag) -> tuple[str, ...]:
        """The states that carry a tag, in the machine's order (for queries: ``Case.state.in_(...)``)."""
        return states_tagged(self.states, tag)

    def untagged(self, tag: Tag) -> tuple[str, ...]:
        return tuple(state.name for state in self.states if tag not in state.tags)

    def means(self, state: str, tag: Tag) -> bool:
        """Whether a state carries a tag: ``CASE_MACHINE.means(case.state, Tag.EDITABLE)``."""
        return tag in self.state(state).tags

    def allows(self, trigger: str, source: str) -> bool:
        """Whether the table has the step from that state (guards not consulted)."""
        return bool(self.table.get_transitions(trigger=trigger, source=source))

    def available(self, source: str, screen: Screen | None = None) -> list[TransitionSpec]:
        """The steps the table allows from a state (guards not yet consulted), on one screen or on all."""
        triggers = set(self.table.get_triggers(source))
        return [transition for transition in self.transitions
                if transition.trigger in triggers and source in transition.sources
                and (screen is None or transition.screen is screen)]

    def find(self, trigger: str, source: str) -> TransitionSpec | None:
        for transition in self.transitions:
            if transition.trigger == trigger and source in transition.sources:
                return transition
        return None

    def triggers(self) -> set[str]:
        """The steps users take (the import steps apart: :meth:`import_step`)."""
        return {transition.trigger for transition in self.transitions}

    def import_step(self, state: str) -> TransitionSpec | None:
        """The step by which a record arrives from a spreadsheet in this state, if it may."""
        return next((step for step in self.imports if step.dest == state), None)

    def is_import(self, trigger: str) -> bool:
        return any(step.trigger == trigger for step in self.imports)

    def step_label(self, trigger: str) -> str | None:
        """The label (a message id) of a step, the import steps included (for a record's timeline)."""
        return next((step.label for step in (*self.transitions, *self.imports) if step.trigger == trigger), None)

    def leads_to(self, trigger: str, tag: Tag) -> bool:
        """Whether a step ends in a state that carries a tag (the page a user lands on after it, say)."""
        return any(t.trigger == trigger and self.means(t.dest, tag) for t in self.transitions)

    def on_screen(self, screen: Screen) -> frozenset[str]:
        """The triggers taken from one screen (the hearing's steps, say)."""
        return frozenset(t.trigger for t in self.transitions if t.screen is screen)


def states_tagged(states: tuple[StateSpec, ...], tag: Tag) -> tuple[str, ...]:
    """The names of the states carrying a tag (also for a machine's own table while it is declared)."""
    return tuple(state.name for state in states if tag in state.tags)


def refusals(spec: MachineSpec, record: Stateful, trigger: str, context: FireContext) -> list[Message]:
    """Why a trigger cannot fire now; empty when it can."""
    transition = spec.find(trigger, record.state)
    if transition is None:
        return [msg("This step is not possible from the file's current state.")]
    problems = [problem for guard in transition.guards if (problem := guard(record, context)) is not None]
    if transition.reason_required is not None and not context.reason.strip():
        problems.append(transition.reason_required)
    return problems


def offered(transition: TransitionSpec, record: Any, context: FireContext) -> bool:
    """Whether a page offers a step the table allows from the record's state: always, unless the step is
    offered only once its guards pass."""
    return not transition.offered_when_allowed or all(guard(record, context) is None for guard in transition.guards)


@dataclass(frozen=True)
class Fired:
    trigger: str
    source: str
    dest: str


def fire(
    spec: MachineSpec,
    record: Stateful,
    trigger: str,
    context: FireContext,
    *,
    expected_version: int | None = None,
    check_guards: Sequence[Guard] = (),
) -> Fired:
    """Move the row one step. Raises :class:`TransitionRefused` (nothing changed) when it may not."""
    if expected_version is not None and record.version != expected_version:
        raise ConcurrentChange()
    if trigger not in spec.triggers():
        raise TransitionRefused(msg("This step does not exist."))
    problems = refusals(spec, record, trigger, context)
    problems += [problem for guard in check_guards if (problem := guard(record, context)) is not None]
    if problems:
        raise TransitionRefused(*problems)
    source = record.state
    steps = spec.table.get_transitions(trigger=trigger, source=source)
    if not steps:
        raise TransitionRefused(msg("This step is not possible from the file's current state."))
    transition = spec.find(trigger, source)
    assert transition is not None
    if transition.effect is not None:
        transition.effect(record, context)
    dest = transition.dest  # the table's own answer (``steps[0].dest``) is the same, typed loosely
    record.state = dest
    return Fired(trigger, source, dest)


def fire_import(spec: MachineSpec, record: Stateful, state: str, context: FireContext) -> Fired:
    """Bring a record just created (in the machine's first state) to the state a spreadsheet gives, by the
    machine's import step. Raises :class:`TransitionRefused` (nothing changed) when the state cannot be imported.
    The caller writes the step's record, dated, and the audit entry, in its transaction, as for any step."""
    step = spec.import_step(state)
    if step is None:
        label = msg(spec.state(state).label) if state in {s.name for s in spec.states} else state
        return _refuse_import(msg("A record cannot arrive by an import in the state “%(state)s”: import it in an "
                                  "earlier state and take the next steps in the software.", state=label))
    if record.state != spec.initial:
        return _refuse_import(msg("Only a record just created can arrive by an import."))
    problems = [problem for guard in step.guards if (problem := guard(record, context)) is not None]
    if problems:
        raise TransitionRefused(*problems)
    source = record.state
    if step.effect is not None:
        step.effect(record, replace(context, values={**context.values, "state": step.dest}))
    record.state = step.dest
    return Fired(step.trigger, source, step.dest)


def _refuse_import(problem: Message) -> Fired:
    raise TransitionRefused(problem)
