"""Build the real corpora from installed Debian doc packages, licence files and man pages.

Why a builder *and* a committed slice: CI cannot count on ``sphinx-doc`` and friends being
installed, so the full corpora are rebuilt here from what a machine has (full mode), while a
small slice written by :func:`write_slice` is committed under ``data/`` for the quick gate.

Install the sources with::

    apt-get install sphinx-doc postgresql-doc-15 rust-doc git-doc \\
        manpages-ru manpages-zh manpages-ja manpages-el

Corpora (each a list of ``{"id", "text", ...}`` records, in corpus order):

* ``sites``: one corpus per HTML site, pages scraped by :mod:`benchmarks.real.scrape`, each
  record with ``url`` and ``lines`` (gold ``[start, end, label]`` per line).
* ``licences``: licence files of installed Python packages plus ``/usr/share/common-licenses``.
* ``man``: prose lines of translated man pages, one corpus per language (copies are planted
  later, by :mod:`benchmarks.real.plant`).
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.real.scrape import scrape

Record = dict[str, Any]

DOC = Path("/usr/share/doc")
SITES: dict[str, tuple[str, str]] = {
    # name: (folder under the root, generator)
    "sphinx": ("usr/share/doc/sphinx-doc/html", "Sphinx"),
    "postgresql": ("usr/share/doc/postgresql-doc-15/html", "DocBook XSL"),
    "rust-book": ("usr/share/doc/rust-doc/html/book", "mdBook"),
    "git": ("usr/share/doc/git-doc", "AsciiDoc"),
}
"""The HTML sites: four generators, each with its own chrome."""

SKIP_PARTS = frozenset(
    (
        "_static",
        "_sources",
        "_modules",
        "_downloads",
        "_images",
        "2018-edition",
        "first-edition",
        "second-edition",
    )
)
"""Folders of a site that hold no pages (or only redirect stubs)."""

SKIP_NAMES = frozenset(("print.html", "toc.html", "404.html"))
"""mdBook's whole-book page (every page again) and table-of-contents frame: not pages."""

LANGS: dict[str, str] = {"ru": "ru", "zh": "zh_CN", "ja": "ja", "el": "el"}
"""Language code to its folder under ``usr/share/man``."""


def _held_out(path: Path) -> bool:
    """Sources held out for independent checks, never read here: the Python documentation
    website, per-package ``/usr/share/doc/*/copyright`` files, gettext catalogues and CMake's
    help."""
    text = path.as_posix()
    return (
        "/usr/share/doc/python3" in text
        or (
            (text.startswith("/usr/share/doc/") or "/share/doc/" in text)
            and path.name == "copyright"
        )
        or path.suffix == ".mo"
        or "/cmake" in text.lower()
    )


# --------------------------------------------------------------------------- sites


def site_pages(root: Path, site: str) -> list[Path]:
    """The HTML pages of one site under ``root``, in a stable (sorted) order."""
    base = root / SITES[site][0]
    pages = [
        p
        for p in sorted(base.rglob("*.html"))
        if not (set(p.relative_to(base).parts) & SKIP_PARTS)
        and p.name not in SKIP_NAMES
        and not _held_out(p)
    ]
    if site == "git":  # git-doc also ships technical notes with no site chrome; keep pages
        pages = [p for p in pages if p.parent == base]
    return pages


def build_site(
    root: Path, site: str, limit: int | None = None, max_chars: int | None = None
) -> list[Record]:
    """Scrape one site: records with ``id``, ``url``, ``text`` and gold ``lines``.

    Pages whose text is a redirect stub (under 200 characters) are skipped. With ``limit``,
    that many pages spread evenly over the site are kept, none over ``max_chars`` (the
    committed slice).
    """
    base = root / SITES[site][0]
    records: list[Record] = []
    for path in site_pages(root, site):
        text, gold = scrape(path.read_text(encoding="utf-8", errors="replace"))
        if len(text) < 200 or (max_chars is not None and len(text) > max_chars):
            continue
        url = f"{site}/{path.relative_to(base).as_posix()}"
        records.append({"id": url, "url": url, "text": text, "lines": [list(g) for g in gold]})
    if limit is not None and len(records) > limit:
        step = len(records) / limit
        records = [records[int(i * step)] for i in range(limit)]
    return records


# --------------------------------------------------------------------------- licences

LICENCE_NAME = re.compile(r"^(licen[cs]e|copying|notice|copyright)", re.IGNORECASE)


