"""The persisted index: what a later batch needs of every earlier one, embedded, no server.

``INDEX_DIR/index.sqlite`` holds the batches and documents (id, batch, zlib-compressed text,
units after cleaning with their history) and the manifest: the ``segments`` table lists the
segment folders in use, oldest first. Each update writes the batch's new first occurrences and
boilerplate counts as a new segment ``seg-N/`` (:mod:`dedupe_docs.drivers.segments`) and
switches to it in the SQLite transaction that adds the batch's documents; earlier segments are
never rewritten. A lookup searches every segment, the oldest holding a hash first.
:meth:`Store.compact` merges the segments into one, switched the same way. Killed at any
point, an update or a compaction leaves the previous index usable: a folder the manifest does
not list is a leftover, removed by the next writer.

An index written before segments (``meta.generation`` a number, one ``gen-N/`` folder) is read
as it is: the switch to this layout only changes its SQLite rows, and its ``gen-N/`` folder
stays the first segment until ``compact`` rewrites it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from dedupe_docs.config import Config
from dedupe_docs.drivers import segments
from dedupe_docs.errors import ConfigError
from dedupe_docs.runtime.storage import fsync_path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: writers are not serialised
    fcntl = None  # type: ignore[assignment]

FORMAT = 4
"""The layout version in ``meta.format``: 2 = segments (an index without it is the layout
before segments), 3 = each document's units with the sources of its word-for-word copies,
4 = with the sources of all its copies and their similarity."""
UNIT_COLUMNS = 7
"""A stored unit: ``(start, end, kept from round, source document, start, end, similarity)``,
the source given for a removed copy (-1 otherwise) and its similarity as the bits of a float;
layout 2 stored the first three, layout 3 the first six (for word-for-word copies only)."""
_LAYOUT_COLUMNS = {2: 3, 3: 6}
"""Columns of a stored unit in the layouts before this one."""
_ONE = int(np.array(1.0).view(np.int64))
"""The bits of a similarity of 1.0, that of every copy a layout-3 index gives a source."""
_OLD_READERS = f"format {FORMAT}: segments; this index needs a newer dedupe-docs"
"""Stored as ``meta.generation``, which versions before segments read as a number: they stop
with this text instead of taking the index for an empty one."""
_SCHEMA = """
create table if not exists meta (key text primary key, value text not null);
create table if not exists batches (num integer primary key, name text unique not null,
    documents integer not null, chars integer not null, shingles integer not null);
create table if not exists documents (num integer primary key, batch integer not null,
    id text not null, length integer not null, text blob not null, units blob not null);
create table if not exists segments (num integer primary key, name text unique not null,
    first_batch integer not null, last_batch integer not null, shingles integer not null,
    shingle_parts integer not null, boilerplate integer not null,
    boilerplate_parts integer not null);
