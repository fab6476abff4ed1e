"""Benchmark of ``borderflow uncertainty`` (issue 19): warm re-solves vs a rebuild per sample.

    python tests/benchmarks/uncertainty.py [--samples 1000] [--rebuild-samples 20] [--seed 0]
                                           [--no-payload] [--end-to-end [--workers 2]]

Static base day of the embedded dataset, Latin hypercube samples (seed 0) of its
``ranges.csv``. Three arms, side by side, on the *same* samples:

- **warm**: one kept model (:func:`borderflow.uncertainty.kept.kept_models`), then per sample
  ``WarmEffects.changes`` -> ``WarmModel.apply`` -> restart from the point's basis -> HiGHS ->
  headline numbers -> pricing over the whole network with the sample's duals (its own routes
  added and re-solved while any prices out): every sample certified, each part timed;
- **certified rebuild** (``rebuild_certified``): the first ``--rebuild-samples`` samples only
  (a rebuild takes seconds): ``apply_sample`` -> network -> routes -> Pyomo model -> HiGHS
  translation -> cold solve -> column generation (:func:`borderflow.pipeline.generate_columns`,
  priced, rebuilt and re-solved until certified), each part timed: what a fresh ``borderflow
  solve`` of the sample does to give the same certified answer;
- **restricted rebuild** (``rebuild``, kept for comparison with earlier measurements): the same
  without column generation, an optimum over the enumerated routes only (no certificate).

**The per-sample target (>= 30x) is judged on ``ratio_median`` = median certified rebuild /
median warm**: both arms then give the user the same answer (the optimum over every route,
certified), so the ratio measures what warm re-solving saves; the restricted rebuild gives a
different, uncertified answer and its ratio (``ratio_median_restricted``) understates the
saving. Ratios are taken within one run (same machine load); times are CPU-bound.

``--no-payload`` drops the payload ranges (the warm arm then changes no matrix coefficient).
``--end-to-end`` also times ``bf.uncertainty`` + writing the folder for all ``--samples`` on
``--workers`` Dask workers (default 2; cluster start, one kept-model build per worker and the
folder included; target: 1,000 samples in under 2 minutes).

Prints one JSON object and a table of the median per-sample parts; every time in seconds
(per-sample parts: ``time.process_time``, CPU seconds of this process; the end-to-end run:
wall seconds). The arms' objectives are
compared sample by sample (``max_rel_gap_*``: warm and certified rebuild are both optimal over
every route; the restricted rebuild is over its enumerated routes; a rebuild re-derives road
classes from sampled speeds, so a small gap is expected and reported, not hidden). The warm
arm's ``price`` part is the per-sample pricing (and the sample's own routes, re-solved) that
certifies each sample.
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
from borderflow.pipeline import assemble, generate_columns, solve_session
from borderflow.solvers.highs import HighsSession
from borderflow.uncertainty.kept import kept_models
from borderflow.uncertainty.perturb import apply_sample
from borderflow.uncertainty.ranges import Ranges
from borderflow.uncertainty.run import draw, sample_space
from borderflow.uncertainty.sampling import FactorSpace


#: per-sample parts are CPU seconds of this process (meaningful on a loaded machine; on a quiet
#: one they equal wall seconds: every arm is single-threaded HiGHS + Python)
CLOCK = time.process_time


def _stats(xs: list[float]) -> dict:
    return {"median": statistics.median(xs), "p90": float(np.quantile(xs, 0.9)),
            "n": len(xs)} if xs else {}


def warm_arm(tables, space, samples, n: int) -> tuple[dict, list[float]]:
    t0 = CLOCK()
    kept = kept_models(tables, Scenario(name="baseline"), RunOptions(), space)[0]
    build = CLOCK() - t0
    parts = {"changes": [], "apply": [], "solve": [], "price": [], "total": []}
    objectives, certified = [], 0
    for i in range(n):
        v = samples.values[i]
        a = CLOCK()
        ch = kept.effects.changes(v)
        b = CLOCK()
        kept.warm.apply(ch)
        c = CLOCK()
        kept.session.restart_from(kept.basis)
        objectives.append(kept.session.solve(load=False).objective_usd)
        d = CLOCK()
        # pricing with the sample's duals, its own routes added and re-solved (KeptModel.solve)
        priced = kept._priced(v, ch, {"cost_usd": objectives[-1]})
        objectives[-1] = priced["cost_usd"]
        certified += int(priced["certified"])
        e = CLOCK()
        parts["changes"].append(b - a)
        parts["apply"].append(c - b)
        parts["solve"].append(d - c)
        parts["price"].append(e - d)
        parts["total"].append(e - a)
    return {"build_once": build, "certified": certified,
            **{k: _stats(v) for k, v in parts.items()}}, objectives


def _rebuilt_routes(tables, samples, i: int, routes_opt, t: list) -> tuple:
    """Sample ``i``'s tables, network and enumerated routes, each step's end time put in ``t``."""
    sample_tables = apply_sample(tables, samples.sample(i))
    t.append(CLOCK())
    net = build_network(sample_tables)
    t.append(CLOCK())
    routes = enumerate_routes(net, routes_opt)
    t.append(CLOCK())
    return sample_tables, net, routes


def rebuild_arm(tables, samples, n: int) -> tuple[dict, list[float]]:
    opts = RunOptions()
    routes_opt, solver = opts.effective(False, ())
    parts = {"tables": [], "network": [], "routes": [], "model": [], "translate": [],
             "solve": [], "total": []}
    objectives = []
    for i in range(n):
        t = [CLOCK()]
        _, net, routes = _rebuilt_routes(tables, samples, i, routes_opt, t)
        built = build_model(net, routes)
        t.append(CLOCK())
        session = HighsSession(built.model, solver)
        t.append(CLOCK())
        objectives.append(session.solve(load=False).objective_usd)
        t.append(CLOCK())
        for k, (a, b) in zip(list(parts)[:-1], zip(t, t[1:])):
            parts[k].append(b - a)
        parts["total"].append(t[-1] - t[0])
    return {k: _stats(v) for k, v in parts.items()}, objectives


def certified_rebuild_arm(tables, samples, n: int) -> tuple[dict, list[float], int]:
    """A fresh static solve of each sample, certified: rebuild, solve, column generation."""
    opts = RunOptions()
    routes_opt, solver = opts.effective(False, ())
    parts = {"tables": [], "network": [], "routes": [], "model": [], "solve": [],
             "columns": [], "total": []}
    objectives, certified = [], 0
    for i in range(n):
        t = [CLOCK()]
        sample_tables, net, routes = _rebuilt_routes(tables, samples, i, routes_opt, t)
        model = assemble(sample_tables, net, routes, solver)  # Pyomo model + HiGHS translation
        t.append(CLOCK())
        summary = solve_session(model.session, model.built, model.net)
        t.append(CLOCK())
        model, summary, routing = generate_columns(model, summary, opts)
        t.append(CLOCK())
        objectives.append(float(summary.objective_usd))
        certified += int(routing.certified)
        for k, (a, b) in zip(list(parts)[:-1], zip(t, t[1:])):
            parts[k].append(b - a)
        parts["total"].append(t[-1] - t[0])
    return {"certified": certified, **{k: _stats(v) for k, v in parts.items()}}, \
        objectives, certified


def _table(out: dict) -> str:
    """The median parts of each arm, one line per arm (seconds per sample)."""
    lines = []
    for arm in ("warm", "rebuild_certified", "rebuild"):
        parts = {k: v["median"] for k, v in out[arm].items() if isinstance(v, dict) and v}
        total = parts.pop("total")
        lines.append(f"{arm:<18} {total:8.3f} s  (" + ", ".join(
            f"{k} {v:.3f}" for k, v in parts.items()) + ")")
    lines.append(f"ratio certified rebuild / warm {out['ratio_median']:.1f}x (target 30x); "
                 f"restricted rebuild / warm {out['ratio_median_restricted']:.1f}x")
    if "end_to_end_s" in out:
        lines.append(f"end to end: {out['samples']} samples on {out['end_to_end_workers']} "
                     f"workers {out['end_to_end_s']:.1f} s (target 120 s)")
    return "\n".join(lines)


def measure(samples: int = 1000, rebuild_samples: int = 20, seed: int = 0,
            no_payload: bool = False, end_to_end: bool = False, workers: int = 2) -> dict:
    """The three arms on the same ``samples`` LHS samples (and, with ``end_to_end``, the whole
    ``bf.uncertainty`` run on ``workers`` Dask workers): the JSON object :func:`main` prints."""
    tables = bf.load_dataset()
    checked, space, _ = sample_space(tables, Scenario(name="baseline"))
    if no_payload:
        t = checked.table
        t = t[t["field"] != "payload_t_per_truck"].reset_index(drop=True)
        space = FactorSpace.from_ranges(Ranges(t, checked.file))
    drawn = draw(space, samples, "lhs", seed)
    warm, y_warm = warm_arm(tables, space, drawn, samples)
    n_re = min(rebuild_samples, samples)
    certified, y_cert, _ = certified_rebuild_arm(tables, drawn, n_re)
    rebuild, y_re = rebuild_arm(tables, drawn, n_re)

    def gap(ys: list[float]) -> float | None:
        g = [abs(a - b) / max(1.0, abs(b)) for a, b in zip(y_warm[:n_re], ys)]
        return max(g) if g else None

    out = {"samples": samples, "rebuild_samples": n_re, "seed": seed,
           "dimensions": space.n_dimensions, "payload_ranges": not no_payload,
           "warm": warm, "rebuild_certified": certified, "rebuild": rebuild,
           "ratio_median": certified["total"]["median"] / warm["total"]["median"],
           "ratio_median_restricted": rebuild["total"]["median"] / warm["total"]["median"],
           "max_rel_gap_warm_vs_certified_rebuild": gap(y_cert),
           "max_rel_gap_warm_vs_rebuild": gap(y_re)}
    if end_to_end:  # wall seconds: the Dask workers' CPU is not this process's
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            res = bf.uncertainty(tables, samples=samples, seed=seed,
                                 sensitivity="none", workers=workers)
            res.write(Path(tmp) / "u")
        out["end_to_end_s"] = time.perf_counter() - t0
        out["end_to_end_workers"] = workers
    return out


def child(spec: dict) -> dict:
    """``run.py``'s ``uncertainty`` measurement: :func:`measure` of the spec's ``samples``,
    ``rebuild_samples``, ``end_to_end`` and ``workers``, flattened to one row."""
    out = measure(samples=spec["samples"], rebuild_samples=spec["rebuild_samples"],
                  end_to_end=bool(spec.get("end_to_end")), workers=spec.get("workers", 2))
    return {"warm_median_s": out["warm"]["total"]["median"],
            "rebuild_certified_median_s": out["rebuild_certified"]["total"]["median"],
            "certified": f"{out['warm']['certified']} warm, "
                         f"{out['rebuild_certified']['certified']} rebuilt",
            "dimensions": out["dimensions"], "ratio_median": out["ratio_median"],
            "ratio_median_restricted": out["ratio_median_restricted"],
            "max_rel_gap_warm_vs_certified_rebuild":
                out["max_rel_gap_warm_vs_certified_rebuild"],
            "end_to_end_s": out.get("end_to_end_s")}


def main() -> None:
    """Command line: measure and print the JSON object and the table of median parts."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--rebuild-samples", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-payload", action="store_true")
    ap.add_argument("--end-to-end", action="store_true")
    ap.add_argument("--workers", type=int, default=2, help="Dask workers of --end-to-end")
    args = ap.parse_args()
    out = measure(args.samples, args.rebuild_samples, args.seed, args.no_payload,
                  args.end_to_end, args.workers)
    print(json.dumps(out, indent=2))
    print(_table(out))


if __name__ == "__main__":
    main()
