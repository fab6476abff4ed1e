"""``borderflow sweep``: many scenarios solved in parallel (Dask) and compared.

Options are checked (one line naming the option, exit 2) and the sweep planned
(:func:`borderflow.sweeps.plan_sweep`, :func:`~borderflow.sweeps.plan_n_k`) before anything is
written; then :func:`~borderflow.sweeps.run_sweep` (or :func:`~borderflow.sweeps.run_n_k`) runs
it with a progress bar and the comparison tables are printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import display
from .common import (DataOpt, JsonOpt, MethodOpt, MonthOpt, OverlapDaysOpt, OverlayOpt,
                     PricingLabelsOpt, PricingRoundsOpt, ThreadsOpt, TimeLimitOpt,
                     WindowDaysOpt, AggregateStreamsOpt, _run_options, _working, app)


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
    pricing_labels: int = PricingLabelsOpt,
    aggregate_streams: Optional[bool] = AggregateStreamsOpt,
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
                               method=method, pricing_labels=pricing_labels,
                               aggregate_streams=aggregate_streams)
        if aggregate_streams and samples:
            raise InputError(Problem("command line", None, "--samples", "the sampled runs read "
                                     "the queues per (route, product) pair: drop "
                                     "--aggregate-streams with --samples"))
        progress("plan", None, None, "planning the scenarios")
        if k is not None and (only or cold):
            raise InputError(Problem("command line", None, "--only" if only else "--cold",
                                     "does not go with --n-2/--n-k"))

        def planned(options):
            if k is not None:
                from borderflow.sweeps import plan_n_k

                return plan_n_k(k=k, worst=worst, among=among, month=month, data=data,
                                overlays=overlay or (), options=options)
            return plan_sweep(scenario_file, n_minus_1=n_1, month=month, seasons=seasons,
                              invest=invest, invest_top=invest_under, data=data,
                              overlays=overlay or (), options=options)

        plan = planned(options)
        if samples and any(st.aggregate for st in plan.structures.values()):
            from dataclasses import replace

            # the sampled runs read the queues per pair: so do the dated scenarios (planned
            # again; a static plan keeps its options, its folders byte-identical)
            plan = planned(replace(options, aggregate_streams=False))
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
                from borderflow.sweeps import run_n_k

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
    if plan.dispatch_reason:  # dated scenarios: solved with perfect foresight, and why
        display.note(f"dispatch: foresight ({plan.dispatch_reason})")
    if plan.nk is not None:
        display.say(outputs.nk_sentence(plan, result.tables))
    failed = result.tables["comparison"]
    for r in failed[failed["status"] != "optimal"].itertuples(index=False):
        display.error(f"{r.scenario} {r.message}", r.status)
    display.print_views(views)
    if result.bands is not None:
        display.story(result.bands.text(top))
    display.say(f"results written to {out}")
