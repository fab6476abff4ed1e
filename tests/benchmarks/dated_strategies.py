"""Solver strategies for the dated LP, measured on the direct builder (:mod:`direct_dated`).

    python tests/benchmarks/dated_strategies.py --days 30 90 --variant agg-window \\
        --strategies ipm ipm-nox simplex roll-crossover roll-basis

A strategy is exact when its optimum is a vertex with a basis HiGHS proved optimal for the
whole LP (``ipm``, ``simplex``, ``roll-*``); ``ipm-nox`` stops at IPX's interior point (a
primal-dual pair within ``ipm_optimality_tolerance``, no basis); ``pdlp`` at PDLP's tolerance.
``rel_diff`` compares each optimum with the first strategy's of the same horizon.

Rolling then exact (``roll-crossover``, ``roll-basis``): the LP is *causal* (every row
involves only variables of its own day and earlier), so windows of ``window`` days plus
``overlap`` days of look-ahead solve it day block by day block, earlier days fixed at what was
committed (as ``borderflow.solvers.rolling``). The stitched solution is feasible for the whole
LP; then HiGHS proves (or reaches) the whole LP's optimum from it:

- ``roll-crossover``: IPX's crossover (``Highs.crossover``) from the stitched primal values
  and the windows' row duals, then the primal simplex from the basis it returns (the stitched
  point is primal feasible: the primal simplex only repairs dual infeasibilities; on the
  embedded year it took 931 iterations where the dual simplex took 22,948);
  ``roll-crossover-dual``: the dual simplex instead;
- ``roll-basis``: the primal simplex from the windows' bases of the days each committed.

Either way the answer is the whole LP's optimum (HiGHS's optimality test on the whole LP),
never the rolling approximation; the time is the windows' plus the clean-up's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import highspy
import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
OPTIONS = {"ipm": {}, "ipm-nox": {"run_crossover": "off"}, "simplex": {"solver": "simplex"},
           "pdlp": {"solver": "pdlp"}, "ipm-dualized": {"ipx_dualize_strategy": 1},
           "ipm-primal": {"ipx_dualize_strategy": 0}, "ipm-nopresolve": {"presolve": "off"}}


def arrays(lp: highspy.HighsLp):
    """``(A csc, cost, col_lower, col_upper, row_lower, row_upper)`` of a HighsLp."""
    m = lp.a_matrix_
    A = sp.csc_matrix((np.asarray(m.value_), np.asarray(m.index_), np.asarray(m.start_)),
                      shape=(lp.num_row_, lp.num_col_))
    return (A, np.asarray(lp.col_cost_), np.asarray(lp.col_lower_), np.asarray(lp.col_upper_),
            np.asarray(lp.row_lower_), np.asarray(lp.row_upper_))


def make_lp(A, cost, col_lower, col_upper, row_lower, row_upper) -> highspy.HighsLp:
    """A column-wise ``highspy.HighsLp`` (minimise): the pipeline's array packing."""
    from borderflow.solvers.highs import highs_lp

    return highs_lp(A, cost, col_lower, col_upper, row_lower, row_upper)


def column_days(d) -> np.ndarray:
    """The day of each column of a :class:`direct_dated.DatedLP` (flows: dispatch day;
    unserved: supply day; queue columns: their day; initial queues: day 0)."""
    day = np.zeros(d.lp.num_col_, dtype=np.int64)
    a, k = d.cols["x"]
    day[a:a + k] = d.flows["t"].to_numpy()
    a, k = d.cols["u"]
    day[a:a + k] = d.supply_days
    for name in ("Q", "y", "e", "S"):
        if name in d.cols:
            a, k = d.cols[name]
            day[a:a + k] = np.arange(k) % d.n_days
    return day


def rolling(lp: highspy.HighsLp, cday: np.ndarray, window: int, overlap: int,
            options: dict | None = None) -> dict:
    """Solve ``lp`` in windows; return the stitched values ``x``, row duals ``y``, basis
    statuses of the committed days and timings."""
    import direct_dated as dd

    A, c, cl, cu, rl, ru = arrays(lp)
    Ar = A.tocsr()
    rday = np.zeros(A.shape[0], dtype=np.int64)
    full = np.diff(Ar.indptr) > 0
    rday[full] = np.maximum.reduceat(cday[Ar.indices], Ar.indptr[:-1][full])
    n = int(cday.max()) + 1
    x, y = np.zeros(A.shape[1]), np.zeros(A.shape[0])
    cstat = np.zeros(A.shape[1], dtype=np.int64)
    rstat = np.ones(A.shape[0], dtype=np.int64)  # kBasic
    solve_s, windows = 0.0, 0
    for s in range(0, n, window):
        commit, end = min(n, s + window), min(n, s + window + overlap)
        free = np.flatnonzero((cday >= s) & (cday < end))
        fixed = np.flatnonzero(cday < s)
        rows = np.flatnonzero((rday >= s) & (rday < end))
        sub = Ar[rows]
        shift = sub[:, fixed] @ x[fixed]
        h = dd.load(make_lp(sub[:, free].tocsc(), c[free], cl[free], cu[free],
                            rl[rows] - shift, ru[rows] - shift), options)
        t0 = time.perf_counter()
        h.run()
        solve_s += time.perf_counter() - t0
        windows += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"window {s}: {h.modelStatusToString(h.getModelStatus())}")
        sol, basis = h.getSolution(), h.getBasis()
        keep_c, keep_r = cday[free] < commit, rday[rows] < commit
        x[free[keep_c]] = np.asarray(sol.col_value)[keep_c]
        y[rows[keep_r]] = np.asarray(sol.row_dual)[keep_r]
        if basis.valid:
            cstat[free[keep_c]] = np.array([int(v) for v in basis.col_status])[keep_c]
            rstat[rows[keep_r]] = np.array([int(v) for v in basis.row_status])[keep_r]
    return {"x": x, "y": y, "cstat": cstat, "rstat": rstat, "windows": windows,
            "windows_solve_s": solve_s, "objective_rolling": float(c @ x)}


