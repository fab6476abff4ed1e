"""The parent side of ``run.py``: measure a spec in a fresh subprocess, write the run file
(machine line, rows, done line), render the report and the plots from it."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "out"
MARK = "@@result "
SCRIPT = HERE / "run.py"
RATIO_KEYS = ("ratio_total_vs_direct", "ratio_rss_vs_direct", "sweep_speedup_vs_rebuild")

#: benches whose module may be missing (written on another branch): rows "not measured"
OPTIONAL = {"dated_build": "dated_build"}


def available(bench: str) -> bool:
    """The module a bench needs is there (always, but for :data:`OPTIONAL` ones)."""
    return bench not in OPTIONAL or (HERE / f"{OPTIONAL[bench]}.py").exists()


def _region_folder(scale: int) -> Path:
    """The synthetic region ``scale`` times the embedded one (cached under out/), written by
    a subprocess (see :func:`_instance`)."""
    folder = OUT / "instances" / f"region-{scale}"
    if not (folder / "nodes.csv").exists():
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(folder), "--region",
                        str(scale)], check=True, stdout=subprocess.DEVNULL)
    return folder


def measure(spec: dict) -> dict:
    """Run ``spec`` in a fresh subprocess; its result plus ``peak_rss_mb`` (its own peak
    resident memory and that of the processes it waited for, e.g. Dask workers), their CPU
    seconds (``child_cpu_s``) and the 1-minute load average when it started. A failed child
    gives a row with ``status`` ``failed`` and its last line of stderr; ``cap_s`` stops the
    child after that many wall seconds (``status`` ``stopped at cap``)."""
    load = os.getloadavg()[0]
    if not available(spec["bench"]):
        return {**spec, "status": "not measured", "loadavg_1min": load,
                "error": f"tests/benchmarks/{OPTIONAL[spec['bench']]}.py is missing"}
    if spec["bench"] == "region":
        spec = {**spec, "folder": str(_region_folder(spec["scale"]))}
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, str(SCRIPT), "--child", json.dumps(spec)],
                                stdout=subprocess.PIPE, stderr=err, text=True)
        timer = threading.Timer(spec["cap_s"], proc.kill) if spec.get("cap_s") else None
        if timer:
            timer.start()
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        if timer:
            timer.cancel()
        err.seek(0)
        stderr = err.read()
    sys.stderr.write(stderr)
    spec = {k: v for k, v in spec.items() if k != "folder"}
    usage = {"peak_rss_mb": usage.ru_maxrss / 1024, "loadavg_1min": load,
             "child_cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": time.perf_counter() - t0}
    row = {**spec, **usage}
    line = next((x for x in out.splitlines()[::-1] if x.startswith(MARK)), None)
    if line is None:
        capped = spec.get("cap_s") and row["wall_s"] >= spec["cap_s"]
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        return {**row, "status": "stopped at cap" if capped else "failed",
                "error": (f"stopped after {spec['cap_s']} s" if capped
                          else f"exit {os.waitstatus_to_exitcode(status)}: {last}")[:300]}
    # the spec, the child's result (e.g. the options in effect), then what wait4 measured of
    # the child (its peak, children included)
    row = {**spec, **json.loads(line[len(MARK):]), **usage}
    if "prep_rss_mb" in row:  # memory of the model and solver, beyond the shared inputs
        row["model_rss_mb"] = row["peak_rss_mb"] - row["prep_rss_mb"]
    return row


def measure_group(specs: list[dict]) -> list[dict]:
    """Measure a group's specs side by side, each in its fresh subprocess; when they carry
    ``rounds`` (> 1), that many rounds interleaved, the order reversed every other round (so
    that neither side always runs first, just after the other's memory was handed back),
    summarised by the median of each number (:func:`derive.combine_rounds`)."""
    import derive

    k = max(int(s.get("rounds", 1)) for s in specs)
    if k <= 1:
        return [measure(s) for s in specs]
    rounds = []
    for i in range(k):
        order = list(range(len(specs)))[:: 1 if i % 2 == 0 else -1]
        got = {j: measure(specs[j]) for j in order}
        rounds.append([got[j] for j in range(len(specs))])
    return derive.combine_rounds(rounds)


# ---- the parent: plan, output -----------------------------------------------------------------
def emit(row: dict, path: Path) -> None:
    """Print ``row`` as one JSON line and append it to ``path``."""
    row = {k: v for k, v in row.items() if k not in ("objectives", "data")}
    for key in ("variables", "build_s", "solve_s", "total_s", "peak_rss_mb", *RATIO_KEYS):
        row.setdefault(key, None)
    line = json.dumps(row)
    print(line, flush=True)
    with path.open("a") as f:
        f.write(line + "\n")


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(HERE), *args], capture_output=True, text=True,
                          check=False).stdout.strip()


def machine(mode: str) -> dict:
    """Commit (and whether the tree differs from it), CPU, cores, memory, library versions,
    the start time and the load averages (the first line of a run)."""
    from borderflow.pipeline import library_versions

    info = Path("/proc/cpuinfo").read_text().splitlines()
    mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                  if x.startswith("MemTotal"))
    return {"bench": "machine", "mode": mode, "git_head": _git("rev-parse", "--short", "HEAD"),
            "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
            "start_utc": f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S}",
            "nproc": os.cpu_count(), "ram_gib": round(mem_kb / 2**20, 1),
            "cpu": next((x.split(":", 1)[1].strip() for x in info
                         if x.startswith("model name")), platform.machine()),
            "loadavg_1min": os.getloadavg()[0], "loadavg": list(os.getloadavg()),
            **library_versions()}


def is_report(path: Path | None) -> bool:
    """``path`` is the repository's BENCHMARKS.md (whose plots are in docs/)."""
    return path is not None and Path(path).resolve() == (ROOT / "BENCHMARKS.md").resolve()


def write_outputs(path: Path, target: Path | None, plots_too: bool) -> None:
    """BENCHMARKS.md (or ``target``) rendered from the run file ``path``; with ``plots_too``
    the plots of docs/ redrawn from it."""
    import plots
    import report

    rows = plots.read(path)
    text = report.render(rows, source=_relative(path))
    if target is None:
        print(text)
    else:
        target.write_text(text)
        print(f"wrote {target}", file=sys.stderr)
    if plots_too:
        plots.main(path, tables=False)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def run(groups: list[tuple], path: Path, name: str) -> list[str]:
    """Measure every group, derive its ratios and write its rows; the machine line first and
    a ``done`` line last. Returns the problems: comparisons whose optima differ, and
    measurements that failed (a capped one is not a problem: it says what it measured)."""
    import derive

    t0, c0 = time.perf_counter(), time.process_time()
    emit(machine(name), path)
    differ, failed, loads, cpu = [], [], [], 0.0
    for bench, specs in groups:
        rows = measure_group(specs)
        differ += derive.derive(bench, rows)
        failed += [f"{bench} {r.get('approach')} {r.get('days', r.get('instance', ''))}"
                   for r in rows if r.get("status") == "failed"]
        for row in rows:
            loads.append(row["loadavg_1min"])
            cpu += row.get("child_cpu_s") or 0.0
            emit(row, path)
    emit({"bench": "done", "end_utc": f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S}",
          "wall_s": time.perf_counter() - t0, "cpu_s": cpu + time.process_time() - c0,
          "loadavg_1min": os.getloadavg()[0], "loadavg": list(os.getloadavg()),
          "load_during_max": max(loads, default=None),
          "load_during_mean": sum(loads) / len(loads) if loads else None,
          "optima_differ": differ, "failed": failed, "out": _relative(path)}, path)
    return [f"optima differ: {x}" for x in differ] + [f"failed: {x}" for x in failed]


