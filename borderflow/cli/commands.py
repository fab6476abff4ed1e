"""Command line: ``borderflow solve | reroute | robust | sweep | verify | export | map | data |
app``.

Each command parses its options, calls the public API (:mod:`borderflow.api`,
:func:`borderflow.sweep`, :func:`borderflow.robust_plan`, :mod:`borderflow.gis`) and prints
what it returned (:mod:`borderflow.cli.display`). Exit codes: 0 success; 2 bad input (file,
row and field named, nothing written); 3 solver error; 4 infeasible; 5 unbounded; 6 time or
iteration limit; 7 numerical trouble; 8 verification failed (``verify``; ``solve`` and
``reroute`` verify every solution, write it with ``verified: false`` and ``verification.csv``
naming each violation, and exit 8).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import socket
import time
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from borderflow import api
from borderflow.api import Result, read_result
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError, Problem
from borderflow.data.scenario import Horizon, Scenario
from borderflow.data.loaders import default_data_dir
from borderflow.data.scenario_checks import Catalog, overlapping_events, unknown_id
from borderflow.io import RUN_VOLATILE, scenario_of
from borderflow.options import RunOptions
from borderflow.runfolder import claim
from borderflow.solvers.highs import SolverError
from borderflow.verify import EXIT_VIOLATIONS, REPORT_TABLE

from . import display
from .display import err_console, out_console

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="markdown",
                  help="Route export freight across alternative land border crossings "
                       "(Vietnam, Laos, Thailand, China) with a Pyomo/HiGHS model.")
data_app = typer.Typer(no_args_is_help=True, rich_markup_mode="markdown",
                       help="Inspect and check the dataset.")
app.add_typer(data_app, name="data")

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
              must_deliver: list[str] = ()) -> Scenario:
    """The scenario of the command line: a file (checked against ``tables``, lines named),
    closures and delivery requirements (the options' ids checked against ``tables``).
    Events of the file that set the same gate's capacity on the same days are told (one
    warning line each)."""
    base = None
    if scenario_file is not None:
        base = Scenario.from_yaml(scenario_file, tables)
        for _, _, message in overlapping_events(base):
            err_console.print(f"[yellow]warning:[/] {escape(str(scenario_file))}: "
                              f"{escape(message)}", highlight=False, soft_wrap=True)
    _check_options(tables, close, must_deliver)
    if base is not None:
        base = base.with_closures(close)
    elif close:
        base = Scenario.closing(close, month=month)
    else:
        base = Scenario(name="baseline", horizon=Horizon(month=month))
    return base.with_must_deliver(must_deliver)


def _run_options(threads: int, time_limit: float, window_days: int | None = None,
                 overlap_days: int | None = None) -> RunOptions:
    """The solver and horizon options of the command line, each checked (one line naming the
    option): a time limit is a positive number of seconds, a look-ahead needs windows."""
    problems = []
    if not (math.isfinite(time_limit) and time_limit > 0):
        problems.append(Problem("command line", None, "--time-limit", "must be a positive "
                                f"number of seconds, got {time_limit:g}"))
    if overlap_days is not None and window_days is None:
        problems.append(Problem("command line", None, "--overlap-days", "goes with "
                                "--window-days (the look-ahead of each rolling window); give "
                                "--window-days too, or leave --overlap-days out"))
    if problems:
        raise InputError(problems)
    return RunOptions.of(threads=threads, time_limit_s=time_limit, window_days=window_days,
                         overlap_days=overlap_days)


def _inputs(data: Path | None, overlay: list[Path] | None,
            *files: tuple[str, Path | None]) -> list[tuple[str, Path | None]]:
    """The paths a command reads, as (option, path) pairs: ``--out`` may not be, hold or be
    inside any of them (:func:`borderflow.runfolder.check_target`)."""
    return [("--data", data if data is not None else default_data_dir()),
            *(("--overlay", o) for o in overlay or ()), *files]


def _same_horizon(scenario: Scenario, base: Result, baseline: Path) -> None:
    """A baseline run folder is comparable only if it was solved on the same horizon (the
    same month, or the same dated days): refuse it otherwise, naming both."""
    recorded = base.scenario or scenario_of(base.metadata)
    theirs = recorded.horizon if recorded is not None else None
    mine = scenario.horizon

    def said(h) -> str:
        if h is None:
            return "an unknown horizon"
        if h.start is not None:
            return f"{h.days} day(s) from {h.start}"
        return f"month {h.month}" if h.month else "the annual average"

    if theirs is None or (theirs.start, theirs.days, theirs.month) != (mine.start, mine.days,
                                                                       mine.month):
        raise InputError(Problem("command line", None, "--baseline", f"{baseline} was solved "
                                 f"for {said(theirs)}, this run is for {said(mine)}: the "
                                 "comparison would not be like for like; solve the baseline "
                                 "with the same --month (or leave --baseline out)"))


def _wrote(paths) -> None:
    for path in paths:
        out_console.print(f"wrote [bold]{path}[/]", highlight=False)


def _gis_into(res: Result, out: Path):
    """A writer of the run's GeoPackage (``<out>/<name>.gpkg``) into the new run folder before
    it is swapped in: it is covered by the manifest and appears with the run, or not at all."""
    from borderflow.gis import default_out

    def write(tmp: Path) -> None:
        res.export(tmp / default_out(out, "gpkg").relative_to(out))
    return write


def _finish(res: Result, out: Path, as_json: bool) -> None:
    """Print where the run went and whether it verified; exit 8 if it did not."""
    if not as_json:
        out_console.print(f"results written to [bold]{out}[/]")
    passed = display.print_verification_outcome(res.verification,
                                                out / (REPORT_TABLE + ".csv"), quiet=as_json)
    if not passed:
        raise typer.Exit(EXIT_VIOLATIONS)


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
    try:  # inputs, scenario and options first; then --out is claimed; then the model solved
        tables = load_dataset(data, overlay or ())
        scenario = _scenario(tables, scenario_file, close, month, must_deliver)
        options = _run_options(threads, time_limit, window_days, overlap_days)
        with claim(out, "run", protected=_inputs(data, overlay, ("--scenario", scenario_file)),
                   volatile=RUN_VOLATILE) as target:
            res = api.solve(tables, scenario, options)
            res.write(target, also=_gis_into(res, out) if gis else None)
    except (InputError, SolverError) as err:
        _fail(err)
        return
    if as_json:
        out_console.print_json(json.dumps({**res.summary, "story": res.story}, default=str))
    else:
        display.print_summary(res.summary, res.tables["crossings"])
        for line in res.story:
            out_console.print(f"• {line}", highlight=False)
    _finish(res, out, as_json)


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
        scenario = _scenario(tables, None, close, month, must_deliver)
        options = _run_options(threads, time_limit)
        base = read_result(baseline) if baseline is not None else None
        if base is not None:
            _same_horizon(scenario, base, baseline)
        with claim(out, "run", protected=_inputs(data, overlay, ("--baseline", baseline)),
                   volatile=RUN_VOLATILE) as target:
            res = api.solve(tables, scenario, options, baseline=base)
            res = res.with_metadata(baseline=str(baseline or "solved"))
            res.write(target)
    except (InputError, SolverError) as err:
        _fail(err)
        return
    if as_json:
        payload = {"scenario": res.summary["scenario"], "closed": list(close),
                   **{k: v.to_dict(orient="records") for k, v in res.comparison.items()}}
        out_console.print_json(json.dumps(payload, default=float))
    else:
        display.print_reroute(close, res.comparison)
        for line in res.story:
            out_console.print(f"• {line}", highlight=False)
    _finish(res, out, as_json)


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
    from borderflow.robust import closure_scenarios, robust_plan

    try:
        tables = load_dataset(data, overlay or ())
        _check_options(tables, close)
        scenarios, probabilities = closure_scenarios(close, probability, month)
        options = _run_options(threads, time_limit)
        with claim(out, "run", protected=_inputs(data, overlay),
                   volatile=RUN_VOLATILE) as target:
            result = robust_plan(tables, scenarios, probabilities, options)
            result.write(target)
    except (InputError, SolverError) as err:
        _fail(err)
        return
    if as_json:
        out_console.print_json(json.dumps({**result.summary, "scenarios_table": result.scenarios
                                           .to_dict(orient="records")}, default=float))
        return
    display.print_robust(result)
    out_console.print(f"results written to [bold]{out}[/]")


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
    from borderflow.sweeps import plan_sweep, run_sweep

    try:
        if (scenario_file is None) == (not n_1):
            raise InputError(Problem("sweep", None, None, "give a scenario file or --n-1 "
                                                          "(one of them)"))
        if month is not None and (scenario_file is not None or seasons):
            raise InputError(Problem("sweep", None, "--month", "--month goes with --n-1 (a "
                                     "file's scenarios set their own horizon; --seasons runs "
                                     "every month)"))
        options = _run_options(threads, time_limit)
        plan = plan_sweep(scenario_file, n_minus_1=n_1, month=month, seasons=seasons,
                          invest=invest, invest_top=invest_under, data=data,
                          overlays=overlay or (), options=options)
        t0 = time.perf_counter()
        with display.SweepProgress(progress) as bar:
            result = run_sweep(plan, out, workers=workers, scheduler=scheduler, resume=resume,
                               warm=not cold, only=only or None, on_progress=bar)
    except (InputError, SolverError) as err:
        _fail(err)
        return
    out_console.print(f"{result.solved} solved, {result.failed} failed, {result.skipped} kept "
                      f"from before; {result.models_built} model(s) built; "
                      f"{time.perf_counter() - t0:,.1f} s", highlight=False)
    display.print_sweep(result.tables, top)
    out_console.print(f"results written to [bold]{out}[/]")


@data_app.command("check")
def data_check(data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
               as_json: bool = JsonOpt) -> None:
    """Validate the dataset and summarise it (counts, published vs estimated numbers)."""
    from borderflow.data.checks import validate_tables
    from borderflow.data.loaders import read_tables
    from borderflow.data.summary import dataset_summary

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
    display.print_dataset_summary(summary, report.warnings)


RunDirArg = typer.Argument(..., help="Run folder (written by solve or reroute).")
RunDataOpt = typer.Option(None, "--data", help="Dataset of the run (default: from its run.json).")


@app.command("verify")
def verify_cmd(
    run_dir: Path = RunDirArg, data: Optional[Path] = RunDataOpt, as_json: bool = JsonOpt,
    show: int = typer.Option(20, "--show", min=0, help="Violations to list (largest first)."),
) -> None:
    """Re-check a run's solution from its result tables alone; exit 8 if any check fails.

    The code is independent of the model: conservation, supply, demand, capacity, closures,
    licences, shelf life, queues, duals, objective, every derived table; and the folder's
    files against the checksum manifest written with it (CSV against parquet too). `--json`
    says for each column whether it is re-derived or covered by the checksums. Exit 0 if every
    check passes, 8 if any fails."""
    from borderflow.verify import by_check, coverage, verify_run, violations

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
            "failed": bad.to_dict(orient="records"), "coverage": coverage(run_dir)},
            default=float))
    else:
        display.print_verification(run_dir, report, bad, by_check(report), show)
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
    from borderflow.gis import FORMATS, export_folder

    if fmt not in FORMATS:
        err_console.print(f"[bold red]error:[/] unknown format '{escape(fmt)}'; choose "
                          f"{', '.join(FORMATS)}")
        raise typer.Exit(2)
    try:
        written = export_folder(run_dir, out, fmt, baseline=baseline, data=data)
    except InputError as err:
        _fail(err)
        return
    _wrote(written)


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
    if out is None and html_out is None:
        out = run_dir / "map.png"
    try:
        res = read_result(run_dir, data)
        base = read_result(baseline) if baseline is not None else None
        written = res.map(png=out, html=html_out, baseline=base)
    except InputError as err:
        _fail(err)
        return
    _wrote(written)


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
    _wrote([network_map_png(net, out)])


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


RunsOpt = typer.Option(Path("runs"), "--runs", help="Runs folder: the app reads and writes "
                                                    "only inside it.")
HostOpt = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this "
                                                   "machine only).")
PortOpt = typer.Option(8050, "--port", min=1, max=65535, help="Port.")
AppWorkersOpt = typer.Option(1, "--workers", min=1, help="Worker processes solving runs (one "
                                                         "run each at a time).")
AppBaselineOpt = typer.Option(True, "--baseline/--no-baseline", help="Solve the reference "
                              "baseline at start if the runs folder has none.")


@app.command("app")
def app_cmd(runs: Path = RunsOpt, host: str = HostOpt, port: int = PortOpt,
            data: Path | None = DataOpt, overlay: list[Path] | None = OverlayOpt,
            workers: int = AppWorkersOpt, baseline: bool = AppBaselineOpt) -> None:
    """Serve the analyst's workbench in the browser (http://127.0.0.1:8050): the network on a
    map, a what-if builder, a run queue, results, sweeps, comparisons and downloads. Works
    offline. Runs are written to the runs folder as `borderflow solve --gis` writes them
    (docs/app.md)."""
    if runs.is_symlink() or (runs.exists() and not runs.is_dir()):
        _fail(InputError(Problem("command line", None, "--runs", f"{runs}: must be a folder, "
                                 "not a file or a symbolic link")))
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        _fail(InputError(Problem("command line", None, "--port", f"cannot listen on "
                                 f"{host}:{port} ({exc.strerror or exc})")))
    import uvicorn  # the web stack only when the app runs

    from borderflow.app.server import Workbench, create_app

    try:
        bench = Workbench(runs, data, overlay or (), workers=workers, baseline=baseline)
    except InputError as err:
        _fail(err)
        return
    if not _is_loopback(host):
        err_console.print(f"[yellow]warning:[/] listening on {escape(host)}: anyone who "
                          "reaches this machine can run scenarios and read the runs folder",
                          highlight=False)
    shown = f"[{host}]" if ":" in host else host
    out_console.print(f"borderflow workbench on [bold]http://{shown}:{port}[/] (runs folder "
                      f"{escape(str(bench.root))}; Ctrl+C stops it)", highlight=False)
    try:
        uvicorn.run(create_app(bench), host=host, port=port, log_level="warning")
    finally:
        bench.queue.close()
