"""Crash safety: a full disk, a killed run and the leftovers of dead runs never leave an output
that looks finished but is not, and never stop the next run."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dedupe_docs.runtime import storage
from dedupe_docs.stages import emit
from tests.helpers.clihelp import check_output_folder, cli_command, digest, invoke, snapshot
from tests.helpers.corpus import prose_paragraphs

CHECKER = Path(__file__).parents[2] / "shared" / "tools" / "check_output.py"


def make_corpus(folder: Path, size: int, seed: int = 7) -> None:
    """Real prose (``pydoc_data.topics``), words varied so it does not all repeat, in files of
    3-8 paragraphs, with exact and upper-cased copies of earlier paragraphs planted (15%)."""
    paragraphs = prose_paragraphs()
    vocab = sorted({w for p in paragraphs for w in p.split()})
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    written, made, n = 0, [], 0
    while written < size:
        paras = []
        for _ in range(rng.randint(3, 8)):
            if made and rng.random() < 0.15:
                copy = rng.choice(made)
                paras.append(copy.upper() if rng.random() < 0.3 else copy)
            else:
                words = [
                    w if rng.random() > 0.4 else rng.choice(vocab)
                    for w in rng.choice(paragraphs).split()
                ]
                paras.append(" ".join(words))
                made.append(paras[-1])
        text = "\n\n".join(paras) + "\n"
        (folder / f"{n // 500:02d}" / f"{n:05d}.txt").parent.mkdir(exist_ok=True)
        (folder / f"{n // 500:02d}" / f"{n:05d}.txt").write_text(text, encoding="utf-8")
        written += len(text)
        n += 1


def leftovers(parent: Path, name: str = "out") -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_full_disk_mid_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(6):
        (src / f"{i}.txt").write_text(f"document {i} has its own text\n")
    real, calls = emit.write_file, []

    def write_file(path: str, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:  # the third file: half written, then the disk is full
            real(path, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        real(path, data)

    monkeypatch.setattr(emit, "write_file", write_file)
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"))
    assert code == 1
    assert err == (
        f"dedupe-docs: error: {tmp_path / 'out'}: cannot write the output: No space left on "
        "device (free some space and rerun); nothing was written\n"
    )
    assert len(calls) == 3
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


class FakeLibc:
    """A C library whose syncfs fails with ``code`` (0: succeeds), counting its calls."""

    def __init__(self, code: int) -> None:
        self.code, self.calls = code, 0

    def syncfs(self, fd: int) -> int:
        self.calls += 1
        ctypes.set_errno(self.code)
        return -1 if self.code else 0


@pytest.mark.parametrize("flush", ["syncfs", "fsync"])
def test_full_disk_at_fsync_keeps_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flush: str
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("the first version\n")
    assert invoke("clean", str(src), "--out", str(tmp_path / "out"))[0] == 0
    before = snapshot([tmp_path / "out"])
    (src / "a.txt").write_text("the second version\n")

    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)
    # syncfs: the filesystem-wide flush reports the full disk; fsync: there is no syncfs here
    monkeypatch.setattr(
        storage, "c_library", lambda: FakeLibc(errno.ENOSPC) if flush == "syncfs" else None
    )
    monkeypatch.setattr(storage, "_local_filesystem", lambda path: True)
    code, _, err = invoke("clean", str(src), "--out", str(tmp_path / "out"), "--overwrite")
    assert code == 1 and "No space left on device" in err
    assert snapshot([tmp_path / "out"]) == before and leftovers(tmp_path) == []


@pytest.mark.parametrize(("code", "fsyncs"), [(0, "none"), (errno.EPERM, "every file")])
def test_one_syncfs_flushes_the_output_else_every_file_is_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, fsyncs: str
) -> None:
    """A working syncfs replaces the per-file fsyncs; one refused (a sandbox) falls back."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(80):
        (src / f"{i}.txt").write_text(f"document number {i}\n")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    libc = FakeLibc(code)
    monkeypatch.setattr(storage, "c_library", lambda: libc)
    monkeypatch.setattr(storage, "_local_filesystem", lambda path: True)
    assert invoke("clean", str(src), "--out", str(tmp_path / "out"))[0] == 0
    assert libc.calls == 1
    assert (len(synced) < 3) if fsyncs == "none" else (len(synced) > 80)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux only")
def test_syncfs_is_used_on_local_filesystems_only(tmp_path: Path) -> None:
    assert storage._local_filesystem(Path("/proc")) is False  # procfs: not a place for output
    if storage._local_filesystem(tmp_path):
        assert storage._syncfs(tmp_path) is True


