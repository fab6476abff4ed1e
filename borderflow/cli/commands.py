"""Command line: ``borderflow solve | reroute | robust | sweep | verify | export | map | report |
data | app | calibrate`` (``calibrate`` lives in :mod:`borderflow.cli.calibrate`).

Each command parses its options, calls the public API (:mod:`borderflow.api`,
:func:`borderflow.sweep`, :func:`borderflow.robust_plan`, :mod:`borderflow.gis`) and prints
what it returned (:mod:`borderflow.cli.display`, tables built by :mod:`borderflow.present.views`)
or, with ``--json``, one envelope (:mod:`borderflow.cli.outputs`). Long work shows its progress
(:mod:`borderflow.cli.progress`). Exit codes: 0 success; 2 bad input (file, row and field
named, nothing written); 3 solver error; 4 infeasible; 5 unbounded; 6 time or iteration limit;
7 numerical trouble; 8 verification failed (``verify``; ``solve`` and ``reroute`` verify every
solution, write it with ``verified: false`` and ``verification.csv`` naming each violation, and
exit 8).

Only typer and rich are imported here: the model, pandas and the GIS stack are imported by the
command that needs them, so ``borderflow --help`` starts fast.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from . import calibrate as _calibrate_module
from . import display
from . import progress as prog
from .typer_app import App, Group

app = App(cls=Group, add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
              help="Route export freight across alternative land border crossings "
                   "(Vietnam, Laos, Thailand, China) with a Pyomo/HiGHS model.")
data_app = App(cls=Group, no_args_is_help=True, rich_markup_mode="rich",
               help="Inspect and check the dataset.")
app.add_typer(data_app, name="data")

DataOpt = typer.Option(None, "--data", metavar="DIR",
                       help="Dataset folder (default: the embedded dataset).")
OverlayOpt = typer.Option(None, "--overlay", metavar="DIR",
                          help="Folder of rows that add to or replace the "
                                                  "dataset's rows (repeatable).")
MonthOpt = typer.Option(None, "--month", min=1, max=12,
                        help="Static run for a representative day of this month (default: "
                             "annual average).")
ThreadsOpt = typer.Option(1, "--threads", min=1, help="HiGHS threads.")
TimeLimitOpt = typer.Option(600.0, "--time-limit", help="Solver time limit, seconds.")
PricingRoundsOpt = typer.Option(
    20, "--pricing-rounds", min=0,
    help="Static runs: most rounds of column generation that add routes (docs/"
         "certified-routing.md); the run is certified optimal over every route when pricing "
         "finds none left. 0: optimal over the enumerated routes only, said so with a gap "
         "bound.")
JsonOpt = typer.Option(False, "--json", metavar="", help="Print one JSON object (schema: "
                                             "docs/schema/borderflow-output.schema.json) "
                                             "instead of tables.")
WindowDaysOpt = typer.Option(
    None, "--window-days", min=1,
    help="Dated runs: rolling windows committing this many days each; alone: the windows are "
         "the answer, an approximation with limited foresight (docs/performance.md); with "
         "--method exact-windows: the start of the exact solve.")
OverlapDaysOpt = typer.Option(
    None, "--overlap-days", min=0,
    help="With --window-days: days each window looks further ahead (default: the longest a "
         "cargo may wait in a queue, 14 days on the embedded dataset; 4 with --method "
         "exact-windows; shorter is faster but myopic under disruptions).")
MethodOpt = typer.Option(
    "auto", "--method",
    help="Dated runs: 'lp' (one LP, interior point), 'exact-windows' (rolling windows, then "
         "the whole LP by crossover and the primal simplex: the same optimum, linear in "
         "days), 'windows' (rolling windows only: an approximation), 'auto' (exact-windows "
         "from 30 days on, lp below; windows if --window-days is given).")
DispatchOpt = typer.Option(
    "foresight", "--dispatch",
    help="Dated runs: 'foresight' (one LP that knows the whole calendar from day 0: the "
         "optimum) or 'realistic' (re-planned each day with the events announced by then, "
         "their 'announced' dates: a policy simulation, reported beside the foresight bound "
         "with the value of foresight; docs/dynamics.md).")
MustOpt = typer.Option([], "--must-deliver", metavar="PRODUCT",
                       help="Product id that must be delivered in full "
                                                  "(a hard constraint; repeatable). If it "
                                                  "cannot be, the run stops with exit 4 and says "
                                                  "why.")


def _outcomes() -> tuple[type[Exception], ...]:
    """The errors that are outcomes, not bugs: ``InputError``, and ``SolverError`` once the
    solver module is loaded (nothing else raises it). Catching them does not import HiGHS,
    Pyomo and scipy, so commands that never solve (``data list``, ``verify``) start fast."""
    import sys

    from borderflow.data.errors import InputError

    solver = sys.modules.get("borderflow.solvers.highs")
    return (InputError,) if solver is None else (InputError, solver.SolverError)


def _fail(err: Exception, command: str = "", as_json: bool = False) -> None:
    """Report an input or solver error (its line, or its envelope with ``--json``) and exit
    with its code; re-raise anything else (a bug is not an outcome)."""
    from borderflow.data.errors import InputError

    if not isinstance(err, _outcomes()):
        raise err
    if as_json:
        from borderflow.cli.outputs import failure

        display.emit_json(failure(command, err))
    if isinstance(err, InputError):
        display.error(str(err))
        raise typer.Exit(2)
    display.error(f"{err} (termination: {err.summary.termination})", "solver")
    raise typer.Exit(err.exit_code)


@contextmanager
def _working(command: str, as_json: bool = False):
    """Run a command's work with its progress display; input and solver errors end it with
    their message (or envelope) and exit code."""
    try:
        with prog.Progress(command) as progress:
            yield progress
    except Exception as err:  # noqa: BLE001 - _fail re-raises what is not an outcome
        _fail(err, command, as_json)


def _check_options(tables, close: list[str], must_deliver: list[str] = (),
                   groups: dict | None = None) -> None:
    """Crossings of ``--close`` and products of ``--must-deliver`` exist in the dataset: the
    message names the option, with the closest id as a hint. With ``groups`` (a scenario
    file's), ``--close`` also takes closure groups: those and the dataset's built-in ones."""
    from borderflow.data.errors import InputError, Problem
    from borderflow.data.scenario_checks import Catalog, unknown_id

    catalog = Catalog.of(tables)
    if groups is not None:
        known = {**catalog.crossings, **catalog.groups, **groups}
        asked = [("--close", "crossing", c, known) for c in close]  # the hint may be a group
    else:
        asked = [("--close", "crossing", c, catalog.crossings) for c in close]
    asked += [("--must-deliver", "product", p, catalog.products) for p in must_deliver]
    problems = [Problem("command line", None, option, hit[2]) for option, kind, name, known
                in asked if (hit := unknown_id((), kind, name, known)) is not None]
    if problems:
        raise InputError(problems)


def _scenario(tables, scenario_file: Optional[Path], close: list[str], month: Optional[int],
              must_deliver: list[str] = ()):
    """The scenario of the command line: a file (checked against ``tables``, lines named),
    closures (crossings or closure groups: the dataset's and the file's) and delivery
    requirements (the options' ids checked against ``tables``). Events of the file that set
    the same gate's capacity on the same days are told (one warning line each)."""
    from borderflow.data.closure_groups import builtin_groups, expand
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.data.scenario_checks import overlapping_events
    from borderflow.data.scenario_files import load_scenario_file

    base, groups = None, {}
    if scenario_file is not None:
        base = Scenario.from_yaml(scenario_file, tables)
        groups = dict(load_scenario_file(scenario_file).spec.groups)
        for _, _, message in overlapping_events(base):
            display.warn(f"{scenario_file}: {message}")
    _check_options(tables, close, must_deliver, groups)
    close = expand(close, {**builtin_groups(tables), **groups})
    if base is not None:
        base = base.with_closures(close)
    elif close:
        base = Scenario.closing(close, month=month)
    else:
        base = Scenario(name="baseline", horizon=Horizon(month=month))
    return base.with_must_deliver(must_deliver)


def _run_options(threads: int, time_limit: float, window_days: int | None = None,
                 overlap_days: int | None = None, pricing_rounds: int = 20,
                 method: str = "auto"):
    """The solver and horizon options of the command line (a
    :class:`~borderflow.options.RunOptions`), each checked (one line naming the option): a
    time limit is a positive number of seconds, a look-ahead needs windows, a method is one
    of :data:`~borderflow.options.DATED_METHODS` and ``lp`` takes no windows."""
    import math

    from borderflow.data.errors import InputError, Problem
    from borderflow.options import DATED_METHODS, RunOptions

    problems = []
    if method not in DATED_METHODS:
        problems.append(Problem("command line", None, "--method", f"must be one of "
                                f"{', '.join(DATED_METHODS)}, got {method!r}"))
    elif method == "lp" and window_days is not None:
        problems.append(Problem("command line", None, "--window-days", "does not go with "
                                "--method lp (one LP for the whole horizon); leave one out"))
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
                         overlap_days=overlap_days, pricing_rounds=pricing_rounds,
                         method=method)


def _dispatch_options(options, scenario, dispatch: str):
    """``options`` with ``--dispatch``, checked against the scenario
    (one line naming the option): a known mode, realistic only on a dated horizon."""
    from dataclasses import replace

    from borderflow.data.errors import InputError, Problem
    from borderflow.model.information import DISPATCH_MODES

    if dispatch not in DISPATCH_MODES:
        raise InputError(Problem("command line", None, "--dispatch", f"must be one of "
                                 f"{', '.join(DISPATCH_MODES)}, got {dispatch!r}"))
    if dispatch == "realistic" and scenario.horizon.start is None:
        raise InputError(Problem("command line", None, "--dispatch", "realistic dispatch needs "
                                 "a dated scenario (horizon.start): a static run has no days "
                                 "on which events are announced"))
    return replace(options, dispatch=dispatch)


def _inputs(data: Path | None, overlay: list[Path] | None,
            *files: tuple[str, Path | None]) -> list[tuple[str, Path | None]]:
    """The paths a command reads, as (option, path) pairs: ``--out`` may not be, hold or be
    inside any of them (:func:`borderflow.runfolder.check_target`)."""
    from borderflow.data.loaders import default_data_dir

    return [("--data", data if data is not None else default_data_dir()),
            *(("--overlay", o) for o in overlay or ()), *files]


def _same_horizon(scenario, base, baseline: Path) -> None:
    """A baseline run folder is comparable only if it was solved on the same horizon (the
    same month, or the same dated days): refuse it otherwise, naming both."""
    from borderflow.data.errors import InputError, Problem
    from borderflow.io import scenario_of

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


def _claim(out: Path, protected):
    """Claim ``--out`` as a run folder (:func:`borderflow.runfolder.claim`): refused, exit 2,
    if it is anything borderflow did not write, or one of the command's inputs."""
    from borderflow.io import RUN_VOLATILE
    from borderflow.runfolder import claim

    return claim(out, "run", protected=protected, volatile=RUN_VOLATILE)


def _gis_into(res, out: Path, progress, written: list):
    """A writer of the run's GeoPackage (``<out>/<name>.gpkg``) into the new run folder before
    it is swapped in: it is covered by the manifest and appears with the run, or not at all.
    ``written`` gets the GeoPackage's final path."""
    from borderflow.gis import default_out

    final = default_out(out, "gpkg")

    def write(tmp: Path) -> None:
        progress("export", None, None, "writing the GeoPackage")
        res.export(tmp / final.relative_to(out))
        written.append(final)
    return write


def _load(progress, data, overlay, check_borders: bool = True):
    from borderflow.data.dataset import load_dataset

    return load_dataset(data, overlay or (), check_borders=check_borders,
                        on_progress=progress)


def _run_output(command: str, res, out: Path, as_json: bool, extra=(), **summary) -> None:
    """Print a solved run (tables and story, or its envelope) and exit 8 if it did not
    verify."""
    from borderflow.cli import outputs
    from borderflow.verify import EXIT_VIOLATIONS, REPORT_TABLE

    _, horizon, views = outputs.run_parts(res)
    passed = not (~res.verification["ok"].astype(bool)).any()
    if as_json:
        display.emit_json(outputs.run_envelope(command, res, out, views, horizon,
                                               extra=extra, **summary))
    else:
        display.print_views(views)
        display.story(res.story)
        display.say(f"results written to {out}")
        display.verification_outcome(res.verification, out / (REPORT_TABLE + ".csv"))
    if not passed:
        if as_json:
            display.verification_outcome(res.verification, out / (REPORT_TABLE + ".csv"))
        raise typer.Exit(EXIT_VIOLATIONS)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", metavar="",
                                      help="Log every stage with its time (stderr)."),
         quiet: bool = typer.Option(False, "--quiet", "-q", metavar="",
                                    help="Print errors only (--json still prints its "
                                         "object).")) -> None:
    """borderflow command line."""
    prog.set_level(verbose, quiet)


