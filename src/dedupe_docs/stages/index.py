"""Index of first occurrences: for every shingle, where in corpus order it was first seen."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dedupe_docs.runtime import workers

RANGE_BITS = 8
"""Hash ranges (top bits) that the shingle rows of a signed batch are grouped by: an index task
reads a few consecutive ranges of every batch."""
TASK_BITS = 4
"""Index tasks over batch files, as top bits (each reads ``2**(RANGE_BITS - TASK_BITS)``
consecutive ranges)."""


def first_occurrences(hashes: np.ndarray, jobs: int = 1) -> np.ndarray:
    """For each position, the smallest position holding the same hash (itself if first, or
    if its hash is 0: no shingle starts there).

    One pass over a hash table when the compiled kernels are there, else a sort. With ``jobs``
    threads, each takes the hashes of one range of top bits (a power of two of them, at least
    ``jobs`` and at most ``2**TASK_BITS``) into its own table.
    """
    from dedupe_docs.stages import normalize  # (normalize uses this module)

    if normalize.compiled() is None or not len(hashes):
        return first_occurrences_sorted(hashes)
    from dedupe_docs.stages.kernels import first_occurrences_kernel

    bits = min((jobs - 1).bit_length(), TASK_BITS)  # each part reads every hash
    first = np.empty(len(hashes), dtype=position_dtype(len(hashes)))
    workers.tmap(
        lambda _shared, part: first_occurrences_kernel(hashes, first, part, bits),
        range(1 << bits),
        None,
        jobs,
    )
    return first


def position_dtype(n: int) -> type:
    """The dtype for positions among ``n`` tokens: int32 below 2**31 halves the memory (and
    the pages to fault in) of the per-token index and alignment columns."""
    return np.int32 if n < 2**31 else np.int64


def first_occurrences_sorted(hashes: np.ndarray) -> np.ndarray:
    """The sorting reference of :func:`first_occurrences`.

    The sort only groups equal hashes; the first occurrence of each group is its smallest
    position, so the result depends on corpus order alone, not on how the sort breaks ties.
    """
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(hashes)
    ordered = hashes[order]
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_group[1:])
    del ordered
    starts = np.flatnonzero(new_group)
    group_first = np.minimum.reduceat(order, starts)
    first = np.empty(n, dtype=np.int64)
    first[order] = np.repeat(group_first, np.diff(np.append(starts, n)))
    zero = np.flatnonzero(hashes == 0)
    first[zero] = zero
    return first


def partition(hashes: np.ndarray, bits: int) -> list[np.ndarray]:
    """Positions of each hash range (the top ``bits`` bits of the hash), ascending in each.

    A stable sort keeps input order inside every range, so a range's first occurrences are
    the corpus's: the shuffle of DESIGN §3, in memory.
    """
    if bits == 0:
        return [np.arange(len(hashes), dtype=np.int64)]
    top = (hashes >> np.uint64(64 - bits)).astype(np.uint16 if bits <= 16 else np.uint64)
    order = np.argsort(top, kind="stable")
    bounds = np.searchsorted(top[order], np.arange((1 << bits) + 1), side="left")
    return [order[bounds[p] : bounds[p + 1]] for p in range(1 << bits)]


def first_occurrences_by_range(
    hashes: np.ndarray, bits: int, jobs: int = 1, engine: str = "local"
) -> np.ndarray:
    """:func:`first_occurrences`, one task per hash range (``2**bits`` of them), recombined.

    The result is the same for every ``bits``: positions are the global order key.
    """
    parts = partition(hashes, bits)
    firsts = workers.pmap(_first_in_range, [hashes[p] for p in parts], None, jobs, engine)
    first = np.empty(len(hashes), dtype=np.int64)
    for positions, local in zip(parts, firsts, strict=True):
        first[positions] = positions[local]
    return first


def _first_in_range(_shared: None, hashes: np.ndarray) -> np.ndarray:
    return first_occurrences(hashes)


def range_rows(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``(hash, position)`` rows of the shingles (0: none) grouped by hash range, in order
    inside each range, and where each range starts (plus the end): how a signed batch file
    stores its shingles, so that an index task reads only its range."""
    positions = np.flatnonzero(hashes)
    top = (hashes[positions] >> np.uint64(64 - RANGE_BITS)).astype(np.uint16)
    positions = positions[np.argsort(top, kind="stable")]
    rows = np.stack([hashes[positions], positions.astype(np.uint64)], axis=1)
    bounds = np.zeros((1 << RANGE_BITS) + 1, np.int64)
    np.cumsum(np.bincount(top, minlength=1 << RANGE_BITS), out=bounds[1:])
    return rows, bounds


def rows_path(batch_file: Path) -> Path:
    """The rows file beside a signed batch file."""
    return batch_file.with_name(batch_file.stem + ".rows.npy")


