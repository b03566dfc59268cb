"""The small engine that binds a `transitions` machine to a persisted row and fires a trigger.

A machine is data (:class:`MachineSpec`): its states, its triggers, the guards that may refuse a
trigger with a sentence the user can read, and the effect each step has on the row. Firing happens
inside the caller's transaction: the state column, the transition record and the audit entry are
written together, and the caller commits them or nothing.

Known traps of `transitions`, and how they are avoided here:
- ``add_model`` would set the initial state: each fire builds a machine whose initial state is the
  row's stored state, bound to a small proxy, never to the ORM object itself (so no trigger can
  clash with, or overwrite, a mapped attribute, and no machine keeps a row alive).
- ``auto_transitions`` (``to_<state>()``) would bypass every guard: it is off.
- An exception after the state changed would leave the new state: the state is copied to the row
  only after the machine accepted the step, and the caller rolls back on any error.
- Concurrent writers are stopped by the database: the row carries a version (SQLAlchemy's
  ``version_id_col``), compared with the version the user saw, and locked while it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from transitions import Machine

from commission.errors import ConcurrentChange, TransitionRefused
from commission.i18n import Message, msg


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
class StateSpec:
    name: str
    label: str
    description: str
    final: bool = False


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    label: str
    guards: tuple[Guard, ...] = ()
    effect: Effect | None = None
    reason_required: Message | None = None


@dataclass(frozen=True)
class MachineSpec:
    name: str
    states: tuple[StateSpec, ...]
    transitions: tuple[TransitionSpec, ...]
    initial: str

    def __post_init__(self) -> None:
        names = {state.name for state in self.states}
        for transition in self.transitions:
            unknown = {*transition.sources, transition.dest} - names
            if unknown:
                raise ValueError(f"{self.name}.{transition.trigger} names unknown states {unknown}")

    def state(self, name: str) -> StateSpec:
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(name)

    def available(self, source: str) -> list[TransitionSpec]:
        """The triggers the machine's table allows from a state (guards not yet consulted)."""
        return [transition for transition in self.transitions if source in transition.sources]

    def find(self, trigger: str, source: str) -> TransitionSpec | None:
        for transition in self.transitions:
            if transition.trigger == trigger and source in transition.sources:
                return transition
        return None

    def triggers(self) -> set[str]:
        return {transition.trigger for transition in self.transitions}

    def build(self, initial: str, model: object | None = None) -> Machine:
        """A `transitions` machine for one firing (or, with no model, for drawing)."""
        return Machine(
            model=model if model is not None else Machine.self_literal,
            states=[state.name for state in self.states],
            transitions=[
                {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in self.transitions
            ],
            initial=initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            send_event=True,
        )


class _Proxy:
    """What the machine drives: a stand-in holding the row's state, nothing else."""

    def __init__(self, state: str) -> None:
        self.state = state


def refusals(spec: MachineSpec, record: Stateful, trigger: str, context: FireContext) -> list[Message]:
    """Why a trigger cannot fire now; empty when it can."""
    transition = spec.find(trigger, record.state)
    if transition is None:
        return [msg("This step is not possible from the file's current state.")]
    problems = [problem for guard in transition.guards if (problem := guard(record, context)) is not None]
    if transition.reason_required is not None and not context.reason.strip():
        problems.append(transition.reason_required)
    return problems


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
    proxy = _Proxy(source)
    spec.build(source, proxy)
    if not proxy.trigger(trigger):  # type: ignore[attr-defined]
        raise TransitionRefused(msg("This step is not possible from the file's current state."))
    transition = spec.find(trigger, source)
    assert transition is not None
    if transition.effect is not None:
        transition.effect(record, context)
    record.state = proxy.state
    return Fired(trigger, source, proxy.state)
