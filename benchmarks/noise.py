"""Noise applied to a planted copy, one function per kind.

Why: each kind is a way real duplicates differ from their source (OCR, retyping, re-wrapping,
editing). Every function maps text to text and keeps it on whole lines; none invents content except
``inserted_sentence``, whose new sentence the generator reports as excluded from the gold span.
"""

from __future__ import annotations

import random
import re
import textwrap
from collections.abc import Callable

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def sentences(text: str) -> list[str]:
    """Split prose into sentences (good enough for planting, not linguistics)."""
    return [s for s in SENTENCE_END.split(" ".join(text.split())) if s]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` as it stands, line breaks and all."""
    spans, pos = [], 0
    for m in SENTENCE_END.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text.rstrip())))
    return [(s, e) for s, e in spans if e > s]


def wrap(text: str, width: int) -> str:
    """Re-wrap ``text`` at ``width`` columns; width 0 means one long line."""
    flat = " ".join(text.split())
    if width <= 0:
        return flat
    return "\n".join(textwrap.wrap(flat, width, break_long_words=False, break_on_hyphens=False))


def width_of(text: str) -> int:
    lines = text.split("\n")
    return 0 if len(lines) == 1 else max(len(x) for x in lines)


def exact(text: str, rng: random.Random) -> str:
    return text


def case(text: str, rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return text.upper()
    if style == 1:
        return text.lower()
    return re.sub(r"[^\W\d_]+", lambda m: m[0].upper() if rng.random() < 0.4 else m[0], text)


def spacing_punct(text: str, rng: random.Random) -> str:
    out = []
    for ch in text:
        r = rng.random()
        if ch == " " and r < 0.2:
            out.append("  ")
        elif ch in ",.;:!?" and r < 0.5:
            out.append(rng.choice(["", " " + ch, ";", ","]))
        else:
            out.append(ch)
    return re.sub(r"(?m)$", lambda m: " " * rng.randrange(2), "".join(out))


def typographic(text: str, rng: random.Random) -> str:
    text = re.sub(r'"([^"\n]*)"', "\u201c\\1\u201d", text)
    text = re.sub(r"(?<=\w)'(?=\w)", "\u2019", text)
    text = re.sub(r"'([^'\n]*)'", "\u2018\\1\u2019", text)
    text = text.replace("--", "\u2014").replace(" - ", " \u2013 ").replace("...", "\u2026")
    return re.sub(r"(?<=\w)-(?=\w)", "\u2010", text)


def typos(text: str, rng: random.Random, rate: float = 0.02) -> str:
    chars = list(text)
    letters = [i for i, c in enumerate(chars) if c.isalpha()]
    for i in sorted(rng.sample(letters, max(1, int(rate * len(text)))), reverse=True):
        op = rng.randrange(4)
        if op == 0:
            chars[i] = rng.choice("etaoinshrdlu")
        elif op == 1:
            del chars[i]
        elif op == 2:
            chars.insert(i, rng.choice("etaoinshrdlu"))
        elif i + 1 < len(chars) and chars[i + 1].isalpha():
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def doubled(text: str, rng: random.Random) -> str:
    return "".join(c if c == "\n" else c + c for c in text)


def rewrap(text: str, rng: random.Random) -> str:
    old = width_of(text)
    choices = [w for w in (0, 40, 55, 64, 90, 110) if abs(w - old) > 8]
    return wrap(text, rng.choice(choices))


def dropped_sentence(text: str, rng: random.Random) -> str:
    sents = sentences(text)
    del sents[rng.randrange(1, len(sents) - 1)]
    return wrap(" ".join(sents), width_of(text))


NOISE: dict[str, Callable[[str, random.Random], str]] = {
    "exact": exact,
    "case": case,
    "spacing_punct": spacing_punct,
    "typographic": typographic,
    "typos": typos,
    "doubled": doubled,
    "rewrap": rewrap,
    "dropped_sentence": dropped_sentence,
}
"""Kinds that transform a copy; inserted_sentence, repeat, near_copy_doc and mosaic live in
corpus.py."""
