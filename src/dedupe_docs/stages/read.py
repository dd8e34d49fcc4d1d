"""Inputs → Documents: files, folders and globs of shards (text files, JSON lines, Parquet),
pairs and records.

Order is part of the contract (the first copy in corpus order survives): folders and globs are
read sorted by relative POSIX path, files and records keep the order they were given in. A
folder is read for every kind of shard (:mod:`dedupe_docs.formats.shards`); a file given
directly or matched by a glob is read by its kind, and as text when its name says no kind.
A record without the id field takes an id made of its file's relative path and its line
(JSON lines, from 1) or row (Parquet, from 0): ``part-0.jsonl:17``, the same on every run.

Bad input raises :class:`InputError` naming the file, the line or byte and the reason; with
``on_error="skip"`` the bad file or record is skipped instead and the error returned with the
documents (see :func:`read_all`). Inside a folder, symlinked files are read and symlinked
folders are not entered (so a link loop cannot recurse); a folder named as an input is followed.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from dedupe_docs.errors import ConfigError, InputError, StorageError
from dedupe_docs.formats.records import record_document
from dedupe_docs.formats.shards import (
    COMPRESSIONS,
    Shard,
    expand_glob,
    is_glob,
    kind_of,
    remote_glob,
)
from dedupe_docs.runtime import storage, workers
from dedupe_docs.runtime.remote import RemotePath, is_url
from dedupe_docs.types import Document

DocumentLike = str | os.PathLike[str] | Document | tuple[str, str] | Mapping[str, Any]
Shards = dict[str, list[Shard]]
"""The record shards read, by relative path (two inputs may hold one: the writer refuses it)."""
OnError = Literal["raise", "skip"]
EncodingErrors = Literal["strict", "replace", "skip-file"]
ON_ERROR: tuple[OnError, ...] = ("raise", "skip")
ENCODING_ERRORS: tuple[EncodingErrors, ...] = ("strict", "replace", "skip-file")
Hashes = dict[int, str | dict[str, str]]
"""The content hash of each input file read, by the input's position: the hash of a file, or
for a folder or a glob the hash of each file read by its relative path (see
:func:`content_hash`)."""

log = logging.getLogger("dedupe_docs")
# Errors a broken compressed stream raises while it is read (zstandard's is an OSError too).
_STREAM_ERRORS = (OSError, EOFError, ValueError)


def is_record_file(path: Path) -> bool:
    return kind_of(path.name) in ("jsonl", "parquet")


COMPRESSION = 4
"""How many times its size a compressed input (``.gz``, ``.zst``, ``.bz2``, Parquet) is taken
to hold."""


def input_size(
    inputs: Iterable[DocumentLike],
    text_field: str = "text",
    storage_options: Mapping[str, Any] | None = None,
) -> int:
    """About how many bytes of text ``inputs`` hold, from the sizes of their files (the files
    a folder or a glob would be read for), without reading them. Inputs that cannot be found
    count nothing: reading them reports them."""
    total = 0
    for item in inputs:
        if is_url(item):
            with contextlib.suppress(StorageError):
                for rel, size in remote_listing(str(item), storage_options):
                    if kind_of(rel) is not None or is_glob(str(item)):
                        total += size * (COMPRESSION if _compressed(rel) else 1)
        elif isinstance(item, Document):
            total += len(item.text)
        elif isinstance(item, tuple):
            total += len(item[1])
        elif isinstance(item, Mapping):
            total += len(str(item.get(text_field, "")))
        elif Path(item).is_dir():
            total += _folder_size(os.fspath(item))
        elif is_glob(item):
            for _, path in expand_glob(os.fspath(item)):
                total += _folder_size(str(path)) if path.is_dir() else _file_size(path)
        else:
            total += _file_size(Path(item))
    return total


def _compressed(name: str) -> bool:
    return name.endswith((*COMPRESSIONS, ".parquet"))


def _file_size(path: Path) -> int:
    with contextlib.suppress(OSError):
        return path.stat().st_size * (COMPRESSION if _compressed(path.name) else 1)
    return 0


def remote_listing(url: str, options: Mapping[str, Any] | None = None) -> list[tuple[str, int]]:
    """The files an input named by URL stands for, as (relative path, size): those a glob
    matches and those below the folders it matches, those below a folder, or the file itself
    (nothing, when nothing is there)."""
    if is_glob(url):
        return [(rel, size) for rel, _, size in remote_glob(url, options)]
    root = RemotePath.of(url, options)
    if root.is_dir():
        return [(rel, size) for rel, _, size in root.files()]
    if root.is_file():
        return [(root.name, root.size())]
    return []


def _folder_size(root: str) -> int:
    total, folders = 0, [root]
    while folders:
        with contextlib.suppress(OSError), os.scandir(folders.pop()) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif kind_of(entry.name) is not None:
                    total += _file_size(Path(entry.path))
    return total


def read(
    inputs: Iterable[DocumentLike] | DocumentLike,
    *,
    text_field: str = "text",
    id_field: str | None = "id",
    on_error: OnError = "raise",
    encoding_errors: EncodingErrors = "strict",
    encoding: str = "utf-8",
    storage_options: Mapping[str, Any] | None = None,
) -> list[Document]:
    """Read every input into a Document, refusing duplicate ids.

    ``on_error="skip"`` skips bad files and records (each logged as a warning) instead of
    raising; ``encoding`` is the encoding of text files (JSON lines are UTF-8);
    ``encoding_errors`` is ``"strict"`` (text that does not decode is an error), ``"replace"``
    (each bad byte becomes U+FFFD) or ``"skip-file"`` (the file is skipped). Records read
    from files without ``id_field`` (every one, when it is None) get ids made of the file's
    relative path and their line or row. Inputs named by URL (``s3://bucket/crawl/``) are
    read through fsspec, with ``storage_options`` given to its filesystem.

    >>> [d.id for d in read([("a", "x"), {"id": "b", "text": "y"}])]
    ['a', 'b']
    """
    docs, errors = read_all(
        inputs,
        text_field=text_field,
        id_field=id_field,
        on_error=on_error,
        encoding_errors=encoding_errors,
        encoding=encoding,
        storage_options=storage_options,
    )
    for error in errors:
        log.warning("skipped %s", error)
    return docs


def read_all(
    inputs: Iterable[DocumentLike] | DocumentLike,
    *,
    text_field: str = "text",
    id_field: str | None = "id",
    on_error: OnError = "raise",
    encoding_errors: EncodingErrors = "strict",
    encoding: str = "utf-8",
    jobs: int = 1,
    hashes: Hashes | None = None,
    shards: Shards | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> tuple[list[Document], list[InputError]]:
    """Like :func:`read`, and also return the errors of the inputs that were skipped; ``jobs``
    threads read the files of a folder ahead; ``hashes``, if given, is filled with the content
    hash of every file read (so ``explain`` can tell a file that changed since), and
    ``shards`` with the record files read (each shard's outputs are written from it)."""
    documents, errors = stream(
        inputs,
        text_field=text_field,
        id_field=id_field,
        on_error=on_error,
        encoding_errors=encoding_errors,
        encoding=encoding,
        jobs=jobs,
        hashes=hashes,
        shards=shards,
        storage_options=storage_options,
    )
    return list(documents), errors


def stream(
    inputs: Iterable[DocumentLike] | DocumentLike,
    *,
    text_field: str = "text",
    id_field: str | None = "id",
    on_error: OnError = "raise",
    encoding_errors: EncodingErrors = "strict",
    encoding: str = "utf-8",
    jobs: int = 1,
    hashes: Hashes | None = None,
    shards: Shards | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> tuple[Iterator[Document], list[InputError]]:
    """Like :func:`read_all`, one document at a time (a corpus need not fit in memory): the
    documents, and the list that the errors of skipped inputs are added to as they are met."""
    if on_error not in ON_ERROR:
        raise ConfigError(f"`on_error` must be one of {ON_ERROR}, not {on_error!r}", "on_error")
    if encoding_errors not in ENCODING_ERRORS:
        msg = f"`encoding_errors` must be one of {ENCODING_ERRORS}, not {encoding_errors!r}"
        raise ConfigError(msg, "encoding_errors")
    check_encoding(encoding)
    inputs = as_inputs(inputs)
    reader = _Reader(
        text_field, id_field, on_error, encoding_errors, jobs, hashes, encoding, shards
    )
    reader.storage_options = storage_options
    return reader.documents(inputs), reader.errors


def as_inputs(inputs: Any, *, pairs: bool = True) -> Iterable[Any]:
    """``inputs`` as an iterable of inputs: one path or document alone (a tuple is one
    ``(id, text)`` pair, unless ``pairs`` is false) becomes a list of it; anything else that
    is not iterable is an InputError naming its type."""
    if isinstance(inputs, (str, os.PathLike, Document, Mapping)) or (
        pairs and isinstance(inputs, tuple)
    ):
        return [inputs]
    if not isinstance(inputs, Iterable):
        kinds = "a path, a document or an iterable of them"
        raise InputError("inputs", f"{type(inputs).__name__} {inputs!r} is not {kinds}")
    return inputs  # type: ignore[no-any-return]


def check_encoding(encoding: str) -> None:
    """Refuse an encoding Python does not know (ConfigError, naming the option)."""
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError) as exc:
        msg = f"`encoding` {encoding!r} is not an encoding Python knows"
        raise ConfigError(msg, "encoding") from exc


class _Reader:
    """Reads one input at a time; ``fail`` raises, or records the error and lets it be skipped."""

    def __init__(
        self,
        text_field: str,
        id_field: str | None,
        on_error: OnError,
        encoding_errors: EncodingErrors,
        jobs: int = 1,
        hashes: Hashes | None = None,
        encoding: str = "utf-8",
        shards: Shards | None = None,
    ) -> None:
        self.text_field, self.id_field = text_field, id_field
        self.on_error, self.encoding_errors = on_error, encoding_errors
        self.encoding = encoding
        self.jobs = jobs
        self.errors: list[InputError] = []
        self.hashes = hashes
        self.shards = shards
        self.n = 0  # the position of the input being read
        self.storage_options: Mapping[str, Any] | None = None  # of inputs named by URL

    def documents(self, inputs: Iterable[DocumentLike]) -> Iterator[Document]:
        """Every document of ``inputs``, refusing a second document with an id already seen."""
        seen: dict[str, str] = {}
        for n, item in enumerate(inputs):
            self.n = n
            for doc, where in self.read_one(item, n):
                also = seen.get(doc.id)
                if also is not None:
                    msg = f"duplicate document id {doc.id!r} (also in {also})"
                    hint = "ids must be unique across all inputs" if doc.path else None
                    self.fail(InputError(where, msg, hint=hint))
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
        elif is_url(item):
            yield from self.remote(str(item))
        elif isinstance(item, (str, os.PathLike)):
            yield from self.path(Path(item))
        else:
            kinds = "a path, an (id, text) pair, a dict or a Document"
            self.fail(InputError(f"input {n}", f"{type(item).__name__} {item!r} is not {kinds}"))

    def path(self, path: Path) -> Iterator[tuple[Document, str]]:
        """The documents of a folder, a glob or a file given as an input."""
        if path.is_dir():
            yield from self.many(self.walk(path))
        elif is_glob(path):
            yield from self.many(self.matches(path))
        elif path.is_file():
            shard = Shard(path.name, path, kind_of(path.name) or "text")
            yield from self.shard(shard, None, None)
        elif path.is_symlink():
            self.fail(InputError(str(path), "broken symbolic link"))
        elif path.exists():
            self.fail(InputError(str(path), "not a regular file or folder"))
        else:
            self.fail(InputError(str(path), "no such file or directory"))

    def remote(self, url: str) -> Iterator[tuple[Document, str]]:
        """The documents of a folder, a glob or a file named by URL, read through fsspec: a
        folder is read for every shard below it, as a local one is."""
        try:
            if is_glob(url):
                found = remote_glob(url, self.storage_options)
                if not found:
                    self.fail(InputError(url, "no file matches this pattern"))
                shards = [Shard(rel, file, kind_of(rel) or "text") for rel, file, _ in found]
                yield from self.many(shards)
                return
            root = RemotePath.of(url, self.storage_options)
            if root.is_dir():
                listed = root.files()
            elif root.is_file():
                shard = Shard(root.name, root, kind_of(root.name) or "text")
                yield from self.shard(shard, None, None)
                return
            else:
                self.fail(InputError(url, root.missing()))
                return
        except StorageError as exc:
            self.fail(InputError(url, exc.strerror))
            return
        kinds = [(rel, file, kind_of(rel.rpartition("/")[2])) for rel, file, _ in listed]
        yield from self.many([Shard(rel, file, kind) for rel, file, kind in kinds if kind])

    def many(self, shards: list[Shard]) -> Iterator[tuple[Document, str]]:
        """The documents of the shards of a folder or a glob, in order; threads read the text
        files ahead (``jobs``)."""
        folder: dict[str, str] = {}
        if self.hashes is not None:
            self.hashes[self.n] = folder
        contents = self.contents([s for s in shards if s.kind == "text"])
        for shard in shards:
            data = next(contents) if shard.kind == "text" else None
            yield from self.shard(shard, data, folder)

    def shard(
        self, shard: Shard, data: bytes | OSError | None, folder: dict[str, str] | None
    ) -> Iterator[tuple[Document, str]]:
        """The documents of one shard; its content hash goes to ``folder`` by its relative
        path (an input given as a file: to the input's place in ``hashes``)."""
        if shard.kind == "text":
            if data is None:
                data = _contents(shard.path)
            doc = self.text_file(shard.path, shard.rel, data)
            if doc is not None:
                if isinstance(data, bytes):
                    self.hash(shard, folder, lambda: content_hash(data))
                yield doc, str(shard.path)
            return
        if self.shards is not None:
            self.shards.setdefault(shard.rel, []).append(shard)
        errors, read = len(self.errors), 0
        docs = self.records(shard) if shard.kind == "jsonl" else self.parquet(shard)
        for found in docs:
            read += 1
            yield found
        if read == 0 and len(self.errors) > errors and self.shards is not None:
            self.shards[shard.rel].remove(shard)  # nothing read, all skipped: no output
            if not self.shards[shard.rel]:
                del self.shards[shard.rel]
        if isinstance(shard.path, Path):  # a remote file is not read a second time to hash it
            self.hash(shard, folder, lambda: file_hash(shard.path))

    def hash(self, shard: Shard, folder: dict[str, str] | None, digest: Callable[[], str]) -> None:
        """Record the content hash of a shard once it has been read (the pages of a records
        file are still in the page cache: hashing them costs little beside parsing them)."""
        if self.hashes is None:
            return
        with contextlib.suppress(OSError):  # reading it has reported it
            if folder is None:
                self.hashes[self.n] = digest()
            else:
                folder[shard.rel] = digest()

    def walk(self, root: Path, prefix: str = "") -> list[Shard]:
        """Every shard below ``root`` (a file of a kind :func:`kind_of` knows) with its path
        relative to ``root`` (after ``prefix``), sorted by that path.

        Symlinked files count; symlinked folders are not entered (no loops, no escaping the
        tree). A folder that cannot be listed, a broken link or a special file is an error.
        """
        found: list[Shard] = []
        start = len(str(root).rstrip(os.sep)) + 1  # of the paths below root
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
                kind = kind_of(entry.name)
                if kind is None:
                    continue
                file = Path(entry.path)
                if not (entry.is_file() or self._irregular(file)):
                    continue
                rel = prefix + entry.path[start:].replace(os.sep, "/")
                found.append(Shard(rel, file, kind))
        found.sort(key=lambda shard: shard.rel)
        return found

    def matches(self, pattern: Path) -> list[Shard]:
        """The shards of a glob: the files it matches, read by their kind (as text when their
        name says no kind), and the shards below the folders it matches, with their paths
        relative to the glob's base, sorted by that path."""
        found = expand_glob(str(pattern))
        if not found:
            self.fail(InputError(str(pattern), "no file matches this pattern"))
        shards: dict[str, Shard] = {}
        for rel, path in found:
            if path.is_dir():  # named by the glob: followed, as a folder given as an input
                shards.update((s.rel, s) for s in self.walk(path, prefix=f"{rel}/"))
            elif path.is_file() or self._irregular(path):
                shards[rel] = Shard(rel, path, kind_of(path.name) or "text")
        return [shards[rel] for rel in sorted(shards)]

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

    def contents(self, files: list[Shard]) -> Iterator[bytes | OSError]:
        """The bytes of each file, or the error reading it; with ``jobs`` above 1, threads read
        files ahead (reading is system calls, which let the caller decode), in tasks of
        ``READ_TASK`` files: one task per cached file cost more than it saved."""
        paths = [shard.path for shard in files]
        tasks = [paths[i : i + READ_TASK] for i in range(0, len(paths), READ_TASK)]
        for contents in workers.imap(_all_contents, tasks, None, self.jobs):
            yield from contents

    def text_file(
        self, path: Path, rel: str, data: bytes | OSError | None = None
    ) -> Document | None:
        try:
            text = decode_file(path, self.encoding_errors, data, self.encoding)
        except InputError as error:
            self.fail(error, skippable=self.encoding_errors == "skip-file")
            return None
        return Document(rel, text, path=rel)

    def records(
        self, shard: Shard, lines: tuple[int, int | None, int] = (0, None, 0)
    ) -> Iterator[tuple[Document, str]]:
        """Records of a JSON lines file, one at a time; ``skip-file`` drops the whole file on
        a bad byte (so its records are held until the file has been read). ``lines`` (first
        byte, end byte or None, newlines before the byte before the first) reads only the
        lines of an uncompressed file that start in that range of bytes, numbered as when the
        whole file is read."""
        path = shard.path
        hold = self.encoding_errors == "skip-file"
        docs: list[tuple[Document, str]] = []
        first, end, before = lines
        line_no, offset = before, 0
        try:
            with storage.open_binary(path) as stream:
                if first > 0:  # the line under way at ``first - 1`` is the range before's
                    stream.seek(first - 1)
                    offset, line_no = first - 1 + len(stream.readline()), before + 1
                numbered = enumerate(storage.iter_lines(stream), line_no + 1)
                for line_no, raw in numbered:
                    if end is not None and offset >= end:
                        break
                    start, offset = offset, offset + len(raw)
                    if not raw.strip():
                        continue
                    try:
                        doc = self.parse(raw, line_no, start, shard.rel), f"{path}:{line_no}"
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

    def parquet(self, shard: Shard) -> Iterator[tuple[Document, str]]:
        """Rows of a Parquet file, one at a time: a bad row is skipped alone, an unreadable
        page ends the file."""
        from dedupe_docs.formats.records import read_parquet

        try:
            rows = read_parquet(shard.path, self.text_field, self.id_field, shard.rel)
            for row, doc in enumerate(rows):  # one item per row
                if isinstance(doc, InputError):
                    self.fail(doc)
                else:
                    yield doc, f"{shard.path} row {row}"
        except InputError as error:
            self.fail(error)

    def parse(self, raw: bytes, line_no: int, start: int, rel: str) -> Document:
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
                hint = None
                if line_no == 1 and raw.lstrip().startswith(b"["):
                    hint = "a .json file is read as JSON lines, one record per line"
                raise InputError("", f"not valid JSON: {exc}", line=line_no, hint=hint) from exc
        if not isinstance(record, dict):
            raise InputError("", "a record must be a JSON object", line=line_no)
        return self.record(record, "", line_no, f"{rel}:{line_no}", rel)

    def record(
        self,
        record: dict[str, Any],
        where: str,
        line: int | None,
        made_id: str | None = None,
        shard: str | None = None,
    ) -> Document:
        fields = (self.text_field, self.id_field, made_id, shard)
        return record_document(record, where, line, *fields)


@attrs.frozen
class Piece:
    """What a read task reads of one input file (see :func:`listing`): the whole shard, or
    with ``end`` or ``start`` the lines of an uncompressed JSON lines file that start in bytes
    ``start..end`` (``end`` None: to the end), ``before`` being the number of newlines before
    byte ``start - 1`` (so that the lines are numbered as when the whole file is read)."""

    shard: Shard
    input: int
    """The position of the input the shard belongs to."""
    folder: bool
    """Whether that input is a folder or a glob (its hashes are kept by relative path)."""
    start: int = 0
    end: int | None = None
    before: int = 0

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.end is None


@attrs.frozen
class Failed:
    """An error met reading the inputs, in its place; ``fatal`` when the reader raises it
    (``on_error="raise"``, and not a file skipped by ``encoding_errors="skip-file"``)."""

    error: InputError
    fatal: bool


@attrs.frozen(eq=False)
class PiecesRead:
    """What :func:`read_pieces` found: the documents and where each is (``file:line``), the
    errors met, each with the number of documents read before it, and for each piece read the
    documents and errors it gave and its file's content hash (None: none taken)."""

    docs: list[Document]
    wheres: list[str]
    events: list[tuple[int, Failed]]
    pieces: list[tuple[int, int, str | None]]


def listing(inputs: list[DocumentLike], options: Mapping[str, Any]) -> list[Piece | Failed]:
    """The shards of ``inputs`` (paths, globs and URLs) in the order :func:`stream` reads
    them, without reading them, and the errors met (a missing file, a broken link) in their
    place, up to the first that :func:`stream` raises. ``options`` are :func:`stream`'s;
    ``hashes`` gets the entry of each folder and glob (the files' hashes are taken as they
    are read)."""
    lister = _Lister(**_reader_options(options))
    lister.storage_options = options.get("storage_options")
    with contextlib.suppress(_Stop):
        for n, item in enumerate(inputs):
            lister.n = n
            for _ in lister.read_one(item, n):
                pass
    return lister.steps


def read_pieces(pieces: Iterable[Piece | Failed], options: Mapping[str, Any]) -> PiecesRead:
    """The documents of ``pieces`` (of :func:`listing`), read as :func:`stream` reads their
    files, with the errors it would meet; reading stops at the first it would raise. A
    duplicate id is not looked for: the caller, who sees every piece, does that."""
    reader = _PieceReader(**{**_reader_options(options), "hashes": None, "shards": None})
    found: list[tuple[int, int, str | None]] = []
    with contextlib.suppress(_Stop):
        for piece in pieces:
            if isinstance(piece, Failed):
                reader.events.append((len(reader.docs), piece))
                if piece.fatal:
                    break
                continue
            docs, errors = len(reader.docs), len(reader.events)
            reader.digest = None
            for doc, where in reader.piece(piece):
                reader.docs.append(doc)
                reader.wheres.append(where)
            found.append((len(reader.docs) - docs, len(reader.events) - errors, reader.digest))
    return PiecesRead(reader.docs, reader.wheres, reader.events, found)


def _reader_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of :class:`_Reader` among ``options`` (:func:`stream`'s), checked."""
    on_error, encoding_errors = options.get("on_error", "raise"), options.get("encoding_errors")
    if on_error not in ON_ERROR:
        raise ConfigError(f"`on_error` must be one of {ON_ERROR}, not {on_error!r}", "on_error")
    if encoding_errors not in ENCODING_ERRORS:
        msg = f"`encoding_errors` must be one of {ENCODING_ERRORS}, not {encoding_errors!r}"
        raise ConfigError(msg, "encoding_errors")
    check_encoding(options.get("encoding", "utf-8"))
    names = ("text_field", "id_field", "on_error", "encoding_errors", "hashes", "encoding")
    return {name: options[name] for name in names if name in options}


class _Stop(Exception):
    """Reading stops here: the local reader would raise the error just recorded."""


class _Lister(_Reader):
    """A reader that lists the shards it would read (:func:`listing`) and records the errors
    it meets instead of raising them."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.steps: list[Piece | Failed] = []

    def fail(self, error: InputError, *, skippable: bool = False) -> None:
        fatal = self.on_error == "raise" and not skippable
        self.steps.append(Failed(error, fatal))
        if fatal:
            raise _Stop

    def many(self, shards: list[Shard]) -> Iterator[tuple[Document, str]]:
        if self.hashes is not None:
            self.hashes[self.n] = {}
        self.steps += [Piece(shard, self.n, True) for shard in shards]
        yield from ()

    def shard(
        self, shard: Shard, data: bytes | OSError | None, folder: dict[str, str] | None
    ) -> Iterator[tuple[Document, str]]:
        self.steps.append(Piece(shard, self.n, folder is not None))
        yield from ()


class _PieceReader(_Reader):
    """A reader of :class:`Piece`s (:func:`read_pieces`) that records the errors it meets,
    after how many documents, and the content hash of the file it reads."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.docs: list[Document] = []
        self.wheres: list[str] = []
        self.events: list[tuple[int, Failed]] = []
        self.digest: str | None = None

    def fail(self, error: InputError, *, skippable: bool = False) -> None:
        fatal = self.on_error == "raise" and not skippable
        self.events.append((len(self.docs), Failed(error, fatal)))
        if fatal:
            raise _Stop

    def hash(self, shard: Shard, folder: dict[str, str] | None, digest: Callable[[], str]) -> None:
        with contextlib.suppress(OSError):  # reading it has reported it
            self.digest = digest()

    def piece(self, piece: Piece) -> Iterator[tuple[Document, str]]:
        shard = piece.shard
        if piece.whole:
            yield from self.shard(shard, None, None)
            return
        yield from self.records(shard, (piece.start, piece.end, piece.before))
        if piece.start == 0 and isinstance(shard.path, Path):  # one range hashes the file
            self.hash(shard, None, lambda: file_hash(shard.path))  # type: ignore[arg-type]


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
    if paths and isinstance(paths[0], RemotePath):  # one request for them all (concurrent)
        return _remote_contents(paths)  # type: ignore[arg-type]
    return [_contents(path) for path in paths]


def _remote_contents(paths: list[RemotePath]) -> list[bytes | OSError]:
    fs = paths[0].fs
    if any(p.fs is not fs for p in paths):
        return [_contents(path) for path in paths]
    try:
        found = fs.cat([p.path for p in paths], on_error="return")
    except Exception:  # the whole request failed: each file tells its own error
        return [_contents(path) for path in paths]
    contents: list[bytes | OSError] = []
    for p in paths:
        data = found.get(p.path)
        if isinstance(data, bytes):
            contents.append(data)
        else:
            contents.append(_contents(p))  # its error, as read alone
    return contents


def _contents(path: Path | RemotePath) -> bytes | OSError:
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
    path: Path,
    encoding_errors: EncodingErrors = "strict",
    data: bytes | OSError | None = None,
    encoding: str = "utf-8",
) -> str:
    """Decode a text file exactly (newlines stay as they are), as UTF-8 by default (a BOM stays,
    as U+FEFF) or as ``encoding`` says (Python's codec: ``utf-16`` takes its BOM as the byte
    order and drops it).

    Text that does not decode is reported with its byte offset, or replaced by U+FFFD with
    ``encoding_errors="replace"``; a file holding a NUL (a NUL byte, in UTF-8) is binary and
    always refused. ``data`` is the file's bytes (or the error reading them) when already read.
    """
    if data is None:
        data = _contents(path)
    if isinstance(data, OSError):
        raise InputError(str(path), _why(data)) from data
    if codecs.lookup(encoding).name != "utf-8":
        return _decode(path, data, encoding, encoding_errors)
    nul = data.find(b"\x00")
    if nul >= 0:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            hint = '`encoding="utf-16"` reads it; `on_error="skip"` skips it'
            raise InputError(str(path), "looks like UTF-16", byte=nul, hint=hint)
        reason = f"binary file (NUL byte at byte {nul})"
        raise InputError(str(path), reason, byte=nul, hint='`on_error="skip"` skips it')
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


def _decode(path: Path, data: bytes, encoding: str, encoding_errors: EncodingErrors) -> str:
    """``data`` decoded as ``encoding`` (not UTF-8), or the InputError saying where it fails."""
    try:
        text = data.decode(encoding, "replace" if encoding_errors == "replace" else "strict")
    except UnicodeDecodeError as exc:
        raise InputError(
            str(path),
            f"not valid {encoding} at byte {exc.start} ({data[exc.start : exc.start + 1]!r})",
            byte=exc.start,
            hint='use `encoding_errors="replace"` or `encoding_errors="skip-file"`',
        ) from exc
    nul = text.find("\x00")
    if nul >= 0:
        reason = f"binary file (NUL at character {nul})"
        raise InputError(str(path), reason, hint='`on_error="skip"` skips it')
    return text
