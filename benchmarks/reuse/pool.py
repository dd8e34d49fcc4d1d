"""A pool of real English prose paragraphs from Debian's HTML documentation packages.

Why: reuse cases are only meaningful in real prose, and only if the prose holds no copies of
its own (else a tool that finds a natural repeat is charged with a false detection). The
pages are turned into crawler text by :mod:`benchmarks.real.scrape`; only body lines that read
as prose are kept, and a paragraph that shares an 8-word run with an earlier one, or repeats
one inside itself, is dropped.

Sources, in a fixed order (``apt-get install postgresql-doc-15 rust-doc git-doc sphinx-doc``):
the PostgreSQL manual, the Rust books, Git's manual pages and Sphinx's documentation. Held out
and never read: the Python documentation website, per-package ``copyright`` files, gettext
catalogues and CMake's help (``benchmarks.real.build``'s rule).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from benchmarks.real.build import SKIP_NAMES, SKIP_PARTS, _held_out
from benchmarks.real.scrape import scrape

SITES: tuple[tuple[str, str], ...] = (
    ("postgresql", "usr/share/doc/postgresql-doc-15/html"),
    ("rust-book", "usr/share/doc/rust-doc/html/book"),
    ("rust-nomicon", "usr/share/doc/rust-doc/html/nomicon"),
    ("rust-reference", "usr/share/doc/rust-doc/html/reference"),
    ("rust-edition-guide", "usr/share/doc/rust-doc/html/edition-guide"),
    ("rust-embedded", "usr/share/doc/rust-doc/html/embedded-book"),
    ("rust-by-example", "usr/share/doc/rust-doc/html/rust-by-example"),
    ("rustc", "usr/share/doc/rust-doc/html/rustc"),
    ("git", "usr/share/doc/git-doc"),
    ("sphinx", "usr/share/doc/sphinx-doc/html"),
)
"""(name, folder under the root) of every site read, in pool order."""

SHINGLE = 8
"""Paragraphs sharing a run of this many normalised words are copies of each other."""

_WORD = re.compile(r"[^\W_]+")
_CODE = re.compile(r"[{}<>=;$\\|]|::|->|\(\)|\w\.\w+\(|\b\w+_\w+\b")


def normal_words(text: str) -> list[str]:
    """Casefolded words with digits folded to ``0`` (as a matcher would compare them)."""
    return [re.sub(r"\d", "0", w) for w in _WORD.findall(text.casefold())]


def is_prose(line: str) -> bool:
    """A body line worth using as a paragraph: 25+ words of sentences, little code."""
    words = line.split()
    if len(words) < 25 or len(line) > 4000 or "://" in line or "@" in line:
        return False
    if not line.rstrip().endswith((".", "!", "?", '."', ".)")):
        return False
    letters = sum(ch.isalpha() or ch.isspace() for ch in line)
    if letters < 0.9 * len(line) or len(_CODE.findall(line)) > len(words) // 25:
        return False
    return sum(w[:1].islower() for w in words) >= 0.6 * len(words)


def _pages(root: Path, folder: str) -> list[Path]:
    base = root / folder
    if not base.is_dir():
        return []
    return [
        p
        for p in sorted(base.rglob("*.html"))
        if not (set(p.relative_to(base).parts) & SKIP_PARTS)
        and p.name not in SKIP_NAMES
        and not _held_out(p)
    ]


def _key(words: list[str]) -> bytes:
    return hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()


def iter_pool(root: Path) -> Iterator[tuple[str, str]]:
    """``(page, paragraph)`` for every unique prose paragraph, in a fixed order.

    ``page`` is ``site/relative path``; a paragraph is one line of body text, spaces collapsed.
    """
    seen: set[bytes] = set()
    for site, folder in SITES:
        for path in _pages(root, folder):
            text, gold = scrape(path.read_text(encoding="utf-8", errors="replace"))
            page = f"{site}/{path.relative_to(root / folder).as_posix()}"
            for start, end, label in gold:
                line = " ".join(text[start:end].split())
                if label != "body" or not is_prose(line):
                    continue
                words = normal_words(line)
                keys = [
                    _key(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))
                ]
                unique = set(keys)
                if len(unique) < len(keys) or unique & seen:
                    continue
                seen |= unique
                yield page, line


def build_pool(root: Path) -> list[tuple[str, str]]:
    """Every unique prose paragraph under ``root`` (see :func:`iter_pool`)."""
    return list(iter_pool(root))
