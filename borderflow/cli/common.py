"""What every command of the command line shares: the typer apps (``borderflow`` and its
``data`` group), the options several commands take, and the steps they have in common (errors to
exit codes, the progress display, the scenario and run options of the command line, claiming
``--out``, printing a run or what was written).

The commands themselves live in one module per group (:mod:`borderflow.cli.commands` lists
them). Only typer and rich are imported here: the model, pandas and the GIS stack are imported
by the command that needs them, so ``borderflow --help`` starts fast.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

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
#: the default of ``--pricing-labels``: ``borderflow.model.dated_pricing.MAX_LABELS`` (this
#: module imports no model; tests/test_stock_bound.py holds the two equal)
PRICING_LABELS = 2_000_000
PricingLabelsOpt = typer.Option(
    PRICING_LABELS, "--pricing-labels", metavar="N",
    help="Dated runs: labels one pricing search (origin, product, dispatch day) may pop; a "
         "search reaching it stops pricing and the run says restricted, gap unknown.")
WindowPricingOpt = typer.Option(
    None, "--window-pricing/--no-window-pricing",
    help="Dated runs solved by exact windows: price the windows' point and add the routes it "
         "finds before the whole LP is solved (fewer rounds; the same optimum, certified as "
         "always). On by default wherever the run can take it (run.json's effective_options "
         "says whether it was used and why); --no-window-pricing turns it off (at ties "
         "another optimal vertex may then be reported: docs/certified-routing.md).")
AggregateStreamsOpt = typer.Option(
    None, "--aggregate-streams/--per-pair-streams",
    help="Dated runs: (route, product) pairs with the same gate, direction, product, market, "
         "days to market and allowed wait share one queue (a smaller LP, the same optimum, "
         "certified by a first-in-first-out split back per pair, solved again per pair if the "
         "split fails). The default for dated runs that can take it, a realistic dispatch's "
         "plans too; others (--samples, extra constraints, --window-days alone) run per pair "
         "and run.json's effective_options says why. --aggregate-streams insists (refused "
         "where it cannot serve); --per-pair-streams turns it off (at ties another per-pair "
         "split of the same optimum may be reported: docs/notes/dated-performance-plan-log.md "
         "sections 15-16; a realistic dispatch's plans per pair are another policy, about "
         "4-8x dearer on the shipped scenarios: docs/dynamics.md).")
RoutesOpt = typer.Option(
    "enumerate", "--routes",
    help="How the first route set is made: 'enumerate' (every crossing sequence up to two "
         "crossings, within the detour rule) or 'seed' (each origin, product and market's "
         "cheapest route, grown by column generation: for networks too large to enumerate; "
         "refused where pricing cannot run, docs/certified-routing.md). Give enough "
         "--pricing-rounds.")
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
    "auto", "--dispatch",
    help="Dated runs: 'realistic' (re-planned each day with the events announced by then, "
         "their 'announced' dates: a policy simulation, reported beside the foresight bound "
         "with the value of foresight; docs/dynamics.md), 'foresight' (one LP that knows the "
         "whole calendar from day 0: the optimum) or 'auto' (realistic when news arrives "
         "after the first day, foresight otherwise and with --samples; the reason is "
         "printed and kept in summary.json).")
ClearanceOpt = typer.Option(
    "lp", "--clearance-order",
    help="Dated runs: which plan the tables show: 'lp' (the optimum; its gates may clear "
         "goods out of arrival order) or 'class-fifo' (its replay first come, first served "
         "across goods within each lane class, shown when it breaks no row). summary.json's "
         "class_fifo reports the tonnes out of order and the gap either way "
         "(docs/model.md, Queue discipline).")
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
                 method: str = "auto", pricing_labels: int = PRICING_LABELS,
                 routes: str = "enumerate", scenario=None, dispatch: str = "auto",
                 window_pricing: bool | None = None, aggregate_streams: bool | None = None):
    """The solver and horizon options of the command line (a
    :class:`~borderflow.options.RunOptions`), each checked (one line naming the option): a
    time limit is a positive number of seconds, a look-ahead needs windows, a method is one
    of :data:`~borderflow.options.DATED_METHODS` and ``lp`` takes no windows; a route start
    is one of :data:`~borderflow.model.seed_routes.ROUTE_STARTS`, and ``seed`` is refused
    for ``scenario`` (given) where pricing cannot run (``dispatch`` realistic, resolved
    (:func:`_dispatch_mode`) or asked for, rolling
    windows alone: :meth:`~borderflow.options.RunOptions.seed_problem`), and an explicit
    ``--aggregate-streams`` for a ``scenario`` it cannot serve
    (:meth:`~borderflow.options.RunOptions.aggregation_problem`; the default, ``None``, is
    never refused: a run that cannot take it is solved per pair)."""
    import math

    from dataclasses import replace

    from borderflow.data.errors import InputError, Problem
    from borderflow.model.seed_routes import ROUTE_STARTS
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
    if not pricing_labels >= 1:
        problems.append(Problem("command line", None, "--pricing-labels", "must be a whole "
                                f"number of labels >= 1, got {pricing_labels}"))
    if routes not in ROUTE_STARTS:
        problems.append(Problem("command line", None, "--routes", f"must be one of "
                                f"{', '.join(ROUTE_STARTS)}, got {routes!r}"))
    if problems:
        raise InputError(problems)
    options = RunOptions.of(threads=threads, time_limit_s=time_limit, window_days=window_days,
                            overlap_days=overlap_days, pricing_rounds=pricing_rounds,
                            method=method, pricing_labels=pricing_labels, routes=routes,
                            window_pricing=window_pricing, aggregate_streams=aggregate_streams)
    if scenario is not None and aggregate_streams:
        refused = replace(options, dispatch=dispatch).aggregation_problem(
            scenario.horizon.start is not None) if dispatch in ("foresight", "realistic") \
            else ""
        if refused:
            raise InputError(Problem("command line", None, "--aggregate-streams", refused))
    if scenario is not None and routes == "seed":  # a misspelled --dispatch: its own check
        dated = scenario.horizon.start is not None
        asked = replace(options, dispatch=dispatch) if dispatch == "realistic" else options
        refused = asked.seed_problem(scenario.horizon.days if dated else None)
        if refused:
            raise InputError(Problem("command line", None, "--routes", f"seed: {refused}"))
    return options


def _dispatch_mode(scenario, dispatch: str, needs_optimum: str | None = None
                   ) -> tuple[str, str]:
    """The mode ``--dispatch`` runs ``scenario`` with (``auto`` resolved:
    :func:`borderflow.model.information.resolve_dispatch`) and the note the command prints
    for a dated run whose mode ``auto`` chose (empty otherwise: a static run, or a mode asked
    for), checked (one line naming the option: a known mode)."""
    from borderflow.data.errors import InputError, Problem
    from borderflow.model.information import DISPATCH_MODES, resolve_dispatch

    if dispatch not in DISPATCH_MODES:
        raise InputError(Problem("command line", None, "--dispatch", f"must be one of "
                                 f"{', '.join(DISPATCH_MODES)}, got {dispatch!r}"))
    mode, why = resolve_dispatch(dispatch, scenario, needs_optimum)
    return mode, f"dispatch: {mode} ({why})" if scenario.horizon.start is not None and \
        dispatch == "auto" else ""


def _dispatch_options(options, scenario, dispatch: str, tables=None):
    """``options`` with ``--dispatch``, checked against the scenario
    (one line naming the option): a known mode, realistic only on a dated horizon; with
    ``tables``, a realistic run's behaviour rows too (``behaviour.csv``: file, row and field),
    before ``--out`` is claimed (``auto`` that resolves to realistic too)."""
    from dataclasses import replace

    from borderflow.data.errors import InputError, Problem
    from borderflow.model.information import DISPATCH_MODES, resolve_dispatch

    if dispatch not in DISPATCH_MODES:
        raise InputError(Problem("command line", None, "--dispatch", f"must be one of "
                                 f"{', '.join(DISPATCH_MODES)}, got {dispatch!r}"))
    if dispatch == "realistic" and scenario.horizon.start is None:
        raise InputError(Problem("command line", None, "--dispatch", "realistic dispatch needs "
                                 "a dated scenario (horizon.start): a static run has no days "
                                 "on which events are announced"))
    if resolve_dispatch(dispatch, scenario)[0] == "realistic" and tables is not None:
        from borderflow.behaviour import keep_coming, reaction_lag

        reaction_lag(tables, scenario)
        keep_coming(tables, scenario)
    return replace(options, dispatch=dispatch)


def _clearance_options(options, clearance_order: str):
    """``options`` with ``--clearance-order`` (one line naming the option if unknown)."""
    from dataclasses import replace

    from borderflow.data.errors import InputError, Problem
    from borderflow.options import CLEARANCE_ORDERS

    if clearance_order not in CLEARANCE_ORDERS:
        raise InputError(Problem("command line", None, "--clearance-order", f"must be one of "
                                 f"{', '.join(CLEARANCE_ORDERS)}, got {clearance_order!r}"))
    return replace(options, clearance_order=clearance_order)


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


def _claim(out: Path, protected, kind: str = "run"):
    """Claim ``--out`` as a run folder (``kind``: or a robust plan's,
    :func:`borderflow.runfolder.claim`): refused, exit 2, if it is anything borderflow did not
    write, or one of the command's inputs."""
    from borderflow.io import ROBUST_VOLATILE, RUN_VOLATILE
    from borderflow.runfolder import claim

    return claim(out, kind, protected=protected,
                 volatile=ROBUST_VOLATILE if kind in ("robust", "reopening") else RUN_VOLATILE)


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


def _outputs(command: str, as_json: bool, outputs, **summary) -> None:
    """Print what a command wrote (or its envelope)."""
    if as_json:
        from borderflow.present.envelope import envelope

        display.emit_json(envelope(command, summary=summary, outputs=outputs))
        return
    display.wrote([p for _, p in outputs])


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", metavar="",
                                      help="Log every stage with its time (stderr)."),
         quiet: bool = typer.Option(False, "--quiet", "-q", metavar="",
                                    help="Print errors only (--json still prints its "
                                         "object).")) -> None:
    """borderflow command line."""
    prog.set_level(verbose, quiet)
