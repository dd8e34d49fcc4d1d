"""The Ray engine against the local engine: time, the driver's peak memory, and the share of
CPU time the driver spends.

    python -m benchmarks.ray_scale --sizes 100,300 [--base /path/to/other/src] [--record]

For each size a planted corpus of JSON lines (``benchmarks.corpus.generate``) is cleaned with
``dedupe-docs clean`` as a subprocess, once per engine (``--engine local --jobs 2`` and
``--engine ray --jobs 2``, Ray started on this machine), and with ``--base`` once more per
engine with that source tree first on ``PYTHONPATH`` (another checkout's ``src``: side by
side, alternating). The command runs in a small wrapper that reports the driver's own
``getrusage`` (peak RSS, user and system CPU); the benchmark samples every process below the
driver (Ray's workers and its own services) from ``/proc`` every 0.2 s, so that the driver's
share of the run's CPU time can be told, and the driver's private memory (``RssAnon``: its
peak RSS also counts the pages of Ray's object store that it wrote). Outputs of the two
engines are compared byte for byte. The machine may be shared: compare numbers measured side
by side only.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
SECTION = "<!-- section ray_scale -->"


def child(report: str, args: list[str]) -> None:
    """Run ``dedupe-docs ARGS`` in this process; write its own rusage to ``report``."""
    from dedupe_docs.cli.main import main
    from dedupe_docs.runtime import ray_engine

    started: list[float] = []  # the driver's CPU seconds on starting Ray (importing it too)
    init = ray_engine.init

    def timed_init() -> object:
        if started or ("ray" in sys.modules and sys.modules["ray"].is_initialized()):
            return init()
        before = _own_cpu()
        try:
            return init()
        finally:
            started.append(_own_cpu() - before)

    ray_engine.init = timed_init  # type: ignore[assignment]
    profile = os.environ.get("RAY_SCALE_PROFILE")  # a cProfile of the driver, written there
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.thread_time)  # the main thread's own CPU
        profiler.enable()
    code = 0
    try:
        main.main(args, prog_name="dedupe-docs", standalone_mode=True)
    except SystemExit as exc:
        code = int(exc.code or 0)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    threads = _threads_cpu()  # the driver's CPU by thread name, Ray's own threads included
    ray = sys.modules.get("ray")
    ended = _own_cpu()
    if ray is not None and ray.is_initialized():  # the Ray this run started, ended here
        ray.shutdown()
    ended = _own_cpu() - ended
    usage = resource.getrusage(resource.RUSAGE_SELF)
    Path(report).write_text(
        json.dumps(
            {
                "code": code,
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "user": usage.ru_utime,
                "sys": usage.ru_stime,
                "ray_start": sum(started),
                "ray_end": ended,
                "threads": threads,
            }
        )
    )
    sys.exit(code)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _threads_cpu() -> dict[str, float]:
    """CPU seconds of this process's live threads, summed by thread name."""
    found: dict[str, float] = {}
    for task in os.listdir("/proc/self/task"):  # noqa: PTH208
        try:
            with open(f"/proc/self/task/{task}/stat") as f:  # noqa: PTH123
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rpartition(")")[2].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK
        found[name] = round(found.get(name, 0.0) + cpu, 2)
    return found


