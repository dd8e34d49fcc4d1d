"""The map stage: a batch of documents → token, block and shingle arrays.

Documents are joined with a blank line and analysed in one vectorised pass, so the cost per
document is a few array slices, not a few dozen NumPy calls: a corpus of 100,000 tiny files
costs about as much as one file of the same size. Tokens and blocks never cross the joins
(a line break separates tokens and blocks, a blank line paragraphs).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import attrs
import numpy as np

from dedupe_docs.config import Config
from dedupe_docs.runtime import storage
from dedupe_docs.runtime.arrays import range_indices
from dedupe_docs.stages.index import RANGE_BITS, range_rows, rows_path
from dedupe_docs.stages.kernels import (
    CLOSER_CHAR,
    COUNTED,
    EDGE_CHAR,
    EDGE_CHARS,
    FRAGMENT_CHARS,
    MAY_CLOSE,
    MAY_OPEN,
    SENTENCE_END,
    SENTENCE_OPENS,
    SHORT_COPY_CHARS,
    SHORT_LINE_TOKENS,
    SHORT_SENTENCE_TOKENS,
    SPACE_CHAR,
    STOP_CHAR,
    WIDE_STOP_CHAR,
)
from dedupe_docs.stages.normalize import _POWERS, Tokens, codepoints, compiled, mix64, tokenize
from dedupe_docs.stages.segment import segment
from dedupe_docs.stages.shingle import shingle, shingle_multipliers

JOIN = "\n\n"


@attrs.frozen(eq=False)
class Signed:
    """Arrays of a run of consecutive documents (token offsets are int32: a document is
    shorter than 2**31 characters).

    Token and block offsets are code points into each document's own text; ``doc_tokens`` and
    ``doc_blocks`` hold where each document's tokens and blocks start (plus the total); block
    token ranges index this object's tokens. ``shingles`` has one hash per token: that of the
    ``k`` tokens starting there, or 0 where they would run past the document's end; at the
    first token of a line of fewer than ``k`` tokens long by its characters, that of the
    line's own tokens (:func:`_short_line_shingles`).
    """

    doc_tokens: np.ndarray
    doc_blocks: np.ndarray
    tok_start: np.ndarray
    tok_end: np.ndarray
    tok_hash: np.ndarray  # matching form
    tok_exact: np.ndarray  # digits kept
    blk_start: np.ndarray
    blk_end: np.ndarray
    blk_t0: np.ndarray
    blk_t1: np.ndarray
    shingles: np.ndarray  # uint64 per token (see above)
    tok_sentence: np.ndarray  # uint8 per token: SENTENCE_OPENS, COUNTED, MAY_OPEN, MAY_CLOSE bits

    @property
    def n_docs(self) -> int:
        return len(self.doc_tokens) - 1


def sign(texts: Sequence[str], config: Config) -> Signed:
    """Tokenise, segment and shingle ``texts`` (one batch) in one vectorised pass."""
    joined = JOIN.join(texts)
    cps = codepoints(joined)
    tokens = tokenize(joined, cps)
    blocks = segment(joined, config.unit, cps)
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    doc_char = np.concatenate(([0], np.cumsum(lengths + len(JOIN))))[: len(texts)]
    if compiled() is None:
        opens = counted_sentences(sentence_opens(cps, tokens, blocks), tokens)
        signed = sign_columns(tokens, blocks, doc_char, config.shingle_size, opens)
        _short_line_shingles(signed, config.shingle_size)
        return signed
    from dedupe_docs.stages.kernels import sentence_opens_kernel, sign_columns_kernel

    opens = sentence_opens_kernel(
        cps, tokens.starts, tokens.ends, np.searchsorted(tokens.starts, blocks[:, 0]), _classes()
    )
    columns = sign_columns_kernel(
        tokens.starts,
        tokens.ends,
        tokens.hashes,
        blocks,
        doc_char,
        config.shingle_size,
        shingle_multipliers(),
    )
    doc_tokens, doc_blocks, tok_start, tok_end, blk_start, blk_end, blk_t0, blk_t1, shingles = (
        columns
    )
    signed = Signed(
        doc_tokens=doc_tokens,
        doc_blocks=doc_blocks,
        tok_start=tok_start,
        tok_end=tok_end,
        tok_hash=tokens.hashes,
        tok_exact=tokens.exact,
        blk_start=blk_start,
        blk_end=blk_end,
        blk_t0=blk_t0,
        blk_t1=blk_t1,
        shingles=shingles,
        tok_sentence=opens,
    )
    _short_line_shingles(signed, config.shingle_size)
    return signed


def _short_line_shingles(s: Signed, k: int) -> None:
    """The shingle at the first token of each line of fewer than ``k`` tokens (and two or
    more) whose words span ``SHORT_COPY_CHARS`` characters or more becomes the hash of that
    line's tokens alone, in place: such a line (``Отличительные свойства данной
    реализации:``) has no shingle of its own, every one it starts runs on into the next line,
    so a copy of it elsewhere would never be seen. Two such lines meet where their tokens are
    the same (:func:`dedupe_docs.stages.kernels.short_lines_kernel` aligns them)."""
    t0, t1 = s.blk_t0, s.blk_t1
    n = t1 - t0
    short = np.flatnonzero((n >= 2) & (n < k))
    if len(short) == 0:
        return
    short = short[s.tok_end[t1[short] - 1] - s.tok_start[t0[short]] >= SHORT_COPY_CHARS]
    keys = block_hashes(s.tok_hash, t0[short], t1[short])
    with np.errstate(over="ignore"):
        keys = mix64(keys ^ _SHORT_LINE_SALT)
    s.shingles[t0[short]] = np.where(keys == 0, np.uint64(1), keys)


_SHORT_LINE_SALT = np.uint64(0x5BD1E9955BD1E995)
_STOPS = np.array([ord(c) for c in ".!?…"], dtype=np.uint32)
_CLOSERS = np.array([ord(c) for c in "\"'”’»)]"], dtype=np.uint32)
_WIDE_STOPS = np.array([ord(c) for c in "。！？"], dtype=np.uint32)
_SPACES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)
_EDGE_MARKS = np.array([ord(c) for c in SENTENCE_END + "\n"], dtype=np.uint32)


@functools.cache
def _classes() -> np.ndarray:
    """The character classes of :func:`sentence_opens_kernel`, per code point of the Basic
    Multilingual Plane."""
    classes = np.zeros(0x10000, dtype=np.uint8)
    for chars, bit in (
        (_STOPS, STOP_CHAR),
        (_CLOSERS, CLOSER_CHAR),
        (_WIDE_STOPS, WIDE_STOP_CHAR),
        (_SPACES, SPACE_CHAR),
        (_EDGE_MARKS, EDGE_CHAR),
    ):
        classes[chars] |= bit
    return classes


def sentence_opens(cps: np.ndarray, tokens: Tokens, blocks: np.ndarray) -> np.ndarray:
    """Per token (of a joined text of code points ``cps``), the bits of
    :attr:`Signed.tok_sentence` but ``COUNTED``: ``SENTENCE_OPENS`` where a sentence starts, as
    :func:`dedupe_docs.stages.segment.sentences` cuts them (at the first token of a block, and
    after a full stop between it and the token before: ``.!?…`` with white space after it,
    past a closing quote or bracket; ``。！？`` anywhere); ``MAY_OPEN`` and ``MAY_CLOSE`` where
    deciding may find one opening or closing. The NumPy reference of the compiled
    ``sentence_opens_kernel``."""
    n = len(tokens.starts)
    opens = np.zeros(n, dtype=np.uint8)
    if n == 0:
        return opens
    marks = np.flatnonzero(np.isin(cps, _STOPS))
    past = marks + 1  # the first character past each mark and the closers after it
    moving = np.flatnonzero(past < len(cps))
    while len(moving):
        moving = moving[np.isin(cps[past[moving]], _CLOSERS)]
        past[moving] += 1
        moving = moving[past[moving] < len(cps)]
    padded = np.append(cps, np.uint32(0x20))  # the text's end ends a sentence too
    stops = np.union1d(
        marks[np.isin(padded[np.minimum(past, len(cps))], _SPACES)],
        np.flatnonzero(np.isin(cps, _WIDE_STOPS)),
    )
    edges = np.flatnonzero(np.isin(cps, _EDGE_MARKS))

    def between(at: np.ndarray) -> np.ndarray:
        """Per token but the first, whether one of the offsets ``at`` lies in the gap before it."""
        return np.searchsorted(at, tokens.starts[1:]) > np.searchsorted(at, tokens.ends[:-1])

    may = between(edges) | (tokens.starts[1:] - tokens.ends[:-1] >= EDGE_CHARS)
    opens[1:] = np.where(between(stops), SENTENCE_OPENS, 0) | np.where(may, MAY_OPEN, 0)
    first = np.searchsorted(tokens.starts, blocks[:, 0])
    opens[first[first < n]] |= SENTENCE_OPENS | MAY_OPEN
    opens[0] |= SENTENCE_OPENS | MAY_OPEN
    opens[:-1] |= np.where(opens[1:] & MAY_OPEN, MAY_CLOSE, 0).astype(np.uint8)
    opens[-1] |= MAY_CLOSE
    return opens


def counted_sentences(opens: np.ndarray, tokens: Tokens) -> np.ndarray:
    """``opens`` (:func:`sentence_opens`) with the first token of each sentence that is counted
    over the documents marked ``COUNTED``: one of ``SHORT_LINE_TOKENS`` to
    ``SHORT_SENTENCE_TOKENS`` tokens whose words span ``FRAGMENT_CHARS`` characters or more,
    too short to count by its tokens and maybe long enough by its characters
    (:func:`dedupe_docs.stages.boilerplate.sentence_rows`)."""
    starts = np.flatnonzero(opens & SENTENCE_OPENS)
    ends = np.append(starts[1:], len(opens))
    size = ends - starts
    counted = (size >= SHORT_LINE_TOKENS) & (size < SHORT_SENTENCE_TOKENS)
    starts, ends = starts[counted], ends[counted]
    counted = tokens.ends[ends - 1] - tokens.starts[starts] >= FRAGMENT_CHARS
    opens[starts[counted]] |= COUNTED
    return opens


_SENTENCE_SALT = np.uint64(0x2127599BF4325C37)
_SENTENCE_COUNT = np.uint64(0xD6E8FEB86659FD93)


def block_hashes(token_hashes: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Order-sensitive hash of each block's token sequence (0 for a block without tokens)."""
    out = np.zeros(len(first), dtype=np.uint64)
    nonempty = np.flatnonzero(last > first)
    if len(nonempty) == 0:
        return out
    counts = (last - first)[nonempty]
    offsets = np.cumsum(counts) - counts
    position = np.arange(int(counts.sum())) - np.repeat(offsets, counts)
    index = np.repeat(first[nonempty], counts) + position
    with np.errstate(over="ignore"):
        weighted = token_hashes[index] * _POWERS[np.minimum(position, len(_POWERS) - 1)]
        sums = np.add.reduceat(weighted, offsets)
    out[nonempty] = mix64(sums ^ counts.astype(np.uint64)) | np.uint64(1)
    return out


