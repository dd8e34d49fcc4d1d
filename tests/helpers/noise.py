"""Noise that a copy of a passage picks up in the wild (used by tests to plant copies)."""

from __future__ import annotations

import random
import re
import textwrap

SENTENCE = re.compile(r"(?<=[.!?])\s+")


def case(text: str, rng: random.Random) -> str:
    return text.upper() if rng.random() < 0.5 else text.swapcase()


def spacing(text: str, rng: random.Random) -> str:
    text = re.sub(r" ", lambda m: "  " if rng.random() < 0.3 else " ", text)
    return re.sub(r"[,;:]", lambda m: "" if rng.random() < 0.5 else " " + m.group(), text)


def quotes(text: str, rng: random.Random) -> str:
    return text.replace("'", "’").replace('"', "“").replace(" - ", " — ").replace("-", "‐")


def typos(text: str, rng: random.Random, rate: float = 0.02) -> str:
    chars = list(text)
    letters = [i for i, c in enumerate(chars) if c.isalpha()]
    for i in rng.sample(letters, min(len(letters), max(1, int(len(letters) * rate)))):
        chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return "".join(chars)


def doubled(text: str, rng: random.Random) -> str:
    return "".join(c * 2 if not c.isspace() else c for c in text)


def rewrap(text: str, rng: random.Random) -> str:
    return "\n".join(textwrap.wrap(text, width=rng.randint(40, 70)))


def dropped_sentence(text: str, rng: random.Random) -> str:
    parts = SENTENCE.split(text)
    if len(parts) > 2:
        del parts[rng.randrange(1, len(parts) - 1)]
    return " ".join(parts)


KINDS = {
    "exact": lambda t, r: t,
    "case": case,
    "spacing": spacing,
    "quotes": quotes,
    "typos": typos,
    "doubled": doubled,
    "rewrap": rewrap,
    "dropped_sentence": dropped_sentence,
}
