"""Run one command in a fresh process and measure wall time and peak memory.

Why: throughput must include start-up, reading and writing, and memory must include every worker
process. Peak RSS is the larger of the biggest single process and the sampled sum over the whole
process tree (polled from /proc every 0.1 s). The biggest single process is read with
``RUSAGE_CHILDREN`` inside a small wrapper (``python -m benchmarks.measure OUT CMD...``): read in
the benchmark itself, ``ru_maxrss`` would count the big parent's pages copied at fork time.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        entry = proc.name
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = int(statm.split()[1]) * _PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run(argv: list[str], timeout: float, log: Path, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> dict[str, Any]:
    """Run ``argv``; stdout+stderr go to ``log``. Returns wall_s, peak_rss_mb, rc, timed_out,
    log_tail, and user_s, system_s, page_faults (minor) of the command's processes."""
    log.parent.mkdir(parents=True, exist_ok=True)
    peak = 0
    with log.open("wb") as f:
        t0 = time.perf_counter()
        maxrss_file = log.with_suffix(".maxrss")
        maxrss_file.unlink(missing_ok=True)
        wrapped = [sys.executable, "-m", "benchmarks.measure", str(maxrss_file), *argv]
        proc = subprocess.Popen(wrapped, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                start_new_session=True)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.1):
                peak = max(peak, _tree_rss(proc.pid))

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        timed_out = False
        deadline = t0 + timeout
        while True:
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, 9)
                timed_out = True
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        done.set()
        thread.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    usage = json.loads(maxrss_file.read_text()) if maxrss_file.exists() else {}
    peak = max(peak, usage.get("maxrss_kb", 0) * 1024)
    return {"wall_s": wall, "peak_rss_mb": peak / 2**20, "rc": proc.returncode,
            "timed_out": timed_out, "log_tail": log.read_text(errors="replace")[-1500:],
            "user_s": usage.get("user_s"), "system_s": usage.get("system_s"),
            "page_faults": usage.get("page_faults")}


def _wrapper() -> int:
    """Run the command, then record the largest descendant's peak RSS (fresh, exec'd process)
    and the CPU time and page faults of the command and its descendants: unlike wall time,
    fault counts hardly vary between runs on a shared machine."""
    out, cmd = sys.argv[1], sys.argv[2:]
    rc = subprocess.run(cmd, check=False).returncode
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:  # noqa: PTH123
        json.dump({"maxrss_kb": usage.ru_maxrss, "user_s": round(usage.ru_utime, 2),
                   "system_s": round(usage.ru_stime, 2), "page_faults": usage.ru_minflt}, f)
    return rc


if __name__ == "__main__":
    sys.exit(_wrapper())
