"""Where warm dated closures' CPU goes without a profiler: each stage of a closure timed by
a thin wrapper (``time.process_time`` around the stage's function), the closures solved warm
on one worker's cache in this process as a sweep's worker solves them.

    python tests/benchmarks/sweep_stages.py --gates boten-mohan,kim-thanh-hekou [--all]
        [--write DIR]

A profiler inflates the many small calls of a pricing pass (a search's reuse test, its skip
bound) seven to ten times against the solver and pandas (session 25: the skip bounds of
Boten-Mohan 2.09 profiled s, 0.16-0.24 s without the profiler): these wrappers cost about a
microsecond a call. Prints one JSON line per closure: its CPU s as the sweep reports it
(``cpu_s``), the objective, and ``stages``: CPU s summed over the calls of each stage (stages
nest: ``price_dated`` is inside ``price_dated_model``, which is inside ``price_once``, inside
``generate_columns``). ``--write DIR``: each closure's folder written as a sweep's worker
writes it (not timed), to compare two checkouts' bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (module, attribute path, label): the stages timed
STAGES = (
    ("borderflow.sweeps.worker", "generate_columns", "generate_columns"),
    ("borderflow.sweeps.worker", "extract_results", "extract_results"),
    ("borderflow.sweeps.worker", "bound_updates", "bound_updates"),
    ("borderflow.sweeps.worker", "ModelCache.network", "network"),
    ("borderflow.pipeline", "price_once", "price_once"),
    ("borderflow.pipeline", "assemble", "rebuild (assemble)"),
    ("borderflow.pipeline", "grow", "grow"),
    ("borderflow.pipeline", "keyed_basis", "keyed_basis"),
    ("borderflow.solvers.highs", "HighsSession.solve", "highs"),
    ("borderflow.solvers.highs", "HighsSession.load_last", "load_last"),
    ("borderflow.pricing_scope", "price_dated_model", "price_dated_model"),
    ("borderflow.model.dated_columns", "price_dated", "price_dated"),
    ("borderflow.model.dated_columns", "read_dated_duals", "read_dated_duals"),
    ("borderflow.model.dated_pricing", "_DatedSearch.run", "searches (A*)"),
    ("borderflow.model.dated_pricing", "DatedDuals.share", "share terms"),
    ("borderflow.model.dated_reuse", "Reuse.result", "reuse tests"),
    ("borderflow.model.dated_skip", "EitherSkip.row", "skip bounds"),
)


def _wrap(totals: dict) -> None:
    """Replace each of :data:`STAGES` by a wrapper adding its CPU s to ``totals``."""
    import importlib

    for module, path, label in STAGES:
        owner = importlib.import_module(module)
        *parents, name = path.split(".")
        for p in parents:
            owner = getattr(owner, p)
        f = getattr(owner, name)

        def timed(*args, _f=f, _label=label, **kwargs):
            c0 = time.process_time()
            try:
                return _f(*args, **kwargs)
            finally:
                totals[_label] = totals.get(_label, 0.0) + time.process_time() - c0

        setattr(owner, name, timed)


def main() -> None:
    """Build the cache's model once, then time each closure's stages."""
    sys.path.insert(0, str(HERE))
    from dated_sweep import sweep_plan

    from borderflow.sweeps import worker

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gates", default="", help="comma-separated crossing ids")
    ap.add_argument("--all", action="store_true", help="every open crossing (the 50)")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--write", default="", help="write each closure's run folder here")
    args = ap.parse_args()
    totals: dict = {}
    _wrap(totals)
    plan = sweep_plan(args.days, gates=None if args.all else
                      [g for g in args.gates.split(",") if g])
    cache = worker.ModelCache(freeze=True)
    cache.setup()
    for e in plan.entries:
        totals.clear()
        o = worker.solve_job(worker.Job(e.scenario, plan.structures[e.structure], True), cache)
        if args.write:
            from borderflow.sweeps.partitions import write_partition
            write_partition(args.write, plan, e, o)
        s = o.results.summary if o.results is not None else {}
        print(json.dumps({"name": o.name, "cpu_s": round(o.cpu_seconds, 3),
                          "objective_usd": o.solve.get("objective_usd"),
                          "routing": s.get("routing"), "loadavg": os.getloadavg(),
                          "stages": {k: round(v, 3) for k, v in sorted(
                              totals.items(), key=lambda kv: -kv[1])}}), flush=True)


if __name__ == "__main__":
    main()
