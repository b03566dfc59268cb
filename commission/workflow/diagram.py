"""Diagrams of the workflow machines, generated from the machines themselves (never drawn by hand).

Two renderings of a :class:`MachineSpec`:

- :func:`to_mermaid`, Mermaid ``stateDiagram-v2`` text, for documentation and review;
- :func:`to_svg`, a standalone, accessible SVG laid out by grandalf's Sugiyama (layered) layout,
  for the web pages and the printed documents (it renders in Chromium and in WeasyPrint alike).

Both read the spec, the data ``spec.build`` turns into the `transitions` machine, so the drawing
cannot drift from what the engine fires. `transitions` has a mermaid engine of its own
(``GraphMachine(graph_engine="mermaid")``), tried and set aside: it needs a second machine class
instead of the one ``spec.build`` returns, styles the initial state as the model's *current* state,
emits ``Class`` lines and a front-matter title, drops the final-state markers of a flat machine,
and cannot show a state's (translated) label without a custom state class. Generating from the spec
keeps the text to exactly what we need: every state with its label, every transition, ``[*] -->``
the initial state and final states ``--> [*]``.

Labels: with no ``gettext``, transitions are named by their trigger (what the code and the audit
trail call them); with one, by their translated label; each is followed by who may take it, in the
policy's words (``policy.step_takers``). States always show their (translated) label.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from xml.sax.saxutils import escape

from grandalf.graphs import Edge, Vertex, graph_core
from grandalf.layouts import SugiyamaLayout

from commission import policy
from commission.i18n import N_
from commission.workflow.engine import MachineSpec, StateSpec, TransitionSpec
from commission.workflow.machines import MACHINES

Gettext = Callable[[str], str]

__all__ = ["MACHINES", "TITLES", "to_mermaid", "to_svg"]

# The SVG's title (its accessible name), by machine name; a machine without one is titled by its name.
TITLES: dict[str, str] = {
    "case": N_("How a file moves"),
    "hearing": N_("How a hearing moves"),
    "place": N_("How a place moves"),
    "deposit": N_("How a deposit moves"),
    "prospect": N_("How a prospect moves"),
    "orientation": N_("How an orientation moves"),
}


def _identity(text: str) -> str:
    return text


def _state_label(state: StateSpec, gettext: Gettext | None) -> str:
    return (gettext or _identity)(state.label)


def _trigger_label(transition: TransitionSpec, gettext: Gettext | None, spec: MachineSpec | None = None) -> str:
    """A step's name, and, when its machine is given, who may take it (from the policy)."""
    name = gettext(transition.label) if gettext is not None else transition.trigger
    if spec is None:
        return name
    takers = " / ".join((gettext or _identity)(who) for who in policy.step_takers(spec, transition.trigger))
    return f"{name} ({takers})" if takers else name


# --------------------------------------------------------------------------------------------
# Mermaid


def _mermaid_text(text: str) -> str:
    """Mermaid's entity codes for the characters that would end a label or a statement."""
    return " ".join(text.split()).translate({ord("#"): "#35;", ord('"'): "#quot;", ord(";"): "#59;"})


def _edges(spec: MachineSpec, gettext: Gettext | None) -> dict[tuple[str, str], list[str]]:
    """The machine's arrows, (source, dest) -> the labels of the triggers that take it, in spec order."""
    edges: dict[tuple[str, str], list[str]] = {}
    for transition in spec.transitions:
        for source in transition.sources:
            labels = edges.setdefault((source, transition.dest), [])
            label = _trigger_label(transition, gettext, spec)
            if label not in labels:
                labels.append(label)
    return edges


def to_mermaid(spec: MachineSpec, gettext: Gettext | None = None) -> str:
    """The machine as Mermaid ``stateDiagram-v2`` text: every state, every transition."""
    lines = ["stateDiagram-v2"]
    for state in spec.states:
        lines.append(f'    state "{_mermaid_text(_state_label(state, gettext))}" as {state.name}')
    lines.append(f"    [*] --> {spec.initial}")
    for (source, dest), labels in _edges(spec, gettext).items():
        lines.append(f"    {source} --> {dest}: {_mermaid_text(', '.join(labels))}")
    lines.extend(f"    {state.name} --> [*]" for state in spec.states if state.final)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# SVG: geometry of the text