def first_occurrences_from_files(
    files: Sequence[Path], token_bases: np.ndarray, jobs: int = 1, engine: str = "local"
) -> np.ndarray:
    """:func:`first_occurrences` of a corpus signed into batch files: one task per group of
    hash ranges, each reading only its ranges of every file (memory-mapped), in batch order.
    The shuffle is the files; a task needs no array from the driver, only the file names."""
    bounds = []
    for name in files:
        with np.load(name) as saved:
            bounds.append(saved["range_bounds"])
    step = 1 << (RANGE_BITS - TASK_BITS)
    groups = [(lo, lo + step) for lo in range(0, 1 << RANGE_BITS, step)]
    shared = ([str(rows_path(f)) for f in files], bounds, token_bases.tolist())
    found = workers.pmap(_first_in_group, groups, shared, jobs, engine)
    first = np.arange(int(token_bases[-1]), dtype=np.int64)
    for positions, firsts in found:
        first[positions] = firsts
    return first


def _first_in_group(
    shared: tuple[list[str], list[np.ndarray], list[int]], group: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    return first_in_rows(*shared, *group)


def first_occurrence_groups(
    groups: Sequence[Any],
    bases: Sequence[int],
    remaps: Sequence[np.ndarray | None],
    config: Any,
) -> list[Any]:
    """:func:`first_occurrences` of a corpus signed in parts (the Ray engine's read tasks),
    each having grouped its shingle rows by hash range (:func:`part_groups`): one task per
    group, taking that group's rows of every part (``groups``: per group, the rows of every
    part, shared by :func:`workers.joined`), the part's positions moved by its first token
    (``bases``) or through ``remaps`` (a part whose documents the driver dropped: each token's
    corpus position, -1 for a dropped one). The result stays in the tasks: per group, the
    corpus positions of its shingles, ascending, and where each first occurs, as handles
    (:func:`workers.stream_kept`) that :func:`first_slice` reads. The driver never holds the
    shingles nor the index."""
    done = workers.stream_kept(
        _first_in_parts_sorted, groups, (bases, remaps), 2 * config.jobs, config.engine
    )
    return [kept for _, (kept,) in done]


def _first_in_parts_sorted(
    shared: tuple[Sequence[int], Sequence[np.ndarray | None]], parts: Sequence[np.ndarray]
) -> tuple[None, tuple[np.ndarray, np.ndarray]]:
    at, firsts = _first_in_parts(shared, parts)
    order = np.argsort(at)
    return None, (at[order], firsts[order])


def first_slice(
    groups: Sequence[tuple[np.ndarray, np.ndarray]], lo: int, hi: int, total: int
) -> np.ndarray:
    """Where the shingles of tokens ``lo..hi`` of a corpus of ``total`` tokens first occur
    (each token itself where none starts), from :func:`first_occurrence_groups`."""
    first = np.arange(lo, hi, dtype=position_dtype(total))
    for at, firsts in groups:
        a, b = np.searchsorted(at, [lo, hi])
        first[at[a:b] - lo] = firsts[a:b]
    return first


def part_groups(shingles: np.ndarray) -> list[np.ndarray]:
    """The ``(hash, position)`` rows of a part's shingles (:func:`range_rows`) cut into the
    ``2**TASK_BITS`` groups of hash ranges that index tasks take."""
    rows, bounds = range_rows(shingles)
    step = 1 << (RANGE_BITS - TASK_BITS)
    return [rows[bounds[lo] : bounds[lo + step]] for lo in range(0, 1 << RANGE_BITS, step)]


def _first_in_parts(
    shared: tuple[Sequence[int], Sequence[np.ndarray | None]], parts: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The corpus positions of the shingles of one group of hash ranges in every part (in
    part order, ascending in each), and where each first occurs."""
    bases, remaps = shared
    hashes = np.concatenate([rows[:, 0] for rows in parts]) if parts else np.zeros(0, np.uint64)
    at = np.empty(len(hashes), np.int64)
    filled = 0
    for rows, base, remap in zip(parts, bases, remaps, strict=True):
        local = rows[:, 1].astype(np.int64)
        at[filled : filled + len(rows)] = local + base if remap is None else remap[local]
        filled += len(rows)
    kept = at >= 0  # not a token of a dropped document
    if not kept.all():
        hashes, at = hashes[kept], at[kept]
    first = first_occurrences(hashes)
    del hashes
    return at, at[first]


def first_in_rows(
    rows_files: Sequence[str], bounds: Sequence[np.ndarray], bases: Sequence[int], lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """The corpus positions of the shingles of hash ranges ``lo..hi`` in every rows file (each
    file's ranges start at ``bounds``, its positions at ``bases``), and where each first occurs.
    Positions ascend within a range, and the ranges hold disjoint hashes. The rows are read
    straight into two columns of the group's size (no per-file copies to join: the bounded
    run sizes its groups by these bytes)."""
    counts = [int(bound[hi] - bound[lo]) for bound in bounds]
    hashes = np.empty(sum(counts), np.uint64)
    at = np.empty(len(hashes), np.int64)
    filled = 0
    for name, bound, base, n in zip(rows_files, bounds, bases, counts, strict=False):
        if not n:
            continue
        rows = np.load(name, mmap_mode="r")[bound[lo] : bound[hi]]
        hashes[filled : filled + n] = rows[:, 0]
        at[filled : filled + n] = rows[:, 1]
        at[filled : filled + n] += base
        filled += n
        del rows
    first = first_occurrences(hashes)
    del hashes
    return at, at[first]
