"""Progress bars on stderr: shown on a terminal, never when stderr is piped or with --quiet."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from conftest import SEEDS

from dedupe_docs.runtime import memory
from dedupe_docs.runtime.progress import DELAY_ENV, Clock, StageBars, ticks

ENV = {**os.environ, DELAY_ENV: "0"}  # show bars at once, even for 5 documents


def run_in_pty(*args: str) -> tuple[int, str]:
    """Run ``dedupe-docs`` with stdout and stderr on a pseudo-terminal; return everything shown."""
    primary, secondary = pty.openpty()
    # A real terminal has a size; a fresh pseudo-terminal says 0 columns.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedupe_docs", *args],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=ENV,
    )
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([primary], [], [], 30)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(primary, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    return proc.wait(timeout=30), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_terminal_shows_progress_bars(tmp_path: Path) -> None:
    code, shown = run_in_pty("clean", str(SEEDS), "--out", str(tmp_path / "o"))
    assert code == 0, shown
    assert "dedupe-docs: sign" in shown and "dedupe-docs: decide" in shown
    assert "dedupe-docs: sign: 100%|" in shown
    assert "dedupe-docs: 5 documents" in shown


@pytest.mark.parametrize("flag", ["--quiet", "--no-progress"])
def test_terminal_without_bars_when_asked(tmp_path: Path, flag: str) -> None:
    code, shown = run_in_pty("clean", str(SEEDS), "--out", str(tmp_path / "o"), flag)
    assert code == 0, shown
    assert "%|" not in shown and "sign" not in shown


def test_piped_run_prints_no_progress(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dedupe_docs", "clean", str(SEEDS), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    )
    assert run.stdout == ""
    assert "%|" not in run.stderr and "\r" not in run.stderr and "sign" not in run.stderr
    assert run.stderr.startswith("dedupe-docs: 5 documents")


def test_forced_bars_and_stage_calls(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    import dedupe_docs

    dedupe_docs.run([SEEDS], tmp_path / "o", progress=lambda *a: calls.append(a))
    stages = list(dict.fromkeys(c[0] for c in calls))
    assert stages == ["read", "sign", "index", "detect", "decide", "write"]
    signs = [c for c in calls if c[0] == "sign"]
    assert signs[0][1] == 0 and signs[-1][1] == signs[-1][2] >= 1

    class Sink:
        def __init__(self) -> None:
            self.text = ""

        def write(self, s: str) -> None:
            self.text += s

        def flush(self) -> None:
            pass

    sink = Sink()
    with StageBars(enabled=True, file=sink, delay=0) as bars:  # type: ignore[arg-type]
        for _ in ticks(list(range(130)), "demo", bars):
            pass
    assert "dedupe-docs: demo" in sink.text and "130/130" in sink.text


@pytest.mark.skipif(memory.resident_memory() is None, reason="no /proc: the holding is not known")
def test_a_clock_hands_memory_back_only_above_its_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released: list[int] = []
    monkeypatch.setattr(memory, "release_memory", lambda: released.append(1))
    timings: dict[str, float] = {}
    Clock(timings).lap("sign")  # every lap, by default
    Clock(timings, release_above=1 << 50).lap("index")  # held: far less than a petabyte
    Clock(timings, release_above=1).lap("detect")  # held: more than a byte
    assert len(released) == 2
    assert set(timings) == {"sign", "index", "detect"}
