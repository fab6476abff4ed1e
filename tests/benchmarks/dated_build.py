"""Issue 20 target 2: building a dated LP through Pyomo against writing it directly for highspy.

    python tests/benchmarks/dated_build.py --days 365                # per pair and aggregated
    python tests/benchmarks/dated_build.py --days 14 90 --no-aggregate
    python tests/benchmarks/dated_build.py --days 365 --no-solve     # build only
    python tests/benchmarks/dated_build.py --days 365 --no-solve --repeat 5   # 5 rounds, medians

A spec ``{"bench": "dated_build", "approach": "direct" | "pyomo", "days": N,
"aggregate_streams": bool}`` is one measurement, run in a fresh subprocess (``run.py``'s
:func:`measure`, so ``peak_rss_mb`` is its own). Both approaches start from the same prepared
inputs, made before the clock starts and identically (:func:`direct_dated.inputs`: the embedded
dataset from 1 Jan 2023 for N days, routes capped as ``run_scenario`` caps dated runs):

- ``direct``: :func:`direct_dated.build` (the LP written independently as scipy arrays) and
  ``passModel`` into a ``highspy.Highs`` (:func:`direct_dated.load`);
- ``pyomo``: ``build_model(net, routes, aggregate)`` and ``HighsSession`` (the translation to
  HiGHS's arrays and ``passModel``), what ``run_scenario`` does.

Returned: ``build_s`` (CPU seconds of the process from the prepared inputs to the LP held by
HiGHS; ``build_wall_s`` beside it; ``build_user_s`` and ``build_sys_s`` its user and kernel
parts, ``build_minflt`` the page faults: the kernel part is mostly faulting in fresh memory,
and moves with the machine's state far more than the user part), ``model_rss_mb`` (resident
memory after the build minus before it), ``peak_rss_mb`` (the process's peak; ``run.py``
replaces it by ``wait4``'s, the same number), ``inputs_rss_mb`` (resident memory of the
prepared inputs), ``variables``, ``rows``, ``nonzeros`` and, unless ``"solve": false``,
``objective_usd`` of one solve with the same HiGHS settings for both (the pipeline's dated
settings: interior point, 1 thread, seed 0, presolve on; ``solve_cpu_s``). :func:`check`
asserts two rows' optima equal to 1e-6 (relative) and puts the pyomo / direct ratios into the
pyomo row; ``run.py`` and :func:`main` call it.

One build takes 1-3 CPU s, and single pairs of the same code read 0.55-2.6x at load 4-6
(docs/notes/performance-log.md, target 2): ``--repeat N`` measures N rounds interleaved, the order
reversed every other round, and then writes a row per approach with the median of each number
over the rounds (``rounds``: N; ``build_s_each``; the pyomo row's ``ratio_build_each``), as
``run.py`` does for the 365-day pair.

A one-LP interior-point solve of 365 days takes minutes (about 500 s CPU per pair,
docs/notes/dated-performance-plan-log.md §2): ``--no-solve`` measures the build only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REL_TOL = 1e-6


def rss_mb() -> float:
    """The process's resident memory now, MB (``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _build(spec: dict, net, routes):
    """Build the LP of ``spec`` and hand it to HiGHS; the ``highspy.Highs`` and its sizes."""
    aggregate = bool(spec.get("aggregate_streams", False))
    if spec["approach"] == "direct":
        import direct_dated as dd

        d = dd.build(net, routes, dd.Variant(aggregate=aggregate))
        return dd.load(d.lp), d
    if spec["approach"] != "pyomo":
        raise ValueError(f"approach must be 'direct' or 'pyomo', not {spec['approach']!r}")
    from borderflow.model.formulation import build_model
    from borderflow.solvers.highs import HighsSession, SolverOptions

    built = build_model(net, routes, aggregate)
    session = HighsSession(built.model, SolverOptions(solver="ipm", time_limit_s=3600.0))
    return session.highs, (built, session)


