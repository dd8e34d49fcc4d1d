"""Files and folders named by a URL (``s3://``, ``gs://``, ``hdfs://``, ``memory://``, any
filesystem fsspec knows), read and written through fsspec (the extra ``s3``).

:class:`RemotePath` offers the part of :class:`pathlib.Path` that reading inputs and writing
an output folder use (``/``, ``name``, ``suffix``, ``open``, ``read_bytes``, ``is_dir``,
``iterdir``), so the readers and writers of local files take it as they are. Every request
that fails is a :class:`~dedupe_docs.errors.StorageError` naming the URL and the reason (the
bucket does not exist, no credentials), never the storage client's own exception.

Credentials and endpoints come the client's standard way (for S3: ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``, ``~/.aws``) or from ``storage_options``,
passed to the filesystem as they are (``{"endpoint_url": ..., "key": ..., "secret": ...}``).

An output folder on such a filesystem is written by :func:`atomic_folder`: under a temporary
prefix beside it, then moved into place, ``report.json`` first as a placeholder and last as
itself, so a reader never sees a part of a run as a finished output.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any

from dedupe_docs.errors import OutputError, StorageError

URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")
OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss", "r2"})
"""Protocols with no folders of their own: a key makes its folders, and making one is skipped
(s3fs would create a bucket for it)."""
_HINT = "pip install 'dedupe-docs[s3]' (fsspec and s3fs; gcsfs for gs://, adlfs for az://)"
_CREDENTIALS = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for an "
    "S3-compatible server), or pass them in `storage_options`"
)


def is_url(item: object) -> bool:
    """Whether an input or output names a file by URL (a ``file://`` URL is a local path).

    >>> is_url("s3://bucket/crawl/"), is_url("memory://x"), is_url("corpus/"), is_url(3)
    (True, True, False, False)
    """
    if not isinstance(item, str):
        return False
    match = URL.match(item)
    return match is not None and match.group(1).lower() != "file"


def protocol(url: str) -> str:
    """The scheme of a URL, lower case.

    >>> protocol("S3://bucket/key")
    's3'
    """
    match = URL.match(url)
    return match.group(1).lower() if match else "file"


def translate(exc: BaseException, url: str) -> StorageError:
    """What a storage client raised, as a StorageError naming ``url`` and the reason."""
    if isinstance(exc, StorageError):
        return exc
    name, text = type(exc).__name__, str(exc).strip()
    if isinstance(exc, ImportError):
        return StorageError(url, f"this filesystem needs a package: {text}", _HINT)
    if "credential" in name.lower() or "credential" in text.lower():
        return StorageError(url, "no credentials found", _CREDENTIALS)
    if isinstance(exc, FileNotFoundError):
        bucket = "bucket" in text.lower()
        return StorageError(url, text if bucket else "no such file or directory")
    if isinstance(exc, PermissionError):
        return StorageError(url, f"access denied ({text})", _CREDENTIALS)
    if isinstance(exc, OSError) and exc.strerror:
        return StorageError(url, exc.strerror)
    return StorageError(url, f"{name}: {text}" if text else name)


def _guarded(url: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``, with any failure raised as a StorageError about ``url``."""
    try:
        return call(*args, **kwargs)
    except StorageError:
        raise
    except Exception as exc:
        raise translate(exc, url) from exc


def filesystem(url: str, options: Mapping[str, Any] | None = None) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` (built with ``options``) and the path on it."""
    try:
        from fsspec.core import url_to_fs
    except ImportError as exc:
        raise StorageError(url, "reading or writing a URL needs fsspec", _HINT) from exc
    fs, path = _guarded(url, url_to_fs, url, **dict(options or {}))
    return fs, path.rstrip("/") or path


class RemotePath:
    """A file or folder on an fsspec filesystem, named by its URL; ``str()`` gives the URL."""

    __slots__ = ("fs", "path", "url")

    def __init__(self, fs: Any, path: str, url: str) -> None:
        self.fs, self.path, self.url = fs, path, url

    @classmethod
    def of(cls, url: str, options: Mapping[str, Any] | None = None) -> RemotePath:
        """The file or folder ``url`` names, on a filesystem built with ``options``."""
        fs, path = filesystem(url, options)
        return cls(fs, path, url.rstrip("/"))

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"RemotePath({self.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemotePath) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    def __truediv__(self, name: str) -> RemotePath:
        url = self.url if self.url.endswith("://") else self.url.rstrip("/") + "/"
        return RemotePath(self.fs, f"{self.path.rstrip('/')}/{name}", url + name)

    def child(self, path: str) -> RemotePath:
        """The file at ``path`` (a path on the filesystem, as its listings give) below this."""
        rel = path[len(self.path) :].lstrip("/")
        return self / rel if rel else self

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rpartition("/")[2]

    @property
    def suffix(self) -> str:
        stem, dot, ext = self.name.rpartition(".")
        return f".{ext}" if dot and stem else ""

    @property
    def parent(self) -> RemotePath:
        """The folder above (a bucket has none: a StorageError)."""
        if "/" not in self.path.strip("/") and not self.path.startswith("/"):
            reason = "a bucket has no folder above it: an output folder goes below one"
            raise StorageError(self.url, reason, f"for example {self.url.rstrip('/')}/clean/")
        scheme, _, rest = self.url.partition("://")
        head = self.path.rstrip("/").rpartition("/")[0]
        return RemotePath(self.fs, head or "/", f"{scheme}://{rest.rpartition('/')[0]}")

    def with_name(self, name: str) -> RemotePath:
        return self.parent / name

    def resolve(self) -> RemotePath:
        return self

    def absolute(self) -> RemotePath:
        return self

    @property
    def object_store(self) -> bool:
        return protocol(self.url) in OBJECT_STORES

    def open(self, mode: str = "rb") -> IO[bytes]:
        """The file opened in binary ``mode``; its reads, writes and close raise
        StorageError on failure (a write may fail only when the file is closed)."""
        if "b" not in mode:
            mode += "b"
        raw = _File(_guarded(self.url, self.fs.open, self.path, mode), self.url)
        if "r" in mode:
            return io.BufferedReader(raw, BUFFER)
        return io.BufferedWriter(raw, BUFFER)

    def read_bytes(self) -> bytes:
        return _guarded(self.url, self.fs.cat_file, self.path)  # type: ignore[no-any-return]

    def write_bytes(self, data: bytes) -> int:
        _guarded(self.url, self.fs.pipe_file, self.path, data)
        return len(data)

    def write_files(self, files: Mapping[str, bytes]) -> None:
        """Write each file of ``files`` (relative path below this folder → its bytes), in one
        request the filesystem may serve concurrently."""
        paths = {f"{self.path}/{rel}": data for rel, data in files.items()}
        if not self.object_store:
            for folder in sorted({p.rpartition("/")[0] for p in paths}):
                _guarded(self.url, self.fs.makedirs, folder, exist_ok=True)
        _guarded(self.url, self.fs.pipe, paths)

    def exists(self) -> bool:
        return bool(_guarded(self.url, self.fs.exists, self.path))

    def is_dir(self) -> bool:
        return bool(_guarded(self.url, self.fs.isdir, self.path))

    def is_file(self) -> bool:
        return bool(_guarded(self.url, self.fs.isfile, self.path))

    def is_symlink(self) -> bool:
        return False

    def size(self) -> int:
        return int(_guarded(self.url, self.fs.size, self.path) or 0)

    def missing(self) -> str:
        """Why nothing is found at this URL: no such file or folder, or the filesystem's own
        reason (the bucket does not exist, no credentials)."""
        try:
            _guarded(self.url, self.fs.info, self.path)
        except StorageError as exc:
            return exc.strerror
        return "not a file or folder"

    def mkdir(self, parents: bool = True, exist_ok: bool = True) -> None:
        """Make the folder where folders exist (not on object stores, where keys make them)."""
        if not self.object_store:
            _guarded(self.url, self.fs.makedirs, self.path, exist_ok=True)

    def _fresh(self) -> None:
        """Forget what the filesystem's listing cache holds below this path: a listing must
        see what another process (or an earlier run in this one) wrote since."""
        _guarded(self.url, self.fs.invalidate_cache, self.path)

    def iterdir(self) -> Iterator[RemotePath]:
        """What the folder holds, one level down."""
        self._fresh()
        for entry in sorted(_guarded(self.url, self.fs.ls, self.path, detail=False)):
            if entry.rstrip("/") != self.path:
                yield self.child(entry.rstrip("/"))

    def files(self) -> list[tuple[str, RemotePath, int]]:
        """Every file below the folder: (path relative to it, the file, its size in bytes),
        sorted by the relative path."""
        self._fresh()
        found = _guarded(self.url, self.fs.find, self.path, detail=True)
        files = []
        for path, info in found.items():
            if info.get("type", "file") != "file":
                continue
            rel = path[len(self.path) :].lstrip("/")
            if rel:
                files.append((rel, self.child(path), int(info.get("size") or 0)))
        return sorted(files, key=lambda f: f[0])

    def glob(self, pattern: str) -> list[tuple[RemotePath, bool]]:
        """What the glob ``pattern`` (a path below this folder on its filesystem) matches,
        sorted, each with whether it is a folder."""
        self._fresh()
        found = _guarded(self.url, self.fs.glob, pattern, detail=True)
        return [
            (self.child(p.rstrip("/")), info.get("type") == "directory")
            for p, info in sorted(found.items())
            if p.rstrip("/").startswith(self.path)
        ]

    def remove(self) -> None:
        """Remove the file, or the folder and everything below it."""
        with contextlib.suppress(FileNotFoundError, StorageError):
            if self.is_dir():
                _guarded(self.url, self.fs.rm, self.path, recursive=True)
            else:
                _guarded(self.url, self.fs.rm_file, self.path)

    def move_to(self, target: RemotePath) -> None:
        """Move the file to ``target`` (on an object store: a copy made by the server, then a
        delete)."""
        _guarded(str(target), self.fs.mv, self.path, target.path)

    def move_files(self, moves: Sequence[tuple[RemotePath, RemotePath]]) -> None:
        """Move each file to its target. On an object store, in two calls the client serves
        concurrently (the copies, made by the server, then a bulk delete of the sources)
        rather than a copy and a delete per file, one after the other; elsewhere each file is
        renamed."""
        if not moves:
            return
        if self.object_store:
            sources = [a.path for a, _ in moves]
            _guarded(self.url, self.fs.copy, sources, [b.path for _, b in moves])
            _guarded(self.url, self.fs.rm, sources)
        else:
            for source, target in moves:
                source.move_to(target)

    def remove_files(self, files: Sequence[RemotePath]) -> None:
        """Delete the files (on an object store, a thousand in one request)."""
        if files:
            _guarded(self.url, self.fs.rm, [f.path for f in files])


class _File(io.RawIOBase):
    """A file of a RemotePath: each call's failure is a StorageError naming the URL."""

    def __init__(self, raw: Any, url: str) -> None:
        super().__init__()
        self.raw, self.url = raw, url

    def readable(self) -> bool:
        return bool(self.raw.readable())

    def writable(self) -> bool:
        return bool(self.raw.writable())

    def seekable(self) -> bool:
        return bool(self.raw.seekable())

    def read(self, size: int = -1) -> bytes:
        return _guarded(self.url, self.raw.read, size)  # type: ignore[no-any-return]

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def write(self, data: Any) -> int:
        return _guarded(self.url, self.raw.write, data)  # type: ignore[no-any-return]

    def seek(self, offset: int, whence: int = 0) -> int:
        return _guarded(self.url, self.raw.seek, offset, whence)  # type: ignore[no-any-return]

    def tell(self) -> int:
        return _guarded(self.url, self.raw.tell)  # type: ignore[no-any-return]

    def close(self) -> None:
        if not self.closed:
            try:
                _guarded(self.url, self.raw.close)
            finally:
                super().close()


Owned = Callable[[Any], str | None]
"""Why an existing non-empty folder may not be replaced (None: it may), for ``overwrite``."""


def check_replace(out: RemotePath, *, overwrite: bool, owned: Owned | None = None) -> None:
    """As :func:`dedupe_docs.runtime.storage.check_replace`, for a folder named by URL: a
    missing or empty folder may be written; a non-empty one only with ``overwrite`` and when
    ``owned`` accepts it; a file is refused."""
    if out.is_file():
        raise OutputError(f"{out}: output exists and is not a folder (choose another name)")
    try:
        empty = not any(True for _ in out.iterdir())
    except StorageError as exc:
        if exc.reason != "no such file or directory":
            raise OutputError(f"{out}: cannot list the output folder: {exc.strerror}") from exc
        empty = True
    if empty:
        return
    if not overwrite:
        raise OutputError(f"{out}: output folder exists and is not empty (use `overwrite=True`)")
    why = owned(out) if owned is not None else None
    if why is not None:
        raise OutputError(f"{out}: {why}")


BUFFER = 1 << 20
"""Bytes buffered by a file opened for reading or writing (one request each, at most)."""
MARKER = "report.json"
"""The file an output folder's reader looks for: moved into place last."""


@contextlib.contextmanager
def atomic_folder(
    out: RemotePath, *, overwrite: bool, owned: Owned | None = None, mark: dict[str, str]
) -> Iterator[RemotePath]:
    """Yield a temporary folder ``.OUT.tmp-<id>`` beside ``out`` that replaces ``out`` only
    when the block succeeds.

    Each file is written whole under the temporary prefix (an object store shows an object
    only once its upload is complete). When the block succeeds, :func:`check_replace` is
    asked again, then ``out/report.json`` is replaced by a placeholder holding ``mark``,
    ``"state": "writing"`` and ``files``, the old files and the new (so a folder whose commit
    died is still recognised as a run's output, which ``overwrite`` may replace), the other
    files ``out`` held are deleted, the new files are moved in, and ``report.json`` last. A
    reader sees a finished output once ``report.json`` has no ``"state"``. A run that fails
    before the commit leaves ``out`` as it was and removes its temporary prefix; one killed
    leaves the prefix (object stores have no locks to tell a dead run's from a live one's):
    remove it, or let a lifecycle rule expire it.
    """
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        yield tmp
        check_replace(out, overwrite=overwrite, owned=owned)
        new = tmp.files()
        kept = {rel for rel, _, _ in new}
        try:
            before = [(rel, f) for rel, f, _ in out.files() if rel != MARKER]
        except StorageError:  # a missing folder has nothing to delete
            before = []
        files = sorted(kept.union(rel for rel, _ in before) - {MARKER})
        placeholder = {**mark, "state": "writing", "files": files}
        (out / MARKER).write_bytes((json.dumps(placeholder, indent=2) + "\n").encode("utf-8"))
        old = [f for rel, f in before if rel not in kept]
        out.remove_files(old)
        out.move_files([(file, out / rel) for rel, file, _ in new if rel != MARKER])
        for rel, file, _ in new:
            if rel == MARKER:
                file.move_to(out / MARKER)
    finally:
        tmp.remove()