@pytest.mark.skipif(storage.fcntl is None, reason="no flock: stale folders are left alone")
def test_stale_temp_folders_of_dead_runs_are_removed_live_ones_kept(tmp_path: Path) -> None:
    import fcntl

    (tmp_path / "a.txt").write_text("text\n")
    dead = tmp_path / ".out.tmp-dead1234"
    (dead / "clean").mkdir(parents=True)
    (dead / "clean" / "a.txt").write_text("half")
    (tmp_path / ".out.tmp-dead1234.lock").touch()
    (tmp_path / ".out.tmp-dead1234.old").mkdir()  # a previous OUT, moved aside by a dead run
    (tmp_path / ".out.tmp-nolock99").mkdir()  # no lock file: not ours to judge, left alone
    live = tmp_path / ".out.tmp-live5678"
    live.mkdir()
    lock = (tmp_path / ".out.tmp-live5678.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a run that is still writing
    try:
        code, _, err = invoke("clean", str(tmp_path / "a.txt"), "--out", str(tmp_path / "out"))
        assert code == 0, err
        assert leftovers(tmp_path) == [
            ".out.tmp-live5678",
            ".out.tmp-live5678.lock",
            ".out.tmp-nolock99",
        ]
    finally:
        lock.close()
    assert (tmp_path / "out" / "clean" / "a.txt").read_text() == "text\n"


@pytest.mark.slow
def test_sigkill_at_24_moments_never_leaves_a_partial_output(tmp_path: Path) -> None:
    """Kill ``dedupe-docs clean`` (20 MB, 7,000 files) with SIGKILL at 24 moments spread over
    the run, most of them while it writes; after each kill OUT is absent or complete and
    byte-identical to a clean run, and reruns on the leftovers succeed."""
    src, out = tmp_path / "corpus", tmp_path / "out"
    make_corpus(src, 20_000_000)
    argv, env = cli_command("clean", str(src), "--out", str(out), "--overwrite", "-q")

    def start() -> tuple[subprocess.Popen[bytes], float]:
        proc = subprocess.Popen(argv, env=env, start_new_session=True, stderr=subprocess.PIPE)
        return proc, time.perf_counter()

    # A complete run: the reference, and when its write phase starts (the temp folder appears).
    proc, t0 = start()
    write_start = None
    while proc.poll() is None:
        if write_start is None and any(p.is_dir() for p in tmp_path.glob(".out.tmp-*")):
            write_start = time.perf_counter() - t0
        time.sleep(0.005)
    total = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert write_start is not None and leftovers(tmp_path) == []
    check_output_folder(src, out)
    if CHECKER.exists():
        checked = subprocess.run(
            [sys.executable, str(CHECKER), str(src), str(out)], capture_output=True, text=True
        )
        assert checked.returncode == 0 and "0 problem(s)" in checked.stdout, checked.stdout
    reference = digest(out)
    saved = tmp_path / "saved-complete-output"
    shutil.copytree(out, saved)
    ref_report = json.loads((out / "report.json").read_text())

    def assert_absent_or_complete() -> str:
        if not out.exists():
            return "absent"
        assert digest(out) == reference, "OUT exists but differs from a complete run"
        report = json.loads((out / "report.json").read_text())
        varies = ("timings", "run_id")
        assert {k: v for k, v in report.items() if k not in varies} == {
            k: v for k, v in ref_report.items() if k not in varies
        }
        return "complete"

    # 8 moments before the write phase, 16 inside it (and just past its end).
    moments = [write_start * (i + 0.5) / 8 for i in range(8)]
    moments += [write_start + (total - write_start) * 1.05 * i / 15 for i in range(16)]
    outcomes, mid_write, reruns = [], 0, 0
    for n, moment in enumerate(moments):
        if n % 2 == 0 and out.exists():  # half the kills write a fresh OUT...
            shutil.rmtree(out)
        elif n % 2 == 1 and not out.exists():  # ...half replace a complete one (--overwrite)
            shutil.copytree(saved, out)
        proc, t0 = start()
        while proc.poll() is None and time.perf_counter() - t0 < moment:
            time.sleep(0.002)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
        state = assert_absent_or_complete()
        if any(p.is_dir() and any(p.iterdir()) for p in tmp_path.glob(".out.tmp-*")):
            mid_write += 1  # killed while the temp folder held output
        outcomes.append((round(moment, 2), proc.returncode, state))
        if n % 6 == 5:  # a rerun on the leftovers of the dead runs
            done = subprocess.run(argv, env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            assert assert_absent_or_complete() == "complete" and leftovers(tmp_path) == []
            reruns += 1
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert assert_absent_or_complete() == "complete" and leftovers(tmp_path) == []
    killed = sum(1 for _, code, _ in outcomes if code == -signal.SIGKILL)
    print(
        f"\nkill test: run {total:.1f} s (writing from {write_start:.1f} s); {len(outcomes)} kill "
        f"points, {killed} killed, {mid_write} mid-write, "
        f"{sum(s == 'absent' for *_, s in outcomes)} absent, "
        f"{sum(s == 'complete' for *_, s in outcomes)} complete, 0 partial; {reruns + 1} reruns ok"
    )
    assert len(outcomes) >= 20 and killed >= 20 and mid_write >= 5