def sentence_keys(token_hashes: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The key of each sentence of tokens ``first..last`` (their exact hashes): counted over
    the documents with the template keys (:func:`dedupe_docs.stages.boilerplate.sentence_rows`),
    a sentence too short to count by its tokens that stands in twice as many documents as a
    template line needs is a formula (``This can be an SQL identifier or a host variable.``),
    not a copy on its own. The sum of the tokens' hashes and their count, mixed."""
    counts = last - first
    sums = np.zeros(len(first), dtype=np.uint64)
    nonempty = np.flatnonzero(counts > 0)
    if len(nonempty):
        index, offsets = range_indices(first[nonempty], counts[nonempty])
        sums[nonempty] = np.add.reduceat(token_hashes[index], offsets)
    with np.errstate(over="ignore"):
        return mix64(sums ^ (counts.astype(np.uint64) * _SENTENCE_COUNT) ^ _SENTENCE_SALT)


def sign_columns(
    tokens: Tokens, blocks: np.ndarray, doc_char: np.ndarray, k: int, opens: np.ndarray
) -> Signed:
    """The columns of :func:`sign` in NumPy (``opens``: :func:`sentence_opens`): the
    reference its compiled kernel is tested against (and what runs with
    ``DEDUPE_DOCS_PURE_NUMPY``)."""
    n_docs = len(doc_char)
    doc_tokens = np.append(np.searchsorted(tokens.starts, doc_char), len(tokens))
    doc_blocks = np.append(np.searchsorted(blocks[:, 0], doc_char), len(blocks))
    tok_doc = np.repeat(np.arange(n_docs), np.diff(doc_tokens))
    blk_doc = np.repeat(np.arange(n_docs), np.diff(doc_blocks))
    shingles = np.zeros(len(tokens), dtype=np.uint64)
    windows = shingle(tokens.hashes, k)
    windows[windows == 0] = 1  # 0 stands for no shingle
    if len(windows):
        shingles[: len(windows)] = np.where(tok_doc[: len(windows)] == tok_doc[k - 1 :], windows, 0)
    return Signed(
        doc_tokens=doc_tokens,
        doc_blocks=doc_blocks,
        tok_start=(tokens.starts - doc_char[tok_doc]).astype(np.int32),
        tok_end=(tokens.ends - doc_char[tok_doc]).astype(np.int32),
        tok_hash=tokens.hashes,
        tok_exact=tokens.exact,
        blk_start=blocks[:, 0] - doc_char[blk_doc],
        blk_end=blocks[:, 1] - doc_char[blk_doc],
        blk_t0=np.searchsorted(tokens.starts, blocks[:, 0]),
        blk_t1=np.searchsorted(tokens.starts, blocks[:, 1]),
        shingles=shingles,
        tok_sentence=opens,
    )


def stored(config: Config, texts: Sequence[str]) -> tuple[Path, Signed]:
    """The signed batch and its file in ``config.work_dir``, signed now unless a run (any
    engine, any worker) signed the same texts with the same options before.

    The name is a hash of the texts, the options that shape the arrays and this code, so a file
    is never reused for anything else. Beside it, ``NAME.rows.npy`` holds the shingles grouped
    by hash range for :func:`dedupe_docs.stages.index.first_occurrences_from_files`. Both are
    written under temporary names, flushed to disk and renamed, the rows first: a batch file that
    exists means both are complete, which makes tasks idempotent and a rerun after a crash skip the
    batches already done. A file that does not check out is signed again.
    """
    assert config.work_dir is not None
    path = Path(config.work_dir) / "sign" / f"{_fingerprint(texts, config)}.npz"
    try:
        return path, _load_complete(path)
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        pass  # not there yet, or damaged: sign again
    signed = sign(texts, config)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, bounds = range_rows(signed.shingles)
    _write_durably(rows_path(path), lambda f: np.save(f, rows))
    arrays = attrs.asdict(signed, recurse=False)
    _write_durably(path, lambda f: np.savez(f, range_bounds=bounds, **arrays))
    storage.fsync_path(path.parent)
    return path, signed


def load(path: Path) -> Signed:
    """A signed batch written by :func:`stored`."""
    with np.load(path) as saved:
        return Signed(**{f.name: saved[f.name] for f in attrs.fields(Signed)})


def _load_complete(path: Path) -> Signed:
    """:func:`load`, after checking that the rows file beside it has every row (ValueError)."""
    with np.load(path) as saved:
        bounds = saved["range_bounds"]
    rows = np.load(rows_path(path), mmap_mode="r")
    if len(bounds) != (1 << RANGE_BITS) + 1 or rows.dtype != np.uint64:
        raise ValueError(f"{path}: another layout")
    if rows.shape != (int(bounds[-1]), 2):
        raise ValueError(f"{path}: rows file cut short")
    return load(path)


def _write_durably(target: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write ``target`` under a unique temporary name, fsync it, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).replace(target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def remove_leftovers(work_dir: str, older_than: float = 86400.0) -> None:
    """Remove the temporary files that killed runs left in ``work_dir`` (a day old: a live
    writer's file is seconds old)."""
    cutoff = time.time() - older_than
    for tmp in (Path(work_dir) / "sign").glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()


def _fingerprint(texts: Sequence[str], config: Config) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{_code_version()} {config.shingle_size} {config.unit}".encode())
    for text in texts:
        digest.update(len(text).to_bytes(8, "little"))
        digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@functools.cache
def _code_version() -> str:
    """A hash of the modules that shape the signed arrays and their files, of the Unicode
    tables they are built from, and of NumPy's version (its file format)."""
    digest = hashlib.blake2b(
        f"{np.__version__} {unicodedata.unidata_version}".encode(), digest_size=8
    )
    for name in ("sign.py", "normalize.py", "segment.py", "shingle.py", "index.py", "kernels.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


TOKEN_COLUMNS = ("tok_start", "tok_end", "tok_hash", "tok_exact", "tok_sentence", "shingles")
BLOCK_COLUMNS = ("blk_start", "blk_end", "blk_t0", "blk_t1")


class Joiner:
    """Signed batches joined in order as they come (token and block indices re-based).

    Why not one ``np.concatenate`` at the end: every batch would be held until then, beside
    the joined copy. Each batch is copied into columns sized for the whole corpus and let go,
    so the next batch reuses its memory and only the joined columns grow. The columns are
    sized from the first batch's tokens and blocks per character (in sparse maps, whose pages
    never written cost no memory) and grow by half when a later batch needs more.
    """

    def __init__(self, corpus_chars: int) -> None:
        self.corpus_chars = corpus_chars
        self.columns: dict[str, np.ndarray] = {}
        self.doc_tokens: list[np.ndarray] = []
        self.doc_blocks: list[np.ndarray] = []
        self.tokens = self.blocks = 0
        self.bases = [0]  # the first token of each batch, plus the total

    def add(self, part: Signed, chars: int) -> None:
        """Append ``part``, a batch of ``chars`` characters."""
        n_tok, n_blk = len(part.tok_start), len(part.blk_start)
        if not self.columns:
            scale = self.corpus_chars / max(chars, 1)
            self._reserve(part, int(1.25 * n_tok * scale) + 64, int(1.25 * n_blk * scale) + 64)
        self._reserve(part, self.tokens + n_tok, self.blocks + n_blk)
        t, b = self.tokens, self.blocks
        for name in TOKEN_COLUMNS:
            self.columns[name][t : t + n_tok] = getattr(part, name)
        for name in BLOCK_COLUMNS:
            self.columns[name][b : b + n_blk] = getattr(part, name)
        self.columns["blk_t0"][b : b + n_blk] += t
        self.columns["blk_t1"][b : b + n_blk] += t
        self.doc_tokens.append(part.doc_tokens[:-1] + t)
        self.doc_blocks.append(part.doc_blocks[:-1] + b)
        self.tokens, self.blocks = t + n_tok, b + n_blk
        self.bases.append(self.tokens)

    def _reserve(self, like: Signed, tokens: int, blocks: int) -> None:
        for names, need, used in (
            (TOKEN_COLUMNS, tokens, self.tokens),
            (BLOCK_COLUMNS, blocks, self.blocks),
        ):
            for name in names:
                column = self.columns.get(name)
                if column is not None and len(column) >= need:
                    continue
                size = need if column is None else max(need, len(column) * 3 // 2)
                grown = storage.sparse_array(size, getattr(like, name).dtype)
                if column is not None:
                    grown[:used] = column[:used]
                self.columns[name] = grown

    def signed(self) -> Signed:
        """The joined batches (the columns are released from this object)."""
        columns, self.columns = self.columns, {}
        if not columns:
            return sign([], Config())
        return Signed(
            doc_tokens=np.concatenate([*self.doc_tokens, np.array([self.tokens])]),
            doc_blocks=np.concatenate([*self.doc_blocks, np.array([self.blocks])]),
            **{n: columns[n][: self.tokens] for n in TOKEN_COLUMNS},
            **{n: columns[n][: self.blocks] for n in BLOCK_COLUMNS},
        )


def concat(parts: list[Signed]) -> Signed:
    """Join signed batches in order into one (token and block indices re-based); consumes
    ``parts`` (the list is emptied as they are joined)."""
    if len(parts) == 1:
        return parts.pop()
    joiner = Joiner(sum(len(p.tok_start) for p in parts))
    parts.reverse()
    while parts:
        part = parts.pop()
        joiner.add(part, len(part.tok_start))
    return joiner.signed()


def batches(texts: Sequence[str] | Sequence[int], target_chars: int = 1 << 22) -> list[range]:
    """Cut document indices into consecutive batches of about ``target_chars`` characters
    (``texts``: the documents' texts, or their lengths)."""
    out, start, size = [], 0, 0
    for i, t in enumerate(texts):
        size += t if isinstance(t, int) else len(t)
        if size >= target_chars:
            out.append(range(start, i + 1))
            start, size = i + 1, 0
    if start < len(texts) or not out:
        out.append(range(start, len(texts)))
    return out
