"""Issue 17's speed table: the exact method (column generation, certified) against today's
enumeration (the enumerated routes only), side by side in one run.

    python tests/benchmarks/exact_vs_enumeration.py                 # the issue's cases
    python tests/benchmarks/exact_vs_enumeration.py --cases base,june
    python tests/benchmarks/exact_vs_enumeration.py --quick         # a tiny check that it runs
    python tests/benchmarks/exact_vs_enumeration.py --cases n1 --rebuild  # + the old rebuild

Cases: ``base`` (the static base day), ``june`` (``--month 6``), ``synthetic`` (the static
synthetic instance of about 1e6 variables of ``tests/benchmarks/run.py``, cached under out/),
``dated45`` (``data/scenarios/boten-2021.yaml``: 45 days, initial queues, exact windows),
``n1`` (the static N-1 sweep, per scenario: a kept model re-solved warm for each closure, then
priced, a closure's own routes added to the kept HiGHS model as a sweep worker adds them;
``--rebuild`` adds ``exact-rebuild``, the same with a model rebuilt per closure that needs
routes, as before session 8); ``--quick`` runs ``tiny-static``, ``tiny-dated`` (one day) and
``tiny-n1`` on ``tests/data/cg-three-borders``.

Each case is solved in-process twice, by :func:`borderflow.pipeline.run_scenario`:

- ``exact``: the default options (column generation until no route prices out);
- ``enumeration``: ``pricing_rounds=0`` (the routes enumerated as before issue 17; one pricing
  pass still runs for the gap bound, and its seconds are reported, ``pricing_s``, so the
  enumeration's own time is ``cpu_s - pricing_s``);
- ``exact-window`` (with ``--window-pricing``): the exact method with the window-priced start
  (``--window-pricing``, borderflow/window_pricing.py): dated runs solved by exact windows
  price the windows' point and rebuild before the whole LP (other runs: as ``exact``).

Per run: CPU seconds of the process (user + system), the pricing's wall seconds, the peak
resident memory so far (MB), the objective, ``routing``, rounds, routes generated and the gap
bound. The last lines are a markdown table with the ratio exact / enumeration (CPU). The
N-1 case reports the mean per scenario. Timings depend on the load: run it on a quiet
machine (the coordinator's benchmark run) and quote ``uptime`` with it; JSON lines go to
stdout (``bench: exact_vs_enumeration``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "cg-three-borders"
ISSUE_CASES = ("base", "june", "synthetic", "dated45", "n1")
QUICK_CASES = ("tiny-static", "tiny-dated", "tiny-n1")


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _scenarios(case: str):
    """(tables, [scenarios]) of a case."""
    import datetime as dt

    from borderflow.data.dataset import load_dataset
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.data.scenario_checks import Catalog
    from borderflow.data.scenario_files import load_scenarios

    if case == "tiny-static":
        return load_dataset(TINY, check_borders=False), [Scenario(name="tiny")]
    if case == "tiny-dated":
        return load_dataset(TINY, check_borders=False), [
            Scenario(name="tiny-day", horizon=Horizon(start=dt.date(2024, 1, 1), days=1))]
    if case == "synthetic":  # the harness's cached instance (written by a subprocess)
        from run import _instance

        return load_dataset(_instance(1_000_000), check_borders=False), [
            Scenario(name="synthetic")]
    tables = load_dataset(TINY, check_borders=False) if case == "tiny-n1" else load_dataset()
    if case == "base":
        return tables, [Scenario(name="base")]
    if case == "june":
        return tables, [Scenario(name="june", horizon=Horizon(month=6))]
    if case == "dated45":
        return tables, load_scenarios(ROOT / "data" / "scenarios" / "boten-2021.yaml",
                                      Catalog.of(tables))[:1]
    if case in ("n1", "tiny-n1"):
        open_ids = tables.crossings.loc[tables.crossings["status"] == "open", "crossing_id"]
        return tables, [Scenario.closing([c]) for c in sorted(open_ids)]
    raise SystemExit(f"unknown case {case!r}; choose from {', '.join(ISSUE_CASES + QUICK_CASES)}")


def _solve(tables, scenario, options) -> dict:
    from dataclasses import replace

    from borderflow.pipeline import run_scenario

    if options.dispatch == "auto":  # optima compared: boten-2021's surprise closure is not
        options = replace(options, dispatch="foresight")  # run realistically (the default)
    cpu, wall = _cpu(), time.perf_counter()
    run = run_scenario(tables, scenario, options)
    r = run.routing
    return {"cpu_s": _cpu() - cpu, "wall_s": time.perf_counter() - wall,
            "pricing_s": r.pricing_seconds, "peak_mb": _peak_mb(),
            "objective_usd": run.solve.objective_usd, "routing": r.status, "rounds": r.rounds,
            "routes_generated": r.routes_generated, "gap_bound_usd": r.gap_bound_usd}


def _n1(tables, scenarios, options, in_place: bool = True) -> dict:
    """The N-1 closures as a sweep solves them: one kept model, each closure applied as bounds
    and re-solved warm from the reference basis, then priced (column generation of its own:
    the routes added to the kept HiGHS model and removed after the scenario, as a sweep
    worker does; ``in_place`` False: a model rebuilt for the scenario, as before session 8)."""
    from borderflow.model.formulation import bound_updates
    from borderflow.model.network import with_scenario
    from borderflow.pipeline import generate_columns, prepare, solve_session

    routes, solver = options.effective(False)
    kept = prepare(tables, None, routes, solver)
    solve_session(kept.session, kept.built, kept.net)
    basis = kept.session.basis()
    per = []
    for scenario in scenarios:
        cpu = _cpu()
        net = with_scenario(kept.net, scenario)
        kept.session.restart_from(basis)
        kept.session.apply(bound_updates(kept.built, net))
        summary = solve_session(kept.session, kept.built, net)
        model = replace(kept, net=net)
        model, summary, routing = generate_columns(model, summary, options, in_place=in_place)
        if model.added is not None:  # the scenario's own columns, removed as a sweep does
            model.added.drop()
        per.append((_cpu() - cpu, routing.pricing_seconds, routing.status))
    n = len(per)
    return {"cpu_s": sum(p[0] for p in per) / n, "pricing_s": sum(p[1] for p in per) / n,
            "peak_mb": _peak_mb(), "scenarios": n,
            "certified": sum(p[2] == "certified" for p in per)}


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the cases, print JSON lines and the markdown table; return the rows."""
    from borderflow.options import RunOptions

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(ISSUE_CASES))
    ap.add_argument("--quick", action="store_true", help="the tiny cases only (a smoke run)")
    ap.add_argument("--rebuild", action="store_true",
                    help="n1: also the exact method with a model rebuilt per scenario that "
                         "needs routes (the way before session 8), as a third arm")
    ap.add_argument("--window-pricing", action="store_true",
                    help="a third arm, 'exact-window': the exact method with the window-priced "
                         "start (Pricing.window_start; dated runs solved by exact windows)")
    args = ap.parse_args(argv)
    cases = QUICK_CASES if args.quick else tuple(c for c in args.cases.split(",") if c)
    methods = {"exact": RunOptions(), "enumeration": RunOptions.of(pricing_rounds=0)}
    if args.rebuild:
        methods["exact-rebuild"] = RunOptions()
    if args.window_pricing:
        methods["exact-window"] = RunOptions.of(window_pricing=True)
    rows = []
    for case in cases:
        tables, scenarios = _scenarios(case)
        for method, options in methods.items():
            out = _n1(tables, scenarios, options, method != "exact-rebuild") \
                if case.endswith("n1") else \
                _solve(tables, scenarios[0], options)
            row = {"bench": "exact_vs_enumeration", "case": case, "method": method, **out}
            rows.append(row)
            print(json.dumps(row, default=str), flush=True)
    print("\n| case | exact CPU s | enumeration CPU s (pricing s) | ratio | exact routing "
          "(rounds, routes added) | enumeration gap bound, USD |")
    print("|---|---|---|---|---|---|")
    for case in cases:
        ex, en = (next(r for r in rows if r["case"] == case and r["method"] == m)
                  for m in ("exact", "enumeration"))
        gap = en.get("gap_bound_usd")
        print(f"| {case} | {ex['cpu_s']:.2f} | {en['cpu_s']:.2f} ({en['pricing_s']:.2f}) | "
              f"{ex['cpu_s'] / max(en['cpu_s'], 1e-9):.2f} | "
              f"{ex.get('routing', str(ex.get('certified')) + ' certified')} "
              f"({ex.get('rounds', '-')}, {ex.get('routes_generated', '-')}) | "
              f"{'-' if gap is None else f'{gap:,.2f}'} |")
        if args.window_pricing:
            w = next(r for r in rows if r["case"] == case and r["method"] == "exact-window")
            print(f"| {case}, window-priced start | {w['cpu_s']:.2f} | {en['cpu_s']:.2f} | "
                  f"{w['cpu_s'] / max(en['cpu_s'], 1e-9):.2f} | "
                  f"{w.get('routing', str(w.get('certified')) + ' certified')} "
                  f"({w.get('rounds', '-')}, {w.get('routes_generated', '-')}) | - |")
    return rows


if __name__ == "__main__":
    main()
