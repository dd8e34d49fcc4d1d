"""Small I/O helpers: JSON lines (orjson when installed), compressed streams, atomic folders."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

try:
    import orjson
except ImportError:  # pragma: no cover - exercised when the 'fast' extra is absent
    orjson = None  # type: ignore[assignment]


def dumps_line(obj: Any) -> bytes:
    """One JSON document plus a newline, as UTF-8 bytes (non-ASCII kept readable)."""
    if orjson is not None:
        with contextlib.suppress(TypeError):
            return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")


def loads(line: bytes) -> Any:
    """Parse one JSON document; the stdlib takes what orjson rejects (lone surrogates)."""
    if orjson is not None:
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    return json.loads(line)


def open_binary(path: Path, mode: str = "rb") -> IO[bytes]:
    """Open plain, ``.gz`` or ``.zst`` files by their suffix."""
    if path.suffix == ".gz":
        return gzip.open(path, mode)  # type: ignore[return-value]
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


def iter_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of a binary stream, split on ``\\n`` only (JSON lines may hold a lone ``\\r``)."""
    yield from io.BufferedReader(stream) if not isinstance(stream, io.BufferedIOBase) else stream


@contextlib.contextmanager
def atomic_folder(out: Path, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary folder beside ``out`` that replaces ``out`` only when the block succeeds.

    A run killed at any moment leaves ``out`` absent or as it was, never half written.
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
        _fsync_tree(tmp)
        if out.exists():
            if not overwrite:
                msg = f"{out}: output folder exists and is not empty (use --overwrite)"
                raise FileExistsError(msg)
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            out.rename(old / "previous")
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
        _fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
