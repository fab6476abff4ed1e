"""``borderflow calibrate``: fit the dataset's estimates to normal-time observations.

Registered on the typer app by :mod:`borderflow.cli.commands`; parses its options, calls
:func:`borderflow.calibrate` and prints the goodness of fit and the gates of issue 18.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import display

#: the default of --parameters, as borderflow.calibration.DEFAULT_PARAMETERS says it (the
#: command imports the calibration package only when it runs); brackets escaped for rich
PARAMETERS_HELP = ("Calibrated numbers, table\\[/key\\[/field]] patterns (repeatable; default: "
                   "supply, crossing fees and dwell, cost terms, market prices, per-km rates).")


def calibrate_cmd(
    out: Annotated[Path, typer.Option(
        "--out", help="Calibration folder to write (report, calibrated dataset/, "
                      "uncalibrated/ overlay).")] = Path("runs/calibration"),
    data: Annotated[Path | None, typer.Option(
        "--data", help="Dataset folder (default: the embedded dataset).")] = None,
    overlay: Annotated[list[Path] | None, typer.Option(
        "--overlay", help="Folder of rows that add to or replace the dataset's rows "
                          "(repeatable), e.g. data/uncalibrated.")] = None,
    observations: Annotated[Path | None, typer.Option(
        "--observations", help="observations.csv (default: the dataset's).")] = None,
    targets: Annotated[Path | None, typer.Option(
        "--targets", help="calibration_targets.csv (default: the dataset's).")] = None,
    parameters: Annotated[list[str] | None, typer.Option(
        "--parameters", help=PARAMETERS_HELP)] = None,
    all_numbers: Annotated[bool, typer.Option(
        "--all-numbers", help="Also move published numbers (default: estimates only).")] = False,
    rounds: Annotated[int, typer.Option(
        "--rounds", min=1, help="Rounds of cost + supply stages.")] = 2,
    cost_evaluations: Annotated[int, typer.Option(
        "--cost-evaluations", min=1,
        help="Most evaluations of Powell's search in the cost stage per round.")] = 600,
    supply_iterations: Annotated[int, typer.Option(
        "--supply-iterations", min=1,
        help="Most least-squares iterations of the supply stage per round.")] = 8,
    global_evaluations: Annotated[int, typer.Option(
        "--global-evaluations", min=0,
        help="About the most evaluations of the global search (differential evolution from a "
             "Sobol population) that opens the first cost stage; 0: none.")] = 0,
    seed: Annotated[int, typer.Option(
        "--seed", min=0, help="Seed of the global search (same seed, same fit).")] = 0,
    refresh_routes: Annotated[bool, typer.Option(
        "--refresh-routes", help="Rebuild the kept model at the current point before every "
                                 "round after the first (routes enumerated at the "
                                 "calibrated numbers).")] = False,
    prior_weight: Annotated[float, typer.Option(
        "--prior-weight", min=0.0, help="Weight of the distance from the prior.")] = 1.0,
    dated_check: Annotated[bool, typer.Option(
        "--dated-check/--no-dated-check",
        help="After the fit, solve undisrupted dated baselines of the calibrated dataset (one "
             "window per month of the gate observations of a month or a season) and compare "
             "the gates with their bands as the static check does.")] = True,
    dated_check_days: Annotated[int, typer.Option(
        "--dated-check-days", min=1, max=21,
        help="Days of each dated window (from the 8th of the month).")] = 7,
    fail_on_dated_miss: Annotated[bool, typer.Option(
        "--fail-on-dated-miss",
        help="Exit 9 when a gate in band in the static model is out of band in the dated "
             "baseline (for CI); the folder is written either way.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Fit the estimated numbers (supply, costs, fees, dwell, prices) to normal-time observations.

    Method, options and the report: docs/calibration.md. Writes the fit report, the calibrated
    dataset (`<out>/dataset`, every calibrated row marked in its notes) and the prior rows as an
    overlay (`<out>/uncalibrated`). Then checks the calibrated dataset's undisrupted dated
    baselines against the same bands (`--no-dated-check` skips it; `--fail-on-dated-miss`
    exits 9 when a gate in band statically is out of band dated).
    """
    from .common import _inputs, _working

    with _working("calibrate", as_json) as progress:
        from borderflow.calibration import (DEFAULT_PARAMETERS, DatedCheckOptions, FitOptions,
                                            calibrate)
        from borderflow.data.dataset import load_dataset

        options = FitOptions(prior_weight=prior_weight, rounds=rounds,
                             cost_evaluations=cost_evaluations,
                             supply_iterations=supply_iterations,
                             global_evaluations=global_evaluations, seed=seed,
                             refresh_routes=refresh_routes)
        progress("load")
        tables = load_dataset(data, overlay or ())
        res = calibrate(tables, observations, targets=targets,
                        parameters=tuple(parameters or DEFAULT_PARAMETERS),
                        estimates_only=not all_numbers, options=options, out=out,
                        protected=_inputs(data, overlay, ("--observations", observations),
                                          ("--targets", targets)),
                        on_progress=lambda stage, message: progress(stage, message=message),
                        dated=DatedCheckOptions(days=dated_check_days) if dated_check else None)
    _show(res, out, as_json, fail_on_dated_miss)