def licence_files(root: Path, site_packages: Iterable[Path]) -> list[tuple[str, Path]]:
    """(id, path) of every licence text: common-licenses first, then dist-info licences."""
    out: list[tuple[str, Path]] = []
    common = root / "usr/share/common-licenses"
    if common.is_dir():
        out += [
            (f"common-licenses/{p.name}", p)
            for p in sorted(common.iterdir())
            if p.is_file() and not p.is_symlink()
        ]
    for sp in site_packages:
        for info in sorted(sp.glob("*.dist-info")):
            for p in sorted(info.rglob("*")):
                rel = p.relative_to(info)
                if not p.is_file() or _held_out(p):
                    continue
                if rel.parts[0] == "licenses" or LICENCE_NAME.match(p.name):
                    out.append((f"site-packages/{info.name}/{rel.as_posix()}", p))
    return out


def build_licences(
    root: Path,
    site_packages: Iterable[Path],
    max_chars: int | None = None,
    limit: int | None = None,
) -> list[Record]:
    """The licence corpus; with ``max_chars``/``limit``, only files up to that size, and that
    many of them (the committed slice)."""
    records: list[Record] = []
    seen: set[str] = set()
    for ident, path in licence_files(root, site_packages):
        text = path.read_text(encoding="utf-8", errors="replace")
        if not text.strip() or (max_chars is not None and len(text) > max_chars):
            continue
        name = ident.rsplit("/", 2)
        key = f"{re.sub(r'-[0-9][^/]*$', '', name[-2])}/{name[-1]}"
        if key in seen:  # the same package's licence from two environments
            continue
        seen.add(key)
        records.append({"id": ident, "text": text})
        if limit is not None and len(records) >= limit:
            break
    return records


# --------------------------------------------------------------------------- man pages

_FONT = re.compile(r"\\f(?:\[[^\]]*\]|\(..|.)")
_SIZE = re.compile(r"\\s[+-]?\d")
_NAMED = {
    "em": "—",
    "en": "–",
    "aq": "'",
    "lq": "“",
    "rq": "”",
    "dq": '"',
    "oq": "‘",
    "cq": "’",
    "bu": "•",
    "co": "©",
    "rg": "®",
    "mu": "×",
    "hy": "-",
    "ti": "~",
    "ha": "^",
    "cq ": "’",
}
_ESCAPE = re.compile(r"\\(\(..|\[[^\]]*\]|\*\(..|\*\[[^\]]*\]|\*.|.)")
_ALTERNATE = frozenset(("BR", "RB", "IR", "RI", "BI", "IB"))
_TEXT_MACROS = frozenset(("B", "I", "SM", "SB", "SH", "SS"))


