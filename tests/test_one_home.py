"""One home for each rule: the machines say what a state means, the policy who may, labels are shared.

These tests read the source. They fail when a state is named outside its machine's module (a literal
group of states, or a comparison of a state with its name), when a role is compared by name outside
the policy, when a module grows past what can be read, or when a document reaches for a service.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from commission.models.accounts import Role
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.place import PLACE_MACHINE

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "commission"
TEMPLATES = ROOT / "templates"
MACHINES = (CASE_MACHINE, HEARING_MACHINE, PLACE_MACHINE, DEPOSIT_MACHINE)
STATE_NAMES = frozenset(state.name for machine in MACHINES for state in machine.states)
ROLE_NAMES = frozenset(role.value for role in Role)
# Where states and roles are named on purpose: the machines, and the policy.
HOMES = (PACKAGE / "workflow", PACKAGE / "policy")
MAX_LINES = 600


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py")
                  if not any(path == home or home in path.parents for home in HOMES))


def _strings(node: ast.AST) -> list[str]:
    """The string constants a node is, or holds (a tuple, list or set of them, or a call of
    ``frozenset``/``set``/``tuple`` on one)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [value for element in node.elts for value in _strings(element)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set",
                                                                                          "tuple", "list"):
        return [value for argument in node.args for value in _strings(argument)]
    return []


def _is_attribute(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == name


def _names_role(node: ast.AST) -> bool:
    """``Role.CHAIR``, or a group holding one."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role":
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_role(element) for element in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set"):
        return any(_names_role(argument) for argument in node.args)
    return False


def _is_role_value(node: ast.AST) -> bool:
    """``user.role``, ``user.role.value``, ``User.role``, or a row's ``role`` column."""
    return _is_attribute(node, "role") or (_is_attribute(node, "value") and _is_attribute(node.value, "role")) \
        or (isinstance(node, ast.Name) and node.id == "role")


def _is_state_value(node: ast.AST) -> bool:
    return _is_attribute(node, "state") or _is_attribute(node, "to_state") or _is_attribute(node, "from_state") \
        or (isinstance(node, ast.Name) and node.id == "state")


def offences(source: str) -> list[tuple[int, str]]:
    """Where a module names a state or a role outside their homes."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_state_value(operand) for operand in operands) and any(
                    set(_strings(operand)) & STATE_NAMES for operand in operands):
                found.append((node.lineno, "a state compared with its name"))
            if any(_names_role(operand) for operand in operands) or (
                    any(_is_role_value(operand) for operand in operands)
                    and any(set(_strings(operand)) & ROLE_NAMES for operand in operands)):
                found.append((node.lineno, "a role compared by name"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("in_", "not_in", "notin_"):
            if _is_state_value(node.func.value) and any(set(_strings(arg)) & STATE_NAMES for arg in node.args):
                found.append((node.lineno, "a state compared with its name"))
            if _is_role_value(node.func.value):
                found.append((node.lineno, "a role compared by name"))
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            names = [value for value in _strings(node) if value in STATE_NAMES]
            if len(names) >= 2 and len(names) == len(node.elts):
                found.append((node.lineno, f"a literal group of states {names}"))
            if any(_names_role(element) for element in node.elts):
                found.append((node.lineno, "a literal group of roles"))
    return sorted(set(found))


def test_the_rule_finds_what_it_forbids() -> None:
    """The checker itself: each forbidden shape is found, the allowed ones are not."""
    forbidden = [
        'if case.state == "housed": pass',
        'ok = place.state in ("offered", "occupied")',
        'query.where(Case.state == "waiting_list")',
        'query.where(Deposit.state.in_(("paid", "refund_claimed")))',
        'FOLLOWED = ("housed", "exiting")',
        'if user.role is Role.TREASURER: pass',
        'if actor.role.value == "treasurer": pass',
        'query.where(User.role == Role.CHAIR)',
        'ROLES = frozenset({Role.COORDINATOR, Role.CARE_TEAM})',
    ]
    allowed = [
        'ok = CASE_MACHINE.means(case.state, Tag.HOLDS_PLACE)',
        'query.where(Case.state.in_(CASE_MACHINE.tagged(Tag.FOLLOWED)))',
        'LABELS = {Role.CHAIR: "Chair"}',
        'account(Role.CHAIR, "presidence.ronchin")',
        'if trigger == "close": pass',
    ]
    assert all(offences(source) for source in forbidden), [s for s in forbidden if not offences(s)]
    assert not any(offences(source) for source in allowed), [s for s in allowed if offences(s)]


def test_no_state_or_role_is_named_outside_its_home() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {what}"
             for path in _modules() for line, what in offences(path.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)


# In a template: ``x.state == "..."``, ``x.state in (...)``, a role compared with its name.
TEMPLATE_STATE = re.compile(r"\.state(\.value)?\s*((==|!=)\s*[\"']|(not\s+)?in\s*[(\[])")
ROLE_ALTERNATIVES = "|".join(role.value for role in Role)
TEMPLATE_ROLE = re.compile(r"\.role(\.value)?\s*((==|!=)\s*[\"'](" + ROLE_ALTERNATIVES + r")[\"']|(not\s+)?in\s*[(\[])")


def test_templates_ask_the_machines_and_the_policy() -> None:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TEMPLATE_STATE.search(line) or TEMPLATE_ROLE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: str(path.relative_to(ROOT)))
def test_modules_stay_readable(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it along its sections"


def test_documents_import_no_service() -> None:
    found = []
    for path in sorted((PACKAGE / "documents").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module == "commission":
                names = [f"commission.{alias.name}" for alias in node.names]
            if any(name.startswith(("commission.services", "commission.web")) for name in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "documents take plain data, never a service: " + ", ".join(found)


def test_settings_come_from_the_settings() -> None:
    """The environment is read by ``commission/config.py`` only."""
    found = [f"{path.relative_to(ROOT)}" for path in PACKAGE.rglob("*.py")
             if path.name != "config.py" and re.search(r"os\.environ(?!\[\"MPLCONFIGDIR\"\])|getenv",
                                                       path.read_text(encoding="utf-8").replace(
                                                           '"MPLCONFIGDIR" not in os.environ', ""))]
    assert not found, ", ".join(found)
