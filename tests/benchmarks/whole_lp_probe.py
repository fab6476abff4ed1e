"""The exact path's whole LP after the rolling windows, taken apart (issue 20, target 4).

    python tests/benchmarks/whole_lp_probe.py dump REGION_FOLDER OUT.npz [--days 30]
    python tests/benchmarks/whole_lp_probe.py solve OUT.npz VARIANT [VARIANT ...]

``dump`` runs the region's dated case as ``region_profile.py --aggregate-streams
--hour-bounds`` does (seed start, exact windows) up to the whole LP and saves that LP (its
arrays, exactly as HiGHS holds them) with the windows' stitched point (values and row duals),
then stops (``--overlap-days N``: exact windows looking N days ahead instead of 4). ``solve``
solves the saved LP once per variant, each on a fresh HiGHS instance, and prints one JSON line
per variant: status, objective (``repr``: every digit), iterations, and the CPU seconds of
the start (crossover) and of the solve (this process's, user + system).

Variants: ``primal`` (what ``HighsSession.solve_from_point`` does: IPX's crossover from the
point, then the primal simplex), ``primal-se`` (the same, steepest-edge pricing in the
primal), ``primal-dantzig`` (Dantzig pricing), ``dual`` (the dual simplex from the
crossover's basis), ``ipm`` (the whole LP by interior point with crossover from nothing, no
windows), ``simplex`` (the dual simplex from nothing). Nothing in the product changes.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from region_profile import _cpu  # noqa: E402  (this process's CPU s, user + system)

#: variant -> (start from the windows' point?, HiGHS options of the solve)
VARIANTS = {
    "primal": (True, {"solver": "simplex", "simplex_strategy": 4}),
    "primal-se": (True, {"solver": "simplex", "simplex_strategy": 4,
                         "simplex_primal_edge_weight_strategy": 2}),
    "primal-dantzig": (True, {"solver": "simplex", "simplex_strategy": 4,
                              "simplex_primal_edge_weight_strategy": 0}),
    "dual": (True, {"solver": "simplex", "simplex_strategy": 1}),
    "ipm": (False, {"solver": "ipm", "run_crossover": "on"}),
    "simplex": (False, {"solver": "simplex", "simplex_strategy": 1}),
}


def dump(folder: Path, out: Path, days: int, overlap_days: int | None = None) -> None:
    """Run the region's dated case up to the whole LP; save the LP and the windows' point."""
    import region_profile as rp
    from borderflow.solvers import highs
    from borderflow.solvers.memory import lp_arrays

    def save(self, col_value, row_dual, load=True, windows=0):
        lp = lp_arrays(self.highs)
        A = lp.A.tocsc()
        np.savez(out, data=A.data, indices=A.indices, indptr=A.indptr,
                 shape=np.asarray(A.shape), cost=lp.cost, col_lower=lp.col_lower,
                 col_upper=lp.col_upper, row_lower=lp.row_lower, row_upper=lp.row_upper,
                 offset=np.asarray(lp.offset), x=np.asarray(col_value, dtype=float),
                 y=np.asarray(row_dual, dtype=float), windows=np.asarray(windows))
        print(json.dumps({"dumped": str(out), "cols": int(A.shape[1]), "rows": int(A.shape[0]),
                          "nnz": int(A.nnz), "cpu_s": round(_cpu(), 2),
                          "stages": rp.summarize(rp.EVENTS)}), flush=True)
        raise SystemExit(0)

    highs.HighsSession.solve_from_point = save
    rp.install({})
    args = rp.parser().parse_args([str(folder), "--days", str(days), "--aggregate-streams",
                                   "--hour-bounds", "--first-solve-only"]
                            + ([] if overlap_days is None
                               else ["--overlap-days", str(overlap_days)]))
    rp.profile(args)


def solve(path: Path, variant: str) -> dict:
    """Solve the saved LP by ``variant`` (:data:`VARIANTS`); its outcome and CPU seconds."""
    import scipy.sparse as sp

    from borderflow.solvers.highs import (SolverOptions, _start_point, configure, highs_lp,
                                          new_highs, start_scheduler, status_of)

    z = np.load(path)
    A = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
    options = SolverOptions()
    h = new_highs()
    configure(h, options)
    h.setOptionValue("time_limit", 1e6)
    h.passModel(highs_lp(A, z["cost"], z["col_lower"], z["col_upper"], z["row_lower"],
                         z["row_upper"], float(z["offset"])))
    from_point, settings = VARIANTS[variant]
    start_cpu = 0.0
    if from_point:
        point = _start_point(h, z["x"], z["y"])
        h.clearSolver()
        start_scheduler(options)
        c0 = _cpu()
        h.crossover(point)
        start_cpu = _cpu() - c0
        del point
    for key, value in settings.items():
        h.setOptionValue(key, value)
    c0 = _cpu()
    h.run()
    solve_cpu = _cpu() - c0
    status, termination = status_of(h)
    info = h.getInfo()
    return {"variant": variant, "status": status, "termination": termination,
            "objective_usd": repr(float(info.objective_function_value)),
            "simplex_iterations": int(info.simplex_iteration_count),
            "ipm_iterations": int(info.ipm_iteration_count),
            "crossover_iterations": int(info.crossover_iteration_count),
            "start_cpu_s": round(start_cpu, 2), "solve_cpu_s": round(solve_cpu, 2),
            "cols": int(A.shape[1]), "rows": int(A.shape[0]),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    """The command line (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("folder", type=Path)
    d.add_argument("out", type=Path)
    d.add_argument("--days", type=int, default=30)
    d.add_argument("--overlap-days", type=int, default=None,
                   help="the exact windows' look-ahead (default: the pipeline's 4 days)")
    s = sub.add_parser("solve")
    s.add_argument("npz", type=Path)
    s.add_argument("variants", nargs="+", choices=sorted(VARIANTS))
    args = ap.parse_args()
    if args.command == "dump":
        dump(args.folder, args.out, args.days, args.overlap_days)
        return
    for variant in args.variants:
        print(json.dumps(solve(args.npz, variant)), flush=True)


if __name__ == "__main__":
    main()
