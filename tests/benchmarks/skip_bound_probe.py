"""How many of a warm closure's pricing searches a dual-decrease bound could skip: a probe, it
changes nothing (docs/notes/performance-log.md, "A warm dated closure's own costs", the sketch).

    python tests/benchmarks/skip_bound_probe.py --gates boten-mohan,kim-thanh-hekou

For each pricing pass of each closure (one worker's cache in this process, as
``sweep_profile.py``), every search the pass runs (not taken from the reference) whose
reference search found no column is tested: the reference's lower bound ``b`` on its
columns' reduced cost (the pair row's ``min_reduced_cost_usd_per_t``: the least A* key left
when the search stopped, a lower bound whether or not the row says ``exact``) minus the most
the pass's duals can lower a column's (the supply dual's rise, ``K`` crossings times the
largest fall of a capacity or priority dual on the days the search reaches, the largest fall
of a market dual of its product there) is compared with the tolerance, for ``K`` = 1 .. 4
crossings per route. Counts only (session 14); the skip itself, with ``K`` the network's
countries - 1, is ``model/dated_skip.py`` since session 15 (docs/notes/performance-log.md).
Prints one JSON line per pass.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _fall(a, b, first: int, last: int) -> float:
    """The largest ``b - a`` (a fall from the reference's ``b``) on days ``first .. last``."""
    if a is None or b is None:
        return 0.0
    a, b = np.asarray(a)[..., first:last + 1], np.asarray(b)[..., first:last + 1]
    return float(np.clip(b - a, 0.0, None).max(initial=0.0))


def probe(reuse, duals, products, tolerance: float) -> dict:
    """The counts of one pass (see the module docstring)."""
    ref = reuse.ref
    by_id = {p.product_id: p for p in products}
    sigma, lag = float(duals.empty_return_share), int(duals.empty_return_days)
    out = {"searches": 0, "run": 0, "run_without_ref_columns": 0,
           **{f"skippable_K{k}": 0 for k in (1, 2, 3, 4)}}
    bounds = []
    for key, (row, cols, _) in ref.searches.items():
        origin, pid, t = key
        out["searches"] += 1
        product = by_id[pid]
        if reuse.result(product, origin, t) is not None:
            continue  # taken from the reference as it is
        out["run"] += 1
        if cols:  # its columns' reduced costs move with the duals: not skippable
            continue
        out["run_without_ref_columns"] += 1
        b = float(row[4])
        bounds.append(b)
        last = t + int(product.shelf_life_h // 24) + int(duals.max_wait_days) + 2
        d_pi = max(0.0, duals.supply_usd_per_t.get(key, 0.0)
                   - ref.duals.supply_usd_per_t.get(key, 0.0))
        d_mu = _fall(duals.capacity_usd_per_truck, ref.duals.capacity_usd_per_truck, t,
                     last + lag)
        d_rho = _fall(duals.priority_usd_per_truck, ref.duals.priority_usd_per_truck, t, last)
        d_lam = max([0.0] + [ref.duals.market_usd_per_t.get((m, pid, d), 0.0)
                             - duals.market_usd_per_t.get((m, pid, d), 0.0)
                             for m, _ in product.markets for d in range(t, last + 1)])
        per_crossing = ((1.0 + sigma) * d_mu + d_rho) / product.payload_t_per_truck
        for k in (1, 2, 3, 4):
            if b - (d_pi + k * per_crossing + d_lam) >= -tolerance:
                out[f"skippable_K{k}"] += 1
    b = np.asarray(bounds)
    out["ref_bound_usd_per_t"] = {q: float(np.quantile(b, q / 100)) for q in (5, 25, 50, 75)} \
        if len(b) else None
    return out


def main() -> None:
    """Solve each closure warm, probing each of its pricing passes."""
    sys.path.insert(0, str(HERE))
    from dated_sweep import sweep_plan

    import borderflow.model.dated_reuse as dr
    from borderflow.sweeps.worker import Job, ModelCache, solve_job

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gates", required=True, help="comma-separated crossing ids")
    args = ap.parse_args()
    seen = []
    init = dr.Reuse.__init__

    def recording(self, reference, duals, graph, products, options):
        init(self, reference, duals, graph, products, options)
        if self.ok:
            seen.append((self, duals, products, options[1]))

    dr.Reuse.__init__ = recording
    plan = sweep_plan(60, gates=[g for g in args.gates.split(",") if g])
    cache = ModelCache(freeze=True)
    cache.setup()
    for e in plan.entries:
        o = solve_job(Job(e.scenario, plan.structures[e.structure], True), cache)
        if e.scenario.name != "baseline":
            for i, (reuse, duals, products, tol) in enumerate(seen):
                print(json.dumps({"name": o.name, "pass": i + 1,
                                  **probe(reuse, duals, products, tol),
                                  "loadavg": os.getloadavg()}), flush=True)
        seen.clear()


if __name__ == "__main__":
    main()
