"""Benchmark of ``borderflow uncertainty`` (issue 19): warm re-solves vs a rebuild per sample.

    python tests/benchmarks/uncertainty.py [--samples 1000] [--rebuild-samples 20] [--seed 0]
                                           [--no-payload] [--end-to-end [--workers 2]]

Static base day of the embedded dataset, Latin hypercube samples (seed 0) of its
``ranges.csv``. Two arms, side by side, on the *same* samples:

- **warm**: one kept model (:func:`borderflow.uncertainty.kept.kept_models`), then per sample
  ``WarmEffects.changes`` -> ``WarmModel.apply`` -> restart from the point's basis -> HiGHS ->
  headline numbers; each part timed;
- **rebuild**: the first ``--rebuild-samples`` samples only (a rebuild takes seconds):
  ``apply_sample`` -> network -> routes -> Pyomo model -> HiGHS translation -> cold solve, each
  part timed. The per-sample ratio (target >= 30x) is median rebuild / median warm.

``--no-payload`` drops the payload ranges (the warm arm then changes no matrix coefficient).
``--end-to-end`` also times ``bf.uncertainty`` + writing the folder for all ``--samples`` on
``--workers`` Dask workers (default 2; cluster start, one kept-model build per worker and the
folder included; target: 1,000 samples in under 2 minutes).

Prints one JSON object; every time in seconds. Both arms' objectives are compared sample by
sample (``max_rel_gap``: the warm arm is priced per sample and certified, the rebuild arm is
over its enumerated routes, and a rebuild re-derives road classes from sampled speeds, so a
small gap is expected and reported, not hidden). The warm arm's ``price`` part is the
per-sample pricing (and the sample's own routes, re-solved) that certifies each sample.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import borderflow as bf
from borderflow.data.scenario import Scenario
from borderflow.model.formulation import build_model
from borderflow.model.network import build_network
from borderflow.model.routes import enumerate_routes
from borderflow.options import RunOptions
from borderflow.solvers.highs import HighsSession
from borderflow.uncertainty.kept import kept_models
from borderflow.uncertainty.perturb import apply_sample
from borderflow.uncertainty.ranges import Ranges
from borderflow.uncertainty.run import draw, sample_space
from borderflow.uncertainty.sampling import FactorSpace


def _stats(xs: list[float]) -> dict:
    return {"median": statistics.median(xs), "p90": float(np.quantile(xs, 0.9)),
            "n": len(xs)} if xs else {}


def warm_arm(tables, space, samples, n: int) -> tuple[dict, list[float]]:
    t0 = time.perf_counter()
    kept = kept_models(tables, Scenario(name="baseline"), RunOptions(), space)[0]
    build = time.perf_counter() - t0
    parts = {"changes": [], "apply": [], "solve": [], "price": [], "total": []}
    objectives, certified = [], 0
    for i in range(n):
        v = samples.values[i]
        a = time.perf_counter()
        ch = kept.effects.changes(v)
        b = time.perf_counter()
        kept.warm.apply(ch)
        c = time.perf_counter()
        kept.session.restart_from(kept.basis)
        objectives.append(kept.session.solve(load=False).objective_usd)
        d = time.perf_counter()
        # pricing with the sample's duals, its own routes added and re-solved (KeptModel.solve)
        priced = kept._priced(v, ch, {"cost_usd": objectives[-1]})
        objectives[-1] = priced["cost_usd"]
        certified += int(priced["certified"])
        e = time.perf_counter()
        parts["changes"].append(b - a)
        parts["apply"].append(c - b)
        parts["solve"].append(d - c)
        parts["price"].append(e - d)
        parts["total"].append(e - a)
    return {"build_once": build, "certified": certified,
            **{k: _stats(v) for k, v in parts.items()}}, objectives


def rebuild_arm(tables, samples, n: int) -> tuple[dict, list[float]]:
    opts = RunOptions()
    routes_opt, solver = opts.effective(False, ())
    parts = {"tables": [], "network": [], "routes": [], "model": [], "translate": [],
             "solve": [], "total": []}
    objectives = []
    for i in range(n):
        t = [time.perf_counter()]
        sample_tables = apply_sample(tables, samples.sample(i))
        t.append(time.perf_counter())
        net = build_network(sample_tables)
        t.append(time.perf_counter())
        routes = enumerate_routes(net, routes_opt)
        t.append(time.perf_counter())
        built = build_model(net, routes)
        t.append(time.perf_counter())
        session = HighsSession(built.model, solver)
        t.append(time.perf_counter())
        objectives.append(session.solve(load=False).objective_usd)
        t.append(time.perf_counter())
        for k, (a, b) in zip(list(parts)[:-1], zip(t, t[1:])):
            parts[k].append(b - a)
        parts["total"].append(t[-1] - t[0])
    return {k: _stats(v) for k, v in parts.items()}, objectives


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--rebuild-samples", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-payload", action="store_true")
    ap.add_argument("--end-to-end", action="store_true")
    ap.add_argument("--workers", type=int, default=2, help="Dask workers of --end-to-end")
    args = ap.parse_args()

    tables = bf.load_dataset()
    checked, space, _ = sample_space(tables, Scenario(name="baseline"))
    if args.no_payload:
        t = checked.table
        t = t[t["field"] != "payload_t_per_truck"].reset_index(drop=True)
        space = FactorSpace.from_ranges(Ranges(t, checked.file))
    samples = draw(space, args.samples, "lhs", args.seed)
    warm, y_warm = warm_arm(tables, space, samples, args.samples)
    n_re = min(args.rebuild_samples, args.samples)
    rebuild, y_re = rebuild_arm(tables, samples, n_re)
    gap = [abs(a - b) / max(1.0, abs(b)) for a, b in zip(y_warm[:n_re], y_re)]
    out = {"samples": args.samples, "rebuild_samples": n_re, "seed": args.seed,
           "dimensions": space.n_dimensions, "payload_ranges": not args.no_payload,
           "warm": warm, "rebuild": rebuild,
           "ratio_median": rebuild["total"]["median"] / warm["total"]["median"],
           "max_rel_gap_warm_vs_rebuild": max(gap) if gap else None}
    if args.end_to_end:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            res = bf.uncertainty(tables, samples=args.samples, seed=args.seed,
                                 sensitivity="none", workers=args.workers)
            res.write(Path(tmp) / "u")
        out["end_to_end_s"] = time.perf_counter() - t0
        out["end_to_end_workers"] = args.workers
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