"""
_RUN_ONLY = ("jobs", "engine", "work_dir", "max_memory")  # options that never change the output


def _compress(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


@attrs.frozen
class Segment:
    """A row of the manifest: a segment folder and the batches it holds."""

    num: int
    name: str
    first_batch: int
    last_batch: int
    shingle_parts: int
    boilerplate_parts: int

    def open(self, index: Path) -> tuple[segments.Column, segments.Column]:
        """Its shingles and boilerplate columns, memory-mapped."""
        folder = index / self.name
        if self.name.startswith("gen-"):
            return segments.open_legacy(folder)
        return (
            segments.open_column(folder, "shingles", self.shingle_parts),
            segments.open_column(folder, "boilerplate", self.boilerplate_parts),
        )


class Store:
    """An open index folder (created on first use)."""

    def __init__(self, folder: Path) -> None:
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{folder}: `index` must be a folder")
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.db = sqlite3.connect(folder / "index.sqlite", isolation_level=None)
        try:
            self.db.executescript(_SCHEMA)
            self._upgrade()
            self._read()
        except BaseException:
            self.db.close()
            raise

    def _upgrade(self) -> None:
        """Mark a new index with this layout, or take an index written before segments in:
        its ``gen-N/`` becomes the first segment, its batches' cumulative shingle counts
        become each batch's own."""
        layout = self.db.execute("select value from meta where key = 'format'").fetchone()
        if layout is not None:
            if int(layout[0]) > FORMAT:
                raise ConfigError(
                    f"{self.folder}: index written by a newer dedupe-docs (layout "
                    f"{layout[0]}; this one reads {FORMAT}): upgrade dedupe-docs"
                )
            if int(layout[0]) < FORMAT:
                self._widen_units()
            return
        self.db.execute("begin immediate")
        try:
            meta = dict(self.db.execute("select key, value from meta"))
            if "format" in meta:  # another process took it in first
                self.db.execute("rollback")
                return
            generation = int(meta.get("generation", 0))
            if generation:
                folder = self.folder / f"gen-{generation:06d}"
                shingles, boilerplate = segments.open_legacy(folder)
                rows = self.db.execute("select num, shingles from batches order by num")
                before = 0
                for num, total in rows.fetchall():
                    self.db.execute(
                        "update batches set shingles = ? where num = ?", (total - before, num)
                    )
                    before = total
                last = self.db.execute("select max(num) from batches").fetchone()[0]
                self.db.execute(
                    "insert into segments values (1, ?, 1, ?, ?, 16, ?, 1)",
                    (folder.name, last, len(shingles), len(boilerplate)),
                )
            self.db.executemany(
                "insert or replace into meta values (?, ?)",
                [("format", "2"), ("generation", _OLD_READERS)],
            )
            self.db.execute("commit")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("rollback")
            raise
        self._widen_units()

    def _widen_units(self) -> None:
        """Take a layout-2 or -3 index in: its units get the columns they lack. A layout-2 unit's
        source is unknown (-1), so copies of its documents' copies are restored rather than
        cited through them; a layout-3 unit with a source is a word-for-word copy (similarity
        1.0)."""
        self.db.execute("begin immediate")
        try:
            layout = self.db.execute("select value from meta where key = 'format'").fetchone()
            if layout is not None and int(layout[0]) >= FORMAT:  # another process did it
                self.db.execute("rollback")
                return
            width = _LAYOUT_COLUMNS[int(layout[0])] if layout is not None else 3
            for num, blob in self.db.execute("select num, units from documents").fetchall():
                old = np.frombuffer(blob, np.int64).reshape(-1, width)
                wide = np.full((len(old), UNIT_COLUMNS), -1, np.int64)
                wide[:, :width] = old
                wide[:, 6] = np.where(wide[:, 3] >= 0, _ONE, -1)
                self.db.execute(
                    "update documents set units = ? where num = ?", (wide.tobytes(), num)
                )
            self.db.executemany(
                "insert or replace into meta values (?, ?)",
                [("format", str(FORMAT)), ("generation", _OLD_READERS)],
            )
            self.db.execute("commit")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("rollback")
            raise

    def _read(self) -> None:
        """The counts, the options and the manifest."""
        meta = dict(self.db.execute("select key, value from meta"))
        self.n_docs = int(meta.get("documents", 0))
        self.config: dict[str, Any] | None = (
            json.loads(meta["config"]) if "config" in meta else None
        )
        self.n_batches = int(
            self.db.execute("select coalesce(max(num), 0) from batches").fetchone()[0]
        )
        rows = self.db.execute(
            "select num, name, first_batch, last_batch, shingle_parts, boilerplate_parts"
            " from segments order by first_batch"
        )
        self.segments = [Segment(*row) for row in rows]

    def _columns(self) -> list[tuple[segments.Column, segments.Column]]:
        """Every segment's columns, oldest first, mapped for the caller only (the pages it
        reads do not stay in the process); a segment that a compaction removed since the
        manifest was read means the manifest changed: read it again."""
        for _ in range(10):
            try:
                return [segment.open(self.folder) for segment in self.segments]
            except FileNotFoundError:
                self._read()
        raise ConfigError(f"{self.folder}: the index keeps changing while it is read")

    def close(self) -> None:
        self.db.close()

    def check(self, config: Config) -> None:
        """Refuse options that would make matching differ from the earlier batches'."""
        if config.keep != "first":
            raise ConfigError('`index` needs `keep="first"` (earlier batches are never revisited)')
        if config.reuse != "exact":
            raise ConfigError('`index` needs `reuse="exact"` (reworded copies are found in memory)')
        if self.config is None:
            return
        now = _matching(config)
        changed = sorted(k for k in now if self.config.get(k) != now[k])
        if changed:
            raise ConfigError(
                f"{self.folder}: index was built with other options: " + ", ".join(changed)
            )

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """The document of each hash's first occurrence in the index (-1 where none)."""
        queries, back = _ascending(hashes)
        out = np.full(len(queries), -1, dtype=np.int64)
        for shingles, _ in self._columns():  # oldest first: an earlier occurrence wins
            rows, docs = shingles.find(queries)
            fresh = out[rows] < 0
            out[rows[fresh]] = docs[fresh]
        return out if back is None else out[back]

    def key_counts(self, keys: np.ndarray) -> np.ndarray:
        """The documents of every batch in the index that each short-block key stands in."""
        queries, back = _ascending(keys)
        total = np.zeros(len(queries), dtype=np.int64)
        for _, boilerplate in self._columns():
            rows, counts = boilerplate.find(queries)
            total[rows] += counts
        return total if back is None else total[back]

    def documents(self, nums: Sequence[int]) -> list[tuple[int, str, str, str, np.ndarray]]:
        """``(num, id, batch name, text, units)`` of documents ``nums``, in index order; units
        are :data:`UNIT_COLUMNS` rows (see :func:`dedupe_docs.stages.settle.settle`)."""
        rows = []
        for i in range(0, len(nums), 500):
            part = [int(n) for n in nums[i : i + 500]]
            rows += self.db.execute(
                "select d.num, d.id, b.name, d.text, d.units from documents d join batches b"
                f" on d.batch = b.num where d.num in ({','.join('?' * len(part))})",
                part,
            ).fetchall()
        return [
            (
                n,
                i,
                b,
                zlib.decompress(t).decode("utf-8"),
                np.frombuffer(u, np.int64).reshape(-1, UNIT_COLUMNS),
            )
            for n, i, b, t, u in sorted(rows)
        ]

    def texts(self, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The stored text of each ``(batch name, document id)`` of ``wanted`` that the index
        holds (``explain`` reads the sources of earlier batches here)."""
        found: dict[tuple[str, str], str] = {}
        for batch, doc_id in wanted:
            row = self.db.execute(
                "select d.text from documents d join batches b on d.batch = b.num"
                " where b.name = ? and d.id = ?",
                (batch, doc_id),
            ).fetchone()
            if row is not None:
                found[(batch, doc_id)] = zlib.decompress(row[0]).decode("utf-8")
        return found

    def add(
        self,
        name: str | None,
        config: Config,
        docs: Sequence[tuple[str, str, np.ndarray]],
        shingles: tuple[np.ndarray, np.ndarray],
        boilerplate: tuple[np.ndarray, np.ndarray],
    ) -> str:
        """Add a cleaned batch (``(id, text, units)`` per document, the hashes first seen in it
        with their documents, its short-block keys with the documents each stands in) as a new
        segment; returns the batch name."""
        self._unchanged()
        num = self.n_batches + 1
        name = str(num) if name is None else name
        if self.db.execute("select 1 from batches where name = ?", (name,)).fetchone():
            raise ConfigError(f"{self.folder}: batch {name!r} is already in the index")
        with self._writing():
            folder = self._new_folder(f"seg-{num:06d}")
            segments.write_column(folder, "shingles", *shingles)
            segments.write_column(folder, "boilerplate", *boilerplate)
            folder = self._publish(folder)
            self._commit(
                num, name, config, docs, folder.name, len(shingles[0]), len(boilerplate[0])
            )
        return name

    def _new_folder(self, name: str) -> Path:
        """An empty ``name.tmp/`` to write a segment into."""
        tmp = self.folder / f"{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        return tmp

    def _publish(self, tmp: Path) -> Path:
        """Give the written segment its name, durably (it is not in the manifest yet)."""
        folder = tmp.with_name(tmp.name.removesuffix(".tmp"))
        shutil.rmtree(folder, ignore_errors=True)  # a leftover of a killed run
        fsync_path(tmp)
        tmp.rename(folder)
        fsync_path(self.folder)
        return folder

    def _commit(
        self,
        num: int,
        name: str,
        config: Config,
        docs_rows: Sequence[tuple[str, str, np.ndarray]],
        segment: str,
        n_shingles: int,
        n_bp: int,
    ) -> None:
        """The switch: batch, documents and the new segment in one transaction."""
        db, first = self.db, self.n_docs
        with ThreadPoolExecutor(4) as pool:  # zlib releases the GIL
            blobs = list(pool.map(_compress, (text for _, text, _ in docs_rows)))
        db.execute("begin immediate")
        try:
            self._unchanged()
            db.execute(
                "insert into batches values (?, ?, ?, ?, ?)",
                (num, name, len(docs_rows), sum(len(t) for _, t, _ in docs_rows), n_shingles),
            )
            db.executemany(
                "insert into documents values (?, ?, ?, ?, ?, ?)",
                (
                    (
                        first + i,
                        num,
                        id_,
                        len(text),
                        blob,
                        np.ascontiguousarray(units, dtype=np.int64).tobytes(),
                    )
                    for i, ((id_, text, units), blob) in enumerate(
                        zip(docs_rows, blobs, strict=True)
                    )
                ),
            )
            db.execute(
                "insert into segments values (null, ?, ?, ?, ?, 1, ?, 1)",
                (segment, num, num, n_shingles, n_bp),
            )
            meta = {
                "documents": str(first + len(docs_rows)),
                "config": json.dumps(_matching(config), sort_keys=True),
            }
            db.executemany("insert or replace into meta values (?, ?)", meta.items())
            db.execute("commit")
        except BaseException:
            db.execute("rollback")
            raise
        self._read()

    def _unchanged(self) -> None:
        """Refuse to add a batch cleaned against an index that another run added to since."""
        now = self.db.execute("select coalesce(max(num), 0) from batches").fetchone()[0]
        if now != self.n_batches:
            raise ConfigError(
                f"{self.folder}: another run added a batch to the index while this one ran; "
                "clean this batch again"
            )

    def compact(self) -> dict[str, int]:
        """Merge every segment into one (a no-op for one segment in this layout); return the
        segments before and after."""
        with self._writing():
            self._read()
            before = len(self.segments)
            if before == 0 or (before == 1 and not self.segments[0].name.startswith("gen-")):
                return {"segments_before": before, "segments_after": before}
            first, last = self.segments[0].first_batch, self.segments[-1].last_batch
            folder = self._new_folder(f"seg-{first:06d}-{last:06d}")
            columns = self._columns()
            parts = segments.merge(folder, "shingles", [c[0] for c in columns], "first")
            bp_parts = segments.merge(folder, "boilerplate", [c[1] for c in columns], "sum")
            del columns
            folder = self._publish(folder)
            merged = segments.open_column(folder, "shingles", parts)
            n_bp = len(segments.open_column(folder, "boilerplate", bp_parts))
            db = self.db
            db.execute("begin immediate")
            try:
                placeholders = ",".join("?" * before)
                db.execute(
                    f"delete from segments where num in ({placeholders})",
                    [s.num for s in self.segments],
                )
                db.execute(
                    "insert into segments values (null, ?, ?, ?, ?, ?, ?, ?)",
                    (folder.name, first, last, len(merged), parts, n_bp, bp_parts),
                )
                db.execute("commit")
            except BaseException:
                db.execute("rollback")
                raise
            self._read()
            self._remove_leftovers()
        return {"segments_before": before, "segments_after": len(self.segments)}

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the index's write lock (updates and compactions take turns), with the leftovers
        of killed writers removed first."""
        fd = os.open(self.folder / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._remove_leftovers()
            yield
        finally:
            os.close(fd)

    def _remove_leftovers(self) -> None:
        """Remove the segment folders the manifest does not list (killed writers', merged ones)."""
        listed = {row[0] for row in self.db.execute("select name from segments")}
        for path in [*self.folder.glob("seg-*"), *self.folder.glob("gen-*")]:
            if path.is_dir() and not path.is_symlink() and path.name not in listed:
                shutil.rmtree(path, ignore_errors=True)


def _ascending(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``values`` as uint64 ascending and distinct, and where each value went (None: it was)."""
    values = np.asarray(values, dtype=np.uint64)
    if len(values) < 2 or bool(np.all(values[1:] > values[:-1])):
        return values, None
    ordered, back = np.unique(values, return_inverse=True)
    return ordered, back


def _matching(config: Config) -> dict[str, Any]:
    """The options an index is built with (``reuse`` is always ``exact`` in an index, and
    indexes written before it existed do not name it)."""
    return {k: v for k, v in config.to_json().items() if k not in (*_RUN_ONLY, "reuse")}


def info(folder: Path) -> dict[str, Any]:
    """Batches, segments, documents, shingles and bytes on disk of an index folder."""
    store = _existing(folder)
    try:
        batches = [
            dict(zip(("batch", "documents", "chars", "shingles"), row, strict=True))
            for row in store.db.execute(
                "select name, documents, chars, shingles from batches order by num"
            )
        ]
        parts = [
            dict(zip(("segment", "first_batch", "last_batch", "shingles"), row, strict=True))
            for row in store.db.execute(
                "select s.name, f.name, l.name, s.shingles from segments s"
                " join batches f on f.num = s.first_batch join batches l on l.num = s.last_batch"
                " order by s.first_batch"
            )
        ]
    finally:
        store.close()
    for part in parts:
        files = [p for p in (folder / str(part["segment"])).rglob("*") if p.is_file()]
        part["bytes"] = sum(p.stat().st_size for p in files)
    files = [p for p in folder.rglob("*") if p.is_file()]
    return {
        "batches": batches,
        "segments": parts,
        "documents": sum(b["documents"] for b in batches),
        "chars": sum(b["chars"] for b in batches),
        "shingles": sum(p["shingles"] for p in parts),
        "bytes": sum(p.stat().st_size for p in files),
    }


def compact(folder: Path) -> dict[str, int]:
    """Merge the segments of an index folder into one (:meth:`Store.compact`)."""
    store = _existing(folder)
    try:
        return store.compact()
    finally:
        store.close()


def _existing(folder: Path) -> Store:
    if not (folder / "index.sqlite").is_file():
        raise ConfigError(f"{folder}: not an index (no index.sqlite)")
    return Store(folder)
