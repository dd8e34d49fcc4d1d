"""A crawler-style HTML-to-text scraper with gold labels taken from the page structure.

Why: web corpora reach a deduplicator as the plain text a simple crawler produced, with the
site's navigation, sidebars and footers still in it. The HTML says which text is chrome, so a
gold label for every output line comes for free, without planting anything.

The scraper keeps what a naive crawler keeps: every text node outside ``<script>``, ``<style>``
and ``<head>``; block elements start a new line, ``<pre>`` keeps its own lines. A line is
``chrome`` when its text sits inside a navigation/header/footer/sidebar element (by tag, ARIA
role, or the class/id names of the generators used here), else ``body``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
        "menu",
    ]
)
"""Elements that start (and end) a line."""

PARAGRAPH = frozenset(
    [
        "p",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "table",
        "section",
        "blockquote",
    ]
)
"""Elements after which a crawler leaves a blank line (so ``unit=paragraph`` has paragraphs)."""

CELL = frozenset(("td", "th"))
"""Table cells: separated by a space inside their row's line."""

DROP = frozenset(("script", "style", "head", "noscript", "template", "svg", "math"))
"""Elements whose text a crawler never sees."""

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
"""Elements without an end tag (never pushed on the open-element stack)."""

CHROME_TAGS = frozenset(("nav", "header", "footer", "aside"))
CHROME_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search"))
CHROME_NAMES = frozenset(
    (
        # Sphinx (basic/classic/sphinx13 themes)
        "sphinxsidebar",
        "sphinxsidebarwrapper",
        "related",
        "footer",
        "pageheader",
        "searchbox",
        # DocBook XSL (PostgreSQL, Debian Reference)
        "navheader",
        "navfooter",
        # mdBook
        "sidebar",
        "nav-wrapper",
        "nav-wide-wrapper",
        "menu-bar",
        "search-wrapper",
        "menu-bar-hover-placeholder",
        # AsciiDoc (git-doc): its #footer is covered by "footer"
        "footer-text",
        # generic
        "breadcrumb",
        "breadcrumbs",
        "related-links",
        "site-nav",
        "navbar",
    )
)
"""Class or id names that mark chrome in the generators used here."""

_SPACE = re.compile(r"\s+")


def is_main(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Whether an element holds the page's main content (``<main>``, ``role="main"``)."""
    return tag == "main" or any(k == "role" and (v or "").strip() == "main" for k, v in attrs)


def is_chrome(tag: str, attrs: list[tuple[str, str | None]], in_main: bool = False) -> bool:
    """Whether an element is site chrome, by its tag, role, or class/id names. Inside the
    page's main content (``in_main``), an ``aside`` is the page's own: a footnote (Sphinx
    writes ``<aside class="footnote">``) or a reST ``sidebar`` directive, not the site's."""
    if in_main and tag == "aside":
        return False
    if tag in CHROME_TAGS:
        return True
    names: set[str] = set()
    for key, value in attrs:
        if value is None:
            continue
        if key == "role" and value.strip() in CHROME_ROLES:
            return True
        if key in ("class", "id"):
            names.update(value.split())
    return bool(names & CHROME_NAMES)


class _Scraper(HTMLParser):
    """Collects lines as lists of (text, chrome) pieces while walking the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # open elements: (tag, chrome here, inside the page's main content)
        self.stack: list[tuple[str, bool, bool]] = []
        self.drop = 0
        self.pre = 0
        self.pieces: list[tuple[str, bool]] = []
        self.lines: list[tuple[str, str] | None] = []  # (text, label); None is a blank line

    @property
    def chrome(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    @property
    def in_main(self) -> bool:
        return bool(self.stack) and self.stack[-1][2]

    def flush(self) -> None:
        """End the current line (if it has any text)."""
        if not self.pieces:
            return
        raw = "".join(text for text, _ in self.pieces)
        text = raw.rstrip() if self.pre else _SPACE.sub(" ", raw).strip()
        if text.strip():
            chrome = sum(len(t.strip()) for t, c in self.pieces if c)
            body = sum(len(t.strip()) for t, c in self.pieces if not c)
            self.lines.append((text, "chrome" if chrome > body else "body"))
        self.pieces = []

    def blank(self) -> None:
        self.flush()
        if self.lines and self.lines[-1] is not None:
            self.lines.append(None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP:
            if tag not in VOID:
                self.drop += 1
                self.stack.append((tag, self.chrome, self.in_main))
            return
        if tag in BLOCK or tag == "br":
            self.flush()
        elif tag in CELL and self.pieces:
            self.pieces.append((" ", self.chrome))
        if tag in VOID:
            return
        if tag == "pre":
            self.pre += 1
        in_main = self.in_main or is_main(tag, attrs)
        self.stack.append((tag, self.chrome or is_chrome(tag, attrs, in_main), in_main))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _, _ in self.stack):
            return  # a stray end tag
        while self.stack:
            open_tag, _, _ = self.stack.pop()
            if open_tag in DROP:
                self.drop -= 1
            if open_tag == "pre":
                self.flush()
                self.pre -= 1
            if open_tag == tag:
                break
        if tag in PARAGRAPH:
            self.blank()
        elif tag in BLOCK:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.drop:
            return
        if not self.pre:
            self.pieces.append((data, self.chrome))
            return
        parts = data.split("\n")
        for i, part in enumerate(parts):
            if i:
                self.flush()
            if part:
                self.pieces.append((part, self.chrome))


def scrape(html: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The page's crawler text and its gold: ``(start, end, label)`` per non-blank line.

    Offsets are code points into the returned text; labels are ``chrome`` or ``body``.

    >>> text, gold = scrape('<nav><a>Home</a></nav><main><p>Hi <b>there</b>.</p></main>')
    >>> text, gold
    ('Home\\nHi there.\\n', [(0, 4, 'chrome'), (5, 14, 'body')])
    """
    parser = _Scraper()
    parser.feed(html)
    parser.close()
    parser.flush()
    while parser.lines and parser.lines[-1] is None:
        parser.lines.pop()
    out: list[str] = []
    gold: list[tuple[int, int, str]] = []
    pos = 0
    for line in parser.lines:
        if line is None:
            out.append("\n")
            pos += 1
            continue
        text, label = line
        gold.append((pos, pos + len(text), label))
        out.append(text + "\n")
        pos += len(text) + 1
    return "".join(out), gold