def exact_from_rolling(lp: highspy.HighsLp, roll: dict, how: str, options: dict | None = None,
                       handle: bool = False):
    """Bring ``lp`` to the whole LP's optimum from a rolling solution (``how``:
    ``"crossover"`` or ``"basis"``); return the phases of the solve and the seconds of the
    start (``handle``: the HiGHS instance and the phases, the start's seconds in them)."""
    import dated_profile
    import direct_dated as dd

    A, c, *_ = arrays(lp)
    h = dd.load(lp, {"simplex_strategy": 4, **(options or {}), "solver": "simplex"})
    t0 = time.perf_counter()
    if how == "crossover":
        sol = highspy.HighsSolution()
        sol.value_valid = sol.dual_valid = True
        sol.col_value, sol.row_value = roll["x"], A @ roll["x"]
        sol.row_dual, sol.col_dual = roll["y"], c - A.T @ roll["y"]
        h.crossover(sol)
    else:
        basis = highspy.HighsBasis()
        basis.valid = True
        basis.col_status = [highspy.HighsBasisStatus(int(v)) for v in roll["cstat"]]
        basis.row_status = [highspy.HighsBasisStatus(int(v)) for v in roll["rstat"]]
        h.setBasis(basis)
    start_s = time.perf_counter() - t0
    out = dated_profile.run_with_phases(h)
    if handle:
        out["start_s"] = start_s
        out["solve_s"] += start_s
        return h, out
    return out, start_s


def child(spec: dict) -> dict:
    """One strategy on one horizon (in ``run.py``'s fresh subprocess)."""
    sys.path.insert(0, str(HERE))
    import dated_profile
    import direct_dated as dd

    net, routes = dd.inputs(spec.get("days"), scenario=spec.get("scenario"))
    t0 = time.perf_counter()
    d = dd.build(net, routes, dd.Variant(**spec.get("variant", {})))
    row = {"build_s": time.perf_counter() - t0,
           **{k: d.size[k] for k in ("variables", "constraints", "nonzeros")}}
    strategy = spec["strategy"]
    c0 = time.process_time()
    if strategy.startswith("roll-"):
        t1 = time.perf_counter()
        roll = rolling(d.lp, column_days(d), spec.get("window", 14), spec.get("overlap", 4),
                       spec.get("window_options"))
        row.update(windows=roll["windows"], windows_solve_s=roll["windows_solve_s"],
                   rolling_s=time.perf_counter() - t1)
        how, _, dual = strategy[5:].partition("-")
        out, start_s = exact_from_rolling(d.lp, roll, how,
                                          {"simplex_strategy": 1} if dual else None)
        row.update(out)
        row["start_s"] = start_s
        row["objective_rolling"] = roll["objective_rolling"]
        row["solve_s"] = row["rolling_s"] + start_s + out["solve_s"]
    else:
        row.update(dated_profile.run_with_phases(dd.load(d.lp, {**OPTIONS[strategy],
                                                                **spec.get("options", {})})))
        if strategy in ("ipm-nox", "pdlp"):  # no basis: the objective of the point returned
            row["objective_usd"] = row.get("objective_usd")
    row["solve_cpu_s"] = time.process_time() - c0
    row["total_s"] = row["build_s"] + row["solve_s"]
    return row


def main() -> None:
    """Measure each strategy on each horizon, one fresh subprocess each."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, nargs="*", default=[30])
    ap.add_argument("--scenario")
    ap.add_argument("--variant", default="agg-window")
    ap.add_argument("--strategies", nargs="+", default=["ipm", "roll-crossover"])
    ap.add_argument("--window", type=int, nargs=2, default=[14, 4], metavar=("DAYS", "AHEAD"))
    ap.add_argument("--window-options", default="{}", help="HiGHS options of the windows")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    import dated_profile
    from run import OUT

    OUT.mkdir(exist_ok=True)
    path = OUT / f"strategies-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.jsonl"
    horizons = [{"scenario": args.scenario}] if args.scenario else \
        [{"days": n} for n in args.days]
    for horizon in horizons:
        dated_profile.measure_group(
            [{"bench": "dated_strategy", **horizon, "strategy": strategy,
              "variant": dated_profile.VARIANTS[args.variant], "variant_name": args.variant,
              "window": args.window[0], "overlap": args.window[1],
              "window_options": json.loads(args.window_options)}
             for strategy in args.strategies], path)

if __name__ == "__main__":
    main()
