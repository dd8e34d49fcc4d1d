"""Plant known copies into the real-language man-page prose, and record where they went.

Why: translated man pages are real prose in Cyrillic, Han, Kana and Greek, but they hold few
known copies. Copying whole lines, or single sentences, of at least 40 characters from earlier
pages into later pages (exactly, or with a small fuzz: a case change, extra spaces) gives a
gold whose every copy is known, on text that is otherwise real.
"""

from __future__ import annotations

import random
import re
from typing import Any

from benchmarks.real.build import script_share

Record = dict[str, Any]

MIN_CHARS = 40
"""A planted unit has at least this many characters."""

KINDS = ("line", "line-fuzz", "sentence", "sentence-fuzz")
_SENTENCE = re.compile(r"(?<=[.!?;。！？；])\s*")
_CASED = frozenset(("ru", "el"))


def _fuzz(text: str, lang: str, rng: random.Random) -> str:
    """A small edit that normalisation should see through: a case change and extra spaces."""
    if lang in _CASED and rng.random() < 0.7:
        text = rng.choice((str.upper, str.lower, lambda s: s[:1].swapcase() + s[1:]))(text)
    chars = list(text)
    for _ in range(2):
        spaces = [i for i, ch in enumerate(chars) if ch == " "]
        pos = rng.choice(spaces) if spaces and lang in _CASED else rng.randrange(1, len(chars))
        chars.insert(pos, " ")
    return "".join(chars)


def _units(text: str, lang: str) -> tuple[list[str], list[str]]:
    """Lines and sentences of a document worth copying: long enough, in the language's script."""
    lines = [
        ln for ln in text.splitlines() if len(ln) >= MIN_CHARS and script_share(ln, lang) >= 0.5
    ]
    sentences = [
        s.strip()
        for ln in lines
        for s in _SENTENCE.split(ln)
        if len(s.strip()) >= MIN_CHARS and s.strip() != ln
    ]
    return lines, sentences


def plant(
    records: list[Record], lang: str, seed: int = 7, rate: float = 0.6, per_doc: int = 3
) -> tuple[list[Record], list[Record]]:
    """Copies planted into later documents: the new records and the gold.

    Each document after the first gets, with probability ``rate``, 1 to ``per_doc`` units
    taken from a random earlier document: a whole line inserted as its own line, or a sentence
    appended to one of its lines; half of them fuzzed. Gold records are ``{"id", "start",
    "end", "kind", "source"}`` with code-point offsets into the new text; each new record's
    ``base_map`` says where its original lines went (``[start here, start in the original,
    length]``), so that a tool's removals on the original corpus can be set aside.
    """
    rng = random.Random(f"{seed}-{lang}")
    units = [_units(rec["text"], lang) for rec in records]
    out: list[Record] = []
    gold: list[Record] = []
    for i, rec in enumerate(records):
        # each line is a list of (text, planted unit or None)
        lines: list[list[tuple[str, Record | None]]] = [
            [(ln, None)] for ln in rec["text"].split("\n")[:-1]
        ]
        if i and rng.random() < rate:
            for _ in range(rng.randint(1, per_doc)):
                j = rng.randrange(i)
                src_lines, src_sentences = units[j]
                kind = rng.choice(KINDS)
                pool = src_sentences if kind.startswith("sentence") else src_lines
                if not pool:
                    pool, kind = src_lines, kind.replace("sentence", "line")
                if not pool:
                    continue
                text = rng.choice(pool)
                if kind.endswith("fuzz"):
                    text = _fuzz(text, lang, rng)
                unit: Record = {"kind": kind, "source": records[j]["id"]}
                at = rng.randrange(len(lines))
                if kind.startswith("line"):
                    lines.insert(at, [(text, unit)])
                else:
                    sep = "" if lang in ("zh", "ja") else " "
                    lines[at] = [*lines[at], (sep, None), (text, unit)]
        parts: list[str] = []
        base_map: list[list[int]] = []  # [start here, start in the original, length]
        pos = base_pos = 0
        for line in lines:
            for k, (piece, unit) in enumerate(line):
                if unit is not None:
                    gold.append({"id": rec["id"], "start": pos, "end": pos + len(piece), **unit})
                elif k == 0:  # an original line (a separator is not)
                    base_map.append([pos, base_pos, len(piece)])
                    base_pos += len(piece) + 1
                parts.append(piece)
                pos += len(piece)
            parts.append("\n")
            pos += 1
        out.append({"id": rec["id"], "text": "".join(parts), "base_map": base_map})
    return out, gold