FONT_FAMILY = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
STATE_FONT = 15
LABEL_FONT = 13
LINE_GAP = 1.3

# Advance widths of DejaVu Sans (per 1000 em) for ASCII 32..126: the widest of the usual sans
# fonts, so a box measured with it also fits Verdana, Arial or Liberation Sans. Fixed numbers, not
# the fonts installed here, so the drawing is the same on every machine.
_WIDTHS = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775,
    752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390,
    337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)
_BOLD = 1.1


def _char_width(char: str) -> int:
    base = unicodedata.normalize("NFD", char)[:1] or char
    code = ord(base)
    if 32 <= code <= 126:
        return _WIDTHS[code - 32]
    return 1000 if unicodedata.east_asian_width(char) in ("W", "F") else 700


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width, in px, text takes at a font size (an estimate erring on the wide side)."""
    return sum(_char_width(char) for char in text) * size / 1000 * (_BOLD if bold else 1.0)


def _wrap(text: str, size: float, limit: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to lines no wider than limit (a single long word keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= limit:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


# --------------------------------------------------------------------------------------------
# SVG: the graph to lay out

# A transition leaving this many states or more is not drawn as that many arrows (which would
# cross the whole drawing) but as one note listing its sources, with a single arrow to its dest.
COLLAPSE_SOURCES = 6

STATE_MAX_TEXT = 200.0
LABEL_MAX_TEXT = 180.0
NOTE_MAX_TEXT = 250.0
STATE_PAD_X, STATE_PAD_Y = 16.0, 10.0
LABEL_PAD_X, LABEL_PAD_Y = 5.0, 3.0
NOTE_PAD_X, NOTE_PAD_Y = 10.0, 7.0
START_RADIUS = 7.0
X_SPACE, Y_SPACE = 26.0, 18.0
MAX_GAP, GAP_PER_SIDEWAYS = 60.0, 0.2
MARGIN = 16.0

INK = "#111827"
STATE_FILL, STATE_STROKE = "#e8f0fb", "#1f3a5f"
EDGE_STROKE = "#4b5563"
NOTE_FILL, NOTE_STROKE, NOTE_INK = "#f3f4f6", "#6b7280", "#374151"


class _View:
    """What grandalf reads (w, h) and writes (xy) for a vertex."""

    def __init__(self, w: float, h: float) -> None:
        self.w = w
        self.h = h
        self.xy: tuple[float, float] = (0.0, 0.0)


class _Route:
    """What grandalf writes an edge's route to: its points, from the first vertex to the second."""

    def __init__(self) -> None:
        self.pts: list[tuple[float, float]] = []

    def setpath(self, pts: list[tuple[float, float]]) -> None:
        self.pts = [(float(x), float(y)) for x, y in pts]


@dataclass
class _Node:
    kind: str  # "start", "state", "label" (a transition's label on its arrows) or "note"
    lines: list[str]
    final: bool = False
    view: _View = field(default_factory=lambda: _View(0.0, 0.0))

    def __post_init__(self) -> None:
        if self.kind == "start":
            self.view = _View(2 * START_RADIUS, 2 * START_RADIUS)
        elif self.kind == "state":
            width = max(text_width(line, STATE_FONT, bold=True) for line in self.lines) + 2 * STATE_PAD_X
            height = len(self.lines) * STATE_FONT * LINE_GAP + 2 * STATE_PAD_Y
            self.view = _View(max(width, 110.0), height)
        elif self.kind == "label":
            width = max(text_width(line, LABEL_FONT) for line in self.lines) + 2 * LABEL_PAD_X
            self.view = _View(width, len(self.lines) * LABEL_FONT * LINE_GAP + 2 * LABEL_PAD_Y)
        else:
            widths = [text_width(self.lines[0], LABEL_FONT, bold=True)]
            widths += [text_width(line, LABEL_FONT) for line in self.lines[1:]]
            self.view = _View(max(widths) + 2 * NOTE_PAD_X, len(self.lines) * LABEL_FONT * LINE_GAP + 2 * NOTE_PAD_Y)


