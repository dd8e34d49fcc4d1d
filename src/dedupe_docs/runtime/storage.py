"""Files: JSON lines (orjson when installed), compressed streams, atomic output folders, and
reads at offsets."""

from __future__ import annotations

import bz2
import contextlib
import ctypes
import errno
import glob
import gzip
import io
import json
import mmap
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

try:
    import orjson
except ImportError:  # pragma: no cover - exercised when the 'fast' extra is absent
    orjson = None  # type: ignore[assignment]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locks, stale folders are left alone
    fcntl = None  # type: ignore[assignment]

from dedupe_docs.errors import ConfigError, OutputError
from dedupe_docs.runtime.memory import c_library
from dedupe_docs.runtime.remote import RemotePath


def dumps_line(obj: Any) -> bytes:
    """One JSON document plus a newline, as UTF-8 bytes (non-ASCII kept readable)."""
    if orjson is not None:
        with contextlib.suppress(TypeError):
            return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
    return (dumps(obj) + "\n").encode("utf-8")


def dumps(obj: Any, indent: int | None = None) -> str:
    """JSON text that always encodes as valid UTF-8: non-ASCII stays readable, except in a
    document holding a lone surrogate (an id read from a JSON escape or an undecodable file
    name), which is written with ``\\u`` escapes instead."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True, indent=indent)
    return text


def loads(line: bytes) -> Any:
    """Parse one JSON document; the stdlib takes what orjson rejects (lone surrogates)."""
    if orjson is not None:
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    return json.loads(line)


def open_binary(path: Path | RemotePath, mode: str = "rb") -> IO[bytes]:
    """Open plain, ``.gz``, ``.bz2`` or ``.zst`` files by their suffix. A ``.gz`` file is written
    with no name and time in its header, so the same records give the same bytes. A
    :class:`RemotePath` is opened through fsspec and (de)compressed here, as a local file is."""
    if isinstance(path, RemotePath):
        return _open_remote(path, mode)
    if path.suffix == ".gz":
        if "r" in mode:
            return gzip.open(path, mode)  # type: ignore[return-value]
        return _GzipFile(path)
    if path.suffix == ".bz2":
        return bz2.open(path, mode)  # type: ignore[return-value]
    if path.suffix == ".zst":
        try:
            import zstandard
        except ImportError as exc:
            msg = "reading .zst needs zstandard: pip install 'dedupe-docs[zstd]'"
            raise ImportError(msg) from exc
        if "r" in mode:
            return zstandard.open(path, "rb")  # type: ignore[no-any-return]
        return zstandard.open(path, "wb")  # type: ignore[no-any-return]
    return path.open(mode)


def _open_remote(path: RemotePath, mode: str) -> IO[bytes]:
    if path.suffix == ".gz":
        return _GzipFile(path, mode)
    if path.suffix == ".bz2":
        return _Bz2File(path, mode)
    if path.suffix == ".zst":
        try:
            import zstandard
        except ImportError as exc:
            msg = "reading .zst needs zstandard: pip install 'dedupe-docs[zstd]'"
            raise ImportError(msg) from exc
        return zstandard.open(path.open(mode), mode, closefd=True)  # type: ignore[no-any-return]
    return path.open(mode)


class _GzipFile(gzip.GzipFile):
    """A gzip file written with an empty name and time 0 in its header; closing it closes the
    file beneath too."""

    def __init__(self, path: Path | RemotePath, mode: str = "wb") -> None:
        self._raw = path.open(mode)
        super().__init__(filename="", mode=mode, fileobj=self._raw, mtime=0)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


class _Bz2File(bz2.BZ2File):
    """A bz2 stream over a file it opened; closing it closes the file beneath too."""

    def __init__(self, path: RemotePath, mode: str) -> None:
        self._raw = path.open(mode)
        super().__init__(self._raw, mode)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def iter_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of a binary stream, split on ``\\n`` only (JSON lines may hold a lone ``\\r``)."""
    yield from io.BufferedReader(stream) if not isinstance(stream, io.BufferedIOBase) else stream


Owned = Callable[[Path], str | None]
"""Why an existing non-empty folder may not be replaced (None: it may), for ``overwrite``."""


