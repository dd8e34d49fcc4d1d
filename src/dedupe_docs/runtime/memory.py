"""Process memory: what it holds, what it may still take, and how the C allocator keeps or
hands back what is freed (Linux with glibc; elsewhere these know nothing and do nothing)."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import mmap
import sys
from collections.abc import Iterator
from pathlib import Path

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # glibc's mallopt parameters
GLIBC_THRESHOLD = 128 << 10  # the default of both
HEAP_BLOCKS_UP_TO = 32 << 20  # the largest M_MMAP_THRESHOLD glibc takes on 64-bit systems


@contextlib.contextmanager
def reused_memory() -> Iterator[None]:
    """Within the block, the C allocator keeps the memory freed for its next allocations
    instead of handing it back to the system (glibc: blocks up to 32 MB come from its heap,
    which is not trimmed); on leaving, its defaults are back and the heap is trimmed.

    For work that allocates the same arrays over and over, as a bounded run does batch after
    batch: every page handed back would be faulted in and zeroed again for the next batch,
    and page faults are slow on virtual machines.

    Threads share one heap (one arena), or each would keep its own heap full. glibc fixes its
    arena limit when a thread first asks for a new arena, so a process that ran a bounded
    clean with threads keeps one arena for good.
    """
    libc = c_library()
    if libc is None or not hasattr(libc, "mallopt"):
        yield
        return
    libc.mallopt(M_MMAP_THRESHOLD, HEAP_BLOCKS_UP_TO)
    libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)
    libc.mallopt(M_ARENA_MAX, 1)  # threads share one heap, not one each kept full
    try:
        yield
    finally:
        libc.mallopt(M_MMAP_THRESHOLD, GLIBC_THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, GLIBC_THRESHOLD)
        libc.mallopt(M_ARENA_MAX, 0)  # glibc's default: by the number of cores
        release_memory()


def resident_memory() -> int | None:
    """Bytes of memory this process holds now (Linux), or None where that is not known."""
    try:
        return int(Path("/proc/self/statm").read_bytes().split()[1]) * mmap.PAGESIZE
    except (OSError, ValueError, IndexError):
        return None


def release_memory() -> None:
    """Give the freed memory of a stage back to the system (Linux).

    A stage frees many mid-sized NumPy temporaries that the C allocator keeps in its heap;
    without this, several times the input's size stays resident into the next stage.
    """
    libc = c_library()
    if libc is not None and hasattr(libc, "malloc_trim"):  # glibc
        libc.malloc_trim(0)


_GROUP_MEMORY = [  # (limit, usage) of the control group: cgroup v2, v1
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
]


def available_memory() -> int | None:
    """Bytes of memory this process can still take, or None where that is not known: what
    Linux counts as available (free and reclaimable), within the limit of the process's
    control group (a container's memory limit), if any."""
    try:
        lines = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()
        info = dict(line.split(":", 1) for line in lines if ":" in line)
        free = int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None
    for limit, used in _GROUP_MEMORY:
        try:
            room = int(Path(limit).read_text("ascii")) - int(Path(used).read_text("ascii"))
            free = min(free, max(room, 0))
        except (OSError, ValueError):  # no such group, or "max": no limit
            continue
    return free


@functools.cache
def c_library() -> ctypes.CDLL | None:
    """The C library on Linux (``syncfs``; ``malloc_trim`` and ``mallopt`` with glibc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    return libc
