"""Record formats in and out: JSON lines (plain, ``.gz``, ``.zst``, ``.bz2``), Parquet, in-memory
records and Dolma-style span attributes.

The output mirrors the input: the records of a single input file ``in.jsonl.zst`` are written to
``OUT/clean.jsonl.zst``, of a single Parquet file to ``OUT/clean.parquet`` with the schema of the
input; the records of several files are written back file by file (:mod:`.shards`). Only the
text field changes; every other field of every record is written back untouched.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from dedupe_docs.errors import InputError, StorageError
from dedupe_docs.runtime import storage
from dedupe_docs.runtime.remote import RemotePath, is_url
from dedupe_docs.types import REASONS, CleanedDocument, Document

_PARQUET_HINT = "pip install 'dedupe-docs[parquet]'"


def _pyarrow() -> Any:
    """Import pyarrow lazily: it is the optional extra ``parquet``."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        msg = f"reading or writing .parquet needs pyarrow: {_PARQUET_HINT}"
        raise ImportError(msg) from exc
    return pa, pq


def read_parquet(
    path: Path | RemotePath, text_field: str, id_field: str | None, rel: str | None = None
) -> Iterator[Document | InputError]:
    """Documents from a Parquet file, one per row, in row order; each keeps its whole row.

    A row without ``id_field`` (or every row, when it is None) gets the id ``<rel>:<row>``
    (``rel`` is the file's relative path; rows counted from 0, as pyarrow does); without
    ``rel`` the id is required. A row that is not a document (a null text, a null id) comes as
    its InputError, naming the file and the row, in its place: the caller raises it or skips
    that row alone and reads on. A file that cannot be read further raises.
    """
    _pa, pq = _pyarrow()
    with contextlib.ExitStack() as stack:
        try:
            source = stack.enter_context(path.open("rb")) if isinstance(path, RemotePath) else path
            table = pq.ParquetFile(source)
        except StorageError as exc:
            raise InputError(str(path), exc.strerror) from exc
        except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
            raise InputError(str(path), f"not a readable Parquet file: {exc}") from exc
        yield from _rows(path, table, text_field, id_field, rel)


def _rows(
    path: Path | RemotePath, table: Any, text_field: str, id_field: str | None, rel: str | None
) -> Iterator[Document | InputError]:
    row = 0
    batches = table.iter_batches()
    while True:
        try:
            batch = next(batches, None)
        except (OSError, ValueError) as exc:  # a damaged page further in
            reason = f"not a readable Parquet file: {exc}"
            raise InputError(str(path), f"{reason} (cannot read past row {row})") from exc
        if batch is None:
            return
        for record in batch.to_pylist():
            made = None if rel is None else f"{rel}:{row}"
            try:
                yield record_document(record, str(path), None, text_field, id_field, made, rel)
            except InputError as error:
                yield InputError(str(path), error.reason, row=row, hint=error.hint)
            row += 1


@attrs.frozen
class RecordLayout:
    """How records are written back: ``kind`` ``jsonl`` (with ``suffix`` ``.gz``/``.zst``/``.bz2``
    or none) or ``parquet`` (with the input's Arrow ``schema``) into one file :attr:`name`; or,
    with ``shards``, each input file's records to a file of its own (:mod:`.shards`), and
    records given in memory to :attr:`name`."""

    kind: str = "jsonl"
    suffix: str = ""
    schema: Any = attrs.field(default=None, eq=False)
    shards: bool = False

    @property
    def name(self) -> str:
        return "clean.parquet" if self.kind == "parquet" else f"clean.jsonl{self.suffix}"


def parquet_schema(path: Path | RemotePath) -> Any:
    """The Arrow schema (with its metadata) of a Parquet file, which its output keeps."""
    _pa, pq = _pyarrow()
    try:
        if isinstance(path, RemotePath):
            with path.open("rb") as f:
                return pq.read_schema(f)
        return pq.read_schema(path)
    except StorageError as exc:
        raise InputError(str(path), exc.strerror) from exc
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"not a readable Parquet file: {exc}") from exc


def output_records(
    cleaned: Iterable[CleanedDocument], text_field: str, *, drop_empty: bool = False
) -> Iterator[dict[str, Any]]:
    """The input records with ``text_field`` replaced by the cleaned text, in corpus order;
    with ``drop_empty``, not those whose cleaned text is empty or whitespace."""
    for c in cleaned:
        if c.record is not None and not (drop_empty and not c.text.strip()):
            yield {**c.record, text_field: c.text}


ROW_GROUP_ROWS, ROW_GROUP_CHARS = 65536, 16 << 20
"""A Parquet row group closes at this many records or characters of text, whatever the
batches the records come in (so the file is the same for every run that writes them)."""


