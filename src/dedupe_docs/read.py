"""Inputs → Documents: text files, folders of ``*.txt``, JSON lines, pairs and records.

Order is part of the contract (the first copy in corpus order survives): folders are walked
sorted by relative POSIX path, files and records keep the order they were given in.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from . import _io
from .errors import InputError
from .types import Document

DocumentLike = str | os.PathLike[str] | Document | tuple[str, str] | Mapping[str, Any]
RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")


def is_record_file(path: Path) -> bool:
    return path.name.endswith(RECORD_SUFFIXES)


def read(
    inputs: Iterable[DocumentLike] | DocumentLike,
    *,
    text_field: str = "text",
    id_field: str = "id",
) -> list[Document]:
    """Read every input into a Document, refusing duplicate ids (they name output files)."""
    if isinstance(inputs, (str, os.PathLike, Document, tuple, Mapping)):
        inputs = [inputs]
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for n, item in enumerate(inputs):
        for doc in _read_one(item, n, text_field, id_field):
            where = seen.get(doc.id)
            if where is not None:
                raise InputError(doc.id, f"duplicate document id (also in {where})")
            seen[doc.id] = doc.path or doc.id
            docs.append(doc)
    return docs


def _read_one(item: DocumentLike, n: int, text_field: str, id_field: str) -> Iterator[Document]:
    if isinstance(item, Document):
        yield item
    elif isinstance(item, tuple):
        doc_id, text = item
        yield Document(str(doc_id), _require_text(text, f"document {doc_id!r}"))
    elif isinstance(item, Mapping):
        yield _from_record(dict(item), f"record {n}", None, text_field, id_field)
    else:
        yield from _read_path(Path(item), text_field, id_field)


def _read_path(path: Path, text_field: str, id_field: str) -> Iterator[Document]:
    if path.is_dir():
        files = sorted(
            (p for p in path.rglob("*.txt") if p.is_file()),
            key=lambda p: p.relative_to(path).as_posix(),
        )
        for file in files:
            rel = file.relative_to(path).as_posix()
            yield Document(rel, decode_file(file), path=rel)
    elif is_record_file(path):
        yield from _read_records(path, text_field, id_field)
    elif path.name.endswith(".parquet") and path.is_file():
        from .formats import read_parquet

        yield from read_parquet(path, text_field, id_field)
    elif path.is_file():
        yield Document(path.name, decode_file(path), path=path.name)
    elif path.exists():
        raise InputError(str(path), "not a regular file or folder")
    else:
        raise InputError(str(path), "no such file or directory")


def decode_file(path: Path) -> str:
    """Decode a text file exactly as UTF-8; a bad byte is reported with its offset."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            str(path),
            f"not valid UTF-8 at byte {exc.start} ({data[exc.start : exc.start + 1]!r})",
        ) from exc


def _read_records(path: Path, text_field: str, id_field: str) -> Iterator[Document]:
    try:
        stream = _io.open_binary(path)
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from exc
    with stream:
        for line_no, raw in enumerate(_io.iter_lines(stream), 1):
            if not raw.strip():
                continue
            try:
                record = _io.loads(raw)
            except ValueError as exc:
                raise InputError(str(path), f"not valid JSON: {exc}", line=line_no) from exc
            if not isinstance(record, dict):
                raise InputError(str(path), "a record must be a JSON object", line=line_no)
            yield _from_record(record, str(path), line_no, text_field, id_field)


def _from_record(
    record: dict[str, Any], where: str, line: int | None, text_field: str, id_field: str
) -> Document:
    if text_field not in record:
        raise InputError(
            where,
            f"missing field {text_field!r}",
            line=line,
            hint=f"each record needs {id_field!r} and {text_field!r}; see --text-field",
        )
    text = record[text_field]
    if not isinstance(text, str):
        raise InputError(
            where, f"field {text_field!r} is {type(text).__name__}, not a string", line=line
        )
    if id_field not in record:
        raise InputError(
            where,
            f"missing field {id_field!r}",
            line=line,
            hint=f"each record needs {id_field!r} and {text_field!r}; see --id-field",
        )
    return Document(str(record[id_field]), text, record=record)


def _require_text(text: object, where: str) -> str:
    if not isinstance(text, str):
        raise InputError(where, f"text is {type(text).__name__}, not a string")
    return text
