"""Inputs → Documents: text files, folders of ``*.txt``, JSON lines, pairs and records.

Order is part of the contract (the first copy in corpus order survives): folders are walked
sorted by relative POSIX path, files and records keep the order they were given in.

Bad input raises :class:`InputError` naming the file, the line or byte and the reason; with
``on_error="skip"`` the bad file or record is skipped instead and the error returned with the
documents (see :func:`read_all`). Inside a folder, symlinked files are read and symlinked
folders are not entered (so a link loop cannot recurse); a folder named as an input is followed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from dedupe_docs.errors import InputError
from dedupe_docs.formats.records import record_document
from dedupe_docs.runtime import storage, workers
from dedupe_docs.types import Document

DocumentLike = str | os.PathLike[str] | Document | tuple[str, str] | Mapping[str, Any]
RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
OnError = Literal["raise", "skip"]
EncodingErrors = Literal["strict", "replace", "skip-file"]
ON_ERROR: tuple[OnError, ...] = ("raise", "skip")
ENCODING_ERRORS: tuple[EncodingErrors, ...] = ("strict", "replace", "skip-file")
Hashes = dict[int, str | dict[str, str]]
"""The content hash of each input file read, by the input's position: the hash of a file, or
for a folder the hash of each ``*.txt`` by its relative path (see :func:`content_hash`)."""

log = logging.getLogger("dedupe_docs")
# Errors a broken compressed stream raises while it is read (zstandard's is an OSError too).
_STREAM_ERRORS = (OSError, EOFError, ValueError)


def is_record_file(path: Path) -> bool:
    return path.name.endswith(RECORD_SUFFIXES)


COMPRESSION = 4
"""How many times its size a compressed input (``.gz``, ``.zst``, Parquet) is taken to hold."""


def input_size(inputs: Iterable[DocumentLike], text_field: str = "text") -> int:
    """About how many bytes of text ``inputs`` hold, from the sizes of their files (the
    ``*.txt`` files of a folder), without reading them. Inputs that cannot be found count
    nothing: reading them reports them."""
    total = 0
    for item in inputs:
        if isinstance(item, Document):
            total += len(item.text)
        elif isinstance(item, tuple):
            total += len(item[1])
        elif isinstance(item, Mapping):
            total += len(str(item.get(text_field, "")))
        elif Path(item).is_dir():
            total += _folder_size(os.fspath(item))
        else:
            compressed = Path(item).name.endswith((".gz", ".zst", ".parquet"))
            with contextlib.suppress(OSError):
                total += Path(item).stat().st_size * (COMPRESSION if compressed else 1)
    return total


def _folder_size(root: str) -> int:
    total, folders = 0, [root]
    while folders:
        with contextlib.suppress(OSError), os.scandir(folders.pop()) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.name.endswith(".txt"):
                    total += entry.stat().st_size
    return total


def read(
    inputs: Iterable[DocumentLike] | DocumentLike,
    *,
    text_field: str = "text",
    id_field: str = "id",
    on_error: OnError = "raise",
    encoding_errors: EncodingErrors = "strict",
) -> list[Document]:
    """Read every input into a Document, refusing duplicate ids.

    ``on_error="skip"`` skips bad files and records (each logged as a warning) instead of
    raising; ``encoding_errors`` is ``"strict"`` (invalid UTF-8 is an error), ``"replace"``
    (each bad byte becomes U+FFFD) or ``"skip-file"`` (the file is skipped).

    >>> [d.id for d in read([("a", "x"), {"id": "b", "text": "y"}])]
    ['a', 'b']
    """
    docs, errors = read_all(
        inputs,
        text_field=text_field,
        id_field=id_field,
        on_error=on_error,
        encoding_errors=encoding_errors,
    )
    for error in errors:
        log.warning("skipped %s", error)
    return docs


def read_all(
    inputs: Iterable[DocumentLike] | DocumentLike,
    *,
    text_field: str = "text",
    id_field: str = "id",
    on_error: OnError = "raise",
    encoding_errors: EncodingErrors = "strict",
    jobs: int = 1,
    hashes: Hashes | None = None,
) -> tuple[list[Document], list[InputError]]:
    """Like :func:`read`, and also return the errors of the inputs that were skipped; ``jobs``
    threads read the files of a folder ahead; ``hashes``, if given, is filled with the content
    hash of every file read (so ``explain`` can tell a file that changed since)."""
    documents, errors = stream(
        inputs,
        text_field=text_field,
        id_field=id_field,
        on_error=on_error,
        encoding_errors=encoding_errors,
        jobs=jobs,
        hashes=hashes,
    )
    return list(documents), errors


def stream(
    inputs: Iterable[DocumentLike] | DocumentLike,
    *,
    text_field: str = "text",
    id_field: str = "id",
    on_error: OnError = "raise",
    encoding_errors: EncodingErrors = "strict",
    jobs: int = 1,
    hashes: Hashes | None = None,
) -> tuple[Iterator[Document], list[InputError]]:
    """Like :func:`read_all`, one document at a time (a corpus need not fit in memory): the
    documents, and the list that the errors of skipped inputs are added to as they are met."""
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {ON_ERROR}, not {on_error!r}")
    if encoding_errors not in ENCODING_ERRORS:
        msg = f"encoding_errors must be one of {ENCODING_ERRORS}, not {encoding_errors!r}"
        raise ValueError(msg)
    if isinstance(inputs, (str, os.PathLike, Document, tuple, Mapping)):
        inputs = [inputs]
    elif not isinstance(inputs, Iterable):
        kinds = "a path, a document or an iterable of them"
        raise InputError("inputs", f"{type(inputs).__name__} {inputs!r} is not {kinds}")
    reader = _Reader(text_field, id_field, on_error, encoding_errors, jobs, hashes)
    return reader.documents(inputs), reader.errors


class _Reader:
    """Reads one input at a time; ``fail`` raises, or records the error and lets it be skipped."""

    def __init__(
        self,
        text_field: str,
        id_field: str,
        on_error: OnError,
        encoding_errors: EncodingErrors,
        jobs: int = 1,
        hashes: Hashes | None = None,
    ) -> None:
        self.text_field, self.id_field = text_field, id_field
        self.on_error, self.encoding_errors = on_error, encoding_errors
        self.jobs = jobs
        self.errors: list[InputError] = []
        self.hashes = hashes
        self.n = 0  # the position of the input being read

    def documents(self, inputs: Iterable[DocumentLike]) -> Iterator[Document]:
        """Every document of ``inputs``, refusing a second document with an id already seen."""
        seen: dict[str, str] = {}
        for n, item in enumerate(inputs):
            self.n = n
            for doc, where in self.read_one(item, n):
                also = seen.get(doc.id)
                if also is not None:
                    msg = f"duplicate document id {doc.id!r} (also in {also})"
                    self.fail(InputError(where, msg))
                    continue
                seen[doc.id] = where
                yield doc

    def fail(self, error: InputError, *, skippable: bool = False) -> None:
        if self.on_error == "raise" and not skippable:
            raise error
        self.errors.append(error)

    def read_one(self, item: DocumentLike, n: int) -> Iterator[tuple[Document, str]]:
        """Documents of one input, each with where it came from (``file`` or ``file:line``)."""
        if isinstance(item, Document):
            yield item, item.path or f"document {item.id!r}"
        elif isinstance(item, tuple):
            if len(item) != 2:
                n_items = f"{len(item)} item{'s' * (len(item) != 1)}"
                self.fail(InputError(f"input {n}", f"a tuple of {n_items}, not an (id, text) pair"))
                return
            doc_id, text = item
            where = f"document {doc_id!r}"
            if not isinstance(text, str):
                self.fail(InputError(where, f"text is {type(text).__name__}, not a string"))
                return
            yield Document(str(doc_id), text), where
        elif isinstance(item, Mapping):
            try:
                yield self.record(dict(item), f"record {n}", None), f"record {n}"
            except InputError as error:
                self.fail(error)
        elif isinstance(item, (str, os.PathLike)):
            yield from self.path(Path(item))
        else:
            kinds = "a path, an (id, text) pair, a dict or a Document"
            self.fail(InputError(f"input {n}", f"{type(item).__name__} {item!r} is not {kinds}"))

    def path(self, path: Path) -> Iterator[tuple[Document, str]]:
        if path.is_dir():
            files = self.walk(path)
            folder: dict[str, str] = {}
            if self.hashes is not None:
                self.hashes[self.n] = folder
            for (rel, file), data in zip(files, self.contents(files), strict=True):
                doc = self.text_file(file, rel, data)
                if doc is not None:
                    if self.hashes is not None and isinstance(data, bytes):
                        folder[rel] = content_hash(data)
                    yield doc, str(file)
        elif is_record_file(path):
            yield from self.records(path)
            self.hash_file(path)
        elif path.name.endswith(".parquet") and path.is_file():
            from dedupe_docs.formats.records import read_parquet

            try:  # a bad row is skipped alone; an unreadable page ends the file
                rows = read_parquet(path, self.text_field, self.id_field)
                for row, doc in enumerate(rows):  # one item per row
                    if isinstance(doc, InputError):
                        self.fail(doc)
                    else:
                        yield doc, f"{path} row {row}"
            except InputError as error:
                self.fail(error)
            self.hash_file(path)
        elif path.is_file():
            data = _contents(path)
            doc = self.text_file(path, path.name, data)
            if doc is not None:
                if self.hashes is not None and isinstance(data, bytes):
                    self.hashes[self.n] = content_hash(data)
                yield doc, str(path)
        elif path.is_symlink():
            self.fail(InputError(str(path), "broken symbolic link"))
        elif path.exists():
            self.fail(InputError(str(path), "not a regular file or folder"))
        else:
            self.fail(InputError(str(path), "no such file or directory"))

    def hash_file(self, path: Path) -> None:
        """Record the content hash of a records file once it has been read (its pages are
        still in the page cache: hashing them costs little beside parsing its records)."""
        if self.hashes is None:
            return
        with contextlib.suppress(OSError):  # reading it has reported it
            self.hashes[self.n] = file_hash(path)

    def walk(self, root: Path) -> list[tuple[str, Path]]:
        """Every ``*.txt`` below ``root`` as (relative POSIX path, path), sorted by the former.

        Symlinked files count; symlinked folders are not entered (no loops, no escaping the
        tree). A folder that cannot be listed, a broken link or a special file is an error.
        """
        found: list[tuple[str, Path]] = []
        prefix = len(str(root).rstrip(os.sep)) + 1  # of the paths below root
        folders = [str(root)]
        while folders:
            folder = folders.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = list(listing)
            except OSError as exc:
                reason = _why(exc) + " (cannot list folder)"
                self.fail(InputError(exc.filename or folder, reason))
                continue
            for entry in entries:
                if _is_dir(entry):
                    if not entry.is_symlink():
                        folders.append(entry.path)
                    continue
                if not entry.name.endswith(".txt"):
                    continue
                file = Path(entry.path)
                if not (entry.is_file() or self._irregular(file)):
                    continue
                found.append((entry.path[prefix:].replace(os.sep, "/"), file))
        found.sort(key=lambda pair: pair[0])
        return found

    def _irregular(self, file: Path) -> bool:
        """Report why ``file`` (not a plain regular file, or a link to one) cannot be read;
        whether it can be after all (a link whose target became a regular file)."""
        try:
            mode = file.stat().st_mode
        except OSError as exc:
            broken = file.is_symlink() and not file.exists()
            self.fail(InputError(str(file), "broken symbolic link" if broken else _why(exc)))
            return False
        if not stat.S_ISREG(mode):
            self.fail(InputError(str(file), "not a regular file"))
            return False
        return True

    def contents(self, files: list[tuple[str, Path]]) -> Iterator[bytes | OSError]:
        """The bytes of each file, or the error reading it; with ``jobs`` above 1, threads read
        files ahead (reading is system calls, which let the caller decode), in tasks of
        ``READ_TASK`` files: one task per cached file cost more than it saved."""
        paths = [file for _, file in files]
        tasks = [paths[i : i + READ_TASK] for i in range(0, len(paths), READ_TASK)]
        for contents in workers.imap(_all_contents, tasks, None, self.jobs):
            yield from contents

    def text_file(
        self, path: Path, rel: str, data: bytes | OSError | None = None
    ) -> Document | None:
        try:
            text = decode_file(path, self.encoding_errors, data)
        except InputError as error:
            self.fail(error, skippable=self.encoding_errors == "skip-file")
            return None
        return Document(rel, text, path=rel)

    def records(self, path: Path) -> Iterator[tuple[Document, str]]:
        """Records of a JSONL file, one at a time; ``skip-file`` drops the whole file on a bad
        byte (so its records are held until the file has been read)."""
        hold = self.encoding_errors == "skip-file"
        docs: list[tuple[Document, str]] = []
        line_no, offset = 0, 0
        try:
            with storage.open_binary(path) as stream:
                for line_no, raw in enumerate(storage.iter_lines(stream), 1):
                    start, offset = offset, offset + len(raw)
                    if not raw.strip():
                        continue
                    try:
                        doc = self.parse(raw, line_no, start), f"{path}:{line_no}"
                    except InputError as error:
                        skip_file = error.byte is not None and self.encoding_errors == "skip-file"
                        self.fail(_located(error, str(path)), skippable=skip_file)
                        if skip_file:
                            return
                        continue
                    if hold:
                        docs.append(doc)
                    else:
                        yield doc
        except InputError:
            raise
        except _STREAM_ERRORS as exc:
            reason = f"{_why(exc)} (cannot read past line {line_no})"
            self.fail(InputError(str(path), reason, line=line_no + 1))
        yield from docs

    def parse(self, raw: bytes, line_no: int, start: int) -> Document:
        try:
            record = storage.loads(raw)
        except ValueError as exc:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                if self.encoding_errors != "replace":
                    at = start + bad.start
                    reason = f"not valid UTF-8 at byte {at} ({raw[bad.start : bad.start + 1]!r})"
                    hint = 'use `encoding_errors="replace"` or `encoding_errors="skip-file"`'
                    raise InputError("", reason, line=line_no, byte=at, hint=hint) from exc
                try:
                    record = storage.loads(raw.decode("utf-8", "replace").encode("utf-8"))
                except ValueError as exc2:
                    raise InputError("", f"not valid JSON: {exc2}", line=line_no) from exc2
            else:
                raise InputError("", f"not valid JSON: {exc}", line=line_no) from exc
        if not isinstance(record, dict):
            raise InputError("", "a record must be a JSON object", line=line_no)
        return self.record(record, "", line_no)

    def record(self, record: dict[str, Any], where: str, line: int | None) -> Document:
        return record_document(record, where, line, self.text_field, self.id_field)


def _located(error: InputError, path: str) -> InputError:
    """The same error, reported against ``path`` (records are parsed before the path is known)."""
    return InputError(
        path, error.reason, line=error.line, byte=error.byte, hint=error.hint
    ).with_traceback(error.__traceback__)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """What ``os.walk`` counts as a folder: a folder or a link to one (unreadable: not one)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


