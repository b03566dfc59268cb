"""Charts drawn on the server as SVG, for the dashboard's pages and the annual report's PDF.

Matplotlib draws them (``matplotlib.figure.Figure`` directly: no pyplot, no global state, safe in a
threaded server). The SVG is made fit for embedding inline in a page:

- text stays text (``svg.fonttype = "none"``), in DejaVu Sans, so that it can be read, searched and
  copied, in the page as in the PDF;
- the output is deterministic: no date in the metadata, fixed ids (``svg.hashsalt``), then every id
  prefixed with the chart's own name so that several charts share a page without clashing, and SVG 2's
  plain ``href`` instead of ``xlink:href``;
- matplotlib's ``style`` attributes and ``<style>`` element become SVG presentation attributes: the
  application's Content-Security-Policy forbids inline styles, presentation attributes are not styles;
- the chart is an image with a title (``role="img"``, ``aria-labelledby``): the page puts its figures
  beside it as a table, which is what a screen reader reads.

Matplotlib keeps a font cache in its configuration folder; unless ``MPLCONFIGDIR`` says otherwise it
goes to a folder of the system's temporary directory, never to the user's home.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
FONT_FAMILY = "DejaVu Sans"
# Okabe and Ito's palette, told apart by colour-blind readers; each dark enough to show on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000")
INK = "#1b1b1b"
CACHED_CHARTS = 256  # a page shows four; a few years, two languages
RC_PARAMS: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "commission",
    "font.family": FONT_FAMILY,
    "font.size": 10,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "text.color": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# SVG metadata that would change from run to run or says nothing useful.
NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_REFERENCE = re.compile(r"url\(#([^)]+)\)")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]


@dataclass(frozen=True)
class Chart:
    """An SVG chart ready to embed inline (no XML declaration); ``name`` prefixes its ids."""

    name: str
    title: str
    svg: str

    def __html__(self) -> str:
        """Jinja inserts it as it is: the SVG is built here, from escaped text."""
        return self.svg


def _config_dir() -> None:
    if "MPLCONFIGDIR" not in os.environ:
        folder = Path(tempfile.gettempdir()) / f"commission-matplotlib-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = str(folder)


@cache
def _matplotlib() -> ModuleType:
    _config_dir()
    import matplotlib

    return matplotlib


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def bar_chart(name: str, title: str, categories: Sequence[str], series: Sequence[Series], *,
              horizontal: bool = False, stacked: bool = False, height: float | None = None) -> Chart:
    """Bars of one or more series over categories, each bar labelled with its value.

    ``stacked`` piles the series on one bar per category; otherwise they stand side by side. Drawing
    takes a tenth of a second; a chart is drawn only when its figures (or its language) change: the same
    chart asked again is the one drawn before, and when several requests ask at once for a chart not drawn
    yet, one draws it while the others wait for it (:class:`_Drawn`).
    """
    frozen = tuple(Series(one.label, tuple(float(value) for value in one.values)) for one in series)
    return _bar_chart(name, title, tuple(categories), frozen, horizontal, stacked, height)


class _Drawn:
    """The charts drawn, the least recently asked for dropped first. One chart at a time is drawn
    (matplotlib holds the interpreter while it draws: two at once would be no faster), and a chart another
    request is drawing is waited for rather than drawn twice; a chart already drawn is handed over at once,
    whatever is being drawn meanwhile."""

    def __init__(self, draw: Callable[..., Chart], maxsize: int) -> None:
        self._draw, self._maxsize = draw, maxsize
        self._charts: OrderedDict[tuple[Any, ...], Chart] = OrderedDict()
        self._lock, self._drawing = threading.Lock(), threading.Lock()

    def _get(self, key: tuple[Any, ...]) -> Chart | None:
        with self._lock:
            chart = self._charts.get(key)
            if chart is not None:
                self._charts.move_to_end(key)
            return chart

    def __call__(self, *key: Any) -> Chart:
        chart = self._get(key)
        if chart is not None:
            return chart
        with self._drawing:
            chart = self._get(key)  # drawn meanwhile, by the request this one waited for
            if chart is None:
                chart = self._draw(*key)
                with self._lock:
                    self._charts[key] = chart
                    while len(self._charts) > self._maxsize:
                        self._charts.popitem(last=False)
            return chart

    def cache_clear(self) -> None:
        with self._lock:
            self._charts.clear()


def _draw_bar_chart(name: str, title: str, categories: tuple[str, ...], series: tuple[Series, ...],
                    horizontal: bool, stacked: bool, height: float | None) -> Chart:
    matplotlib = _matplotlib()
    count = len(categories)
    height = height or (max(1.6, 0.45 * count * (1 if stacked else max(1, len(series))) + 1.0) if horizontal
                        else 3.0)
    with matplotlib.rc_context(RC_PARAMS):
        figure = _figure(6.4, height)
        axes = figure.add_subplot()
        positions = list(range(count))
        width = 0.8 if stacked else 0.8 / max(1, len(series))
        base = [0.0] * count
        for index, one in enumerate(series):
            values = [float(value) for value in one.values]
            offset = 0.0 if stacked else (index - (len(series) - 1) / 2) * width
            where = [position + offset for position in positions]
            colour = PALETTE[index % len(PALETTE)]
            if horizontal:
                bars = axes.barh(where, values, height=width, left=base if stacked else None, label=one.label,
                                 color=colour)
            else:
                bars = axes.bar(where, values, width=width, bottom=base if stacked else None, label=one.label,
                                color=colour)
            labels = [_number(value) if value else "" for value in values]
            axes.bar_label(bars, labels=labels, label_type="center" if stacked else "edge", padding=0 if stacked else 2,
                           color="#ffffff" if stacked else INK, fontsize=9)
            if stacked:
                base = [low + value for low, value in zip(base, values, strict=True)]
        if horizontal:
            axes.set_yticks(positions, list(categories))
            axes.invert_yaxis()
            axes.xaxis.get_major_locator().set_params(integer=True)
            axes.margins(x=0.12)
        else:
            axes.set_xticks(positions, list(categories))
            axes.yaxis.get_major_locator().set_params(integer=True)
            axes.margins(y=0.15)
        if len(series) > 1:
            axes.legend(frameon=False, loc="lower right" if horizontal else "upper right", fontsize=9)
        return Chart(name, title, _embeddable(figure, name, title))


_bar_chart = _Drawn(_draw_bar_chart, CACHED_CHARTS)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _embeddable(figure: Any, name: str, title: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata=NO_METADATA)
    root = ElementTree.fromstring(buffer.getvalue())  # noqa: S314  # matplotlib's own output, not a user's
    _presentation_attributes(root)
    _prefix_ids(root, name)
    root.attrib.pop("width", None)
    root.attrib.pop("height", None)
    root.attrib.update({"width": "100%", "role": "img", "aria-labelledby": f"{name}-title",
                        "class": "chart", "stroke-linejoin": "round", "stroke-linecap": "butt"})
    heading = ElementTree.Element("title", {"id": f"{name}-title"})
    heading.text = title
    root.insert(0, heading)
    # The namespace is written out by hand rather than registered: ElementTree's registry is global, and
    # WeasyPrint's metadata writer changes it.
    prefix = f"{{{SVG_NS}}}"
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(prefix):
            element.tag = element.tag[len(prefix):]
    root.set("xmlns", SVG_NS)
    return ElementTree.tostring(root, encoding="unicode")


def _presentation_attributes(root: ElementTree.Element) -> None:
    """``style="fill: #fff; stroke: #000"`` becomes ``fill="#fff" stroke="#000"``; ``<style>`` goes (its only
    rule, the line joins and caps, is set on the root instead)."""
    for parent in root.iter():
        for child in list(parent):
            if child.tag == f"{{{SVG_NS}}}style":
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if not style:
            continue
        for declaration in style.split(";"):
            prop, _sep, value = declaration.partition(":")
            if prop.strip() and value.strip():
                element.attrib.setdefault(prop.strip(), value.strip())


def _prefix_ids(root: ElementTree.Element, name: str) -> None:
    """Keep only the ids something refers to, prefixed with the chart's name; drop the others."""
    href = f"{{{XLINK_NS}}}href"
    referenced: set[str] = set()
    for element in root.iter():
        for key, value in element.attrib.items():
            if key in (href, "href") and value.startswith("#"):
                referenced.add(value[1:])
            referenced.update(_REFERENCE.findall(value))
    for element in root.iter():
        identifier = element.attrib.pop("id", None)
        if identifier in referenced:
            element.attrib["id"] = f"{name}-{identifier}"
        for key, value in list(element.attrib.items()):
            if key in (href, "href") and value.startswith("#"):
                del element.attrib[key]  # SVG 2's plain href: no xlink namespace to declare
                element.attrib["href"] = f"#{name}-{value[1:]}"
            elif "url(#" in value:
                element.attrib[key] = _REFERENCE.sub(lambda match: f"url(#{name}-{match.group(1)})", value)