@contextlib.contextmanager
def record_writer(
    target: Path | RemotePath,
    text_field: str,
    layout: RecordLayout | None = None,
    *,
    drop_empty: bool = False,
) -> Iterator[Callable[[Sequence[CleanedDocument]], None]]:
    """Open the records file ``target`` as ``layout`` says (JSON lines compressed as its suffix
    says); yield a function that appends a batch of cleaned records to it (with
    ``drop_empty``, not those left empty)."""
    layout = layout or RecordLayout()
    if layout.kind == "parquet":
        pa, pq = _pyarrow()
        rows: list[dict[str, Any]] = []
        size = 0

        def flush() -> None:
            nonlocal size
            parquet.write_table(pa.Table.from_pylist(rows, layout.schema))
            rows.clear()
            size = 0

        def add(batch: Sequence[CleanedDocument]) -> None:
            nonlocal size
            for record in output_records(batch, text_field, drop_empty=drop_empty):
                rows.append(record)
                size += len(record[text_field])
                if size >= ROW_GROUP_CHARS or len(rows) >= ROW_GROUP_ROWS:
                    flush()

        with contextlib.ExitStack() as stack:
            remote = isinstance(target, RemotePath)
            sink = stack.enter_context(target.open("wb")) if remote else target
            with pq.ParquetWriter(sink, layout.schema) as parquet:
                yield add
                if rows:
                    flush()
        return
    with storage.open_binary(target, "wb") as f:

        def write(batch: Sequence[CleanedDocument]) -> None:
            for record in output_records(batch, text_field, drop_empty=drop_empty):
                f.write(storage.dumps_line(record))  # (zstandard's writer has no writelines)

        yield write


DOLMA_PREFIX = "dedupe_docs__"


def dolma_attributes(doc: CleanedDocument) -> dict[str, Any]:
    """One line of a Dolma attributes file: removed spans as ``[start, end, score]`` by reason.

    The score is the similarity to the source (1.0 for boilerplate). Offsets are code points.

    >>> from dedupe_docs import clean
    >>> a, b = clean([("a", "Hello world, this is it.\\n"), ("b", "Hello world, this is it.\\n")],
    ...              min_tokens=3)
    >>> dolma_attributes(b)["attributes"]["dedupe_docs__duplicate"]
    [[0, 24, 1.0]]
    """
    spans: dict[str, list[list[Any]]] = {f"{DOLMA_PREFIX}{r}": [] for r in REASONS}
    for r in doc.removed:
        score = 1.0 if r.similarity is None else r.similarity
        spans[f"{DOLMA_PREFIX}{r.reason}"].append([r.start, r.end, score])
    return {"id": doc.id, "attributes": spans}


def describe_inputs(
    inputs: Sequence[object],
    *,
    text_field: str,
    id_field: str | None,
    on_error: str = "raise",
    encoding_errors: str = "strict",
    encoding: str = "utf-8",
    hashes: Mapping[int, str | dict[str, str]] | None = None,
) -> dict[str, Any]:
    """What report.json records about the inputs, so ``explain`` and ``report`` can re-read them
    as the run read them (the same fields, encoding and handling of bad input) and tell an
    input that changed since: ``hashes`` holds, in the order of ``paths``, the content hash of
    each file input, or for a folder or a glob the hash of each file read by its relative path
    (None for an input that was skipped). A glob is recorded as written, made absolute; a
    URL as written."""
    numbered = [(n, p) for n, p in enumerate(inputs) if isinstance(p, (str, os.PathLike))]
    paths = [p if is_url(p) else str(Path(p).absolute()) for _, p in numbered]
    return {
        "paths": paths,
        "in_memory": len(inputs) - len(paths),
        "text_field": text_field,
        "id_field": id_field,
        "on_error": on_error,
        "encoding_errors": encoding_errors,
        "encoding": encoding,
        "hashes": [(hashes or {}).get(n) for n, _ in numbered],
    }


def record_document(
    record: dict[str, Any],
    where: str,
    line: int | None,
    text_field: str,
    id_field: str | None,
    made_id: str | None = None,
    shard: str | None = None,
) -> Document:
    """A record as a Document, or an InputError naming the field that is missing or wrong.

    A record without ``id_field`` (every record, when it is None) takes ``made_id`` (a record
    read from a file: its relative path and line or row); without one the id is required.
    ``shard`` is the relative path of the file the record came from.
    """
    if text_field not in record:
        raise InputError(
            where,
            f"missing field {text_field!r}",
            line=line,
            hint=f"each record needs a {text_field!r} field; see `text_field`",
        )
    text = record[text_field]
    if not isinstance(text, str):
        raise InputError(where, f"field {text_field!r} is {_kind(text)}, not a string", line=line)
    if id_field is None or id_field not in record:
        if made_id is not None:
            return Document(made_id, text, path=shard, record=record)
        raise InputError(
            where,
            f"missing field {id_field!r}",
            line=line,
            hint=f"each record needs {id_field!r} and {text_field!r}; see `id_field`",
        )
    doc_id = record[id_field]
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int, float)):
        reason = f"field {id_field!r} is {_kind(doc_id)}, not a string or number"
        raise InputError(where, reason, line=line)
    return Document(str(doc_id), text, path=shard, record=record)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
