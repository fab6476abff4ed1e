"""Command line: ``borderflow solve | reroute | verify | export | map | data check | data map``.

Each command parses its options, calls one library function and writes or prints the result.
Exit codes: 0 success; 2 bad input (file, row and field named, nothing written); 3 solver error;
4 infeasible; 5 unbounded; 6 time or iteration limit; 7 numerical trouble; 8 verification
failed (``verify``; ``solve`` and ``reroute`` verify every solution, write it with
``verified: false`` and ``verification.csv`` naming each violation, and exit 8).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from borderflow.compare import compare
from borderflow.data.errors import InputError, Problem
from borderflow.data.scenario import (Catalog, Horizon, Scenario, closing, load_scenarios,
                                      unknown_id)
from borderflow.io import read_run, write_run
from borderflow.verify import EXIT_VIOLATIONS, REPORT_TABLE, verify_solved
from borderflow.narrative import story
from borderflow.pipeline import (RunOptions, has_disruptions, load_dataset, run_scenario,
                                 solve_counterfactual)
from borderflow.model.routes import RouteOptions
from borderflow.solvers.highs import SolverError, SolverOptions
from borderflow.solvers.rolling import RollingHorizon

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="markdown",
                  help="Route export freight across alternative land border crossings "
                       "(Vietnam, Laos, Thailand, China) with a Pyomo/HiGHS model.")
data_app = typer.Typer(no_args_is_help=True, rich_markup_mode="markdown",
                       help="Inspect and check the dataset.")
app.add_typer(data_app, name="data")

out_console = Console()
err_console = Console(stderr=True)
log = logging.getLogger("borderflow")

DataOpt = typer.Option(None, "--data", help="Dataset folder (default: the embedded dataset).")
OverlayOpt = typer.Option(None, "--overlay", help="Folder of rows that add to or replace the "
                                                  "dataset's rows (repeatable).")
MonthOpt = typer.Option(None, "--month", min=1, max=12,
                        help="Static run for a representative day of this month (default: "
                             "annual average).")
ThreadsOpt = typer.Option(1, "--threads", min=1, help="HiGHS threads.")
TimeLimitOpt = typer.Option(600.0, "--time-limit", help="Solver time limit, seconds.")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of tables.")
MustOpt = typer.Option([], "--must-deliver", help="Product id that must be delivered in full "
                                                  "(a hard constraint; repeatable). If it "
                                                  "cannot be, the run stops with exit 4 and says "
                                                  "why.")


def _fail(err: Exception) -> None:
    if isinstance(err, InputError):
        err_console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False,
                          soft_wrap=True)
        raise typer.Exit(2)
    if isinstance(err, SolverError):
        err_console.print(f"[bold red]solver:[/] {escape(str(err))} (termination: "
                          f"{err.summary.termination})", highlight=False, soft_wrap=True)
        raise typer.Exit(err.exit_code)
    raise err


def _options(threads: int, time_limit: float, max_crossings: int = 2,
             detour: float = 1.6, window_days: Optional[int] = None,
             overlap_days: Optional[int] = None) -> RunOptions:
    rolling = None if window_days is None else RollingHorizon(window_days, overlap_days)
    return RunOptions(routes=RouteOptions(max_crossings=max_crossings, detour_factor=detour),
                      solver=SolverOptions(threads=threads, time_limit_s=time_limit),
                      rolling=rolling)


def _check_options(tables, close: list[str], must_deliver: list[str] = ()) -> None:
    """Crossings of ``--close`` and products of ``--must-deliver`` exist in the dataset: the
    message names the option, with the closest id as a hint."""
    catalog = Catalog.of(tables)
    asked = [("--close", "crossing", c, catalog.crossings) for c in close]
    asked += [("--must-deliver", "product", p, catalog.products) for p in must_deliver]
    problems = [Problem("command line", None, option, hit[2]) for option, kind, name, known
                in asked if (hit := unknown_id((), kind, name, known)) is not None]
    if problems:
        raise InputError(problems)


def _scenario(tables, scenario_file: Optional[Path], close: list[str], month: Optional[int],
              must_deliver: list[str] = (), name: Optional[str] = None) -> Scenario:
    """The scenario of the command line: a file, closures and delivery requirements (the
    options' ids checked against ``tables``)."""
    _check_options(tables, close, must_deliver)
    scenario = _base_scenario(scenario_file, close, month, name)
    if must_deliver:
        required = tuple(dict.fromkeys((*scenario.must_deliver, *must_deliver)))
        scenario = scenario.model_copy(update={"must_deliver": required})
    return scenario


def _base_scenario(scenario_file: Optional[Path], close: list[str], month: Optional[int],
                   name: Optional[str] = None) -> Scenario:
    if scenario_file is not None:
        scenarios = load_scenarios(scenario_file)
        if len(scenarios) != 1:
            raise InputError(Problem(str(scenario_file), None, "scenarios",
                                     f"holds {len(scenarios)} scenarios; use 'borderflow sweep'"
                                     " for several"))
        base = scenarios[0]
        if close:
            base = base.model_copy(update={"events": base.events + closing(close).events})
        return base
    if close:
        return closing(close, name=name, month=month)
    return Scenario(name=name or "baseline", horizon=Horizon(month=month))


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def _print_summary(summary: dict, crossings: pd.DataFrame) -> None:
    t = Table(title=f"borderflow — {summary['scenario']} ({summary['period_label']})")
    t.add_column("measure")
    t.add_column("value", justify="right")
    for key, label in (("status", "status"), ("objective_usd", "objective (USD)"),
                       ("transport_cost_usd", "transport cost (USD)"),
                       ("revenue_usd", "market revenue (USD)"),
                       ("lost_value_usd", "value not shipped (USD)"),
                       ("supply_t", "supply (t)"), ("shipped_t", "shipped (t)"),
                       ("unserved_t", "unserved (t)"), ("spoiled_t", "spoiled (t)"),
                       ("trucks", "trucks"), ("solve_seconds", "solve (s)")):
        v = summary[key]
        t.add_row(label, v if isinstance(v, str) else _fmt(v, 2 if key == "solve_seconds" else 1))
    out_console.print(t)
    busy = crossings.groupby(["crossing_id", "direction", "from_country", "to_country"],
                             as_index=False).agg(flow_trucks=("flow_trucks", "sum"),
                                                 capacity=("capacity_trucks_per_day", "sum"),
                                                 utilisation=("utilisation", "mean"),
                                                 dual=("dual_usd_per_truck", "mean"))
    busy = busy[busy["flow_trucks"] > 1e-6].sort_values("flow_trucks", ascending=False).head(15)
    days = crossings["period"].nunique()
    ct = Table(title="busiest crossings (trucks per day)" if days <= 1 else
               f"busiest crossings (trucks over {days} days; utilisation and USD per extra "
               "truck: daily means)")
    for col in ("crossing", "dir", "trucks", "capacity", "util.", "USD per extra truck"):
        ct.add_column(col, justify="left" if col in ("crossing", "dir") else "right")
    for r in busy.itertuples(index=False):
        ct.add_row(r.crossing_id, f"{r.from_country}→{r.to_country}", _fmt(r.flow_trucks),
                   _fmt(r.capacity, 0), f"{r.utilisation:.0%}", _fmt(r.dual, 2))
    out_console.print(ct)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress.")) -> None:
    """borderflow command line."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@app.command()
def solve(
    out: Path = typer.Option(Path("runs/base"), "--out", help="Run folder to write."),
    scenario_file: Optional[Path] = typer.Option(None, "--scenario", help="Scenario YAML."),
    close: list[str] = typer.Option([], "--close", help="Close a crossing (repeatable)."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    month: Optional[int] = MonthOpt, threads: int = ThreadsOpt,
    time_limit: float = TimeLimitOpt, as_json: bool = JsonOpt,
    must_deliver: list[str] = MustOpt,
    gis: bool = typer.Option(False, "--gis", help="Also write the flows as a GeoPackage "
                                                  "(<out>/<name>.gpkg; with disruptions, "
                                                  "deltas against the baseline)."),
    window_days: Optional[int] = typer.Option(
        None, "--window-days", min=1,
        help="Dated runs: solve in rolling windows committing this many days each (a year "
             "in 14-day windows: 1.5 min, 47 s with --overlap-days 4, instead of 8.5 min); "
             "default: the whole horizon at once."),
    overlap_days: Optional[int] = typer.Option(
        None, "--overlap-days", min=0,
        help="With --window-days: days each window looks further ahead (default: the longest "
             "a cargo may wait in a queue, 14 days on the embedded dataset; shorter is faster "
             "but myopic under disruptions)."),
) -> None:
    """Solve the optimal routing of a scenario (default: baseline on the embedded dataset).

    A scenario with disruptions is also solved without them (a warm re-solve of the same model)
    and the comparison is written and told in a few sentences. With `--window-days` a dated
    scenario is solved as a planner who sees the window and its look-ahead would route it
    (docs/performance.md).
    """
    try:
        tables = load_dataset(data, overlay or ())
        if scenario_file is not None:  # ids and dates against the data, with the file's lines
            load_scenarios(scenario_file, Catalog.of(tables))
        scenario = _scenario(tables, scenario_file, close, month, must_deliver)
        run = run_scenario(tables, scenario, _options(threads, time_limit,
                                                      window_days=window_days,
                                                      overlap_days=overlap_days))
        diff = base_results = None
        if has_disruptions(scenario):
            base_results = solve_counterfactual(run)
            diff = compare(base_results, run.results)
        report = verify_solved(run)
        write_run(out, run.results, run.metadata(scenario_file),
                  extra={**(diff or {}), REPORT_TABLE: report})
        if gis:
            from borderflow.gis import default_out, run_data, run_layers, write_layers
            write_layers(run_layers(run_data(run), base_results), default_out(out, "gpkg"))
    except (InputError, SolverError) as err:
        _fail(err)
        return
    lines = story(run.results, diff)
    if as_json:
        out_console.print_json(json.dumps({**run.results.summary, "story": lines}, default=str))
        _verification_outcome(report, out, quiet=True)
        return
    _print_summary(run.results.summary, run.results.crossings)
    for line in lines:
        out_console.print(f"• {line}", highlight=False)
    out_console.print(f"results written to [bold]{out}[/]")
    _verification_outcome(report, out)


def _verification_outcome(report: pd.DataFrame, out: Path, quiet: bool = False) -> None:
    """Say whether the solution passed the independent checks; exit 8 if it did not."""
    bad = report[~report["ok"]]
    if bad.empty:
        if not quiet:
            out_console.print(f"[green]verified[/]: {len(report):,} independent checks passed "
                              f"({out / (REPORT_TABLE + '.csv')})", highlight=False)
        return
    err_console.print(f"[bold red]verification failed:[/] {len(bad):,} of {len(report):,} "
                      f"checks; see {out / (REPORT_TABLE + '.csv')}", highlight=False)
    for r in bad.sort_values("amount", ascending=False, kind="stable").head(5).itertuples():
        err_console.print(f"  {r.check}: {escape(str(r.entity))} by {r.amount:.6g} {r.unit}",
                          highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_VIOLATIONS)


@app.command()
def reroute(
    close: list[str] = typer.Option(..., "--close", help="Crossing id to close (repeatable)."),
    out: Path = typer.Option(..., "--out", help="Run folder for the scenario."),
    baseline: Optional[Path] = typer.Option(None, "--baseline",
                                            help="Existing baseline run folder (default: "
                                                 "solve the baseline too)."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    month: Optional[int] = MonthOpt, threads: int = ThreadsOpt,
    time_limit: float = TimeLimitOpt, as_json: bool = JsonOpt,
    must_deliver: list[str] = MustOpt,
) -> None:
    """Close crossings and show what changes against the baseline: flows, cost, losses."""
    try:
        tables = load_dataset(data, overlay or ())
        options = _options(threads, time_limit)
        scen = run_scenario(tables, _scenario(tables, None, close, month, must_deliver),
                            options)
        if baseline is not None:
            base_results = read_run(baseline)
        else:
            base_results = solve_counterfactual(scen)
        diff = compare(base_results, scen.results)
        report = verify_solved(scen)
        write_run(out, scen.results, {**scen.metadata(), "baseline": str(baseline or "solved")},
                  extra={**diff, REPORT_TABLE: report})
    except (InputError, SolverError) as err:
        _fail(err)
        return
    if as_json:
        payload = {"scenario": scen.results.summary["scenario"], "closed": list(close),
                   **{k: v.to_dict(orient="records") for k, v in diff.items()}}
        out_console.print_json(json.dumps(payload, default=float))
        _verification_outcome(report, out, quiet=True)
        return
    _print_reroute(close, diff)
    for line in story(scen.results, diff):
        out_console.print(f"• {line}", highlight=False)
    out_console.print(f"results written to [bold]{out}[/]")
    _verification_outcome(report, out)


def _print_reroute(close: list[str], diff: dict[str, pd.DataFrame]) -> None:
    ct = Table(title=f"flow by crossing, trucks per day — closed: {', '.join(close)}")
    for col in ("crossing", "dir", "before", "after", "delta"):
        ct.add_column(col, justify="left" if col in ("crossing", "dir") else "right")
    for r in diff["crossing_changes"].itertuples(index=False):
        name = r.crossing_id + ("" if r.open_after else " (closed)")
        ct.add_row(name, f"{r.from_country}→{r.to_country}", _fmt(r.before_trucks),
                   _fmt(r.after_trucks), f"{r.delta_trucks:+,.1f}")
    out_console.print(ct)
    cost = Table(title="cost and losses")
    for col in ("measure", "before", "after", "delta"):
        cost.add_column(col, justify="left" if col == "measure" else "right")
    for r in diff["cost_changes"].itertuples(index=False):
        cost.add_row(r.measure, _fmt(r.before), _fmt(r.after), f"{r.delta:+,.1f}")
    out_console.print(cost)
    pt = Table(title="unserved and spoiled tonnes per product")
    for col in ("product", "unserved before", "unserved after", "spoiled before",
                "spoiled after"):
        pt.add_column(col, justify="left" if col == "product" else "right")
    for r in diff["product_changes"].itertuples(index=False):
        pt.add_row(r.product_id, _fmt(r.unserved_t_before), _fmt(r.unserved_t_after),
                   _fmt(r.spoiled_t_before), _fmt(r.spoiled_t_after))
    out_console.print(pt)


@app.command("robust")
def robust_cmd(
    close: list[str] = typer.Option(..., "--close", help="A crossing that may close "
                                                         "(repeatable): one scenario each."),
    probability: float = typer.Option(0.05, "--probability", min=0.0, max=1.0,
                                      help="Probability of each closure (the normal year "
                                           "gets the rest)."),
    out: Path = typer.Option(Path("runs/robust"), "--out", help="Folder to write."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    month: Optional[int] = MonthOpt, threads: int = ThreadsOpt,
    time_limit: float = TimeLimitOpt, as_json: bool = JsonOpt,
) -> None:
    """Book a routing plan that holds up when gates close; compare it with the baseline plan.

    Two-stage model: tonnes booked per route in advance, then in each scenario (the normal
    year, each crossing closed) the cheapest recourse, with a spot premium on unbooked flow and
    part of unused bookings paid (parameters spot_premium_factor, unused_booking_factor).
    """
    from borderflow.io import write_folder
    from borderflow.robust import closure_scenarios, robust_plan

    try:
        tables = load_dataset(data, overlay or ())
        _check_options(tables, close)
        scenarios, probabilities = closure_scenarios(close, probability, month)
        result = robust_plan(tables, scenarios, probabilities, _options(threads, time_limit))
        write_folder(out, result.tables(), {"summary.json": result.summary,
                                            "run.json": result.metadata})
    except (InputError, SolverError) as err:
        _fail(err)
        return
    if as_json:
        out_console.print_json(json.dumps({**result.summary, "scenarios_table": result.scenarios
                                           .to_dict(orient="records")}, default=float))
        return
    _print_robust(result)
    out_console.print(f"results written to [bold]{out}[/]")


def _print_robust(result) -> None:
    s = result.summary
    t = Table(title="robust plan vs the plan that assumed nothing closes (USD per day)")
    for col in ("scenario", "probability", "baseline plan", "robust plan", "regret"):
        t.add_column(col, justify="left" if col == "scenario" else "right")
    for r in result.scenarios.itertuples(index=False):
        t.add_row(r.scenario, f"{r.probability:.3f}", _fmt(r.cost_usd_baseline, 0),
                  _fmt(r.cost_usd_robust, 0), f"{r.regret_usd:+,.0f}")
    t.add_row("expected", "", _fmt(s["expected_cost_usd_baseline"], 0),
              _fmt(s["expected_cost_usd_robust"], 0), f"{s['value_of_robust_plan_usd']:+,.0f}")
    out_console.print(t)
    moved = result.plan_crossings[result.plan_crossings["delta_trucks_per_day"].abs() > 0.05]
    ct = Table(title="bookings that change (trucks per day)")
    for col in ("crossing", "dir", "baseline plan", "robust plan", "delta"):
        ct.add_column(col, justify="left" if col in ("crossing", "dir") else "right")
    for r in moved.itertuples(index=False):
        ct.add_row(r.crossing_id, r.direction, _fmt(r.baseline_trucks_per_day),
                   _fmt(r.robust_trucks_per_day), f"{r.delta_trucks_per_day:+,.1f}")
    out_console.print(ct)
    out_console.print(f"• planning for the closures saves USD {s['value_of_robust_plan_usd']:,.0f}"
                      " per day in expectation", highlight=False)


@app.command("sweep")
def sweep_cmd(
    scenario_file: Optional[Path] = typer.Argument(None, help="Scenario YAML: one scenario, "
                                                              "'scenarios:', 'grid:', "
                                                              "'investments:'."),
    out: Path = typer.Option(..., "--out", help="Sweep folder to write."),
    n_1: bool = typer.Option(False, "--n-1", help="Close every open crossing in turn "
                                                  "(instead of a scenario file)."),
    seasons: bool = typer.Option(False, "--seasons", help="With --n-1: one representative "
                                                          "day per month (months 1-12)."),
    invest: bool = typer.Option(False, "--invest", help="Value every proposed, closed or "
                                                        "upgraded crossing with vs without it "
                                                        "(a file's 'investments:' does too)."),
    invest_under: int = typer.Option(3, "--invest-under", min=0,
                                     help="With --n-1 --invest: value projects under the "
                                          "baseline and this many costliest closures."),
    workers: int = typer.Option(2, "--workers", min=1, help="Dask LocalCluster workers "
                                                            "(processes, 1 thread each)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of an existing "
                                                                      "Dask scheduler."),
    resume: bool = typer.Option(False, "--resume", help="Keep scenarios already solved in "
                                                        "--out."),
    only: list[str] = typer.Option([], "--only", help="Solve only this scenario and its "
                                                      "baseline (repeatable)."),
    cold: bool = typer.Option(False, "--cold", help="Build and solve a model per scenario "
                                                    "from scratch (slower; for comparison)."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    month: Optional[int] = MonthOpt, threads: int = ThreadsOpt,
    time_limit: float = TimeLimitOpt,
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar."),
    top: int = typer.Option(12, "--top", min=1, help="Rows shown per table."),
) -> None:
    """Solve many scenarios in parallel (Dask) and compare them: criticality, capacity, investments.

    One model per worker, warm re-solves. Writes a comparison with the baselines, the
    criticality of crossings, the value of capacity and the ranking of investments. Failed
    scenarios are reported and do not stop the sweep."""
    from borderflow.sweep import plan_file, plan_n_minus_1, run_sweep

    try:
        if (scenario_file is None) == (not n_1):
            raise InputError(Problem("sweep", None, None, "give a scenario file or --n-1 "
                                                          "(one of them)"))
        if month is not None and (scenario_file is not None or seasons):
            raise InputError(Problem("sweep", None, "--month", "--month goes with --n-1 (a "
                                     "file's scenarios set their own horizon; --seasons runs "
                                     "every month)"))
        options = _options(threads, time_limit)
        if n_1:
            plan = plan_n_minus_1(data=data, overlays=overlay or (), month=month,
                                  seasons=seasons, invest=invest, invest_top=invest_under,
                                  options=options)
        else:
            plan = plan_file(scenario_file, data=data, overlays=overlay or (), options=options,
                             invest=invest)
        t0 = time.perf_counter()
        result = run_sweep(plan, out, workers=workers, scheduler=scheduler, resume=resume,
                           warm=not cold, only=only or None, progress=progress)
    except (InputError, SolverError) as err:
        _fail(err)
        return
    out_console.print(f"{result.solved} solved, {result.failed} failed, {result.skipped} kept "
                      f"from before; {result.models_built} model(s) built; "
                      f"{time.perf_counter() - t0:,.1f} s", highlight=False)
    _print_sweep(result.tables, top)
    out_console.print(f"results written to [bold]{out}[/]")


def _rich_table(title: str, df: pd.DataFrame, columns: list[tuple[str, str, str]]) -> None:
    """Print ``df`` as a rich table; ``columns``: (column, header, format: ``usd``, ``t``,
    ``pct``, ``n`` or ``text``)."""
    if df.empty:
        return
    t = Table(title=title)
    for _, header, kind in columns:
        t.add_column(header, justify="left" if kind == "text" else "right")
    fmt = {"usd": lambda v: f"{v:+,.0f}", "t": lambda v: _fmt(v), "pct": lambda v: f"{v:.0%}",
           "n": lambda v: f"{v:,.0f}", "text": str}
    for row in df[[c for c, _, _ in columns]].itertuples(index=False):
        t.add_row(*("" if pd.isna(v) else escape(fmt[kind](v))
                    for v, (_, _, kind) in zip(row, columns)))
    out_console.print(t)


def _print_sweep(tables: dict[str, pd.DataFrame], top: int) -> None:
    comp = tables["comparison"]
    scen = comp[comp["role"] == "scenario"].sort_values("cost_increase_usd", ascending=False,
                                                          na_position="first", kind="stable")
    _rich_table("scenarios against their baseline (USD and t per run; failed first)",
                scen.head(top), [("scenario", "scenario", "text"), ("status", "status", "text"),
                                 ("cost_increase_usd", "cost +USD", "usd"),
                                 ("unserved_increase_t", "unserved +t", "t"),
                                 ("spoiled_increase_t", "spoiled +t", "t"),
                                 ("top_gaining_crossings", "flow went to (trucks)", "text")])
    failed = comp[comp["status"] != "optimal"]
    for r in failed.itertuples(index=False):
        err_console.print(f"[red]{r.status}[/]: {escape(r.scenario)} {escape(str(r.message))}",
                          highlight=False, soft_wrap=True)
    _rich_table("criticality: cost of losing each crossing", tables["criticality"].head(top),
                [("rank", "#", "n"), ("crossing_id", "crossing", "text"),
                 ("month", "month", "n"), ("closed_days", "days", "n"),
                 ("cost_increase_usd", "cost +USD", "usd"),
                 ("unserved_increase_t", "unserved +t", "t"),
                 ("baseline_flow_trucks", "trucks before", "t"),
                 ("top_gaining_crossings", "flow went to", "text")])
    by_month = tables["criticality_by_month"]
    if not by_month.empty:
        cols = [c for c in by_month.columns if c.startswith("m") and c.endswith("_usd")]
        _rich_table("criticality by month (cost +USD)", by_month.head(top),
                    [("crossing_id", "crossing", "text"), *[(c, c[1:3], "n") for c in cols]])
    value = tables["capacity_value"]
    value = value[value["value_usd_per_extra_truck_per_day"] > 1e-6]
    _rich_table("value of capacity: one more truck per day (USD)", value.head(top),
                [("baseline", "baseline", "text"), ("crossing_id", "crossing", "text"),
                 ("direction", "dir", "text"), ("utilisation", "util.", "pct"),
                 ("value_usd_per_extra_truck_per_day", "USD", "usd")])
    _rich_table("investment ranking: benefit with vs without (USD)",
                tables["investment_ranking"].head(top),
                [("rank", "#", "n"), ("project", "project", "text"), ("kind", "kind", "text"),
                 ("benefit_baseline_usd", "baseline", "usd"),
                 ("benefit_mean_usd", "mean", "usd"), ("benefit_max_usd", "max", "usd"),
                 ("worth_most_under", "worth most under", "text")])


@data_app.command("check")
def data_check(data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
               as_json: bool = JsonOpt) -> None:
    """Validate the dataset and summarise it (counts, published vs estimated numbers)."""
    from borderflow.data.summary import dataset_summary
    from borderflow.data.checks import validate_tables
    from borderflow.data.loaders import read_tables

    try:
        tables = read_tables(data, overlay or ())
        report = validate_tables(tables)
        report.raise_for_errors()
    except InputError as err:
        _fail(err)
        return
    summary = dataset_summary(tables)
    if as_json:
        out_console.print_json(json.dumps({**summary, "warnings": [str(w) for w in
                                                                   report.warnings]}))
        return
    for title, rows in summary.items():
        t = Table(title=title)
        t.add_column("")
        t.add_column("count", justify="right")
        for k, v in rows.items():
            t.add_row(str(k), str(v))
        out_console.print(t)
    for w in report.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(str(w))}", highlight=False,
                          soft_wrap=True)
    out_console.print(f"[green]dataset OK[/] ({len(report.warnings)} warning(s))")


RunDirArg = typer.Argument(..., help="Run folder (written by solve or reroute).")
RunDataOpt = typer.Option(None, "--data", help="Dataset of the run (default: from its run.json).")


@app.command("verify")
def verify_cmd(
    run_dir: Path = RunDirArg, data: Optional[Path] = RunDataOpt, as_json: bool = JsonOpt,
    show: int = typer.Option(20, "--show", min=0, help="Violations to list (largest first)."),
) -> None:
    """Re-check a run's solution from its result tables alone; exit 8 if any check fails.

    The code is independent of the model: conservation, supply, demand, capacity, closures,
    licences, shelf life, queues, objective. Exit 0 if every check passes, 8 if any fails."""
    from borderflow.verify import by_check, verify_run, violations

    try:
        report = verify_run(run_dir, data)
    except InputError as err:
        _fail(err)
        return
    bad = violations(report)
    if as_json:
        out_console.print_json(json.dumps({
            "run": str(run_dir), "verified": bad.empty, "checks": int(len(report)),
            "violations": int(len(bad)), "by_check": by_check(report).to_dict(orient="records"),
            "failed": bad.to_dict(orient="records")}, default=float))
    else:
        t = Table(title=f"independent verification of {run_dir}")
        for col in ("check", "entities", "violations", "worst amount", "unit"):
            t.add_column(col, justify="left" if col in ("check", "unit") else "right")
        for r in by_check(report).itertuples(index=False):
            style = "red" if r.violations else None
            t.add_row(r.check, f"{r.entities:,}", f"{r.violations:,}", f"{r.worst:.3g}", r.unit,
                      style=style)
        out_console.print(t)
        if len(bad):
            v = Table(title=f"violations (largest {min(show, len(bad))} of {len(bad):,})")
            for col in ("check", "entity", "amount", "unit", "tolerance"):
                v.add_column(col, justify="right" if col in ("amount", "tolerance") else "left")
            for r in bad.sort_values("amount", ascending=False, kind="stable").head(show) \
                    .itertuples(index=False):
                v.add_row(r.check, escape(str(r.entity)), f"{r.amount:.6g}", r.unit,
                          f"{r.tolerance:.2g}")
            out_console.print(v)
        verdict = ("[green]verified[/]: all" if bad.empty else "[bold red]not verified[/]:"
                   f" {len(bad):,} of")
        out_console.print(f"{verdict} {len(report):,} checks" + (" passed" if bad.empty else
                                                                  " failed"), highlight=False)
    if len(bad):
        raise typer.Exit(EXIT_VIOLATIONS)


@app.command("export")
def export_cmd(
    run_dir: Path = RunDirArg,
    fmt: str = typer.Option("gpkg", "--format", help="gpkg, geoparquet, geojson or shp."),
    out: Optional[Path] = typer.Option(None, "--out", help="GeoPackage file, or folder for the "
                                                          "other formats (default: inside the "
                                                          "run folder)."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Baseline run folder: "
                                                                     "adds deltas."),
    data: Optional[Path] = RunDataOpt,
) -> None:
    """Export a run's (or a sweep's) optimal flows as GIS layers, with a data dictionary.

    Layers: nodes, links, crossings, routes, origins, markets. A sweep folder gives one layer
    set with a `scenario` column (every scenario solved to optimality)."""
    from borderflow.gis import FORMATS, default_out, export_run, export_sweep
    from borderflow.sweep import solved_partitions

    if fmt not in FORMATS:
        err_console.print(f"[bold red]error:[/] unknown format '{escape(fmt)}'; choose "
                          f"{', '.join(FORMATS)}")
        raise typer.Exit(2)
    try:
        sweep_runs = solved_partitions(run_dir)
        if sweep_runs is not None:
            written = export_sweep(sweep_runs, out or default_out(run_dir, fmt), fmt, data=data)
        else:
            written = export_run(run_dir, out, fmt, baseline=baseline, data=data)
    except InputError as err:
        _fail(err)
        return
    for path in written:
        out_console.print(f"wrote [bold]{path}[/]", highlight=False)


@app.command("map")
def map_cmd(
    run_dir: Path = RunDirArg,
    out: Optional[Path] = typer.Option(None, "--out", help="Static map (PNG) to write."),
    html_out: Optional[Path] = typer.Option(None, "--html", help="Interactive map (HTML, "
                                                                 "self-contained) to write."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Baseline run folder: "
                                                                     "show what moved."),
    data: Optional[Path] = RunDataOpt,
) -> None:
    """Draw a run's optimal flows: a PNG for reports and/or an interactive HTML map."""
    from borderflow.gis import load_run
    from borderflow.maps import flow_map_html, flow_map_png

    if out is None and html_out is None:
        out = run_dir / "map.png"
    try:
        run = load_run(run_dir, data)
        base = read_run(baseline) if baseline is not None else None
    except InputError as err:
        _fail(err)
        return
    for path, draw in ((out, flow_map_png), (html_out, flow_map_html)):
        if path is not None:
            draw(run, path, baseline=base)
            out_console.print(f"wrote [bold]{path}[/]", highlight=False)


@data_app.command("map")
def data_map(out: Path = typer.Option(Path("network.png"), "--out", help="PNG to write."),
             data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt) -> None:
    """Draw the dataset's network: links by mode, crossings by status, over the borders."""
    from borderflow.maps import network_map_png
    from borderflow.model.network import build_network

    try:
        net = build_network(load_dataset(data, overlay or (), check_borders=False))
    except InputError as err:
        _fail(err)
        return
    network_map_png(net, out)
    out_console.print(f"wrote [bold]{out}[/]", highlight=False)


from borderflow.app.cli import register as _register_app  # noqa: E402  (borderflow app)

_register_app(app)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
