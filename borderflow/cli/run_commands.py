"""Commands that solve: ``borderflow solve``, ``borderflow reroute`` and ``borderflow robust``.

Each parses its options, checks them and the inputs before ``--out`` is claimed, calls the
public API (:func:`borderflow.api.solve`, :func:`borderflow.robust_plan`) and prints what it
returned (:mod:`borderflow.cli.display`) or, with ``--json``, one envelope
(:mod:`borderflow.cli.outputs`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from . import display
from .common import (ClearanceOpt, DataOpt, DispatchOpt, JsonOpt, MethodOpt, MonthOpt, MustOpt,
                     OverlapDaysOpt, OverlayOpt, PricingLabelsOpt, PricingRoundsOpt,
                     RoutesOpt, ThreadsOpt, TimeLimitOpt, WindowDaysOpt, WindowPricingOpt,
                     AggregateStreamsOpt,
                     _check_options, _claim,
                     _clearance_options, _dispatch_mode, _dispatch_options, _gis_into,
                     _inputs, _load, _run_options, _run_output, _same_horizon, _scenario,
                     _working, app)


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
    pricing_labels: int = PricingLabelsOpt, routes: str = RoutesOpt,
    window_pricing: Optional[bool] = WindowPricingOpt,
    clearance_order: str = ClearanceOpt,
    aggregate_streams: Optional[bool] = AggregateStreamsOpt,
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
        if samples and dispatch == "realistic":
            from borderflow.data.errors import InputError, Problem

            raise InputError(Problem("command line", None, "--samples", "bands are sampled "
                                     "around the optimum; a realistic dispatch is a policy "
                                     "simulation: use --dispatch foresight with --samples"))
        mode, note = _dispatch_mode(scenario, dispatch, "--samples" if samples else None)
        options = _run_options(threads, time_limit, window_days, overlap_days, pricing_rounds,
                               method, pricing_labels, routes, scenario, mode,
                               window_pricing, aggregate_streams)
        if samples and aggregate_streams:
            from borderflow.data.errors import InputError, Problem

            raise InputError(Problem("command line", None, "--samples", "the sampled runs read "
                                     "the queues per (route, product) pair: drop "
                                     "--aggregate-streams with --samples"))
        if samples and scenario.horizon.start is not None:  # the sampled runs read the
            options = replace(options, aggregate_streams=False)  # queues per pair: so does the run
        if samples:
            from borderflow.uncertainty.run import check_request, sample_space

            check_request(samples, "lhs", seed, "none", "warm", 0, 10)
            sample_space(tables, scenario)  # ranges refused before --out
        elif seed:
            from borderflow.data.errors import InputError, Problem

            raise InputError(Problem("command line", None, "--seed", "goes with --samples"))
        options = _clearance_options(_dispatch_options(  # --samples: foresight, said above
            options, scenario, "foresight" if samples else dispatch, tables), clearance_order)
        if note and not as_json:  # the envelope's summary has it
            display.note(note)
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
    routes: str = RoutesOpt,
) -> None:
    """Close crossings and show what changes against the baseline: flows, cost, losses."""
    with _working("reroute", as_json) as progress:
        from borderflow import api
        from borderflow.api import read_result

        tables = _load(progress, data, overlay)
        scenario = _scenario(tables, None, close, month, must_deliver)
        options = _run_options(threads, time_limit, pricing_rounds=pricing_rounds,
                               routes=routes, scenario=scenario)
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
    booking_scenarios: int = typer.Option(
        8, "--booking-scenarios", metavar="N",
        help="Price every subset of scenarios for bookings (2^k - 1 searches a round) up to N "
             "scenarios (0-12); above, the plan is certified only if no scenario's own route "
             "prices out, else restricted with its gap bound."),
) -> None:
    """Book a routing plan that holds up when gates close; compare it with the baseline plan.

    Two-stage model: tonnes booked per route in advance, then in each scenario (the normal
    year, each crossing closed) the cheapest recourse, with a spot premium on unbooked flow and
    part of unused bookings paid (parameters spot_premium_factor, unused_booking_factor).
    The plan is re-checked independently before it is written (verification.csv; exit 8 if a
    check fails) and `borderflow verify` re-checks its folder.
    """
    with _working("robust", as_json) as progress:
        from borderflow.robust import closure_scenarios, robust_plan

        if not 0 <= booking_scenarios <= 12:
            from borderflow.data.errors import InputError, Problem

            raise InputError(Problem("command line", None, "--booking-scenarios", "must be a "
                                     f"whole number from 0 to 12 (2^N - 1 pricing searches a "
                                     f"round), got {booking_scenarios}"))
        tables = _load(progress, data, overlay)
        _check_options(tables, close)
        scenarios, probabilities = closure_scenarios(close, probability, month)
        options = _run_options(threads, time_limit)
        options = replace(options, pricing=replace(options.pricing,
                                                   booking_scenarios=booking_scenarios))
        with _claim(out, _inputs(data, overlay), "robust") as target:
            result = robust_plan(tables, scenarios, probabilities, options,
                                 on_progress=progress)
            progress("verify", None, None, "re-checking the plan independently")
            result.verify(tables)
            progress("write", None, None, f"writing {out}")
            result.write(target)
    from borderflow.cli import outputs

    from borderflow.verify import EXIT_VIOLATIONS, REPORT_TABLE

    views, story = outputs.robust_parts(result, tables)
    report_file = out / (REPORT_TABLE + ".csv")
    passed = bool(result.verification["ok"].astype(bool).all())
    if as_json:
        display.emit_json(outputs.robust_envelope(result, out, views, story))
    else:
        display.print_views(views)
        display.story(story)
        display.say(f"results written to {out}")
        display.verification_outcome(result.verification, report_file)
    if not passed:
        if as_json:
            display.verification_outcome(result.verification, report_file)
        raise typer.Exit(EXIT_VIOLATIONS)
