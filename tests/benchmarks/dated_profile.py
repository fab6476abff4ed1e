"""Where a dated LP's time goes: build, translation and each HiGHS phase, per horizon and variant.

    python tests/benchmarks/dated_profile.py --days 7 14 30 60 90 --variants pair-window agg-window
    python tests/benchmarks/dated_profile.py --days 30 --options '{"solver": "simplex"}'
    python tests/benchmarks/dated_profile.py --days 30 --approach pyomo     # the pipeline's model

Each measurement runs in a fresh subprocess (``run.py``'s :func:`measure`: its own peak RSS)
and prints one JSON line, appended to ``tests/benchmarks/out/profile-<UTC time>.jsonl``:

- sizes: ``variables, constraints, nonzeros`` and, after HiGHS's presolve, ``presolved_rows,
  presolved_cols, presolved_nnz``;
- ``build_s``: the direct builder (:mod:`direct_dated`), or for ``approach=pyomo``
  ``model_s`` (``build_model``) + ``translate_s`` (``HighsSession``);
- HiGHS by phase, from the time each log line arrives (a logging callback): ``presolve_s``,
  ``ipm_s`` (``ipm_diag_s`` of it before IPX builds its starting basis, diagonal
  preconditioner; then the basis preconditioner), ``crossover_s``, ``cleanup_s`` (postsolve
  and the simplex run on the original LP), ``simplex_s`` when the simplex solves the LP;
  iteration counts; ``solve_s`` (the whole ``run``);
- ``objective_usd`` and ``rel_diff`` against the first row of the same horizon in the run;
- ``*_cpu_s``: the process's CPU seconds (HiGHS runs one thread), less sensitive than wall
  seconds to other jobs on a shared machine; ``load_before``: the 1-minute load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: a log line starting each phase, in the order they come (first match wins)
MARKS = {"presolve": "Presolving model", "solve": "Solving the presolved LP",
         "ipm": "Interior point solve", "basis": "Constructing starting basis",
         "crossover": "Running crossover", "ipx_end": "Summary",
         "postsolve": "Performed postsolve", "simplex": "Using dual simplex solver"}
REDUCED = re.compile(r"Presolve reductions: rows (\d+)\(.*columns (\d+)\(.*nonzeros (\d+)\(")
IPM_ROW = re.compile(r"^\s*(\d+)\*?\s+-?\d\.\d+e[+-]\d+\s")


def run_with_phases(h) -> dict:
    """Run HiGHS on ``h`` and time its phases from its log (see the module docstring)."""
    import highspy

    stamps: list[tuple[float, str]] = []
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)
    h.cbLogging.subscribe(lambda ev: stamps.append((time.perf_counter(), ev.message)))
    t0, c0 = time.perf_counter(), time.process_time()
    h.run()
    t1, c1 = time.perf_counter(), time.process_time()
    at: dict[str, float] = {}
    ipm_rows = 0
    out: dict = {}
    for t, msg in stamps:
        for key, text in MARKS.items():
            if key not in at and text in msg:
                at[key] = t
        if "ipm" in at and IPM_ROW.match(msg):
            ipm_rows += 1
        m = REDUCED.search(msg)
        if m:
            out.update(presolved_rows=int(m[1]), presolved_cols=int(m[2]),
                       presolved_nnz=int(m[3]))

    def span(a: str, b: str, end: float | None = None) -> float | None:
        if a not in at:
            return None
        return (at.get(b, end) if end is not None else at.get(b, t1)) - at[a]

    after_ipx = at.get("postsolve", t1)
    out.update({
        "solve_s": t1 - t0, "solve_cpu_s": c1 - c0,
        "presolve_s": (at.get("solve", t0) - at["presolve"]) if "presolve" in at else 0.0,
        "ipm_s": span("ipm", "crossover", at.get("ipx_end", t1)),
        "ipm_diag_s": span("ipm", "basis", at.get("crossover", t1)),
        "crossover_s": span("crossover", "ipx_end"),
        "cleanup_s": (t1 - at["ipx_end"]) if "ipx_end" in at else None,
        "simplex_s": (after_ipx - at["simplex"]) if "simplex" in at else None,
    })
    status = h.getModelStatus()
    info = h.getInfo()
    out.update({
        "status": h.modelStatusToString(status),
        "objective_usd": float(info.objective_function_value)
        if status == highspy.HighsModelStatus.kOptimal else None,
        "ipm_iterations": int(info.ipm_iteration_count), "ipm_log_rows": ipm_rows,
        "crossover_iterations": int(info.crossover_iteration_count),
        "simplex_iterations": int(info.simplex_iteration_count),
        "pdlp_iterations": int(info.pdlp_iteration_count)})
    return out


def child(spec: dict) -> dict:
    """One measurement (in ``run.py``'s fresh subprocess): build the dated LP of ``spec`` and
    solve it with phases timed."""
    import resource

    sys.path.insert(0, str(HERE))
    import direct_dated as dd

    t0 = time.perf_counter()
    net, routes = dd.inputs(spec.get("days"), scenario=spec.get("scenario"))
    prep_s = time.perf_counter() - t0
    prep_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row: dict = {"prep_s": prep_s, "prep_rss_mb": prep_rss_mb}
    t1, c1 = time.perf_counter(), time.process_time()
    if spec.get("approach") == "pyomo":
        from borderflow.model.formulation import build_model
        from borderflow.solvers.highs import HighsSession, SolverOptions

        built = build_model(net, routes)
        t2 = time.perf_counter()
        session = HighsSession(built.model, SolverOptions(solver="ipm", time_limit_s=3600.0))
        h = session.highs
        for name, value in spec.get("options", {}).items():
            h.setOptionValue(name, value)
        row.update(model_s=t2 - t1, translate_s=session.translate_seconds,
                   variables=h.getNumCol(), constraints=h.getNumRow(), nonzeros=h.getNumNz())
    else:
        d = dd.build(net, routes, dd.Variant(**spec.get("variant", {})))
        h = dd.load(d.lp, spec.get("options"))
        row.update({k: d.size[k] for k in ("variables", "constraints", "nonzeros", "streams")})
    row["build_s"] = time.perf_counter() - t1
    row["build_cpu_s"] = time.process_time() - c1
    if spec.get("solve", True):
        row.update(run_with_phases(h))
        row["total_s"] = row["build_s"] + row["solve_s"]
    return row


VARIANTS = {"pair-window": {"aggregate": False, "fifo": "window"},
            "pair-cumulative": {"aggregate": False, "fifo": "cumulative"},
            "agg-window": {"aggregate": True, "fifo": "window"},
            "agg-cumulative": {"aggregate": True, "fifo": "cumulative"}}


COLUMNS = {"days": "days", "variant_name": "variant", "strategy": "strategy",
           "variables": "cols", "constraints": "rows", "nonzeros": "nnz",
           "presolved_rows": "rows after presolve", "presolved_nnz": "nnz after presolve",
           "build_s": "build s", "solve_s": "solve s", "solve_cpu_s": "solve CPU s",
           "presolve_s": "presolve s", "ipm_s": "IPM s", "ipm_iterations": "IPM it",
           "crossover_s": "crossover s", "cleanup_s": "clean-up s",
           "simplex_iterations": "simplex it", "peak_rss_mb": "peak MB",
           "objective_usd": "objective USD", "rel_diff": "rel. diff", "loadavg_1min": "load"}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if abs(value) >= 1e6:
            return f"{value:,.2f}"
        if value != 0 and abs(value) < 1e-3:
            return f"{value:.1e}"
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(paths: list[Path]) -> str:
    """The measurements of JSONL files as one markdown table (columns: :data:`COLUMNS`)."""
    rows = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines()
            if line.startswith("{") and '"bench": "machine"' not in line]
    keys = [k for k in COLUMNS if any(r.get(k) is not None for r in rows)]
    out = ["| " + " | ".join(COLUMNS[k] for k in keys) + " |",
           "|" + "---|" * len(keys)]
    out += ["| " + " | ".join(_cell(r.get(k)) for k in keys) + " |" for r in rows]
    return "\n".join(out)


def measure_group(specs: list[dict], path: Path) -> None:
    """Measure ``specs`` one after another, each in a fresh subprocess (``run.py``'s
    :func:`measure`), with the load average before each and the relative difference of each
    optimum to the first; print and append each row to ``path``."""
    import os

    from run import emit, measure

    reference = None
    for spec in specs:
        row = measure({**spec, "load_before": os.getloadavg()[0]})
        if reference is None:
            reference = row.get("objective_usd")
        if reference and row.get("objective_usd") is not None:
            row["rel_diff"] = (row["objective_usd"] - reference) / abs(reference)
        emit(row, path)


def main() -> None:
    """Measure every (horizon, variant) asked for, one fresh subprocess each."""

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, nargs="*", default=[7, 14, 30])
    ap.add_argument("--scenario", help="a scenario file instead of --days")
    ap.add_argument("--variants", nargs="+", default=["pair-window"], choices=sorted(VARIANTS))
    ap.add_argument("--approach", choices=["direct", "pyomo"], default="direct")
    ap.add_argument("--options", default="{}", help="HiGHS options (JSON)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--build-only", action="store_true", help="build and translate, no solve")
    ap.add_argument("--table", nargs="+", type=Path, help="print JSONL files as a table")
    args = ap.parse_args()
    if args.table:
        print(table(args.table))
        return
    sys.path.insert(0, str(HERE))
    from run import OUT

    OUT.mkdir(exist_ok=True)
    path = OUT / f"profile-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.jsonl"
    options = json.loads(args.options)
    horizons = [{"scenario": args.scenario}] if args.scenario else \
        [{"days": n} for n in args.days]
    for horizon in horizons:
        measure_group([{"bench": "direct_dated", **horizon, "approach": args.approach,
                        "variant": VARIANTS[name], "variant_name": name, "options": options,
                        "solve": not args.build_only}
                       for _ in range(args.repeat) for name in args.variants], path)


if __name__ == "__main__":
    main()