READ_TASK = 32
"""Files a reading thread reads in one task."""


def _all_contents(_: None, paths: list[Path]) -> list[bytes | OSError]:
    return [_contents(path) for path in paths]


def _contents(path: Path) -> bytes | OSError:
    try:
        return path.read_bytes()
    except OSError as exc:
        return exc


def content_hash(data: bytes) -> str:
    """The BLAKE2b hash (16 bytes, hex) of a file's bytes, by which ``explain`` tells a file
    that changed since the run (even to the same length)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_hash(path: Path) -> str:
    """:func:`content_hash` of the file ``path``, read a megabyte at a time."""
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _why(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__


def decode_file(
    path: Path, encoding_errors: EncodingErrors = "strict", data: bytes | OSError | None = None
) -> str:
    """Decode a text file exactly as UTF-8 (a BOM stays, as U+FEFF; newlines stay as they are).

    Invalid UTF-8 is reported with its byte offset, or replaced by U+FFFD with
    ``encoding_errors="replace"``; a file holding a NUL byte is binary and always refused.
    ``data`` is the file's bytes (or the error reading them) when already read.
    """
    if data is None:
        data = _contents(path)
    if isinstance(data, OSError):
        raise InputError(str(path), _why(data)) from data
    nul = data.find(b"\x00")
    if nul >= 0:
        utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
        reason = "looks like UTF-16" if utf16 else f"binary file (NUL byte at byte {nul})"
        hint = 'only UTF-8 text is read; `on_error="skip"` skips it'
        raise InputError(str(path), reason, byte=nul, hint=hint)
    if encoding_errors == "replace":
        return data.decode("utf-8", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            str(path),
            f"not valid UTF-8 at byte {exc.start} ({data[exc.start : exc.start + 1]!r})",
            byte=exc.start,
            hint='use `encoding_errors="replace"` or `encoding_errors="skip-file"`',
        ) from exc
