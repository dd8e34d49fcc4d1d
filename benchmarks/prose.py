"""A pool of real English prose paragraphs, found offline and made free of duplicates.

Why: planted duplicates are only meaningful if the rest of the corpus has none. Real docs repeat
themselves (licenses, changelog templates), so every paragraph that shares an 8-word run or a
whole line with an earlier one, or repeats one inside itself, is dropped here; what remains can be
planted, used as unique text, or scanned for false removals.

Sources, in a fixed order (paths sorted inside each), all installed by
``pip install -e '.[test,ray,datatrove,hf]'`` or present on a Debian base:

1. the long descriptions (READMEs) in the ``METADATA`` of the third-party distributions that
   install brings in (its dependency closure, sorted by name);
2. the docstrings of those distributions' modules, parsed with ``ast``, never imported (test
   and vendored folders skipped);
3. ``/usr/share/common-licenses``;
4. ``/usr/share/doc``: ``README``, ``NEWS``, ``TODO`` and ``THANKS`` files, then upstream
   ``changelog`` files (Debian's own changelogs never).

Held out, never read (issue 20: kept for independent checks): the Python documentation (the
language reference in ``pydoc_data.topics``, the standard library's docstrings, Python's own
``/usr/share/doc/python3*``), distributions that copy the standard library's text
(:data:`STDLIB_COPIES`), the per-package ``/usr/share/doc/*/copyright`` files, gettext ``.mo``
catalogues and CMake's help (:func:`benchmarks.real.build._held_out`).

The pool is deterministic for a given environment; a machine with other package versions or
other Debian docs gets another pool (the corpus's sha256 in ``meta.json`` tells them apart).
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import re
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from benchmarks.real.build import _held_out

WORD = re.compile(r"[^\W_]+")
SHINGLE = 8
_CODEY = re.compile(r"^\s*(>>>|\.\.\.|\$ |#|[-=*~^]{3,}|\+|\||[{}()\[\]<>])")
_FIELD = re.compile(r"^\s*(:[\w ]+:|[A-Z][A-Za-z ]{0,30}:\s*$|\*{0,2}\w+\*{0,2} : )")
"""Docstring structure, which also ends a block: a reST field (``:param x:``), a section title
(``Args:``, ``Returns:``) or a numpydoc parameter line (``axis : int, optional``)."""

PROJECT = "dedupe-docs"
EXTRAS = ("test", "ray", "datatrove", "hf")
"""The extras CI installs: their dependency closure gives the distributions read here."""

STDLIB_COPIES = frozenset(("aiohappyeyeballs", "dill", "multiprocess", "regex",
                           "typing-extensions"))
"""Distributions whose text largely copies the standard library's documentation (a fork of
``multiprocessing``, backports of ``typing`` and ``asyncio`` code, ``re``'s and ``pickle``'s
docs): 12-74 % of their prose paragraphs share an 8-word run with it."""

SKIP_PARTS = frozenset(("test", "tests", "testing", "_vendor", "vendored", "thirdparty",
                        "thirdparty_files", "_thirdparty", "externals"))
"""Folders of a distribution not read: tests, and code copied from elsewhere."""

_DOC_NAMES = re.compile(r"^(README|NEWS|TODO|THANKS)(\.(md|txt|rst))?(\.gz)?$")
_CHANGELOG = re.compile(r"^(changelog|ChangeLog)(\.(md|txt|rst))?(\.gz)?$")


def _norm_tokens(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def _key(tokens: list[str]) -> int:
    digest = hashlib.blake2b(" ".join(tokens).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _paragraphs(text: str) -> Iterator[list[str]]:
    """Blank-line separated blocks, each line stripped; code-like lines end a block."""
    block: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line or _CODEY.match(raw) or _FIELD.match(raw):
            if block:
                yield block
            block = []
        else:
            block.append(line)
    if block:
        yield block


def _is_prose(lines: list[str]) -> bool:
    text = " ".join(lines)
    words = text.split()
    if len(words) < 12 or max(len(x) for x in lines) > 3000:
        return False
    letters = sum(c.isalpha() or c.isspace() for c in text)
    if letters < 0.88 * len(text) or "@" in text or "://" in text:
        return False
    return sum(w[:1].islower() for w in words) >= 0.5 * len(words)


def distributions() -> list[metadata.Distribution]:
    """The installed third-party distributions that ``pip install -e '.[EXTRAS]'`` brings in,
    sorted by name; none when the project itself is not installed."""
    try:
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError:  # installed with pytest, hence with the test extra
        return []

    found: dict[str, metadata.Distribution] = {}
    done: dict[str, set[str]] = {}
    todo: list[tuple[str, frozenset[str]]] = [(PROJECT, frozenset(EXTRAS))]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if key in done and extras <= done[key]:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        done.setdefault(key, set()).update(extras)
        found[key] = dist
        envs = [{"extra": e} for e in sorted(extras | {""})]
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or any(req.marker.evaluate(e) for e in envs):
                todo.append((req.name, frozenset(req.extras)))
    skip = STDLIB_COPIES | {PROJECT}
    return [found[k] for k in sorted(found) if k not in skip]


def _readmes(dists: list[metadata.Distribution]) -> Iterator[str]:
    for dist in dists:
        text = dist.read_text("METADATA") or ""
        yield text.partition("\n\n")[2]  # the body after the headers: the long description


def _docstrings(dists: list[metadata.Distribution]) -> Iterator[str]:
    for dist in dists:
        files = sorted({f.as_posix() for f in dist.files or [] if f.suffix == ".py"})
        for rel in files:
            if SKIP_PARTS & set(rel.split("/")):
                continue
            try:
                tree = ast.parse(Path(str(dist.locate_file(rel))).read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef |
                              ast.AsyncFunctionDef):
                    doc = ast.get_docstring(node, clean=True)
                    if doc:
                        yield doc


def _read_maybe_gz(path: Path) -> str:
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
        return ""


def _licences() -> Iterator[str]:
    lic = Path("/usr/share/common-licenses")
    if lic.is_dir():
        for path in sorted(lic.iterdir()):
            if path.is_file():
                yield _read_maybe_gz(path)


def _system_docs() -> Iterator[str]:
    doc = Path("/usr/share/doc")
    if not doc.is_dir():
        return
    paths = [p for p in sorted(doc.rglob("*")) if p.is_file() and not _held_out(p)]
    for names in (_DOC_NAMES, _CHANGELOG):  # changelogs last: the most formulaic
        for path in paths:
            if names.match(path.name):
                yield _read_maybe_gz(path)


def _texts() -> Iterator[str]:
    dists = distributions()
    yield from _readmes(dists)
    yield from _docstrings(dists)
    yield from _licences()
    yield from _system_docs()


def iter_pool() -> Iterator[list[str]]:
    """Yield unique prose paragraphs (lists of lines) in a fixed order (see the module doc).

    Unique twice over: no 8-word run and no whole line (short ones too: a line that recurs is
    boilerplate to a deduplicator) that stood in an earlier paragraph or earlier in the same one.
    """
    seen: set[int] = set()
    seen_lines: set[int] = set()
    for text in _texts():
        for lines in _paragraphs(text):
            if not _is_prose(lines):
                continue
            toks = _norm_tokens(" ".join(lines))
            n = max(1, len(toks) - SHINGLE + 1)
            grams = [_key(toks[i : i + SHINGLE]) for i in range(n)]
            keys = set(grams)
            if len(keys) < len(grams) or keys & seen:  # repeats itself, or an earlier one
                continue
            line_keys = [_key(t) for t in map(_norm_tokens, lines) if t]
            if len(set(line_keys)) < len(line_keys) or seen_lines.intersection(line_keys):
                continue
            seen |= keys
            seen_lines.update(line_keys)
            yield lines


def build_pool(path: Path, max_chars: int) -> list[list[str]]:
    """Build (or load the cached) pool of up to ``max_chars`` characters of prose."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        return [p.split("\n") for p in text.split("\n\n") if p]
    out: list[list[str]] = []
    total = 0
    for lines in iter_pool():
        out.append(lines)
        total += sum(len(x) + 1 for x in lines)
        if total >= max_chars:
            break
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n\n".join("\n".join(p) for p in out) + "\n", encoding="utf-8")
    tmp.replace(path)
    return out
