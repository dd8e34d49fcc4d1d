"""Sharded datasets: the files a folder or a glob holds, and one output per input shard.

A shard is one input file, of a kind its name tells: text (``.txt``, one document), JSON lines
(``.jsonl`` or ``.json``, plain or ``.gz``, ``.zst``, ``.bz2``; Dolma's ``documents/*.json.gz``)
or Parquet. Each has a relative path: below the folder given as input, below the fixed start of
a glob (``data/`` for ``data/**/*.json.gz``), or its name for a file given directly. Records are
written back per shard at ``clean/<relative path>`` in the shard's format and compression, and
their Dolma attributes at ``attributes/dedupe_docs/<relative path>``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal

import attrs

from dedupe_docs.errors import OutputError
from dedupe_docs.formats.records import (
    RecordLayout,
    dolma_attributes,
    parquet_schema,
    record_writer,
)
from dedupe_docs.runtime import storage
from dedupe_docs.runtime.remote import RemotePath, is_url
from dedupe_docs.types import CleanedDocument

Kind = Literal["text", "jsonl", "parquet"]
COMPRESSIONS = (".gz", ".zst", ".bz2")
JSONL_SUFFIXES = tuple(f"{b}{c}" for b in (".jsonl", ".json") for c in ("", *COMPRESSIONS))
PARQUET_SUFFIX = ".parquet"
TEXT_SUFFIX = ".txt"
ATTRIBUTES = "dedupe_docs"
"""The name of the Dolma attributes written: ``attributes/dedupe_docs/<relative path>``."""


def kind_of(name: str) -> Kind | None:
    """The kind of shard a file name says, or None for a file a folder is not read for.

    >>> kind_of("part-0.json.gz"), kind_of("a.txt"), kind_of("t.parquet"), kind_of("x.csv")
    ('jsonl', 'text', 'parquet', None)
    """
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(PARQUET_SUFFIX):
        return "parquet"
    if name.endswith(TEXT_SUFFIX):
        return "text"
    return None


@attrs.frozen
class Shard:
    """One input file: its relative path (where its outputs go), where it is, and its kind."""

    rel: str
    path: Path | RemotePath
    kind: Kind


_MAGIC = re.compile(r"[*?[]")


def is_glob(item: str | os.PathLike[str]) -> bool:
    """Whether an input is a glob pattern: it holds ``*``, ``?`` or ``[`` and names no file
    (a file whose name holds those characters is read as itself)."""
    name = os.fspath(item)
    return _MAGIC.search(name) is not None and not os.path.lexists(name)


def glob_base(pattern: str) -> Path:
    """The folder a glob starts from: its leading parts without a wildcard.

    >>> glob_base("data/**/*.json.gz").as_posix(), glob_base("*.jsonl").as_posix()
    ('data', '.')
    """
    fixed: list[str] = []
    for part in Path(pattern).parts[:-1]:
        if _MAGIC.search(part):
            break
        fixed.append(part)
    return Path(*fixed)


def expand_glob(pattern: str) -> list[tuple[str, Path]]:
    """What a glob matches, as (path relative to :func:`glob_base`, path), sorted by the former;
    ``**`` matches any depth. Hidden files match only a pattern that names them."""
    base = glob_base(pattern)
    found = {}
    # glob.glob, not Path.glob: a shell's rules (`*` skips hidden files; `**` matches files too)
    for match in glob.glob(pattern, recursive=True):  # noqa: PTH207
        path = Path(match)
        rel = path.relative_to(base).as_posix() if base != Path() else path.as_posix()
        if rel not in (".", ""):
            found[rel] = path
    return sorted(found.items())


def remote_glob(
    pattern: str, options: Mapping[str, Any] | None = None
) -> list[tuple[str, RemotePath, int]]:
    """What a glob named by URL matches (``s3://bucket/crawl/**/*.jsonl.zst``), and every file
    below the folders it matches, as (path relative to the glob's fixed start, file, size),
    sorted by the former."""
    scheme, _, rest = pattern.partition("://")
    parts = rest.split("/")
    fixed: list[str] = []
    for part in parts[:-1]:
        if _MAGIC.search(part):
            break
        fixed.append(part)
    base = RemotePath.of(f"{scheme}://{'/'.join(fixed)}", options)
    fs_pattern = "/".join([base.path, *parts[len(fixed) :]])
    found: dict[str, tuple[RemotePath, int]] = {}
    for file, folder in base.glob(fs_pattern):
        rel = file.path[len(base.path) :].lstrip("/")
        if not rel:
            continue
        if folder:
            for inner, below, size in file.files():
                found[f"{rel}/{inner}"] = (below, size)
        else:
            found[rel] = (file, file.size())
    return [(rel, file, size) for rel, (file, size) in sorted(found.items())]


def recursive(pattern: str) -> bool:
    """Whether a glob reaches any depth below its base (it holds ``**``)."""
    return "**" in pattern


def record_layout(
    inputs: Sequence[object], options: Mapping[str, Any] | None = None
) -> RecordLayout:
    """How the records of a run are written back. A run whose only path input is one records
    file writes them to one file, ``OUT/clean.jsonl`` (``.gz``, ``.zst``, ``.bz2`` as the
    input) or ``OUT/clean.parquet`` with the input's schema, as it always did; any other run
    (several files, a folder, a glob) writes each shard's records to ``clean/<relative path>``.
    ``options`` are the storage options of inputs named by URL.
    """
    paths = [p for p in inputs if isinstance(p, (str, os.PathLike))]
    if len(paths) != 1 or is_glob(paths[0]):
        return RecordLayout(shards=bool(paths))
    path: Path | RemotePath
    if is_url(paths[0]):
        path = RemotePath.of(str(paths[0]), options)
        if not path.is_file():  # a folder (or nothing: reading says so)
            return RecordLayout(shards=True)
    elif Path(paths[0]).is_dir():
        return RecordLayout(shards=True)
    else:
        path = Path(paths[0])
    kind = kind_of(path.name)
    if kind == "parquet":
        return RecordLayout("parquet", schema=parquet_schema(path) if path.is_file() else None)
    if kind == "jsonl" and path.suffix in COMPRESSIONS:
        return RecordLayout("jsonl", suffix=path.suffix)
    return RecordLayout()


def attributes_rel(shard: Shard) -> str:
    """The relative path of a shard's Dolma attributes: its own, as JSON lines (a Parquet
    shard's ``.parquet`` becomes ``.jsonl``).

    >>> attributes_rel(Shard("a/p.parquet", Path("p.parquet"), "parquet"))
    'a/p.jsonl'
    """
    if shard.kind == "parquet":
        return shard.rel[: -len(PARQUET_SUFFIX)] + ".jsonl"
    return shard.rel


def is_empty(doc: CleanedDocument) -> bool:
    """Whether cleaning left nothing of a document but whitespace (``drop_empty`` drops it)."""
    return not doc.text.strip()


class ShardWriter:
    """Writes the records of each input shard to ``clean/<relative path>``, in the shard's
    format and compression (a Parquet shard keeps its schema), and with ``attributes`` their
    Dolma attributes to ``attributes/dedupe_docs/<relative path>``.

    Records come in corpus order, so those of a shard come together: one shard is open at a
    time. ``shards`` maps each relative path to the shards read (the reader fills it as it
    goes); ``claim`` refuses a path that could leave ``clean/`` or clash with another output;
    :meth:`finish` writes an empty output for a shard that gave no record, so every
    shard read has its outputs (Dolma pairs documents and attributes file by file).
    """

    def __init__(
        self,
        folder: Path,
        text_field: str,
        shards: Mapping[str, Sequence[Shard]],
        *,
        attributes: bool = False,
        drop_empty: bool = False,
        claim: Callable[[Sequence[str]], None] | None = None,
    ) -> None:
        self.folder, self.text_field, self.shards = folder, text_field, shards
        self.attributes, self.drop_empty = attributes, drop_empty
        self.claim = claim  # checks a path under clean/ against the others written there
        self.current: str | None = None
        self.written: set[str] = set()
        self.stack = contextlib.ExitStack()
        self.add_records: Callable[[Sequence[CleanedDocument]], None] | None = None
        self.attributes_file: IO[bytes] | None = None

    def add(self, records: Sequence[CleanedDocument]) -> None:
        """Write records (each with ``path``, its shard's relative path), in corpus order."""
        start = 0
        for end in range(1, len(records) + 1):
            if end == len(records) or records[end].path != records[start].path:
                self._write(records[start].path or "", records[start:end])
                start = end

    def _write(self, rel: str, records: Sequence[CleanedDocument]) -> None:
        if rel != self.current:
            self._open(rel)
        assert self.add_records is not None
        self.add_records(records)
        if self.attributes_file is not None:
            for c in records:  # (zstandard's writer has no writelines)
                self.attributes_file.write(storage.dumps_line(dolma_attributes(c)))

    def _open(self, rel: str) -> None:
        """Close the shard open so far; open ``rel``'s outputs (a shard met a second time
        means two inputs share a relative path: an OutputError)."""
        self.stack.close()
        shard = self._shard(rel)
        if rel in self.written:
            raise OutputError(f"clean/{rel}: two input shards have this relative path")
        if self.claim is not None:
            self.claim([rel])
        self.written.add(rel)
        self.current = rel
        target = self.folder / "clean" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        layout = RecordLayout(shard.kind, schema=_schema(shard))
        self.add_records = self.stack.enter_context(
            record_writer(target, self.text_field, layout, drop_empty=self.drop_empty)
        )
        self.attributes_file = None
        if self.attributes:
            where = self.folder / "attributes" / ATTRIBUTES / attributes_rel(shard)
            where.parent.mkdir(parents=True, exist_ok=True)
            self.attributes_file = self.stack.enter_context(storage.open_binary(where, "wb"))

    def _shard(self, rel: str) -> Shard:
        found = self.shards.get(rel, ())
        paths = sorted({str(s.path.resolve()) for s in found})
        if len(paths) > 1:
            both = " and ".join(paths[:2])
            msg = f"clean/{rel}: two input shards have this relative path ({both})"
            raise OutputError(f"{msg}; give their common folder, or a glob, instead")
        if not found:
            raise OutputError(f"clean/{rel}: no input shard has this relative path")
        return found[0]

    def finish(self) -> int:
        """Close the last shard, write empty outputs for the shards that gave no record, and
        return how many shards were written."""
        self.stack.close()
        for rel in self.shards:
            if rel not in self.written:
                self._open(rel)
                self.stack.close()
        return len(self.written)

    def close(self) -> None:
        self.stack.close()


def _schema(shard: Shard) -> Any:
    return parquet_schema(shard.path) if shard.kind == "parquet" else None