def _children(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:  # noqa: PTH123
                kids = [int(k) for k in f.read().split()]
        except OSError:
            continue
        found += kids
        todo += kids
    return found


def _cpu(pid: int) -> tuple[float, str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:  # noqa: PTH123
            stat = f.read()
        with open(f"/proc/{pid}/cmdline", "rb") as f:  # noqa: PTH123
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK, cmd  # utime, stime


def _rss_anon(pid: int) -> int:
    """``RssAnon`` of ``pid`` in kB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:  # noqa: PTH123
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def clean(python: str, env: dict[str, str], args: list[str]) -> dict[str, float]:
    """One run of the command line; its wall time, the driver's rusage and every descendant's
    CPU seconds (workers: Ray's task processes; services: the rest of Ray)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        report = f.name
    started = time.perf_counter()
    proc = subprocess.Popen(
        [python, __file__, "--child", report, "--", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: dict[int, tuple[float, str]] = {}
    anon = 0  # the driver's private memory: its peak RSS less the object store's pages it wrote
    while proc.poll() is None:
        anon = max(anon, _rss_anon(proc.pid))
        for pid in _children(proc.pid):
            got = _cpu(pid)
            if got is not None:  # a process's name as first seen (an exited one has none)
                seen[pid] = (got[0], seen[pid][1] if pid in seen else got[1])
        time.sleep(0.2)
    wall = time.perf_counter() - started
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode:
        raise SystemExit(f"dedupe-docs {' '.join(args)} failed ({proc.returncode}):\n{err}")
    driver = json.loads(Path(report).read_text())
    Path(report).unlink()
    workers = sum(cpu for cpu, cmd in seen.values() if "default_worker" in cmd or "ray::" in cmd)
    services = sum(cpu for cpu, _ in seen.values()) - workers
    own = driver["user"] + driver["sys"]
    return {
        "wall_s": round(wall, 2),
        "driver_peak_rss_mb": round(driver["peak_rss_mb"]),
        "driver_peak_anon_mb": round(anon / 1024),
        "driver_cpu_s": round(own, 2),
        "driver_ray_start_cpu_s": round(driver.get("ray_start", 0.0), 2),
        "driver_ray_end_cpu_s": round(driver.get("ray_end", 0.0), 2),
        "driver_threads_cpu_s": driver.get("threads", {}),
        "worker_cpu_s": round(workers, 2),
        "ray_services_cpu_s": round(services, 2),
        "driver_cpu_share": round(own / max(own + workers + services, 1e-9), 3),
        "busiest": [(round(cpu, 1), cmd[:70]) for cpu, cmd in sorted(seen.values())[-4:]],
    }


def _env(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RAY_ADDRESS", None)  # Ray on this machine, started and ended by the run
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def _same(a: Path, b: Path) -> bool:
    for name in ("clean.jsonl", "provenance.jsonl"):
        if not filecmp.cmp(a / name, b / name, shallow=False):
            return False
    return True


def _commit(src: Path) -> str:
    top = src.parent
    try:
        return subprocess.run(
            ["git", "-C", str(top), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return top.name


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[4:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100", help="corpus sizes in MB, comma-separated")
    ap.add_argument("--engines", default="local,ray")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--base", type=Path, help="another checkout's src/ to run beside this one")
    ap.add_argument("--base-name", default="base")
    ap.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    ap.add_argument("--record", action="store_true", help="append the table to RESULTS.md")
    ap.add_argument("--note", default="", help="a line printed above the recorded table")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks.corpus import generate

    trees: list[tuple[str, Path | None]] = [("this", None)]
    if a.base is not None:
        trees.insert(0, (a.base_name, a.base.resolve()))
    rows = []
    load = os.getloadavg()[0]
    warm = a.data / "ray-warm"
    generate(warm, 1_000_000, seed=1, jsonl=True)
    for _, src in trees:  # compiles and caches each tree's kernels, as each engine calls them
        env = _env(src)
        for engine in a.engines.split(","):
            with tempfile.TemporaryDirectory() as tmp:
                args = ["clean", str(warm / "corpus.jsonl"), "--out", tmp, "--overwrite", "-q"]
                clean(sys.executable, env, [*args, "--engine", engine, "--jobs", str(a.jobs)])
    for mb in [float(s) for s in a.sizes.split(",")]:
        folder = a.data / f"ray-{mb:g}"
        meta = generate(folder, int(mb * 1e6), seed=0, jsonl=True)
        corpus = folder / "corpus.jsonl"
        outs: dict[tuple[str, str], Path] = {}
        scratch = Path(tempfile.mkdtemp(prefix="ray-scale-"))
        try:
            for engine in a.engines.split(","):
                for name, src in trees:
                    env = _env(src)
                    out = scratch / f"{name}-{engine}"
                    args = [
                        "clean",
                        str(corpus),
                        "--out",
                        str(out),
                        "--overwrite",
                        "-q",
                        "--engine",
                        engine,
                        "--jobs",
                        str(a.jobs),
                    ]
                    row = {
                        "size_mb": mb,
                        "documents": meta["documents"],
                        "tree": name,
                        "engine": engine,
                        **clean(sys.executable, env, args),
                    }
                    row["timings"] = json.loads((out / "report.json").read_text())["timings"]
                    outs[name, engine] = out
                    print(json.dumps(row), flush=True)
                    rows.append(row)
            first = next(iter(outs.values()))
            same = all(_same(first, o) for o in outs.values())
            print(json.dumps({"size_mb": mb, "outputs_identical": same}), flush=True)
            for row in rows:
                if row["size_mb"] == mb:
                    row["identical"] = same
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    if a.record:
        _record(rows, a, load, trees)


def _record(
    rows: list[dict[str, object]],
    a: argparse.Namespace,
    load: float,
    trees: list[tuple[str, Path | None]],
) -> None:
    names = ", ".join(
        f"{n} = `{_commit(src) if src is not None else _commit(ROOT / 'src')}`" for n, src in trees
    )
    lines = [
        "",
        SECTION,
        f"## Ray engine against the local engine (`python -m benchmarks.ray_scale --sizes {a.sizes}"
        f"{' --base ' + str(a.base) if a.base else ''}`)",
        "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{platform.processor() or 'x86_64'}, "
        f"{os.cpu_count()} cores shared with other sessions "
        f"(1-minute load {load:.1f} at the start); "
        f"{names}. `dedupe-docs clean corpus.jsonl --jobs {a.jobs}` as a subprocess; the driver's "
        "peak RSS and CPU from its own `getrusage`, Ray's processes sampled from `/proc` "
        "every 0.2 s.",
    ]
    if a.note:
        lines += ["", a.note]
    lines += [
        "",
        "| MB | tree | engine | wall s | driver peak RSS MB | driver peak private MB "
        "| driver CPU s | Ray task CPU s | Ray services CPU s | driver CPU share "
        "| outputs identical |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size_mb']:g} | {r['tree']} | {r['engine']} | {r['wall_s']} | "
            f"{r['driver_peak_rss_mb']} | {r['driver_peak_anon_mb']} | "
            f"{r['driver_cpu_s']} | {r['worker_cpu_s']} | "
            f"{r['ray_services_cpu_s']} | {r['driver_cpu_share']:.1%} | {r.get('identical')} |"
        )
    with (ROOT / "benchmarks" / "RESULTS.md").open("a") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
