"""The workflow diagrams: generated from the machines, complete, stable, accessible."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from commission.cli import main
from commission.i18n import translations
from commission.workflow.case import CASE_MACHINE
from commission.workflow.diagram import MACHINES, to_mermaid, to_svg
from commission.workflow.engine import MachineSpec, StateSpec, TransitionSpec

SVG = "{http://www.w3.org/2000/svg}"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["workflow", "diagram", *args])
    return result.exit_code, result.stdout, result.stderr


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 -- our own output, not untrusted input


def svg_text(svg: str) -> str:
    """Every text the SVG shows, its lines joined by spaces (a long label is wrapped on several)."""
    root = parse(svg)
    return " ".join(" ".join(element.text or "" for element in root.iter(f"{SVG}text")).split())


def test_registry_holds_every_machine() -> None:
    from commission.workflow.deposit import DEPOSIT_MACHINE
    from commission.workflow.hearing import HEARING_MACHINE
    from commission.workflow.orientation import ORIENTATION_MACHINE
    from commission.workflow.place import PLACE_MACHINE
    from commission.workflow.prospect import PROSPECT_MACHINE

    assert MACHINES == {"case": CASE_MACHINE, "hearing": HEARING_MACHINE, "place": PLACE_MACHINE,
                        "deposit": DEPOSIT_MACHINE, "prospect": PROSPECT_MACHINE, "orientation": ORIENTATION_MACHINE}


# One step of each machine, and who the policy lets take it, as the French diagram names them.
WHO_TAKES = [
    ("case", "submit", ["Coordination", "Membre d'équipe soignante"], ["Trésorerie"]),
    ("hearing", "sign_minutes", ["présidence de la séance", "titulaire de la délégation de signature"],
     ["Coordination"]),
    ("place", "withdraw", ["Coordination"], ["Trésorerie"]),
    ("deposit", "commit", ["titulaire de la délégation de signature"], ["Trésorerie"]),
]


@pytest.mark.parametrize(("machine", "trigger", "takers", "others"), WHO_TAKES, ids=[w[0] for w in WHO_TAKES])
def test_the_diagram_names_who_may_take_each_step(machine: str, trigger: str, takers: list[str],
                                                  others: list[str]) -> None:
    from commission import policy

    spec = MACHINES[machine]
    gettext = translations("fr").gettext
    step = next(t for t in spec.transitions if t.trigger == trigger)
    shown = svg_text(to_svg(spec, gettext))
    label = f"{gettext(step.label)} ({' / '.join(takers)})"
    assert label in shown
    assert not any(f"{gettext(step.label)} ({other}" in shown for other in others)
    # Every step of the machine says who takes it, in the Mermaid text too.
    code, out, err = run(machine, "--format", "mermaid")
    assert code == 0, err
    for transition in spec.transitions:
        who = " / ".join(policy.step_takers(spec, transition.trigger))
        assert who and f"{transition.trigger} ({who})" in out


def test_cli_mermaid_shows_every_state_and_transition() -> None:
    code, out, err = run("case", "--format", "mermaid")
    assert code == 0, err
    assert out.startswith("stateDiagram-v2\n")
    lines = out.splitlines()
    for state in CASE_MACHINE.states:
        assert f'    state "{state.label}" as {state.name}' in lines
        assert (f"    {state.name} --> [*]" in lines) is state.final
    assert f"    [*] --> {CASE_MACHINE.initial}" in lines
    arrows = {line.strip().split(": ")[0]: [label.split(" (")[0] for label in line.split(": ", 1)[1].split(", ")]
              for line in lines if ": " in line}
    for transition in CASE_MACHINE.transitions:
        for source in transition.sources:
            assert transition.trigger in arrows[f"{source} --> {transition.dest}"]


def test_cli_default_prints_every_machine_with_its_name() -> None:
    code, out, _err = run()
    assert code == 0
    for name, spec in MACHINES.items():
        assert f"%% {name}\n{to_mermaid(spec)}" in out


def test_svg_is_complete_well_formed_and_accessible() -> None:
    svg = to_svg(CASE_MACHINE)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    shown = svg_text(svg)
    for state in CASE_MACHINE.states:
        assert state.label in shown
        assert state.label in desc.text
    for transition in CASE_MACHINE.transitions:
        assert transition.trigger in shown
        assert transition.trigger in desc.text
    # Standalone: nothing to run, nothing fetched, nothing a PDF renderer would drop.
    for forbidden in ("<script", "foreignObject", "href", "url(", "@import"):
        assert forbidden not in svg
    sizes = {float(element.get("font-size", "0")) for element in root.iter(f"{SVG}text")}
    assert min(sizes) >= 12


def test_svg_is_deterministic() -> None:
    assert to_svg(CASE_MACHINE) == to_svg(CASE_MACHINE)
    gettext = translations("fr").gettext
    assert to_svg(CASE_MACHINE, gettext) == to_svg(CASE_MACHINE, gettext)


def test_cli_svg_is_the_svg() -> None:
    code, out, _err = run("case", "--format", "svg")
    assert code == 0
    assert out == to_svg(CASE_MACHINE)
    parse(out)


@pytest.mark.parametrize("output_format", ["mermaid", "svg"])
def test_cli_lang_fr_translates_the_labels(output_format: str) -> None:
    render = to_svg if output_format == "svg" else to_mermaid
    code, out, _err = run("case", "--format", output_format, "--lang", "fr")
    assert code == 0
    gettext = translations("fr").gettext
    assert out == render(CASE_MACHINE, gettext)
    for transition in CASE_MACHINE.transitions:
        assert gettext(transition.label) in (svg_text(out) if output_format == "svg" else out)


def test_cli_unknown_machine_is_one_line_and_exit_2() -> None:
    code, out, err = run("nope")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "nope" in err
    for name in MACHINES:
        assert name in err


def test_text_is_escaped_and_odd_machines_are_drawn() -> None:
    names = [f"s{number}" for number in range(7)]
    spec = MachineSpec(
        name="tricky",
        initial="s0",
        states=(*(StateSpec(name, f'<{name}> & "{name}"', "") for name in names),
                StateSpec("gone", "Gone; #1", "", final=True),
                StateSpec("island", "Island", "")),
        transitions=(
            *(TransitionSpec(f"next_{number}", (names[number],), names[number + 1], "Next")
              for number in range(6)),
            TransitionSpec("leave", tuple(names), "gone", "Leave <now>"),
        ),
    )
    svg = to_svg(spec, lambda text: text)
    shown = svg_text(svg)
    assert '<s3> & "s3"' in shown
    assert "Leave <now>" in shown
    assert "<now>" not in svg
    assert "Island" in shown  # a state no transition reaches is drawn too, beside the rest
    mermaid = to_mermaid(spec)
    assert 'state "<s0> & #quot;s0#quot;" as s0' in mermaid
    assert 'state "Gone#59; #35;1" as gone' in mermaid
    for name in names:
        assert f"{name} --> gone: leave" in mermaid


def test_self_loops_and_shared_arrows_are_drawn() -> None:
    spec = MachineSpec(
        name="loops",
        initial="a",
        states=(StateSpec("a", "A", ""), StateSpec("b", "B", ""), StateSpec("c", "C", "", final=True)),
        transitions=(
            TransitionSpec("go", ("a",), "b", "Go"),
            TransitionSpec("again", ("b",), "b", "Again"),
            TransitionSpec("poke", ("a", "b"), "b", "Poke"),
            TransitionSpec("end", ("b",), "c", "End"),
            TransitionSpec("end_too", ("b",), "c", "End too"),
            TransitionSpec("back", ("b", "c"), "a", "Back"),
        ),
    )
    shown = svg_text(to_svg(spec))
    for transition in spec.transitions:
        assert transition.trigger in shown
    assert "end, end_too" in shown
    assert "    b --> b: again, poke" in to_mermaid(spec).splitlines()
