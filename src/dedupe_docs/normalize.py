"""Text → normalised token hashes with code-point offsets back to the source.

The normal form exists for matching only and is never shown to the user: NFKD with marks
dropped, casefolded, every digit read as ``0``, and runs of one repeated character squeezed
to one (so ``TThhiiss`` hashes like ``This``). Tokens are runs of word characters; in scripts
written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) every character is a token, so a
sentence never becomes one token. All of it is vectorised with NumPy over whole documents.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata

import attrs
import numpy as np
import regex

_SEPARATOR, _WORD, _CHAR_TOKEN, _MARK = 0, 1, 2, 3
_CHAR_TOKEN_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: spreads the bits of uint64 values (vectorised, wraps mod 2**64)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _string_value(s: str) -> int:
    """A stable 64-bit value for a normalised character (or short multi-char expansion)."""
    if not s:
        return 0
    if len(set(s)) == 1:  # 'ß' → 'ss' squeezes to 's' anyway
        s = s[0]
    digest = hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") | 1  # never 0: 0 means "dropped"


def _classify_char(cp: int) -> tuple[int, int]:
    c = chr(cp)
    category = unicodedata.category(c)
    if category[0] == "M":
        return _MARK, 0
    if category[0] not in "LN":
        return _SEPARATOR, 0
    if category == "Nd" or c.isdigit():
        return _WORD, _string_value("0")
    folded = unicodedata.normalize("NFKD", c).casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    kind = _CHAR_TOKEN if any(lo <= cp <= hi for lo, hi in _CHAR_TOKEN_RANGES) else _WORD
    return kind, _string_value(folded)


@functools.cache
def _bmp_tables() -> tuple[np.ndarray, np.ndarray]:
    """Class and value of every Basic Multilingual Plane code point, built once."""
    kinds = np.zeros(0x10000, dtype=np.uint8)
    values = np.zeros(0x10000, dtype=np.uint64)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        kinds[cp], values[cp] = _classify_char(cp)
    return kinds, values


def _lookup(cps: np.ndarray, table: np.ndarray, column: int) -> np.ndarray:
    """Table lookup for BMP code points, computed per distinct value above it."""
    out = table[np.minimum(cps, 0xFFFF)]
    astral = np.flatnonzero(cps > 0xFFFF)
    if len(astral):
        uniq, inverse = np.unique(cps[astral], return_inverse=True)
        extra = [_classify_char(int(cp))[column] for cp in uniq]
        out[astral] = np.array(extra, dtype=table.dtype)[inverse]
    return out


@attrs.frozen(eq=False)
class Tokens:
    """Tokens of one text: code-point ``starts``/``ends`` and 64-bit matching ``hashes``."""

    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)


_POWERS = mix64(np.arange(1, 257, dtype=np.uint64))  # per-position weights inside a token


def tokenize(text: str) -> Tokens:
    """Split ``text`` into tokens and hash their normal form (vectorised)."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    n = len(cps)
    kinds_table, values_table = _bmp_tables()
    kinds = _lookup(cps, kinds_table, 0)
    in_token = kinds != _SEPARATOR
    prev_in = np.empty(n, dtype=bool)
    prev_in[:1] = False
    prev_in[1:] = in_token[:-1]
    starts_mask = in_token & ~prev_in
    char_tokens = kinds == _CHAR_TOKEN
    if char_tokens.any():
        effective = kinds.copy()
        marks = np.flatnonzero(kinds == _MARK)
        if len(marks):  # a mark takes the class of the character it sits on
            base = np.where(kinds != _MARK, np.arange(n, dtype=np.int32), -1)
            base = np.maximum.accumulate(base)[marks]
            effective[marks] = np.where(base >= 0, kinds[np.maximum(base, 0)], _WORD)
        after_char_token = np.zeros(n, dtype=bool)
        after_char_token[1:] = effective[:-1] == _CHAR_TOKEN
        starts_mask |= char_tokens | ((kinds == _WORD) & after_char_token)
    next_boundary = np.empty(n, dtype=bool)
    next_boundary[-1:] = True
    next_boundary[:-1] = starts_mask[1:] | ~in_token[1:]
    starts = np.flatnonzero(starts_mask).astype(np.int64)
    ends = np.flatnonzero(in_token & next_boundary).astype(np.int64) + 1
    # Characters that count: in a token, not a dropped mark, not a repeat of the one before.
    token_of = np.cumsum(starts_mask, dtype=np.int32) - 1
    idx = np.flatnonzero(in_token)
    vals = _lookup(cps[idx], values_table, 1)
    tok = token_of[idx]
    keep = vals != 0
    keep[1:] &= (vals[1:] != vals[:-1]) | (tok[1:] != tok[:-1])
    vals, tok = vals[keep], tok[keep]
    counts = np.bincount(tok, minlength=len(starts))
    first = np.cumsum(counts) - counts
    position = np.arange(len(tok), dtype=np.int64) - first[tok]
    weights = _POWERS[np.minimum(position, len(_POWERS) - 1)]
    sums = np.zeros(len(starts), dtype=np.uint64)
    nonempty = counts > 0
    if len(tok):
        with np.errstate(over="ignore"):
            sums[nonempty] = np.add.reduceat(vals * weights, first[nonempty])
    hashes = mix64(sums ^ counts.astype(np.uint64))
    return Tokens(starts[nonempty], ends[nonempty], hashes[nonempty])


_VERIFY_DROP = regex.compile(r"[^\p{L}\p{N}]+")
_VERIFY_SQUEEZE = regex.compile(r"(\p{L})\1+")
_MARKS = regex.compile(r"\p{M}+")


def verification_form(text: str) -> str:
    """The string that rapidfuzz compares: folded like the tokens, but digits kept as they are.

    Digits stay so that two tables of different numbers are not duplicates; letters are squeezed
    so that doubled-letter text still verifies against its clean copy.
    """
    text = unicodedata.normalize("NFKD", text).casefold()
    text = _MARKS.sub("", text)
    text = _VERIFY_DROP.sub("", text)
    return _VERIFY_SQUEEZE.sub(r"\1", text)
