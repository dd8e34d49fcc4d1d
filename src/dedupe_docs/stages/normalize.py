"""Text → normalised token hashes with code-point offsets back to the source.

The normal form exists for matching only and is never shown to the user: NFKD with marks
dropped, casefolded, every digit read as ``0``, and runs of one repeated character squeezed
to one (so ``TThhiiss`` hashes like ``This``). Tokens are runs of word characters; in scripts
written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) every character is a token, so a
sentence never becomes one token. A document is tokenised at once, as arrays of code points, by
a compiled loop (:mod:`dedupe_docs.stages.kernels`); :func:`tokenize_numpy` is its reference.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
import numpy as np
import regex

from dedupe_docs.runtime.arrays import distinct

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


def _classify_char(cp: int) -> tuple[int, int, int]:
    """(class, matching value, exact digit value) of one code point."""
    c = chr(cp)
    category = unicodedata.category(c)
    if category[0] == "M":
        return _MARK, 0, 0
    if category[0] not in "LN":
        return _SEPARATOR, 0, 0
    if category == "Nd" or c.isdigit():
        digit = unicodedata.digit(c, None)
        return _WORD, _ZERO, _string_value(f"digit {digit if digit is not None else c}")
    folded = unicodedata.normalize("NFKD", c).casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    kind = _CHAR_TOKEN if any(lo <= cp <= hi for lo, hi in _CHAR_TOKEN_RANGES) else _WORD
    return kind, _string_value(folded), 0


_ZERO = _string_value("0")
LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"


@attrs.frozen(eq=False)
class _Tables:
    kinds: np.ndarray  # _SEPARATOR | _WORD | _CHAR_TOKEN | _MARK
    values: np.ndarray  # matching value (digits read as 0), 0 = dropped
    digits: np.ndarray  # exact value of a digit, 0 for every other character
    layout: np.ndarray  # 0 = visible, 1 = whitespace, 2 = line break


_TABLES_LOCK = threading.Lock()


@functools.cache
def tables() -> _Tables:
    """Lookup tables for every Basic Multilingual Plane code point: built once, then loaded
    from the user's cache folder (building takes about half a second)."""
    with _TABLES_LOCK:  # signing threads ask at once; one builds
        return _load_or_build_tables()


def _load_or_build_tables() -> _Tables:
    cache = _cache_path()
    try:
        with np.load(cache) as saved:
            return _Tables(saved["kinds"], saved["values"], saved["digits"], saved["layout"])
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
        pass  # not there, or damaged: built again and replaced
    built = _build_tables()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".tables-", suffix=".tmp.npz")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **attrs.asdict(built, recurse=False))
            Path(tmp).replace(cache)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home is fine: the tables are rebuilt next time
    return built


def _cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    key = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=6).hexdigest()
    return Path(base) / "dedupe_docs" / f"tables-{unicodedata.unidata_version}-{key}.npz"


def _build_tables() -> _Tables:
    kinds = np.zeros(0x10000, dtype=np.uint8)
    values = np.zeros(0x10000, dtype=np.uint64)
    digits = np.zeros(0x10000, dtype=np.uint64)
    layout = np.zeros(0x10000, dtype=np.uint8)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        kinds[cp], values[cp], digits[cp] = _classify_char(cp)
        if chr(cp).isspace():
            layout[cp] = 2 if chr(cp) in LINE_BREAKS else 1
    return _Tables(kinds, values, digits, layout)


def lookup(cps: np.ndarray, table: np.ndarray, column: int) -> np.ndarray:
    """Table lookup for BMP code points, computed per distinct value above it."""
    out = table[np.minimum(cps, 0xFFFF)]
    astral = np.flatnonzero(cps > 0xFFFF)
    if len(astral):
        uniq, inverse = np.unique(cps[astral], return_inverse=True)
        if column < 3:
            extra = [_classify_char(int(cp))[column] for cp in uniq]
        else:
            extra = [int(chr(int(cp)).isspace()) for cp in uniq]
        out[astral] = np.array(extra, dtype=table.dtype)[inverse]
    return out


