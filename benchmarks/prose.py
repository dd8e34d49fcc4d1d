"""A pool of real English prose paragraphs, found offline and made free of duplicates.

Why: planted duplicates are only meaningful if the rest of the corpus has none. Real docs repeat
themselves (licenses, changelog templates), so every paragraph that shares an 8-word run with an
earlier one, or repeats one inside itself, is dropped here; what remains can be planted, used as
unique text, or scanned for false removals. Sources, in a fixed order: Python's
``pydoc_data.topics``, stdlib docstrings (parsed with ``ast``, never imported),
``/usr/share/common-licenses``, ``/usr/share/doc`` text.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import re
import sysconfig
from collections.abc import Iterator
from pathlib import Path

WORD = re.compile(r"[^\W_]+")
SHINGLE = 8
_CODEY = re.compile(r"^\s*(>>>|\.\.\.|\$ |#|[-=*~^]{3,}|\+|\||[{}()\[\]<>])")


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
        if not line or _CODEY.match(raw):
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


def _pydoc_topics() -> Iterator[str]:
    try:
        from pydoc_data.topics import topics
    except ImportError:
        return
    for name in sorted(topics):
        yield topics[name]


def _stdlib_docstrings() -> Iterator[str]:
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(root.rglob("*.py")):
        if "test" in path.parts or "site-packages" in path.parts or "idlelib" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node, clean=True)
                if doc:
                    yield doc


def _read_maybe_gz(path: Path) -> str:
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
        return ""


def _system_docs() -> Iterator[str]:
    lic = Path("/usr/share/common-licenses")
    if lic.is_dir():
        for path in sorted(lic.iterdir()):
            if path.is_file():
                yield _read_maybe_gz(path)
    doc = Path("/usr/share/doc")
    if doc.is_dir():
        names = re.compile(r"^(README|NEWS|changelog|ChangeLog|TODO|THANKS)(\.(md|txt|rst))?"
                           r"(\.gz)?$")
        for path in sorted(doc.rglob("*")):
            if path.is_file() and names.match(path.name) and "Debian" not in path.name:
                yield _read_maybe_gz(path)


def iter_pool() -> Iterator[list[str]]:
    """Yield unique prose paragraphs (lists of lines) in a fixed, machine-independent order."""
    seen: set[int] = set()
    for source in (_pydoc_topics, _stdlib_docstrings, _system_docs):
        for text in source():
            for lines in _paragraphs(text):
                if not _is_prose(lines):
                    continue
                toks = _norm_tokens(" ".join(lines))
                n = max(1, len(toks) - SHINGLE + 1)
                grams = [_key(toks[i : i + SHINGLE]) for i in range(n)]
                keys = set(grams)
                if len(keys) < len(grams) or keys & seen:  # repeats itself, or an earlier one
                    continue
                seen |= keys
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