@dataclass
class _Link:
    tail: int  # node indexes
    head: int
    inverted: bool  # laid out against its direction, to break a cycle
    arrow: bool  # drawn with an arrowhead (it ends on a state)
    route: _Route = field(default_factory=_Route)


@dataclass
class _Graph:
    nodes: list[_Node]
    links: list[_Link]
    bands: dict[float, float] = field(default_factory=dict)  # layer centre y -> half its height


def _back_edges(spec: MachineSpec) -> set[tuple[str, str]]:
    """The (source, dest) pairs a depth-first walk from the initial state finds going back up.

    Laying those out upside down leaves a drawing that flows from the initial state downwards.
    """
    successors: dict[str, list[str]] = {state.name: [] for state in spec.states}
    for transition in spec.transitions:
        for source in transition.sources:
            if transition.dest not in successors[source]:
                successors[source].append(transition.dest)
    back: set[tuple[str, str]] = set()
    visited: set[str] = set()
    on_path: set[str] = set()

    def walk(state: str) -> None:
        visited.add(state)
        on_path.add(state)
        for dest in successors[state]:
            if dest in on_path:
                back.add((state, dest))
            elif dest not in visited:
                walk(dest)
        on_path.discard(state)

    for start in [spec.initial, *(state.name for state in spec.states)]:
        if start not in visited:
            walk(start)
    return back


@dataclass
class _Group:
    """Transitions drawn as one label: same sources, same destination."""

    sources: tuple[str, ...]
    dest: str
    labels: list[str]


def _groups(spec: MachineSpec, gettext: Gettext | None) -> list[_Group]:
    groups: dict[tuple[tuple[str, ...], str], _Group] = {}
    for transition in spec.transitions:
        group = groups.setdefault((transition.sources, transition.dest),
                                  _Group(transition.sources, transition.dest, []))
        label = _trigger_label(transition, gettext, spec)
        if label not in group.labels:
            group.labels.append(label)
    return list(groups.values())


def _graph(spec: MachineSpec, gettext: Gettext | None) -> _Graph:
    nodes = [_Node("start", [])]
    index: dict[str, int] = {}
    for state in spec.states:
        index[state.name] = len(nodes)
        nodes.append(_Node("state", _wrap(_state_label(state, gettext), STATE_FONT, STATE_MAX_TEXT, bold=True),
                           final=state.final))
    back = _back_edges(spec)
    links = [_Link(0, index[spec.initial], inverted=False, arrow=True)]
    for group in _groups(spec, gettext):
        text = ", ".join(group.labels)
        if len(group.sources) >= COLLAPSE_SOURCES:
            sources = ", ".join(_state_label(spec.state(name), gettext) for name in group.sources)
            lines = _wrap(text, LABEL_FONT, NOTE_MAX_TEXT, bold=True)
            lines += _wrap(f"← {sources}", LABEL_FONT, NOTE_MAX_TEXT)  # "from": no words, no language
            nodes.append(_Node("note", lines))
            links.append(_Link(len(nodes) - 1, index[group.dest], inverted=False, arrow=True))
            continue
        nodes.append(_Node("label", _wrap(text, LABEL_FONT, LABEL_MAX_TEXT)))
        label = len(nodes) - 1
        # The label sits below its forward sources and above its destination; when every source
        # comes back up to the destination, it sits above them all and below the destination. A
        # self-loop's two links then lie the same way (else they would make a cycle).
        backwards = [(source, group.dest) in back for source in group.sources]
        upwards = all(backwards)
        for source, inverted in zip(group.sources, backwards, strict=True):
            if source == group.dest:
                inverted = not upwards
            links.append(_Link(index[source], label, inverted=inverted, arrow=False))
        links.append(_Link(label, index[group.dest], inverted=upwards, arrow=True))
    return _Graph(nodes, links)