def codepoints(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (one element per ``str`` index)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


@attrs.frozen(eq=False)
class Tokens:
    """Tokens of one text: code-point ``starts``/``ends``, 64-bit matching ``hashes`` and
    ``exact`` hashes (the same, but every digit counts) used to confirm a copy without
    comparing strings."""

    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray
    exact: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)


_POWERS = mix64(np.arange(1, 257, dtype=np.uint64))  # per-position weights inside a token


def tokenize(text: str, cps: np.ndarray | None = None) -> Tokens:
    """Split ``text`` into tokens and hash their normal form.

    Runs the compiled kernel, or NumPy when ``DEDUPE_DOCS_PURE_NUMPY`` is set.
    """
    if cps is None:
        cps = codepoints(text)
    kernel = compiled()
    if kernel is None:
        return tokenize_numpy(text, cps)
    t = tables()
    astral = distinct(cps[cps > 0xFFFF])
    starts, ends, hashes, exact = kernel(
        cps,
        t.kinds,
        t.values,
        t.digits,
        astral,
        lookup(astral, t.kinds, 0),
        lookup(astral, t.values, 1),
        lookup(astral, t.digits, 2),
        _POWERS,
    )
    return Tokens(starts, ends, hashes, exact)


@functools.cache
def compiled() -> Callable[..., tuple[np.ndarray, ...]] | None:
    """The compiled tokeniser, or None when ``DEDUPE_DOCS_PURE_NUMPY`` asks for the NumPy
    references (tokeniser, line splitter, sorted index) instead."""
    if os.environ.get("DEDUPE_DOCS_PURE_NUMPY"):
        return None
    from dedupe_docs.stages.kernels import tokenize_kernel

    return tokenize_kernel  # type: ignore[no-any-return]


def tokenize_numpy(text: str, cps: np.ndarray | None = None) -> Tokens:
    """The NumPy tokeniser: the reference the compiled kernel is tested against."""
    if cps is None:
        cps = codepoints(text)
    n = len(cps)
    t = tables()
    kinds = lookup(cps, t.kinds, 0)
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
    token_of = np.cumsum(starts_mask, dtype=np.int32) - 1
    idx = np.flatnonzero(in_token)
    tok = token_of[idx]
    vals = lookup(cps[idx], t.values, 1)
    digits = lookup(cps[idx], t.digits, 2)
    # Matching form: drop marks, squeeze repeats (digits are all 0 and squeeze too).
    same_token = np.zeros(len(idx), dtype=bool)
    same_token[1:] = tok[1:] == tok[:-1]
    repeat = np.zeros(len(idx), dtype=bool)
    repeat[1:] = vals[1:] == vals[:-1]
    keep = (vals != 0) & ~(repeat & same_token)
    hashes = _token_hashes(vals[keep], tok[keep], len(starts))
    # Exact form: the same, but each digit keeps its value and repeated digits stay.
    exact_vals = np.where(digits != 0, digits, vals)
    keep_exact = (vals != 0) & ((digits != 0) | ~(repeat & same_token))
    exact = _token_hashes(exact_vals[keep_exact], tok[keep_exact], len(starts))
    nonempty = hashes != 0
    return Tokens(starts[nonempty], ends[nonempty], hashes[nonempty], exact[nonempty])


def _token_hashes(vals: np.ndarray, tok: np.ndarray, n_tokens: int) -> np.ndarray:
    """Position-weighted wrapping sum of each token's character values, mixed (0 = empty)."""
    counts = np.bincount(tok, minlength=n_tokens)
    first = np.cumsum(counts) - counts
    position = np.arange(len(tok), dtype=np.int64) - first[tok]
    weights = _POWERS[np.minimum(position, len(_POWERS) - 1)]
    sums = np.zeros(n_tokens, dtype=np.uint64)
    nonempty = counts > 0
    if len(tok):
        with np.errstate(over="ignore"):
            sums[nonempty] = np.add.reduceat(vals * weights, first[nonempty])
    out = mix64(sums ^ counts.astype(np.uint64))
    out[~nonempty] = 0
    out[nonempty & (out == 0)] = 1
    return out