def _unescape(line: str) -> str:
    line = _SIZE.sub("", _FONT.sub("", line))

    def one(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc.startswith("("):
            return _NAMED.get(esc[1:], "")
        if esc.startswith("["):
            return _NAMED.get(esc[1:-1], "")
        if esc.startswith("*"):
            return ""
        return {
            "-": "-",
            "e": "\\",
            " ": " ",
            "~": " ",
            "0": " ",
            "|": "",
            "^": "",
            "&": "",
            "c": "",
            "%": "",
            "/": "",
            ",": "",
            "\\": "\\",
            "'": "'",
            "`": "`",
            ".": ".",
        }.get(esc, "")

    return _ESCAPE.sub(one, line)


def _args(rest: str) -> list[str]:
    return [
        a[1:-1] if a.startswith('"') and a.endswith('"') else a
        for a in re.findall(r'"[^"]*"|\S+', rest)
    ]


def roff_lines(source: str) -> Iterator[str]:
    """Text lines of a roff man page, with macros stripped crudely (as a quick crawler
    would): text macros (``.SH``, ``.B``, ``.BR`` ...) keep their words, tables and other
    requests are dropped."""
    in_table = False
    for raw in source.splitlines():
        if raw.startswith((".TS", "'TS")):
            in_table = True
        if in_table:
            in_table = not raw.startswith((".TE", "'TE"))
            continue
        if raw.startswith(('.\\"', "'\\\"", '.\\"', '\\"')):
            continue
        if raw.startswith((".", "'")):
            parts = raw[1:].strip().split(None, 1)
            if not parts:
                continue
            macro, rest = parts[0], parts[1] if len(parts) > 1 else ""
            if macro in _ALTERNATE:
                line = "".join(_args(rest))
            elif macro in _TEXT_MACROS:
                line = " ".join(_args(rest))
            else:
                continue
        else:
            line = raw
        line = re.sub(r"\s+", " ", _unescape(line)).strip()
        if line:
            yield line


def script_share(text: str, lang: str) -> float:
    """Share of a line's letters that are in the language's own script."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    names = {
        "ru": ("CYRILLIC",),
        "el": ("GREEK",),
        "zh": ("CJK",),
        "ja": ("CJK", "HIRAGANA", "KATAKANA"),
    }[lang]
    own = sum(1 for ch in letters if unicodedata.name(ch, "").startswith(names))
    return own / len(letters)


def normalise(line: str) -> str:
    """The line normal form used by gold and the exact baseline: NFKC, casefold, whitespace
    collapsed, stripped."""
    return " ".join(unicodedata.normalize("NFKC", line).casefold().split())


def build_man(
    root: Path, lang: str, limit: int | None = None, max_chars: int = 20000
) -> list[Record]:
    """Prose of one language's man pages: one document per page, one text line per line.

    A line whose normal form already appeared earlier in the corpus is dropped, so the base
    corpus holds no exact repeats and every copy that :mod:`plant` adds is known. Pages are
    cut to ``max_chars``; those with fewer than 5 lines are skipped.
    """
    folder = root / "usr/share/man" / LANGS[lang]
    seen: set[str] = set()
    records: list[Record] = []
    for path in sorted(folder.rglob("*.gz")):
        if _held_out(path):
            continue
        try:
            source = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        except (OSError, EOFError):
            continue
        lines: list[str] = []
        size = 0
        for line in roff_lines(source):
            key = normalise(line)
            if key in seen:
                continue
            seen.add(key)
            lines.append(line)
            size += len(line) + 1
            if size >= max_chars:
                break
        if len(lines) < 5:
            continue
        records.append(
            {
                "id": f"man-{lang}/{path.relative_to(folder).as_posix()}",
                "text": "\n".join(lines) + "\n",
            }
        )
        if limit is not None and len(records) >= limit:
            break
    return records


# --------------------------------------------------------------------------- files


def save(path: Path, records: list[Record]) -> None:
    """Write records as gzipped JSONL (the chrome repeats, so the slice packs small)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def load(path: Path) -> list[Record]:
    """Read records written by :func:`save`."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def default_site_packages() -> list[Path]:
    """site-packages folders of this interpreter (the project's virtualenv)."""
    return [
        Path(p)
        for p in sys.path
        if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()
    ]


def build_all(root: Path, slice_: bool = False) -> dict[str, list[Record]]:
    """Every corpus, keyed ``site:NAME``, ``licences``, ``man:LANG``; corpora whose sources
    are not installed are left out. ``slice_`` gives the small committed slice."""
    corpora: dict[str, list[Record]] = {}
    slice_sites = ("sphinx", "rust-book")
    for site in SITES:
        if not (root / SITES[site][0]).is_dir() or (slice_ and site not in slice_sites):
            continue
        recs = build_site(
            root, site, limit=20 if slice_ else None, max_chars=20000 if slice_ else None
        )
        if recs:
            corpora[f"site:{site}"] = recs
    sps = default_site_packages() if root == Path("/") else list(root.glob("**/site-packages"))
    licences = build_licences(
        root, sps, max_chars=20000 if slice_ else None, limit=40 if slice_ else None
    )
    if licences:
        corpora["licences"] = licences
    for lang in LANGS:
        if (root / "usr/share/man" / LANGS[lang]).is_dir():
            recs = build_man(
                root, lang, limit=12 if slice_ else None, max_chars=4000 if slice_ else 20000
            )
            if recs:
                corpora[f"man:{lang}"] = recs
    return corpora


def corpus_file(folder: Path, name: str) -> Path:
    """The file of corpus ``name`` (such as ``site:sphinx``) in ``folder``."""
    return folder / f"{name.replace(':', '-')}.jsonl.gz"


def write_corpora(folder: Path, corpora: dict[str, list[Record]]) -> None:
    """Save every corpus into ``folder`` plus an ``index.json`` naming them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, recs in corpora.items():
        save(corpus_file(folder, name), recs)
    index = {
        name: {"docs": len(recs), "chars": sum(len(r["text"]) for r in recs)}
        for name, recs in corpora.items()
    }
    (folder / "index.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")


def read_corpora(folder: Path) -> dict[str, list[Record]]:
    """The corpora saved by :func:`write_corpora`."""
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return {name: load(corpus_file(folder, name)) for name in index}