def check_replace(out: Path, *, overwrite: bool, owned: Owned | None = None) -> None:
    """Refuse to replace what ``out`` is, unless it is absent, an empty folder, or a folder
    that ``owned`` accepts with ``overwrite``: a file, a symbolic link or any other folder is
    an OutputError (nothing the run did not write is ever deleted)."""
    if out.is_symlink():
        target = out.readlink()
        msg = f"{out}: output is a symbolic link (to {target}); `overwrite=True` replaces only"
        raise OutputError(f"{msg} a folder, not a link (choose another output folder)")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{out}: output exists and is not a folder (choose another name)")
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise OutputError(f"{out}: cannot list the output folder: {describe(exc)}") from exc
    if empty:
        return
    if not overwrite:
        msg = f"{out}: output folder exists and is not empty (use `overwrite=True`)"
        raise OutputError(msg)
    why = owned(out) if owned is not None else None
    if why is not None:
        raise OutputError(f"{out}: {why}")


@contextlib.contextmanager
def atomic_folder(out: Path, *, overwrite: bool, owned: Owned | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``out`` that replaces ``out`` only when the block succeeds.

    A run killed at any moment leaves ``out`` absent or as it was, never half written. The
    temporary folder ``.OUT.tmp-XXXX`` is claimed by an exclusive lock on ``.OUT.tmp-XXXX.lock``;
    the kernel drops the lock when its process dies, so the next run removes the leftovers of
    dead runs (and only those: a folder whose lock is held belongs to a live run).

    An existing ``out`` is replaced only as :func:`check_replace` allows (an empty folder;
    with ``overwrite``, a folder ``owned`` accepts), checked again just before the rename: a
    file added to ``out`` while the run went on is not deleted either.
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    lock_fd, tmp = _claim(out)
    old = tmp.with_name(tmp.name + ".old")
    try:
        yield tmp
        _fsync_tree(tmp)
        check_replace(out, overwrite=overwrite, owned=owned)
        if out.is_dir() and not out.is_symlink() and not any(out.iterdir()):
            out.rmdir()  # an empty folder is replaced, with or without overwrite
        if out.exists() or out.is_symlink():
            if not overwrite:
                msg = f"{out}: output folder exists and is not empty (use `overwrite=True`)"
                raise OutputError(msg)
            out.rename(old)
            try:
                tmp.rename(out)
            except BaseException:
                old.rename(out)
                raise
            _remove(old)
        else:
            tmp.rename(out)
        fsync_path(out.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _release(lock_fd, Path(f"{tmp}.lock"))


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (created if missing) while the block runs: a
    process that asks for it meanwhile waits. The lock is ``folder/.lock``, taken with
    ``flock``, so it is released when the process ends however it ends; it holds between
    processes of one machine (not over NFS), and is not taken where ``fcntl`` is missing."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _claim(out: Path) -> tuple[int | None, Path]:
    """Create and lock ``.OUT.tmp-XXXX.lock``, then the folder ``.OUT.tmp-XXXX`` beside it."""
    while True:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.tmp-", suffix=".lock", dir=out.parent)
        lock = Path(name)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                # A cleaner may have taken and removed the fresh lock file before we locked it.
                alive = os.fstat(fd).st_ino == lock.stat().st_ino
            except OSError:
                alive = False
            if not alive:
                os.close(fd)
                continue
        tmp = lock.with_name(lock.name[: -len(".lock")])
        try:
            tmp.mkdir()
        except FileExistsError:
            _release(fd, lock)
            continue
        return fd, tmp


def _release(fd: int | None, lock: Path) -> None:
    with contextlib.suppress(OSError):
        lock.unlink()
    if fd is not None:
        os.close(fd)


def remove_stale(out: Path) -> list[Path]:
    """Remove the temporary folders that dead runs writing ``out`` left behind; return them."""
    removed: list[Path] = []
    if fcntl is None:
        return removed
    for lock in sorted(out.parent.glob(glob.escape(f".{out.name}.tmp-") + "*.lock")):
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # held: a live run owns it
            stem = lock.with_name(lock.name[: -len(".lock")])
            for leftover in (stem, stem.with_name(stem.name + ".old")):
                if leftover.exists() or leftover.is_symlink():
                    _remove(leftover)
                    removed.append(leftover)
            with contextlib.suppress(OSError):
                if os.fstat(fd).st_ino == lock.stat().st_ino:
                    lock.unlink()
        finally:
            os.close(fd)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def describe(exc: OSError) -> str:
    """``strerror`` of an OS error, with the fix for the common ones."""
    why = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{why} (free some space and rerun)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{why} (choose an output folder you can write to)"
    return why


def _fsync_tree(root: Path) -> None:
    """Everything below ``root`` on disk before the rename makes it visible.

    On Linux one ``syncfs`` flushes the files and folders of the whole filesystem in one call
    (reopening 100,000 files to fsync each one took longer than writing them). Elsewhere every
    file, then every folder, is fsynced; fsync releases the GIL and a disk serves many at
    once, so a thread pool does it.
    """
    if _syncfs(root):
        return
    files, folders = [], []
    for folder, _dirs, names in os.walk(root):
        files += [str(Path(folder, name)) for name in names]
        folders.append(folder)
    if len(files) < 64:
        for name in files:
            fsync_path(name)
    else:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(fsync_path, files, chunksize=64))
    for folder in reversed(folders):
        fsync_path(Path(folder))


def _syncfs(path: Path) -> bool:
    """``syncfs(2)`` on the filesystem holding ``path``: False where it cannot be trusted to
    flush and report errors (no syncfs, a kernel before 5.8, a network or FUSE filesystem,
    which only a per-file fsync reaches), OSError when the flush fails (a full disk, an I/O
    error)."""
    libc = c_library()
    if libc is None or not hasattr(libc, "syncfs") or not _local_filesystem(path):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.syncfs(fd) == 0:
            return True
        code = ctypes.get_errno()
        if code in (errno.EIO, errno.ENOSPC, errno.EDQUOT):
            raise OSError(code, os.strerror(code), str(path))
        return False  # not allowed here (a sandbox) or not supported: fsync every file
    finally:
        os.close(fd)


_LOCAL_FILESYSTEMS = {"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "tmpfs", "overlay", "zfs"}


def _local_filesystem(path: Path) -> bool:
    """Whether ``path`` is on a local filesystem of a kernel whose syncfs reports write errors
    (Linux 5.8 and later)."""
    try:
        major, minor = (int(x) for x in os.uname().release.split(".")[:2])
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except (OSError, ValueError):
        return False
    if (major, minor) < (5, 8):
        return False
    target, best, kind = os.path.realpath(path), "", ""
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind in _LOCAL_FILESYSTEMS


def fsync_path(path: str | Path) -> None:
    """Flush a file or a folder (its entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000 if sys.platform == "linux" else 0)


def pread_into(fd: int, buffer: np.ndarray | bytearray, offset: int) -> None:
    """Fill ``buffer`` (contiguous) with the bytes of file ``fd`` from ``offset`` on; a file
    that ends first is an OSError."""
    view = memoryview(buffer).cast("B")
    while len(view):
        n = os.preadv(fd, [view], offset)
        if n == 0:
            raise OSError(f"file descriptor {fd}: ends before byte {offset + len(view)}")
        view, offset = view[n:], offset + n


def sparse_array(length: int, dtype: npt.DTypeLike) -> np.ndarray:
    """A zeroed array in an anonymous map of its own: pages never written take no memory.

    For large arrays written once in order, or sparsely. No swap is reserved for the whole map
    (without it, Linux refuses a map larger than its memory), and the map asks for small
    pages: a sparse lookup into huge pages fills 2 MB per page touched, several times slower to
    write than small pages. Elsewhere than Linux and the BSDs, a plain array.
    """
    dtype = np.dtype(dtype)
    if not hasattr(mmap, "MAP_ANONYMOUS"):  # pragma: no cover - Windows
        return np.zeros(length, dtype)
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _NORESERVE
    buffer = mmap.mmap(-1, max(length * dtype.itemsize, 1), flags)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):
        buffer.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(buffer, dtype, count=length)