_ASCII_DROP = {c: None for c in range(128) if not chr(c).isalnum()}
_ASCII_SQUEEZE = re.compile(r"([a-z])\1+")
_VERIFY_DROP = regex.compile(r"[^\p{L}\p{N}]+")
_VERIFY_SQUEEZE = regex.compile(r"(\p{L})\1+")
_MARKS = regex.compile(r"\p{M}+")


def verification_form(text: str) -> str:
    """The string that rapidfuzz compares: folded like the tokens, but digits kept as they are.

    Digits stay so that two tables of different numbers are not duplicates; letters are squeezed
    so that doubled-letter text still verifies against its clean copy.
    """
    if text.isascii():  # the common case, about twice as fast; same result (tested)
        return _ASCII_SQUEEZE.sub(r"\1", text.lower().translate(_ASCII_DROP))
    return _general_verification_form(text)


def _general_verification_form(text: str) -> str:
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text).casefold())
    text = _VERIFY_DROP.sub("", text)
    return _VERIFY_SQUEEZE.sub(r"\1", text)


_JOINT = "\x00"  # kept by the batch paths and never a letter, so no squeeze crosses it
_ASCII_DROP_BUT_JOINT = {c: None for c in _ASCII_DROP if chr(c) != _JOINT}
_DROPPED, _KEPT, _LETTER = 0, 1, 2
_KEPT_CHARACTER = regex.compile(r"[\p{N}\x00]")
_LETTER_CHARACTER = regex.compile(r"\p{L}")


def verification_forms(texts: Sequence[str]) -> list[str]:
    """:func:`verification_form` of every text, equal string for string (tested).

    A regex call per short block costs more than its work, so the texts of each path go
    through it joined into one string, and the drop and squeeze steps are NumPy masks (a regex
    substitution per doubled letter is slow when most English words have one).
    """
    out = [""] * len(texts)
    rows: dict[bool, list[int]] = {True: [], False: []}
    for i, text in enumerate(texts):
        rows[text.isascii()].append(i)
    for is_ascii, group_rows in rows.items():
        if not group_rows:
            continue
        group = [texts[i] for i in group_rows]
        joined = _JOINT.join(group)
        if joined.count(_JOINT) != len(group) - 1:  # a text holds the joint: one at a time
            forms = [verification_form(text) for text in group]
        elif is_ascii:
            forms = _ascii_verification_forms(joined)
        else:
            forms = _general_verification_forms(joined)
        for i, form in zip(group_rows, forms, strict=True):
            out[i] = form
    return out


def _ascii_verification_forms(joined: str) -> list[str]:
    folded = np.frombuffer(joined.lower().translate(_ASCII_DROP_BUT_JOINT).encode(), np.uint8)
    keep = np.ones(len(folded), dtype=bool)
    # Only [a-z0-9] and the joint are left, so a letter is a byte from "a" on.
    keep[1:] = (folded[1:] != folded[:-1]) | (folded[1:] < ord("a"))
    return folded[keep].tobytes().decode().split(_JOINT)


def _general_verification_forms(joined: str) -> list[str]:
    cps = codepoints(unicodedata.normalize("NFKD", joined).casefold())
    # Each distinct code point is classified by the regex module itself, as the regexes of
    # the single-text path do (its Unicode version may differ from unicodedata's).
    seen = np.zeros(0x110000, dtype=bool)
    seen[cps] = True
    present = np.flatnonzero(seen)
    kind = np.zeros(0x110000, dtype=np.uint8)
    kind[present] = [_verification_kind(chr(cp)) for cp in present.tolist()]
    kinds = kind[cps]
    kept = kinds != _DROPPED
    cps, kinds = cps[kept], kinds[kept]
    keep = np.ones(len(cps), dtype=bool)
    keep[1:] = (cps[1:] != cps[:-1]) | (kinds[1:] != _LETTER)
    return cps[keep].tobytes().decode("utf-32-le", "surrogatepass").split(_JOINT)


def _verification_kind(char: str) -> int:
    if _LETTER_CHARACTER.match(char):
        return _LETTER
    return _KEPT if _KEPT_CHARACTER.match(char) else _DROPPED