def child(spec: dict) -> dict:
    """One measurement (in a fresh subprocess): inputs, then the clocked build, then a solve."""
    sys.path.insert(0, str(HERE))
    import gc

    import direct_dated as dd
    import highspy

    net, routes = dd.inputs(spec["days"])
    gc.collect()
    before = rss_mb()
    r0, c0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.process_time(), time.perf_counter()
    h, keep = _build(spec, net, routes)
    r1, c1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.process_time(), time.perf_counter()
    after = rss_mb()
    row = {"build_s": c1 - c0, "build_user_s": r1.ru_utime - r0.ru_utime,
           "build_sys_s": r1.ru_stime - r0.ru_stime, "build_minflt": r1.ru_minflt - r0.ru_minflt,
           "build_wall_s": t1 - t0, "inputs_rss_mb": before,
           "model_rss_mb": after - before, "variables": h.getNumCol(), "rows": h.getNumRow(),
           "nonzeros": h.getNumNz(), "objective_usd": None}
    if spec.get("solve", True):
        h.setOptionValue("time_limit", 3600.0)
        c2 = time.process_time()
        h.run()
        row["solve_cpu_s"] = time.process_time() - c2
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"{spec}: HiGHS ended '{h.modelStatusToString(status)}'")
        row["objective_usd"] = float(h.getInfo().objective_function_value)
    row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del keep
    return row


def check(direct: dict, pyomo: dict) -> None:
    """Assert the two rows' optima equal to :data:`REL_TOL` (relative; when both solved) and
    put ``ratio_build_vs_direct``, ``ratio_model_rss_vs_direct`` and
    ``ratio_peak_rss_vs_direct`` into ``pyomo``."""
    a, b = direct.get("objective_usd"), pyomo.get("objective_usd")
    if a is not None and b is not None and abs(a - b) > REL_TOL * max(1.0, abs(a), abs(b)):
        raise AssertionError(f"optima differ: direct {a!r}, pyomo {b!r}")
    pyomo["ratio_build_vs_direct"] = pyomo["build_s"] / direct["build_s"]
    pyomo["ratio_model_rss_vs_direct"] = pyomo["model_rss_mb"] / direct["model_rss_mb"]
    pyomo["ratio_peak_rss_vs_direct"] = pyomo["peak_rss_mb"] / direct["peak_rss_mb"]


def measure(spec: dict) -> dict:
    """Run ``spec`` in a fresh subprocess of this file (as ``run.py``'s :func:`measure` does
    for its children): its row, ``peak_rss_mb`` from ``wait4`` and the 1-minute load."""
    import json
    import subprocess

    from harness import MARK

    load = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(spec)],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{spec} failed")
    line = next(x for x in out.splitlines()[::-1] if x.startswith(MARK))
    return {**spec, **json.loads(line[len(MARK):]), "peak_rss_mb": usage.ru_maxrss / 1024,
            "loadavg_1min": load}


def main() -> None:
    """Measure direct and pyomo side by side for each horizon (and aggregation) asked for."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--days", type=int, nargs="+", default=[365])
    ap.add_argument("--no-aggregate", action="store_true", help="per pair only")
    ap.add_argument("--aggregate-only", action="store_true", help="aggregated only")
    ap.add_argument("--no-solve", action="store_true", help="build only (no objective)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of each pair, interleaved, the order reversed every other "
                         "round; then a median row per approach (\"rounds\": N)")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    import json

    from derive import combine_rounds
    from harness import MARK, OUT, emit

    if args.child:
        print(MARK + json.dumps(child(json.loads(args.child))), flush=True)
        return

    OUT.mkdir(exist_ok=True)
    path = OUT / f"dated-build-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.jsonl"
    aggs = [True] if args.aggregate_only else [False] if args.no_aggregate else [False, True]
    approaches = ("direct", "pyomo")
    for days in args.days:
        for agg in aggs:
            rounds = []
            for i in range(args.repeat):
                order = approaches if i % 2 == 0 else approaches[::-1]
                rows = {a: measure({"bench": "dated_build", "approach": a, "days": days,
                                    "aggregate_streams": agg, "solve": not args.no_solve,
                                    "round": i}) for a in order}
                check(rows["direct"], rows["pyomo"])
                for a in approaches:
                    emit(rows[a], path)
                rounds.append([rows[a] for a in approaches])
            if args.repeat > 1:
                direct, pyomo = combine_rounds(rounds)
                check(direct, pyomo)
                pyomo["ratio_build_each"] = [p["ratio_build_vs_direct"] for _, p in rounds]
                for row in (direct, pyomo):
                    emit({k: v for k, v in row.items() if k != "round"}, path)


if __name__ == "__main__":
    main()
