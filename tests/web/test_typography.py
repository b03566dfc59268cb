"""French typography (shared/UX.md), read on what a reader reads: every French page of the demo, as each
role sees it, and every document, read back from its PDF.

The demo database is copied once for the module; each demo account logs in with the test client and
follows the same-site links from the home page (GET only: a link never changes anything), a few pages
per route at most (the routes with ids are many, their templates few). Each page's visible text (no
scripts, styles, attribute values, form values or code) and each PDF's text (pypdf) is checked with
:func:`commission.typography.faults`. The exports (CSV, XLSX, JSON, ICS) are not prose and are left out;
the PDFs inside the ZIP archives (the person export, the invitations) are read. The person export is a
POST (it is recorded): its form is submitted once.

Every route that produces a PDF must have been reached, or the test fails: a document cannot be left
out silently.
"""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

from commission import clock
from commission.config import Settings
from commission.db import make_engine
from commission.documents.pdf import html_to_pdf
from commission.typography import faults
from commission.web import create_app
from tests.conftest import CSRF_PATTERN, is_postgres
from tests.demo_cache import DemoBuild

pytestmark = pytest.mark.skipif(
    is_postgres(), reason="reads the SQLite demo (as the browser tests do): SQLite pass only"
)

PASSWORD = "demo-commission"
# One account of each role (README.md, "Demo accounts"); the chair of Mons holds the council's delegation.
ACCOUNTS = ("coordination", "soignant.ronchin", "presidence.ronchin", "presidence.mons", "membre.unafam",
            "tresorerie", "bailleur.hme", "protection.donnees")
PAGES_PER_ROUTE = 3  # per account: the URLs of one route (ids, query strings) share one template
DOCUMENTS_PER_ROUTE = 2  # over the whole crawl: rendering a PDF is the slow part
# Not prose (exports), or not the application's text (the files people uploaded), or leaving the page.
SKIPPED_ENDPOINTS = frozenset({"static", "cases.document", "auth.logout"})
EXPORT_SUFFIXES = (".csv", ".xlsx", ".json", ".ics")
# POST forms that only download (and are recorded): submitted once, for the document they give.
DOWNLOAD_FORMS = frozenset({"persons.export"})

BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "legend", "li", "main", "nav", "ol", "option", "p", "section", "summary", "table", "td", "th", "tr", "ul",
    "title", "label", "button", "select",
})
HIDDEN = frozenset({"script", "style", "code", "pre", "textarea", "template", "noscript", "head", "desc"})
BREAK = "\x00"  # where a block begins or ends: a line of its own
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})


class VisibleText(HTMLParser):
    """The text a reader sees: block elements on lines of their own, runs of ordinary white space as one
    space (as a browser shows them; no-break spaces are kept), without scripts, styles, code, form values
    and attribute values. The ``<title>`` is read (it is shown), the rest of ``<head>`` is not."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            if tag in BLOCKS:
                self.parts.append(BREAK)
            return
        if tag == "title" and self.hidden == ["head"]:
            self.hidden.append("")  # the title: shown, inside the head
        elif tag in HIDDEN or self.hidden:
            self.hidden.append(tag)
        if tag in BLOCKS:
            self.parts.append(BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.hidden and (tag == self.hidden[-1] or (tag == "title" and self.hidden[-1] == "")):
            self.hidden.pop()
        if tag in BLOCKS:
            self.parts.append(BREAK)

    def handle_data(self, data: str) -> None:
        if not self.hidden or self.hidden[-1] == "":
            self.parts.append(data)

    def text(self) -> str:
        # The source's white space, new lines included, is one space; the blocks are the lines.
        spaced = re.sub(r"[ \t\r\n\f]+", " ", "".join(self.parts))
        return "\n".join(line.strip(" ") for line in spaced.split(BREAK) if line.strip(" "))


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.text()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


class Links(HTMLParser):
    """The same-site links of a page, and its POST forms (action and CSRF token)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.post_actions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if tag == "form" and (values.get("method") or "get").lower() == "post" and values.get("action"):
            self.post_actions.append(values["action"] or "")


@dataclass
class Crawl:
    """What was read over the whole crawl, and the faults found: (where, fault) pairs."""

    found: list[tuple[str, str]] = field(default_factory=list)
    pages: int = 0
    documents: Counter[str] = field(default_factory=Counter)  # rule -> documents fetched
    read_endpoints: set[str] = field(default_factory=set)  # the endpoints whose PDFs were read
    wanted: frozenset[str] = frozenset()  # the endpoints that give PDFs

    def check(self, where: str, text: str) -> None:
        for fault in faults(text):
            self.found.append((where, str(fault)))

    def missing(self) -> set[str]:
        return set(self.wanted) - self.read_endpoints


