"""Command line: ``borderflow uncertainty``, ``borderflow appraise`` (issue 19) and
``borderflow respond`` (issue 21).

Registered on the main app by :mod:`borderflow.cli`. As every command: options and inputs are
checked first (one line naming the option, file, row or field; exit 2, nothing written), then
``--out`` is claimed through the one writer (:func:`borderflow.runfolder.claim`; ``uncertainty``
claims a folder of its own kind, resumable in place), then the work
runs with the progress display, then the views (or one ``--json`` envelope) are printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import display
from .common import (DataOpt, JsonOpt, MonthOpt, OverlayOpt, ThreadsOpt, TimeLimitOpt, _claim,
                     _inputs, _load, _run_options, _scenario, _working, app)

SeedOpt = typer.Option(0, "--seed", help="Seed of the sampling design (same seed, same "
                                         "samples and results).")
MethodOpt = typer.Option("lhs", "--method", help="lhs (Latin hypercube) or sobol (scrambled "
                                                 "Sobol; rounded up to a power of two).")
RangesOpt = typer.Option(None, "--ranges", metavar="FILE",
                         help="Ranges file (default: ranges.csv of the dataset).")


@app.command("uncertainty")
def uncertainty_cmd(
    out: Path = typer.Option(..., "--out", help="Folder to write (bands, samples, "
                                                "sensitivity, tornado chart)."),
    scenario_file: Optional[Path] = typer.Option(None, "--scenario", metavar="FILE",
                                                 help="Scenario YAML."),
    close: list[str] = typer.Option([], "--close", metavar="CROSSING",
                                    help="Close a crossing (repeatable): the bands of what "
                                         "the closure costs."),
    samples: int = typer.Option(200, "--samples", help="Samples of the dataset's ranges."),
    method: str = MethodOpt, seed: int = SeedOpt, ranges: Optional[Path] = RangesOpt,
    sensitivity: str = typer.Option("morris", "--sensitivity",
                                    help="morris, oat, sobol or none: which inputs drive the "
                                         "headline number."),
    screen: int = typer.Option(12, "--screen", help="Inputs kept for the sensitivity design "
                                                    "(most rank-correlated over the samples; "
                                                    "0: all)."),
    trajectories: int = typer.Option(10, "--trajectories", help="Morris trajectories."),
    workers: int = typer.Option(1, "--workers", min=1,
                                help="Dask LocalCluster workers (processes, 1 thread each, "
                                     "each keeping its own models); 1: this process."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="Address of an existing Dask scheduler."),
    rebuild: bool = typer.Option(False, "--rebuild", metavar="",
                                 help="Rebuild the model for every sample (slow; samples "
                                      "link hours, dwell and shelf lives of dated runs too)."),
    resume: bool = typer.Option(False, "--resume", metavar="",
                                help="Keep the samples already solved in --out by an "
                                     "interrupted run of the same design (seed, samples, "
                                     "ranges, inputs, scenario); the result is the same."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    month: Optional[int] = MonthOpt, threads: int = ThreadsOpt,
    time_limit: float = TimeLimitOpt, as_json: bool = JsonOpt,
) -> None:
    """Answers with error bars: sample the dataset's ranges, re-solve each sample warm, and
    report P10/P50/P90 of cost, unserved and spoiled tonnes (and queue peaks of a dated run);
    with --close or a disrupting scenario, the bands of what the disruption costs, paired
    sample by sample with its baseline; and which inputs drive it (tornado chart)."""
    mode = "rebuild" if rebuild else "warm"
    with _working("uncertainty", as_json) as progress:
        from borderflow.uncertainty.run import check_request, sample_space, uncertainty

        check_request(samples, method, seed, sensitivity, mode, screen, trajectories)
        if scheduler is not None:
            from borderflow.probe import probe_scheduler

            probe_scheduler(scheduler)
        tables = _load(progress, data, overlay)
        scenario = _scenario(tables, scenario_file, close, month)
        options = _run_options(threads, time_limit)
        sample_space(tables, scenario, ranges, mode=mode)  # ranges refused before --out
        protected = _inputs(data, overlay, ("--scenario", scenario_file), ("--ranges", ranges))
        # --out is claimed (kind uncertainty) before anything is solved
        result = uncertainty(tables, scenario, options, samples=samples, method=method,
                             seed=seed, ranges=ranges, sensitivity=sensitivity, screen=screen,
                             trajectories=trajectories, mode=mode, workers=workers,
                             scheduler=scheduler, out=out, resume=resume,
                             protected=protected, on_progress=progress)
    charts = sorted(out.glob("tornado_*.png"))
    if as_json:
        from borderflow.present.envelope import envelope
        from borderflow.present.views import tables as view_tables

        m = result.metadata
        display.emit_json(envelope(
            "uncertainty", summary={"samples": m["samples"], "method": m["method"],
                                    "seed": m["seed"], "dimensions": m["dimensions"],
                                    "route_set": m["route_set"],
                                    "routing": m.get("routing"), "mode": m["mode"],
                                    "seconds_per_sample": result.seconds_per_sample},
            narrative=result.text(), tables=view_tables(result.views()),
            outputs=[("uncertainty_folder", out), *(("png", p) for p in charts)]))
        return
    if result.metadata.get("dispatch_reason"):  # a dated scenario: sampled with foresight
        display.note(f"dispatch: foresight ({result.metadata['dispatch_reason']})")
    display.print_views(result.views())
    display.story(result.text()[1:])
    display.say(f"{result.seconds_per_sample:.2f} s per sample; results written to {out}")


@app.command("appraise")
def appraise_cmd(
    out: Path = typer.Option(..., "--out", help="Folder to write (ranking, benefits, "
                                                "per-sample metrics)."),
    discount_rate: Optional[float] = typer.Option(None, "--discount-rate",
                                                  help="Real discount rate per year (0.09 = "
                                                       "9 %); default: the convention's."),
    convention: str = typer.Option("adb", "--convention",
                                   help="adb (9 % real), adb-social (6 %) or world-bank "
                                        "(give --discount-rate)."),
    samples: int = typer.Option(0, "--samples", help="Samples of the ranges for the bands "
                                                     "(0: the point only)."),
    method: str = MethodOpt, seed: int = SeedOpt, ranges: Optional[Path] = RangesOpt,
    only: list[str] = typer.Option([], "--only", metavar="PROJECT",
                                   help="Appraise this project only (repeatable)."),
    seasons: bool = typer.Option(False, "--seasons", metavar="",
                                 help="Annual benefit over 12 monthly representative days "
                                      "weighted by their days (default: the annual-average "
                                      "day x 365); not with --samples."),
    closures: str = typer.Option("stationary", "--closures",
                                 help="Closure events of closure_model.csv weighted into the "
                                      "annual benefit: stationary (an ordinary year), all "
                                      "(zero-Covid closures too: a stress test) or none."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    threads: int = ThreadsOpt, time_limit: float = TimeLimitOpt, as_json: bool = JsonOpt,
) -> None:
    """Appraise the proposed and upgraded crossings of investments.csv as lenders do: annual
    benefit from the model (with minus without), NPV, EIRR, BCR and payback at the discount
    rate, ranked; with --samples, their P10/P50/P90."""
    with _working("appraise", as_json) as progress:
        from borderflow.appraisal.run import appraise, read_projects
        from borderflow.uncertainty.run import check_request

        conventions = _conventions(convention, discount_rate)
        if samples and seasons:
            from borderflow.data.errors import InputError, Problem

            raise InputError(Problem("command line", None, "--seasons", "seasons are valued "
                                     "at the dataset's values only: give --seasons or "
                                     "--samples, not both"))
        if samples:
            check_request(samples, method, seed, "none", "warm", 0, 10)
        tables = _load(progress, data, overlay)
        options = _run_options(threads, time_limit)
        read_projects(tables)  # investments and the closure model refused before --out
        from borderflow.appraisal.run import closure_events

        closure_events(tables, closures)
        with _claim(out, _inputs(data, overlay, ("--ranges", ranges))) as target:
            result = appraise(tables, options, conventions=conventions, samples=samples,
                              seed=seed, method=method, ranges=ranges, only=only or None,
                              seasons=seasons, closures=closures, on_progress=progress)
            result.write(target, progress)
    if as_json:
        from borderflow.present.envelope import envelope, table

        display.emit_json(envelope(
            "appraise", summary={"projects": len(result.ranking), "samples": samples,
                                 "discount_rate": conventions.discount_rate,
                                 "closure_regime": closures,
                                 "closure_days_per_year":
                                     result.metadata["closure_days_per_year"],
                                 "benefit_basis": result.metadata["benefit_basis"]},
            narrative=result.text(),
            tables={"ranking": table(result.ranking, {"npv_usd": "USD",
                                                      "annual_benefit_usd": "USD/year",
                                                      "benefit_usd_per_day": "USD/day"},
                                     "projects ranked by NPV at the discount rate")},
            outputs=[("appraisal_folder", out)]))
        return
    display.story(result.text())
    display.say(f"results written to {out}")


def _conventions(name: str, rate: Optional[float]):
    """The appraisal conventions of the command line, each option checked."""
    import math

    from borderflow.appraisal.conventions import ADB, ADB_SOCIAL, Conventions, world_bank
    from borderflow.data.errors import InputError, Problem

    if rate is not None and not (math.isfinite(rate) and -0.5 < rate < 1.0):
        raise InputError(Problem("command line", None, "--discount-rate", f"a yearly real "
                                 f"rate like 0.09 (9 %), got {rate:g}"))
    if name == "world-bank":
        if rate is None:
            raise InputError(Problem("command line", None, "--discount-rate", "the World Bank "
                                     "has no single rate: give the country's rate"))
        return world_bank(rate)
    base = {"adb": ADB, "adb-social": ADB_SOCIAL}.get(name)
    if base is None:
        raise InputError(Problem("command line", None, "--convention", f"unknown convention "
                                 f"'{name}'; choose adb, adb-social or world-bank"))
    if rate is None:
        return base
    return Conventions(discount_rate=rate, hurdle_eirr=base.hurdle_eirr,
                       source=f"{base.source}; rate set by --discount-rate")


@app.command("respond")
def respond_cmd(
    scenario_file: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML (the "
                                                                       "disruption)."),
    levers: Path = typer.Option(..., "--levers", metavar="FILE",
                                help="Menu of levers (YAML: levers: [{name, event fields, "
                                     "cost_usd_per_day}]); docs/responses.md."),
    budget: float = typer.Option(..., "--budget", metavar="USD",
                                 help="Most the chosen levers may cost: USD over a dated "
                                      "horizon, USD/day for a static scenario."),
    out: Path = typer.Option(Path("runs/respond"), "--out", help="Folder to write."),
    data: Optional[Path] = DataOpt, overlay: Optional[list[Path]] = OverlayOpt,
    threads: int = ThreadsOpt, time_limit: float = TimeLimitOpt, as_json: bool = JsonOpt,
) -> None:
    """Choose the best portfolio of responses to a disruption within a budget: one MIP
    (a binary per lever) solved by HiGHS, with its proven gap, the best set of each size and
    each lever alone."""
    with _working("respond", as_json) as progress:
        from borderflow.responses import check_budget, read_menu, respond
        from borderflow.runfolder import claim

        check_budget(budget)
        tables = _load(progress, data, overlay)
        scenario = _scenario(tables, scenario_file, [], None)
        options = _run_options(threads, time_limit)
        read_menu(levers, tables, scenario)  # the menu refused before --out
        protected = _inputs(data, overlay, ("SCENARIO", scenario_file), ("--levers", levers))
        with claim(out, "respond", protected=protected) as target:
            result = respond(tables, scenario, levers, budget, options, on_progress=progress)
            result.write(target, progress)
    if as_json:
        from borderflow.present.envelope import envelope, table

        b, unit = result.best, result.metadata["unit"]
        display.emit_json(envelope(
            "respond", summary={"levers": result.metadata["levers"], "budget": budget,
                                "unit": unit, "chosen": b["levers"].split(";") if b["levers"]
                                else [], "lever_cost": b["lever_cost"],
                                "benefit": b["benefit"], "net_benefit": b["net_benefit"],
                                "mip_gap": b["mip_gap"], "status": b["status"],
                                "basis": result.metadata["basis"]},
            narrative=result.text(),
            tables={"portfolios": table(result.tables()["portfolios"],
                                        {c: unit for c in ("lever_cost", "model_cost",
                                                           "total_cost", "benefit",
                                                           "net_benefit")},
                                        "the best portfolio, the best of each size, none"),
                    "levers": table(result.levers, {"cost": unit, "benefit_alone": unit},
                                    "each lever alone")},
            outputs=[("respond_folder", out)]))
        return
    if result.metadata.get("dispatch_reason"):  # a dated scenario: solved with foresight
        display.note(f"dispatch: foresight ({result.metadata['dispatch_reason']})")
    display.story(result.text())
    display.say(f"results written to {out}")
