"""Progress bars on stderr: shown on a terminal, never when stderr is piped or with --quiet; each
stage counted in its unit to the end; the compile notice of a first run; stage logs with -v."""

from __future__ import annotations

import fcntl
import logging
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import dedupe_docs
from dedupe_docs import Config
from dedupe_docs.cli import main
from dedupe_docs.drivers import memory as drivers_memory
from dedupe_docs.drivers import warmup
from dedupe_docs.runtime import memory, ray_engine
from dedupe_docs.runtime.progress import DELAY_ENV, UNITS, Clock, StageBars, ticks
from tests.helpers.corpus import SEEDS, planted

ENV = {**os.environ, DELAY_ENV: "0"}  # show bars at once, even for 5 documents


def run_in_pty(*args: str, env: dict[str, str] = ENV) -> tuple[int, str]:
    """Run ``dedupe-docs`` with stdout and stderr on a pseudo-terminal; return everything shown."""
    primary, secondary = pty.openpty()
    # A real terminal has a size; a fresh pseudo-terminal says 0 columns.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedupe_docs", *args],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=env,
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


class Sink:
    """A stream that keeps what is written to it."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def calls_of(*args: object, **kwargs: object) -> list[tuple[str, int, int]]:
    calls: list[tuple[str, int, int]] = []
    dedupe_docs.run(*args, progress=lambda *a: calls.append(a), **kwargs)  # type: ignore[arg-type]
    return calls


def last_of_each(calls: list[tuple[str, int, int]]) -> dict[str, tuple[int, int]]:
    """Each stage's last (done, total); a stage never comes back once another has started."""
    stages = [name for name, _, _ in calls]
    runs = [name for i, name in enumerate(stages) if i == 0 or stages[i - 1] != name]
    assert len(runs) == len(set(runs)), runs
    return {name: (done, total) for name, done, total in calls}


def test_every_stage_ends_done_in_its_unit(tmp_path: Path) -> None:
    calls = calls_of([SEEDS], tmp_path / "o")
    ends = last_of_each(calls)
    assert list(ends) == ["read", "sign", "index", "detect", "decide", "write"]
    assert all(done == total for done, total in ends.values()), ends
    size = sum(len(p.read_bytes()) for p in SEEDS.glob("*.txt"))  # bytes of text
    assert ends["read"] == ends["sign"] == (size, size)
    assert ends["detect"] == ends["decide"] == ends["write"] == (5, 5)  # documents
    for name, done, total in calls:
        assert 0 <= done <= total, (name, done, total)