@pytest.fixture(scope="module")
def demo_app(demo_build: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on a copy of the demo (the person export and the reads are recorded: never on the cache)."""
    if demo_build.instance is None:
        pytest.skip("reads the SQLite demo")
    instance = tmp_path_factory.mktemp("typography") / "instance"
    database = demo_build.copy_to(instance)
    # The demo holds no offer waiting for an answer today, so no page links the offer letter: one accepted
    # offer (a file about to move in) is put back to waiting, in this copy, for the letter to be read too.
    with closing(sqlite3.connect(database)) as connection, connection:
        changed = connection.execute(
            "UPDATE case_file SET state = 'allocated', offer_deadline = ? WHERE id = "
            "(SELECT min(id) FROM case_file WHERE state IN ('offer_accepted', 'moving_in') "
            "AND allocated_place_id IS NOT NULL)",
            ((clock.today() + timedelta(days=15)).isoformat(),),
        ).rowcount
    assert changed == 1, "the demo has no accepted offer: choose another file for the offer letter"
    engine = make_engine(f"sqlite:///{database}")
    settings = Settings(database_url=f"sqlite:///{database}", secret_key="typography test", instance_path=instance,
                        environment="development", two_factor_required=False)
    try:
        yield create_app(settings, engine=engine, testing=True)
    finally:
        engine.dispose()


def log_in(client: FlaskClient, account: str) -> None:
    html = client.get("/login?lang=fr").get_data(as_text=True)
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on /login"
    response = client.post("/login", data={"login": account, "password": PASSWORD,
                                           "csrf_token": match.group(1) or match.group(2)})
    assert response.status_code == 302, f"{account} could not log in: {response.status_code}"


def route_of(adapter: MapAdapter, path: str, method: str = "GET") -> tuple[str, str] | None:
    """(endpoint, rule) of a path, or None when no route answers it."""
    try:
        rule, _arguments = adapter.match(path, method=method, return_rule=True)
    except HTTPException:
        return None
    return rule.endpoint, rule.rule


class Visitor:
    """One account's walk through the pages: breadth first from the home page, a few pages per route. The
    pages left over (beyond a route's few) are kept: when the walk ends and a document route has not been
    reached yet, they are read too, until it is (its link is on some page the few did not include)."""

    HUNT = 80  # pages read, at most, past the walk, looking for the documents not reached yet

    def __init__(self, app: Flask, account: str, crawl: Crawl) -> None:
        self.client = app.test_client()
        self.adapter = app.url_map.bind("localhost")
        self.account, self.crawl = account, crawl
        self.per_route: Counter[str] = Counter()
        self.queue: list[str] = []
        self.left_over: list[str] = []
        self.seen: set[str] = set()
        self.posted: set[str] = set()

    def walk(self) -> None:
        log_in(self.client, self.account)
        self.offer("/")
        while self.queue:
            self.visit(self.queue.pop(0))
        hunted = 0
        while self.left_over and self.crawl.missing() and hunted < self.HUNT:
            hunted += 1
            self.visit(self.left_over.pop(0))
            while self.queue:
                self.visit(self.queue.pop(0))

    def offer(self, url: str) -> None:
        """Queue a link, if it is the site's, a page or document of the French interface, and not too many of
        its route's were read already (then it is left over)."""
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
            return
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in self.seen or "lang=" in parts.query or parts.path.endswith(EXPORT_SUFFIXES):
            return
        route = route_of(self.adapter, parts.path)
        if route is None or route[0] in SKIPPED_ENDPOINTS:
            return
        self.seen.add(path)
        endpoint, rule = route
        if parts.path.endswith((".pdf", ".zip")):
            if self.crawl.documents[rule] < DOCUMENTS_PER_ROUTE or endpoint in self.crawl.missing():
                self.crawl.documents[rule] += 1
                self.queue.append(path)
        elif self.per_route[rule] < PAGES_PER_ROUTE:
            self.per_route[rule] += 1
            self.queue.append(path)
        else:
            self.left_over.append(path)

    def visit(self, url: str) -> None:
        response = self.client.get(url)
        try:
            if response.status_code != 200:
                return
            where = f"{self.account} {url}"
            if response.mimetype == "text/html":
                html = response.get_data(as_text=True)
                self.crawl.pages += 1
                self.crawl.check(where, visible_text(html))
                links = Links()
                links.feed(html)
                for href in links.hrefs:
                    self.offer(urljoin(url, href))
                for action in links.post_actions:
                    self.download(urljoin(url, action), html)
            else:
                route = route_of(self.adapter, urlsplit(url).path)
                _read_document(where, route[0] if route else "?", response.mimetype, response.get_data(), self.crawl)
        finally:
            response.close()

    def download(self, url: str, html: str) -> None:
        """Submit a form that only downloads (the person export), once per route and account."""
        path = urlsplit(url).path
        route = route_of(self.adapter, path, method="POST")
        if route is None or route[0] not in DOWNLOAD_FORMS or route[1] in self.posted:
            return
        if self.crawl.documents[route[1]] >= DOCUMENTS_PER_ROUTE:
            return
        match = CSRF_PATTERN.search(html)
        assert match, f"no CSRF token on the page of {path}"
        self.posted.add(route[1])
        self.crawl.documents[route[1]] += 1
        response = self.client.post(path, data={"csrf_token": match.group(1) or match.group(2)})
        try:
            if response.status_code == 200:
                _read_document(f"{self.account} POST {path}", route[0], response.mimetype, response.get_data(),
                               self.crawl)
        finally:
            response.close()


def _read_document(where: str, endpoint: str, content_type: str | None, data: bytes, crawl: Crawl) -> None:
    if content_type == "application/pdf":
        crawl.read_endpoints.add(endpoint)
        crawl.check(where, pdf_text(data))
    elif content_type == "application/zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                # The archive's own PDFs; the files people uploaded (in folders of their own) are theirs.
                if name.endswith(".pdf") and "/" not in name:
                    crawl.read_endpoints.add(endpoint)
                    crawl.check(f"{where} {name}", pdf_text(archive.read(name)))


def pdf_endpoints(app: Flask) -> set[str]:
    """The routes that give a document as a PDF, as the URL map names them (``.pdf``, or ``pdf`` among the
    formats), and the downloads by form (the person export, a ZIP holding its PDF)."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if re.search(r"\.pdf$|\bpdf\b", rule.rule)} | set(DOWNLOAD_FORMS)


def test_every_french_page_and_document_of_the_demo_follows_french_typography(demo_app: Flask) -> None:
    crawl = Crawl(wanted=frozenset(pdf_endpoints(demo_app)))
    for account in ACCOUNTS:
        Visitor(demo_app, account, crawl).walk()
    assert crawl.pages > 100, f"only {crawl.pages} pages were read"
    report = "\n".join(f"{where}: {fault}" for where, fault in crawl.found[:60])
    assert not crawl.found, f"{len(crawl.found)} typographic faults:\n{report}"
    assert not crawl.missing(), f"no PDF of these routes was read: {sorted(crawl.missing())}"


FAULTY = "État: reçu le 1 déc. 2026 à 14:00 ; venue?"
RIGHT = "État\u00a0: reçu le 1er déc. 2026 à 14\u00a0h\u202f; venue\u202f? «\u00a0oui\u00a0» 1\u202f168,11\u00a0€"


def test_the_reader_finds_the_faults_of_a_page_and_keeps_its_no_break_spaces() -> None:
    html = (f"<html lang='fr'><head><title>Dossier</title><style>p:after {{ content: 'a: b' }}</style></head><body>"
            f"<p><strong>État</strong>: reçu</p><p>{RIGHT}</p><input value='14:00'><code>a: b</code>"
            "<a href='https://example.org/a:b' title='Note: x'>lien</a><p>État\n :\n reçu</p></body></html>")
    text = visible_text(html)
    assert "Dossier" in text and RIGHT in text and "a: b" not in text and "14:00" not in text
    assert sorted(fault.rule for fault in faults(text)) == ["ordinary space before colon", "space before colon"]


def test_the_reader_finds_the_faults_of_a_pdf_and_keeps_its_no_break_spaces() -> None:
    """pypdf gives back the no-break spaces WeasyPrint wrote: a right document reads right, a wrong one wrong."""
    text = pdf_text(html_to_pdf(f"<html lang='fr'><body><p>{FAULTY}</p><p>{RIGHT}</p></body></html>"))
    assert RIGHT in text
    rules = {fault.rule for fault in faults(text)}
    assert rules == {"space before colon", "space before ; ! ?", "ordinary space before ; ! ?", "first of the month",
                     "time with a colon"}, rules
