"""The persisted index: what a later batch needs of every earlier one, embedded, no server.

``INDEX_DIR/index.sqlite`` holds the batches and documents (id, batch, zlib-compressed text,
units after cleaning with their history) and the current generation. ``INDEX_DIR/gen-N/``
holds the shingle index as sorted hash-range files (``hash-XX.npy`` uint64 ascending,
``doc-XX.npy`` int64: the document of each hash's first occurrence) and the document counts
of short-block keys that boilerplate needs. An update writes a new generation folder, then
switches to it in one SQLite transaction: a run killed at any point leaves the previous index
as it was.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from dedupe_docs.config import Config
from dedupe_docs.errors import ConfigError
from dedupe_docs.stages.index import partition

BITS = 4  # hash ranges (files) per generation: 2**BITS
_SCHEMA = """
create table if not exists meta (key text primary key, value text not null);
create table if not exists batches (num integer primary key, name text unique not null,
    documents integer not null, chars integer not null, shingles integer not null);
create table if not exists documents (num integer primary key, batch integer not null,
    id text not null, length integer not null, text blob not null, units blob not null);
"""
_RUN_ONLY = ("jobs", "engine", "work_dir", "max_memory")  # options that never change the output


def _compress(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


class Store:
    """An open index folder (created on first use)."""

    def __init__(self, folder: Path) -> None:
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{folder}: `index` must be a folder")
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.db = sqlite3.connect(folder / "index.sqlite", isolation_level=None)
        self.db.executescript(_SCHEMA)
        meta = dict(self.db.execute("select key, value from meta"))
        self.generation = int(meta.get("generation", 0))
        self.n_docs = int(meta.get("documents", 0))
        self.config: dict[str, Any] | None = (
            json.loads(meta["config"]) if "config" in meta else None
        )

    def close(self) -> None:
        self.db.close()

    def check(self, config: Config) -> None:
        """Refuse options that would make matching differ from the earlier batches'."""
        if config.keep != "first":
            raise ConfigError('`index` needs `keep="first"` (earlier batches are never revisited)')
        if self.config is None:
            return
        now = _matching(config)
        changed = sorted(k for k in now if self.config.get(k) != now[k])
        if changed:
            raise ConfigError(
                f"{self.folder}: index was built with other options: " + ", ".join(changed)
            )

    def _gen(self, generation: int | None = None) -> Path:
        return self.folder / f"gen-{self.generation if generation is None else generation:06d}"

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """The document of each hash's first occurrence in the index (-1 where none)."""
        out = np.full(len(hashes), -1, dtype=np.int64)
        if self.generation == 0 or len(hashes) == 0:
            return out
        for p, where in enumerate(partition(hashes, BITS)):
            keys = np.load(self._gen() / f"hash-{p:02x}.npy", mmap_mode="r")
            if len(keys) == 0 or len(where) == 0:
                continue
            at = np.minimum(np.searchsorted(keys, hashes[where]), len(keys) - 1)
            hit = keys[at] == hashes[where]
            docs = np.load(self._gen() / f"doc-{p:02x}.npy", mmap_mode="r")
            out[where[hit]] = docs[at[hit]]
        return out

    def documents(self, nums: Sequence[int]) -> list[tuple[int, str, str, str, np.ndarray]]:
        """``(num, id, batch name, text, units)`` of documents ``nums``, in index order; units
        are ``(start, end, kept from round)`` rows (see :func:`dedupe_docs.decide.settle`)."""
        rows = []
        for i in range(0, len(nums), 500):
            part = [int(n) for n in nums[i : i + 500]]
            rows += self.db.execute(
                "select d.num, d.id, b.name, d.text, d.units from documents d join batches b"
                f" on d.batch = b.num where d.num in ({','.join('?' * len(part))})",
                part,
            ).fetchall()
        return [
            (n, i, b, zlib.decompress(t).decode("utf-8"), np.frombuffer(u, np.int64).reshape(-1, 3))
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

    def boilerplate_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted short-block keys of the earlier batches and the documents each stands in."""
        if self.generation == 0:
            return np.zeros(0, np.uint64), np.zeros(0, np.int64)
        return np.load(self._gen() / "bp-keys.npy"), np.load(self._gen() / "bp-counts.npy")

    def next_batch(self) -> int:
        return int(self.db.execute("select coalesce(max(num), 0) + 1 from batches").fetchone()[0])

    def add(
        self,
        name: str | None,
        config: Config,
        docs: Sequence[tuple[str, str, np.ndarray]],
        shingles: tuple[np.ndarray, np.ndarray],
        boilerplate: tuple[np.ndarray, np.ndarray],
    ) -> str:
        """Add a cleaned batch (``(id, text, units)`` per document, its new first
        occurrences, the updated key counts) as the next generation; returns the batch name."""
        num = self.next_batch()
        name = str(num) if name is None else name
        if self.db.execute("select 1 from batches where name = ?", (name,)).fetchone():
            raise ConfigError(f"{self.folder}: batch {name!r} is already in the index")
        new = self._gen(self.generation + 1)
        tmp = new.with_name(new.name + ".tmp")
        for stale in [*self.folder.glob("gen-*.tmp"), new]:
            shutil.rmtree(stale, ignore_errors=True)
        tmp.mkdir()
        hashes, owners = shingles
        n_shingles = 0
        for p, where in enumerate(partition(hashes, BITS)):
            keys, owner = hashes[where], owners[where]
            if self.generation:
                keys = np.concatenate([np.load(self._gen() / f"hash-{p:02x}.npy"), keys])
                owner = np.concatenate([np.load(self._gen() / f"doc-{p:02x}.npy"), owner])
            order = np.argsort(keys, kind="stable")
            np.save(tmp / f"hash-{p:02x}.npy", keys[order])
            np.save(tmp / f"doc-{p:02x}.npy", owner[order].astype(np.int64))
            n_shingles += len(keys)
        np.save(tmp / "bp-keys.npy", boilerplate[0].astype(np.uint64))
        np.save(tmp / "bp-counts.npy", boilerplate[1].astype(np.int64))
        tmp.rename(new)
        self._commit(num, name, config, docs_rows=docs, n_shingles=n_shingles)
        for old in self.folder.glob("gen-*"):
            if old != self._gen():
                shutil.rmtree(old, ignore_errors=True)
        return name

    def _commit(
        self,
        num: int,
        name: str,
        config: Config,
        docs_rows: Sequence[tuple[str, str, np.ndarray]],
        n_shingles: int,
    ) -> None:
        """The switch: batch, documents and the new generation in one transaction."""
        db, first = self.db, self.n_docs
        with ThreadPoolExecutor(4) as pool:  # zlib releases the GIL
            blobs = list(pool.map(_compress, (text for _, text, _ in docs_rows)))
        db.execute("begin immediate")
        try:
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
            meta = {
                "generation": str(self.generation + 1),
                "documents": str(first + len(docs_rows)),
                "config": json.dumps(_matching(config), sort_keys=True),
            }
            db.executemany("insert or replace into meta values (?, ?)", meta.items())
            db.execute("commit")
        except BaseException:
            db.execute("rollback")
            raise
        self.generation += 1
        self.n_docs = first + len(docs_rows)
        self.config = _matching(config)


def _matching(config: Config) -> dict[str, Any]:
    return {k: v for k, v in config.to_json().items() if k not in _RUN_ONLY}


def info(folder: Path) -> dict[str, Any]:
    """Batches, documents, shingles and bytes on disk of an index folder."""
    if not (folder / "index.sqlite").is_file():
        raise ConfigError(f"{folder}: not an index (no index.sqlite)")
    store = Store(folder)
    try:
        batches = [
            dict(zip(("batch", "documents", "chars", "shingles"), row, strict=True))
            for row in store.db.execute(
                "select name, documents, chars, shingles from batches order by num"
            )
        ]
    finally:
        store.close()
    files = [p for p in folder.rglob("*") if p.is_file()]
    return {
        "batches": batches,
        "documents": sum(b["documents"] for b in batches),
        "chars": sum(b["chars"] for b in batches),
        "shingles": batches[-1]["shingles"] if batches else 0,
        "bytes": sum(p.stat().st_size for p in files),
    }