def test_detect_and_decide_report_each_part_with_the_same_output(
    tmp_path: Path, paragraphs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = planted(paragraphs, 40, seed=3)
    whole = [c.provenance() for c in dedupe_docs.clean(corpus)]
    monkeypatch.setattr(drivers_memory, "PART_TOKENS", 500)
    for jobs in (1, 2):
        calls = calls_of(corpus, tmp_path / f"o{jobs}", Config(jobs=jobs))
        for name in ("detect", "decide"):
            steps = [done for stage, done, _ in calls if stage == name]
            assert steps[0] == 0 and steps[-1] == 40 and len(set(steps)) > 5, (name, steps)
            assert steps == sorted(steps)
        assert [c.provenance() for c in dedupe_docs.clean(corpus, jobs=jobs)] == whole


def test_the_reworded_stage_reports_its_documents(tmp_path: Path, paragraphs: list[str]) -> None:
    """With ``reuse="paraphrase"`` the reworded stage has a bar of its own between decide and
    write, in documents, that moves on while it verifies and ends with all of them done."""
    corpus = planted(paragraphs, 200, seed=3)
    calls = calls_of(corpus, tmp_path / "o", Config(reuse="paraphrase"))
    ends = last_of_each(calls)
    assert list(ends) == ["read", "sign", "index", "detect", "decide", "reworded", "write"]
    assert ends["reworded"] == (200, 200)
    steps = [done for stage, done, total in calls if stage == "reworded" and total == 200]
    assert steps[0] == 0 and steps == sorted(steps) and len(set(steps)) > 2, steps
    assert "reworded" in UNITS


def test_bounded_runs_report_sign_in_bytes_then_batches(tmp_path: Path) -> None:
    ends = last_of_each(calls_of([SEEDS], tmp_path / "o", Config(max_memory=256 << 20)))
    assert list(ends) == ["sign", "index", "clean", "write"]
    assert all(done == total for done, total in ends.values()), ends


def test_bars_in_units_and_a_stage_without_counts_keeps_its_clock(tmp_path: Path) -> None:
    sink = Sink()
    with StageBars(enabled=True, file=sink, delay=0) as bars:  # type: ignore[arg-type]
        for _ in ticks(list(range(130)), "demo", bars):
            pass
        bars("read", 2_500_000, 5_000_000)
        bars("read", 5_000_000, 5_000_000)
        bars("index", 0, 1)
        time.sleep(2.2)  # nothing reported: the bar is redrawn with the time so far
        bars("detect", 7, 7)
    assert "dedupe-docs: demo" in sink.text and "130/130" in sink.text
    assert "dedupe-docs: read: 100%" in sink.text and "5.00M/5.00M" in sink.text
    assert "B/s]" in sink.text and "doc/s]" in sink.text
    assert re.search(r"dedupe-docs: index… 00:0[1-9]", sink.text), sink.text  # a loaded machine
    # may redraw late, but it redraws: the clock moved while nothing was reported


def test_first_run_compiles_up_front_with_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dedupe_docs.clean([("a", "Some text.\n")])
    assert warmup.kernels_cached() is True  # Numba's cache is read as this module expects
    monkeypatch.setattr(warmup, "kernels_cached", lambda: False)
    calls = calls_of([SEEDS], tmp_path / "o")
    assert calls[:2] == [("compile", 0, 1), ("compile", 1, 1)]
    assert calls[2][0] == "read"
    sink = Sink()
    with StageBars(enabled=None, file=sink, delay=5) as bars:  # type: ignore[arg-type]
        bars("compile", 0, 1)
        bars("compile", 1, 1)
    assert sink.text == ""  # not a terminal
    with StageBars(enabled=True, file=sink, delay=5) as bars:  # type: ignore[arg-type]
        bars("compile", 0, 1)  # shown at once, before the delay of bars
    assert "dedupe-docs: compiling the kernels (first run only; they are cached" in sink.text


def test_verbose_logs_each_stage_and_quiet_logs_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["clean", str(SEEDS), "--out", str(tmp_path / "v"), "-v"])
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    for stage, counts in [
        ("read", "5 documents"),
        ("sign", "5 documents, [0-9,]+ tokens"),
        ("index", "[0-9,]+ shingles"),
        ("detect", "[0-9,]+ aligned tokens"),
        ("decide", "[0-9,]+ blocks, [0-9,]+ removed spans"),
        ("emit", "5 documents"),
        ("write", "5 documents"),
    ]:
        pattern = rf"dedupe-docs: {stage}: [0-9.]+ s, {counts}"
        assert any(re.fullmatch(pattern, line) for line in lines), (pattern, lines)
    assert all(line.startswith("dedupe-docs: ") for line in lines)  # nothing from Numba
    result = CliRunner().invoke(main, ["clean", str(SEEDS), "--out", str(tmp_path / "q"), "-q"])
    assert (result.exit_code, result.stderr) == (0, "")
    # The library's logger is as it was: later library calls log through the root logger.
    assert logging.getLogger("dedupe_docs").propagate


def test_ray_logs_at_the_level_of_dedupe_docs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    class FakeRay:
        def is_initialized(self) -> bool:
            return False

        def init(self, **options: object) -> None:
            seen.update(options)

    monkeypatch.setattr(ray_engine, "_ray", FakeRay)
    logger = logging.getLogger("dedupe_docs")
    for level, expected in [(logging.ERROR, logging.ERROR), (logging.DEBUG, logging.INFO)]:
        monkeypatch.setattr(logger, "level", level)
        ray_engine.init()
        assert seen["logging_level"] == expected


@pytest.mark.slow
def test_quiet_ray_run_prints_nothing(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "dedupe_docs", "clean", str(SEEDS), "--out", str(tmp_path / "o")]
    run = subprocess.run([*argv, "--engine", "ray", "-q"], capture_output=True, text=True, env=ENV)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_first_run_says_it_compiles_and_a_second_does_not(tmp_path: Path) -> None:
    """With an empty Numba cache, the compile notice shows on the terminal, the warm-up compiles
    every kernel a run in memory calls, and the next run compiles nothing."""
    env = {**ENV, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    code, shown = run_in_pty("clean", str(SEEDS), "--out", str(tmp_path / "a"), env=env)
    assert code == 0 and "dedupe-docs: compiling the kernels (first run only" in shown, shown
    code, shown = run_in_pty("clean", str(SEEDS), "--out", str(tmp_path / "b"), env=env)
    assert code == 0 and "compiling" not in shown, shown
    check = """
from numba.core.registry import CPUDispatcher
import dedupe_docs
from dedupe_docs.drivers import warmup
from dedupe_docs.stages import kernels
assert warmup.kernels_cached() is True
warmup.kernels_cached = lambda: False  # the warm-up's calls, loaded from the cache
warmup.compile_kernels(dedupe_docs.Config())
def compiled():
    return {n: len(k.signatures) for n, k in vars(kernels).items() if isinstance(k, CPUDispatcher)}
before = compiled()
dedupe_docs.clean([SEEDS])
dedupe_docs.clean([SEEDS], keep="longest", jobs=2)
assert compiled() == before, (before, compiled())
"""
    subprocess.run([sys.executable, "-c", f"SEEDS = {str(SEEDS)!r}\n{check}"], env=env, check=True)


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