def _show(res, out: Path, as_json: bool, fail_on_dated_miss: bool = False) -> None:
    """The goodness of fit, the gates of issue 18 and the dated-baseline check: tables and a
    warning line per flagged gate, or the ``--json`` envelope; exit 9 with
    ``fail_on_dated_miss`` when a gate is flagged."""
    from rich.table import Table

    from borderflow.calibration.dated_check import EXIT_DATED_MISS
    from borderflow.calibration.report import DONE_WHEN
    from borderflow.present import envelope as E
    from borderflow.present.numbers import fmt

    good = res.report["goodness"]
    obs = res.report["observations"]
    gates = obs[obs["obs_id"].isin(DONE_WHEN)]
    dated = res.report.get("dated_check")
    flagged = res.metadata.get("dated_check", {}).get("flags", [])
    code = EXIT_DATED_MISS if fail_on_dated_miss and flagged else 0
    if as_json:
        after = good.set_index("when").loc["after"]
        tables = {"goodness": E.table(good, title="goodness of fit, before and after"),
                  "gates": E.table(gates, title="the gates of issue 18")}
        if dated is not None:
            tables["dated_check"] = E.table(dated, title="dated-baseline check")
        display.emit_json(E.envelope(
            "calibrate", exit_code=code,
            summary={"fit_id": res.fit_id, "numbers_calibrated": len(res.changes),
                     "within_band": int(after["within_band"]),
                     "fitted_observations": int(after["fitted_observations"]),
                     "objective": float(after["objective"]),
                     **({"dated_flags": len(flagged)} if dated is not None else {})},
            narrative=res.metadata["findings"] + flagged, tables=tables,
            messages=[E.message("error" if code else "warning", line) for line in flagged],
            outputs=[("calibration_folder", out)]))
        if code:
            raise typer.Exit(code)
        return
    table = Table(title=f"Goodness of fit (fit {res.fit_id})")
    for col in ("when", "within band", "weighted RMSE log ratio", "objective"):
        table.add_column(col, justify="right")
    for r in good.itertuples(index=False):
        table.add_row(r.when, f"{r.within_band}/{r.fitted_observations}",
                      f"{r.weighted_rmse_log_ratio:.2f}", f"{r.objective:,.1f}")
    display.out_console.print(table)
    shown = Table(title="The gates of issue 18")
    shown.add_column("observation", overflow="fold")
    for col in ("unit", "band", "before", "after", "in band"):
        shown.add_column(col, justify="right")
    for r in gates.itertuples(index=False):
        unit = r.unit.replace("vehicles", "trucks")  # counted and rounded as trucks are

        def num(x, unit=unit):
            return fmt(x, unit, with_unit=False)

        shown.add_row(r.obs_id, r.unit, f"{num(r.low)}-{num(r.high)}", num(r.model_before),
                      num(r.model_after), "yes" if r.within_after else "no")
    display.out_console.print(shown)
    if dated is not None:
        _show_dated(dated, num_fmt=fmt)
    display.say(f"{len(res.changes)} numbers calibrated; written to {out} (report.md, "
                "dataset/, uncalibrated/)")
    for line in flagged:
        (display.error if code else display.warn)(
            "dated baseline misses a gate the static fit meets: " + line)
    if code:
        raise typer.Exit(code)


def _show_dated(dated, num_fmt) -> None:
    """The dated-baseline check as a table: band, static, dated, in band."""
    from rich.table import Table

    table = Table(title="Dated-baseline check (undisrupted, foresight)")
    table.add_column("observation", overflow="fold")
    for col in ("unit", "band", "static", "dated", "in band (static/dated)"):
        table.add_column(col, justify="right")
    for r in dated.itertuples(index=False):
        unit = r.unit.replace("vehicles", "trucks")

        def num(x, unit=unit):
            return num_fmt(x, unit, with_unit=False)

        mark = ("yes" if r.within_static else "no") + "/" + ("yes" if r.within_dated else "no")
        table.add_row(r.obs_id, r.unit, f"{num(r.low)}-{num(r.high)}", num(r.static),
                      num(r.dated), mark + ("  FLAG" if r.flag else ""))
    display.out_console.print(table)