@app.command()
def solve(
    out: Path = typer.Option(Path("runs/base"), "--out", help="Run folder to write."),
    scenario_file: Optional[Path] = typer.Option(None, "--scenario", metavar="FILE",
                                                 help="Scenario YAML."),
    close: list[str] = typer.Option([], "--close", metavar="CROSSING|GROUP",
                                    help="Close a crossing, or a closure group (border-cn-vn, "
                                         "country-la, or a group of the --scenario file); "
                                         "repeatable."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    month: Optional[int] = MonthOpt, threads: int = ThreadsOpt,
    time_limit: float = TimeLimitOpt, as_json: bool = JsonOpt,
    must_deliver: list[str] = MustOpt, pricing_rounds: int = PricingRoundsOpt,
    gis: bool = typer.Option(False, "--gis", metavar="",
                             help="Also write the flows as a GeoPackage, "
                                                  "OUT/NAME.gpkg (NAME: the run folder's name; "
                                                  "with disruptions, deltas against the "
                                                  "baseline)."),
    window_days: Optional[int] = WindowDaysOpt,
    overlap_days: Optional[int] = OverlapDaysOpt,
    method: str = MethodOpt,
    samples: int = typer.Option(0, "--samples", help="Also solve the scenario under this many "
                                "samples of the dataset's ranges: P10-P90 bands in "
                                "summary.json, the story and the maps (0: none)."),
    seed: int = typer.Option(0, "--seed", help="With --samples: seed of the design."),
    dispatch: str = DispatchOpt,
) -> None:
    """Solve the optimal routing of a scenario (default: baseline on the embedded dataset).

    A scenario with disruptions is also solved without them (a warm re-solve of the same model)
    and the comparison is written and told in a few sentences. A dated scenario of 30 days
    or more is solved exactly through rolling windows (--method); with --window-days alone it
    is solved as a planner who sees the window and its look-ahead would route it, an
    approximation (docs/performance.md).
    """
    written = []
    with _working("solve", as_json) as progress:
        from borderflow import api

        # inputs, scenario and options first; then --out is claimed; then the model solved
        tables = _load(progress, data, overlay)
        scenario = _scenario(tables, scenario_file, close, month, must_deliver)
        options = _run_options(threads, time_limit, window_days, overlap_days, pricing_rounds,
                               method)
        if samples and dispatch == "realistic":
            from borderflow.data.errors import InputError, Problem

            raise InputError(Problem("command line", None, "--samples", "bands are sampled "
                                     "around the optimum; a realistic dispatch is a policy "
                                     "simulation: use --dispatch foresight with --samples"))
        if samples:
            from borderflow.uncertainty.run import check_request, sample_space

            check_request(samples, "lhs", seed, "none", "warm", 0, 10)
            sample_space(tables, scenario)  # ranges refused before --out
        elif seed:
            from borderflow.data.errors import InputError, Problem

            raise InputError(Problem("command line", None, "--seed", "goes with --samples"))
        options = _dispatch_options(options, scenario, dispatch)
        with _claim(out, _inputs(data, overlay, ("--scenario", scenario_file))) as target:
            res = api.solve(tables, scenario, options, progress)
            if samples:
                from borderflow.uncertainty.run_bands import attach_bands

                attach_bands(res, tables, scenario, options, samples, seed, progress)
            res.write(target, progress,
                      also=_gis_into(res, out, progress, written) if gis else None)
    _run_output("solve", res, out, as_json, extra=[("geopackage", p) for p in written])
    if not as_json:
        display.wrote(written)


@app.command()
def reroute(
    close: list[str] = typer.Option(..., "--close", metavar="CROSSING|GROUP",
                                    help="Crossing id or closure group (border-cn-vn, "
                                         "country-la) to close (repeatable)."),
    out: Path = typer.Option(..., "--out", help="Run folder for the scenario."),
    baseline: Optional[Path] = typer.Option(None, "--baseline",
                                            help="Existing baseline run folder (default: "
                                                 "solve the baseline too)."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    month: Optional[int] = MonthOpt, threads: int = ThreadsOpt,
    time_limit: float = TimeLimitOpt, as_json: bool = JsonOpt,
    must_deliver: list[str] = MustOpt, pricing_rounds: int = PricingRoundsOpt,
) -> None:
    """Close crossings and show what changes against the baseline: flows, cost, losses."""
    with _working("reroute", as_json) as progress:
        from borderflow import api
        from borderflow.api import read_result

        tables = _load(progress, data, overlay)
        scenario = _scenario(tables, None, close, month, must_deliver)
        options = _run_options(threads, time_limit, pricing_rounds=pricing_rounds)
        base = read_result(baseline) if baseline is not None else None
        if base is not None:
            _same_horizon(scenario, base, baseline)
        with _claim(out, _inputs(data, overlay, ("--baseline", baseline))) as target:
            res = api.solve(tables, scenario, options, progress, baseline=base)
            res = res.with_metadata(baseline=str(baseline or "solved"))
            res.write(target, progress)
    _run_output("reroute", res, out, as_json, closed=list(close))


@app.command("robust")
def robust_cmd(
    close: list[str] = typer.Option(..., "--close", metavar="CROSSING",
                                    help="A crossing that may close "
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
    with _working("robust", as_json) as progress:
        from borderflow.robust import closure_scenarios, robust_plan

        tables = _load(progress, data, overlay)
        _check_options(tables, close)
        scenarios, probabilities = closure_scenarios(close, probability, month)
        options = _run_options(threads, time_limit)
        with _claim(out, _inputs(data, overlay)) as target:
            result = robust_plan(tables, scenarios, probabilities, options,
                                 on_progress=progress)
            progress("write", None, None, f"writing {out}")
            result.write(target)
    from borderflow.cli import outputs

    views, story = outputs.robust_parts(result, tables)
    if as_json:
        display.emit_json(outputs.robust_envelope(result, out, views, story))
        return
    display.print_views(views)
    display.story(story)
    display.say(f"results written to {out}")


@app.command("sweep")
def sweep_cmd(
    scenario_file: Optional[Path] = typer.Argument(None, metavar="FILE",
                                                   help="Scenario YAML: one scenario, "
                                                        "'scenarios:', 'grid:', "
                                                        "'investments:'."),
    out: Path = typer.Option(..., "--out", help="Sweep folder to write."),
    n_1: bool = typer.Option(False, "--n-1", metavar="", help="Close every open crossing in turn "
                                                  "(instead of a scenario file)."),
    n_2: bool = typer.Option(False, "--n-2", metavar="", help="Close every pair of open "
                                                              "crossings (with --worst: find "
                                                              "the costliest pairs only)."),
    n_k: Optional[int] = typer.Option(None, "--n-k", metavar="K",
                                      help="Close every set of K crossings (--n-2 is --n-k 2)."),
    worst: Optional[int] = typer.Option(None, "--worst", metavar="K",
                                        help="With --n-2/--n-k: the K costliest sets by a "
                                             "guided search that solves only the sets that "
                                             "can be among them (docs/n-k.md)."),
    among: list[str] = typer.Option([], "--among", metavar="CROSSING|GROUP",
                                    help="With --n-2/--n-k: combine only these crossings "
                                         "(ids or closure groups; repeatable)."),
    seasons: bool = typer.Option(False, "--seasons", metavar="",
                                 help="With --n-1: one representative "
                                                          "day per month (months 1-12)."),
    invest: bool = typer.Option(False, "--invest", metavar="",
                                help="Value every proposed, closed or "
                                                        "upgraded crossing with vs without it "
                                                        "(a file's 'investments:' does too)."),
    invest_under: int = typer.Option(3, "--invest-under", min=0,
                                     help="With --n-1 --invest: value projects under the "
                                          "baseline and this many costliest closures."),
    workers: int = typer.Option(2, "--workers", min=1, help="Dask LocalCluster workers "
                                                            "(processes, 1 thread each)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of an existing "
                                                                      "Dask scheduler."),
    resume: bool = typer.Option(False, "--resume", metavar="",
                                help="Keep scenarios already solved in "
                                                        "--out."),
    only: list[str] = typer.Option([], "--only", metavar="SCENARIO",
                                   help="Solve only this scenario and its "
                                                      "baseline (repeatable)."),
    cold: bool = typer.Option(False, "--cold", metavar="",
                              help="Build and solve a model per scenario "
                                                    "from scratch (slower; for comparison)."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    month: Optional[int] = MonthOpt, threads: int = ThreadsOpt,
    time_limit: float = TimeLimitOpt,
    progress_bar: bool = typer.Option(True, "--progress/--no-progress", metavar="",
                                      help="Progress bar."),
    top: int = typer.Option(12, "--top", min=1, help="Rows shown per table."),
    as_json: bool = JsonOpt,
    window_days: Optional[int] = WindowDaysOpt,
    overlap_days: Optional[int] = OverlapDaysOpt,
    method: str = MethodOpt, pricing_rounds: int = PricingRoundsOpt,
    samples: int = typer.Option(0, "--samples", help="Also solve every scenario under this "
                                "many samples of the dataset's ranges: P10/P50/P90 of each "
                                "cost increase, P(top-k criticality), P(benefit > 0)."),
    seed: int = typer.Option(0, "--seed", help="With --samples: seed of the design."),
    sample_method: str = typer.Option("lhs", "--sample-method",
                                      help="With --samples: lhs or sobol."),
    ranges: Optional[Path] = typer.Option(None, "--ranges", metavar="FILE",
                                          help="With --samples: ranges file (default: "
                                               "ranges.csv of the dataset)."),
    top_k: int = typer.Option(5, "--top-k", help="With --samples: P(closure in the top K "
                                                 "costliest)."),
) -> None:
    """Solve many scenarios in parallel (Dask) and compare them: criticality, capacity, investments.

    One model per worker, warm re-solves. Writes a comparison with the baselines, the
    criticality of crossings, the value of capacity and the ranking of investments. Failed
    scenarios are reported and do not stop the sweep. Dated scenarios of 30 days or more: the
    model is solved once exactly through rolling windows and each scenario re-solves warm from
    its basis (--method); --window-days alone solves every scenario in windows (an
    approximation)."""
    import time

    with _working("sweep", as_json) as progress:
        from borderflow.data.errors import InputError, Problem
        from borderflow.sweeps import plan_sweep, run_sweep

        k = 2 if n_2 else n_k
        if (scenario_file is not None) + n_1 + (k is not None) != 1:
            raise InputError(Problem("sweep", None, None, "give a scenario file, --n-1 or "
                                                          "--n-2/--n-k (one of them)"))
        if (worst is not None or among) and k is None:
            raise InputError(Problem("command line", None, "--worst" if worst is not None
                                     else "--among", "goes with --n-2 or --n-k"))
        if n_2 and n_k not in (None, 2):
            raise InputError(Problem("command line", None, "--n-k", "--n-2 is --n-k 2; "
                                     "give one of them"))
        if k is not None and (seasons or invest):
            raise InputError(Problem("command line", None, "--seasons" if seasons else
                                     "--invest", "does not go with --n-2/--n-k (one static "
                                     "day: give --month)"))
        if month is not None and (scenario_file is not None or seasons):
            raise InputError(Problem("sweep", None, "--month", "--month goes with --n-1 (a "
                                     "file's scenarios set their own horizon; --seasons runs "
                                     "every month)"))
        options = _run_options(threads, time_limit, window_days, overlap_days, pricing_rounds,
                               method=method)
        progress("plan", None, None, "planning the scenarios")
        if k is not None:
            from borderflow.sweeps import plan_n_k, run_n_k

            if only or cold:
                raise InputError(Problem("command line", None, "--only" if only else "--cold",
                                         "does not go with --n-2/--n-k"))
            plan = plan_n_k(k=k, worst=worst, among=among, month=month, data=data,
                            overlays=overlay or (), options=options)
        else:
            plan = plan_sweep(scenario_file, n_minus_1=n_1, month=month, seasons=seasons,
                              invest=invest, invest_top=invest_under, data=data,
                              overlays=overlay or (), options=options)
        bands = None
        if samples:
            from borderflow.uncertainty.sweep_bands import BandRequest, BandsStep

            if k is not None:
                raise InputError(Problem("command line", None, "--samples", "bands go with a "
                                         "scenario file or --n-1, not --n-2/--n-k"))
            bands = BandRequest(samples, seed, sample_method, ranges, top_k)
            BandsStep(bands).check(plan)  # options and ranges refused before --out
        elif (seed, sample_method, ranges, top_k) != (0, "lhs", None, 5):
            raise InputError(Problem("command line", None, "--samples", "--seed, "
                                     "--sample-method, --ranges and --top-k go with --samples"))
        progress.close()
        t0 = time.perf_counter()
        with display.SweepProgress(progress_bar) as bar:
            if k is not None:
                result, plan = run_n_k(plan, out, workers=workers, scheduler=scheduler,
                                       resume=resume, on_progress=bar)
            else:
                result = run_sweep(plan, out, workers=workers, scheduler=scheduler,
                                   resume=resume, warm=not cold, only=only or None,
                                   on_progress=bar, bands=bands)
    from borderflow.cli import outputs

    seconds = time.perf_counter() - t0
    views = outputs.sweep_parts(result, plan, top)
    if as_json:
        display.emit_json(outputs.sweep_envelope(result, out, views, seconds))
        return
    display.say(f"{result.solved} solved, {result.failed} failed, {result.skipped} kept from "
                f"before; {result.models_built} model(s) built; {seconds:,.1f} s")
    if plan.nk is not None:
        display.say(outputs.nk_sentence(plan, result.tables))
    failed = result.tables["comparison"]
    for r in failed[failed["status"] != "optimal"].itertuples(index=False):
        display.error(f"{r.scenario} {r.message}", r.status)
    display.print_views(views)
    if result.bands is not None:
        display.story(result.bands.text(top))
    display.say(f"results written to {out}")


@data_app.command("check")
def data_check(data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
               as_json: bool = JsonOpt) -> None:
    """Validate the dataset and summarise it (counts, published vs estimated numbers)."""
    with _working("data check", as_json) as progress:
        from borderflow.data.checks import validate_tables
        from borderflow.data.loaders import read_tables
        from borderflow.data.summary import dataset_summary

        progress("load", None, None, "reading and checking the dataset")
        tables = read_tables(data, overlay or ())
        report = validate_tables(tables)
        report.raise_for_errors()
        ranges_line = _check_ranges(tables, data)
    from borderflow.cli import outputs

    summary = dataset_summary(tables)
    views = outputs.dataset_parts(summary)
    warnings = [str(w) for w in report.warnings]
    if as_json:
        display.emit_json(outputs.dataset_envelope(summary, views, warnings))
        return
    display.print_views(views)
    for w in warnings:
        display.warn(w)
    display.say(ranges_line)
    display.say(f"dataset OK ({len(warnings)} warning(s))")


def _check_ranges(tables, data: Optional[Path]) -> str:
    """``investments.csv`` and ``ranges.csv`` of the dataset checked (low <= value <= high,
    units, keys and fields: file, row and field of every problem, exit 2); one line saying
    how many ranges there are and how a run uses them."""
    from borderflow.appraisal.investments import ranged_investments, read_investments
    from borderflow.data.errors import InputError
    from borderflow.data.loaders import default_data_dir
    from borderflow.uncertainty.ranges import check_ranges

    folder = data if data is not None else default_data_dir()
    projects, frame = read_investments(folder, tables)
    extra = {"investments": ranged_investments(frame)} if projects else None
    problems, line = check_ranges(tables, folder, extra)
    if problems:
        raise InputError(problems)
    from borderflow.appraisal.closures import expected_days, read_closure_model

    events = read_closure_model(folder, set(tables.crossings["crossing_id"]))
    days = expected_days(events)["days_per_year"].sum() if len(events) else 0.0
    return line + (f"; {len(projects)} investment(s)" if projects else "") + (
        f"; {len(events)} closure event type(s), {days:.1f} expected closed days a year in "
        "an ordinary year" if len(events) else "")


@data_app.command("list")
def data_list(
    kind: str = typer.Argument(..., metavar="KIND",
                               help="crossings, products, places or groups (closure "
                                    "groups built from the dataset)."),
    country: Optional[str] = typer.Option(None, "--country",
                                          help="Only those of this country (ISO code, e.g. "
                                               "VN): crossings on its border, products it "
                                               "supplies, places in it."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    as_json: bool = JsonOpt,
) -> None:
    """List the ids and names of the dataset's crossings, products, places or closure groups
    (what --close, --must-deliver and scenario files name)."""
    with _working("data list", as_json) as progress:
        from borderflow.cli import outputs

        outputs.check_list_args(kind, country)
        tables = _load(progress, data, overlay, check_borders=False)
        view = outputs.list_view(kind, tables, country)
    if as_json:
        display.emit_json(outputs.list_envelope(kind, country, view))
        return
    display.print_view(view)
    if view.empty:
        display.say(f"no {kind} for country {country}")


RunDirArg = typer.Argument(..., metavar="RUN", help="Run folder (written by solve or reroute; "
                                                    "verify also takes a sweep folder).")
RunDataOpt = typer.Option(None, "--data", metavar="DIR",
                          help="Dataset of the run (default: from its run.json).")
RunOverlayOpt = typer.Option(None, "--overlay", metavar="DIR",
                             help="Overlays of the run's dataset, with "
                                                     "--data (default: from its run.json; "
                                                     "repeatable).")


@app.command("verify")
def verify_cmd(
    run_dir: Path = RunDirArg, data: Optional[Path] = RunDataOpt,
    overlay: Optional[list[Path]] = RunOverlayOpt, as_json: bool = JsonOpt,
    show: int = typer.Option(20, "--show", min=0, help="Violations to list (largest first)."),
) -> None:
    """Re-check a run's solution from its result tables alone; exit 8 if any check fails.

    A sweep folder is verified scenario by scenario (every scenario that ended optimal, its
    `routing` label included: a certified one by the certificate's own search).

    The code is independent of the model: conservation, supply, demand, capacity, closures,
    licences, shelf life, queues, duals, objective, every derived table; the folder's files
    against the checksum manifest written with it (CSV against parquet too) and the run's input
    files against the checksums it recorded. `--json` says for each column whether it is
    re-derived or covered by the checksums (table `coverage`). Exit 0 if every check passes, 8
    if any fails."""
    with _working("verify", as_json) as progress:
        from borderflow.verify import verify_run

        progress("verify", None, None, f"checking {run_dir} independently")
        report = verify_run(run_dir, data, overlay or ())
    from borderflow.cli import outputs
    from borderflow.verify import EXIT_VIOLATIONS

    env, views, (solution, files) = outputs.verify_parts(run_dir, report, show)
    if as_json:
        display.emit_json(env)
    else:
        display.print_views(views)
        display.verify_verdict(solution, files)
    if env["exit_code"]:
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
    data: Optional[Path] = RunDataOpt, overlay: Optional[list[Path]] = RunOverlayOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Export a run's (or a sweep's) optimal flows as GIS layers, with a data dictionary.

    Layers: nodes, links, crossings, routes, origins, markets (and crossings_daily, one point
    per crossing and day, for a dated run). A sweep folder gives one layer set with a scenario
    column (every scenario solved to optimality) and base/delta fields against each
    scenario's baseline."""
    with _working("export", as_json) as progress:
        from borderflow.data.errors import InputError, Problem
        from borderflow.gis import FORMATS, export_folder

        if fmt not in FORMATS:
            raise InputError(Problem("command line", None, "--format",
                                     f"unknown format '{fmt}'; choose {', '.join(FORMATS)}"))
        written = export_folder(run_dir, out, fmt, baseline=baseline, data=data,
                                overlays=overlay or (), on_progress=progress)
    _outputs("export", as_json, [(fmt, p) for p in written], run=str(run_dir), format=fmt)


def _outputs(command: str, as_json: bool, outputs, **summary) -> None:
    """Print what a command wrote (or its envelope)."""
    if as_json:
        from borderflow.present.envelope import envelope

        display.emit_json(envelope(command, summary=summary, outputs=outputs))
        return
    display.wrote([p for _, p in outputs])


@app.command("map")
def map_cmd(
    run_dir: Path = RunDirArg,
    out: Optional[Path] = typer.Option(None, "--out", help="Static map (PNG) to write "
                                                          "(default: RUN/map.png)."),
    html_out: Optional[Path] = typer.Option(None, "--html", help="Interactive map (HTML, "
                                                                 "self-contained) to write."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Baseline run folder: "
                                                                     "show what moved."),
    uncertainty: Optional[Path] = typer.Option(
        None, "--uncertainty", metavar="FOLDER",
        help="A borderflow uncertainty folder: its headline tornado chart goes in the HTML "
             "map, in the popup of the crossings its scenario closes (else the legend)."),
    data: Optional[Path] = RunDataOpt, overlay: Optional[list[Path]] = RunOverlayOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Draw a run's optimal flows: a PNG for reports and/or an interactive HTML map."""
    if out is None and html_out is None:
        out = run_dir / "map.png"
    with _working("map", as_json) as progress:
        from borderflow.api import read_result

        if uncertainty is not None:
            from borderflow.data.errors import InputError, Problem
            from borderflow.uncertainty.map_chart import headline_chart

            if html_out is None:
                raise InputError(Problem("command line", None, "--uncertainty", "the tornado "
                                         "chart goes in the HTML map: give --html FILE"))
            headline_chart(uncertainty)  # refused before anything is read or drawn
        progress("read", None, None, f"reading {run_dir}")
        res = read_result(run_dir, data, overlay or ())
        base = read_result(baseline) if baseline is not None else None
        progress("map", None, None, "drawing the map")
        written = res.map(png=out, html=html_out, baseline=base, uncertainty=uncertainty)
    _outputs("map", as_json, [("png" if p.suffix == ".png" else "html", p) for p in written],
             run=str(run_dir))


@app.command("report")
def report_cmd(
    run_dir: Path = RunDirArg,
    out: Path = typer.Option(..., "--out", help="Report to write: .html (self-contained), or "
                                                ".pdf (needs the 'pdf' extra: WeasyPrint)."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Baseline run folder "
                                                                     "(default: the run's own "
                                                                     "comparison, if any)."),
    pdf: bool = typer.Option(False, "--pdf", metavar="", help="Also write a PDF beside the HTML "
                                                  "(OUT with .pdf; needs WeasyPrint)."),
    as_json: bool = JsonOpt,
) -> None:
    """Write a run report an analyst can send: summary, story, map, charts, tables,
    verification and the data's provenance, in one file that opens offline."""
    with _working("report", as_json) as progress:
        from borderflow.cli import outputs

        written = outputs.write_report(run_dir, out, baseline, pdf, progress)
    _outputs("report", as_json, [(p.suffix.lstrip("."), p) for p in written], run=str(run_dir))


@data_app.command("map")
def data_map(out: Path = typer.Option(Path("runs/network.png"), "--out", help="PNG to write."),
             data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
             as_json: bool = JsonOpt) -> None:
    """Draw the dataset's network: links by mode, crossings by status, labelled, over the
    borders."""
    with _working("data map", as_json) as progress:
        from borderflow.maps import network_map_png
        from borderflow.model.network import build_network

        net = build_network(_load(progress, data, overlay, check_borders=False))
        progress("map", None, None, "drawing the network")
        written = [network_map_png(net, out)]
    _outputs("data map", as_json, [("png", p) for p in written])


def _is_loopback(host: str) -> bool:
    import ipaddress

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
    import socket

    from borderflow.data.errors import InputError, Problem

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
        display.warn(f"listening on {host}: anyone who reaches this machine can run "
                     "scenarios and read the runs folder")
    shown = f"[{host}]" if ":" in host else host
    display.say(f"borderflow workbench on http://{shown}:{port} (runs folder {bench.root}; "
                "Ctrl+C stops it)")
    try:
        uvicorn.run(create_app(bench), host=host, port=port, log_level="warning")
    finally:
        bench.queue.close()


app.command("calibrate")(_calibrate_module.calibrate_cmd)