def _components(graph: _Graph) -> list[list[int]]:
    """The connected parts of the graph, each as node indexes in order, in order of their first node."""
    parent = list(range(len(graph.nodes)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for link in graph.links:
        a, b = find(link.tail), find(link.head)
        if a != b:
            parent[max(a, b)] = min(a, b)
    parts: dict[int, list[int]] = {}
    for node in range(len(graph.nodes)):
        parts.setdefault(find(node), []).append(node)
    return list(parts.values())


def _sugiyama(graph: _Graph, part: list[int]) -> list[tuple[float, float]]:
    """Lay one connected part out; return its layers, top to bottom, as (centre y, half height).

    Built from lists in a fixed order (never from sets), so the same machine gives the same drawing.
    """
    members = set(part)
    vertices = {node: Vertex(node) for node in part}
    for node, vertex in vertices.items():
        vertex.view = graph.nodes[node].view
    links = [link for link in graph.links if link.tail in members]
    if not links:
        view = graph.nodes[part[0]].view
        view.xy = (view.w / 2, view.h / 2)
        return [(view.h / 2, view.h / 2)]
    edges = []
    for link in links:
        edge = Edge(vertices[link.tail], vertices[link.head])
        edge.view = link.route
        edges.append(edge)
    sugiyama = SugiyamaLayout(graph_core(list(vertices.values()), edges))
    sugiyama.xspace, sugiyama.yspace = X_SPACE, Y_SPACE
    sugiyama.dw, sugiyama.dh = 8.0, 8.0  # the bends of long edges: thin, to pack them closely
    inverted = [edge for edge, link in zip(edges, links, strict=True) if link.inverted]
    has_in = {link.tail if link.inverted else link.head for link in links}
    roots = [vertices[node] for node in part if node not in has_in]
    # optimize: pull the states with no predecessor (the notes) down next to their destination.
    sugiyama.init_all(roots=roots, inverted_edges=inverted, optimize=True)
    sugiyama.draw(N=4.5)
    return [(layer[0].view.xy[1], max(vertex.view.h / 2 for vertex in layer)) for layer in sugiyama.layers]


def _layout(graph: _Graph) -> tuple[float, float]:
    """Place the nodes (view.xy, their centres) and route the links; return the drawing's size.

    Each connected part is laid out by grandalf's Sugiyama layout, top to bottom, then its layers
    are spaced again: the gap under a layer grows with how far sideways the links crossing it go,
    so that no link has to run flat along a layer. Parts are set side by side.
    """
    x_offset, height = 0.0, 0.0
    for part in _components(graph):
        layers = _sugiyama(graph, part)
        members = set(part)
        links = [link for link in graph.links if link.tail in members]
        views = [graph.nodes[node].view for node in part]
        points = [point for link in links for point in link.route.pts]
        centres = [centre for centre, _half in layers]
        reach = [0.0] * len(layers)  # how far sideways links go between a layer and the next one
        for link in links:
            for a, b in pairwise(link.route.pts):
                upper = min(centres.index(a[1]), centres.index(b[1]))
                reach[upper] = max(reach[upper], abs(a[0] - b[0]))
        new_centres, y = [], MARGIN
        for (_centre, half), sideways in zip(layers, reach, strict=True):
            new_centres.append(y + half)
            y += 2 * half + min(MAX_GAP, max(Y_SPACE, sideways * GAP_PER_SIDEWAYS))
        height = max(height, new_centres[-1] + layers[-1][1] + MARGIN)
        moved = dict(zip(centres, new_centres, strict=True))
        left = min([*(view.xy[0] - view.w / 2 for view in views), *(x for x, _ in points)])
        right = max([*(view.xy[0] + view.w / 2 for view in views), *(x for x, _ in points)])
        dx = MARGIN + x_offset - left
        for view in views:
            view.xy = (view.xy[0] + dx, moved[view.xy[1]])
        for link in links:
            link.route.pts = [(x + dx, moved[y]) for x, y in link.route.pts]
        for (_centre, half), centre in zip(layers, new_centres, strict=True):
            graph.bands[centre] = half
        x_offset += right - left + 3 * X_SPACE
    return x_offset - 3 * X_SPACE + 2 * MARGIN, height


# --------------------------------------------------------------------------------------------
# SVG: drawing


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _ports(graph: _Graph) -> dict[tuple[int, int], tuple[float, float]]:
    """Where each link leaves or enters its node: (link, 0 tail | 1 head) -> point on the border.

    Several links on the same side of a state are spread along it, in the order of where they go,
    so that their arrowheads do not pile up on one point.
    """
    sides: dict[tuple[int, int], list[tuple[float, int, int]]] = {}
    for number, link in enumerate(graph.links):
        pts = link.route.pts
        for end, node, neighbour in ((0, link.tail, pts[1]), (1, link.head, pts[-2])):
            x, y = graph.nodes[node].view.xy
            side = 1 if neighbour[1] > y else -1
            sides.setdefault((node, side), []).append((neighbour[0], number, end))
    ports: dict[tuple[int, int], tuple[float, float]] = {}
    for (node, side), attached in sorted(sides.items()):
        view = graph.nodes[node].view
        x, y = view.xy
        attached.sort()
        count = len(attached)
        spread = 0.0
        if graph.nodes[node].kind == "state" and count > 1:
            spread = min(22.0, (view.w - 24) / (count - 1))
        for position, (_x, number, end) in enumerate(attached):
            ports[number, end] = (x + (position - (count - 1) / 2) * spread, y + side * view.h / 2)
    return ports


def _path(points: list[tuple[float, float]]) -> str:
    """A smooth path through the points: straight down a layer, an S-curve across a gap."""
    parts = [f"M{_n(points[0][0])},{_n(points[0][1])}"]
    for (x0, y0), (x1, y1) in pairwise(points):
        if abs(x0 - x1) < 0.05:
            parts.append(f"L{_n(x1)},{_n(y1)}")
        else:
            middle = (y0 + y1) / 2
            parts.append(f"C{_n(x0)},{_n(middle)} {_n(x1)},{_n(middle)} {_n(x1)},{_n(y1)}")
    return " ".join(parts)


ARROW_LENGTH, ARROW_HALF = 10.0, 5.0


def _link_svg(graph: _Graph, link: _Link, tail: tuple[float, float], head: tuple[float, float]) -> list[str]:
    """The link's line: vertical while inside a layer (beside the nodes sharing it), curving only
    in the gaps between layers, where no node stands; an arrowhead when it ends on a state."""
    centres = link.route.pts
    down = centres[1][1] > centres[0][1]
    step = 1.0 if down else -1.0
    points = [tail]
    for number, (x, centre) in enumerate(centres):
        half = graph.bands[centre]
        if number == 0:
            points.append((tail[0], centre + step * half))
        elif number == len(centres) - 1:
            points.append((head[0], centre - step * half))
        else:
            points += [(x, centre - step * half), (x, centre + step * half)]
    points.append(head)
    # Drop the zero-length steps (a node as tall as its layer).
    points = [point for number, point in enumerate(points) if number == 0 or point != points[number - 1]]
    if link.arrow:
        # The line stops at the arrowhead's base; the arrowhead, drawn as a polygon (no markers,
        # which not every renderer supports), ends on the border.
        points[-1] = (head[0], head[1] - step * ARROW_LENGTH)
    out = [f'<path d="{_path(points)}" fill="none" stroke="{EDGE_STROKE}" stroke-width="1.5"/>']
    if link.arrow:
        x, y = head
        base = y - step * ARROW_LENGTH
        out.append(f'<polygon points="{_n(x)},{_n(y)} {_n(x - ARROW_HALF)},{_n(base)} '
                   f'{_n(x + ARROW_HALF)},{_n(base)}" fill="{EDGE_STROKE}"/>')
    return out


def _text_lines(lines: list[str], x: float, top: float, size: float, *, bold_first: bool = False,
                bold: bool = False, fill: str = INK) -> list[str]:
    out = []
    for number, line in enumerate(lines):
        baseline = top + (number + 0.5) * size * LINE_GAP + size * 0.35
        weight = ' font-weight="bold"' if bold or (bold_first and number == 0) else ""
        out.append(f'<text x="{_n(x)}" y="{_n(baseline)}" font-size="{_n(size)}"{weight} fill="{fill}" '
                   f'text-anchor="middle">{escape(line)}</text>')
    return out


def _node_svg(node: _Node) -> list[str]:
    view = node.view
    x, y = view.xy
    left, top = x - view.w / 2, y - view.h / 2
    box = f'x="{_n(left)}" y="{_n(top)}" width="{_n(view.w)}" height="{_n(view.h)}"'
    if node.kind == "start":
        return [f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(START_RADIUS)}" fill="{STATE_STROKE}"/>']
    if node.kind == "label":
        return [f'<rect {box} rx="3" fill="#ffffff"/>',
                *_text_lines(node.lines, x, top + LABEL_PAD_Y, LABEL_FONT)]
    if node.kind == "note":
        return [f'<rect {box} rx="4" fill="{NOTE_FILL}" stroke="{NOTE_STROKE}" stroke-width="1.2" '
                f'stroke-dasharray="5 3"/>',
                *_text_lines(node.lines, x, top + NOTE_PAD_Y, LABEL_FONT, bold_first=True, fill=NOTE_INK)]
    out = [f'<rect {box} rx="9" fill="{STATE_FILL}" stroke="{STATE_STROKE}" stroke-width="1.6"/>']
    if node.final:
        inset = 3.5
        out.append(f'<rect x="{_n(left + inset)}" y="{_n(top + inset)}" width="{_n(view.w - 2 * inset)}" '
                   f'height="{_n(view.h - 2 * inset)}" rx="6" fill="none" stroke="{STATE_STROKE}" '
                   f'stroke-width="1.2"/>')
    out += _text_lines(node.lines, x, top + STATE_PAD_Y, STATE_FONT, bold=True)
    return out


def _description(spec: MachineSpec, gettext: Gettext | None) -> str:
    """The whole machine in sentences, what a screen reader says for the image: each state, the
    initial one first, with the steps that leave it (in the words of the page on the workflow)."""
    render = gettext or _identity
    states = sorted(spec.states, key=lambda state: state.name != spec.initial)
    sentences = []
    for state in states:
        steps = [f"{_trigger_label(transition, gettext)} → {_state_label(spec.state(transition.dest), gettext)}"
                 for transition in spec.available(state.name)]
        sentence = f"{_state_label(state, gettext)}."
        if steps:
            sentence += " " + render(N_("Next:")) + " " + "; ".join(steps) + "."
        sentences.append(sentence)
    return " ".join(sentences)


def to_svg(spec: MachineSpec, gettext: Gettext | None = None) -> str:
    """The machine as a standalone, accessible SVG document, laid out automatically."""
    render = gettext or _identity
    graph = _graph(spec, gettext)
    width, height = _layout(graph)
    ports = _ports(graph)
    title = render(TITLES[spec.name]) if spec.name in TITLES else spec.name
    ident = f"diagram-{spec.name}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
        f'aria-labelledby="{_attr(ident)}-title {_attr(ident)}-desc" font-family="{_attr(FONT_FAMILY)}">',
        f'<title id="{_attr(ident)}-title">{escape(title)}</title>',
        f'<desc id="{_attr(ident)}-desc">{escape(_description(spec, gettext))}</desc>',
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
        '<g class="links">',
    ]
    for number, link in enumerate(graph.links):
        out += _link_svg(graph, link, ports[number, 0], ports[number, 1])
    out.append("</g>")
    out.append('<g class="nodes">')
    for node in graph.nodes:
        out += _node_svg(node)
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
