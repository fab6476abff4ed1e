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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Fit the estimated numbers (supply, costs, fees, dwell, prices) to normal-time observations.

    Method, options and the report: docs/calibration.md. Writes the fit report, the calibrated
    dataset (`<out>/dataset`, every calibrated row marked in its notes) and the prior rows as an
    overlay (`<out>/uncalibrated`).
    """
    from .common import _inputs, _working

    with _working("calibrate", as_json) as progress:
        from borderflow.calibration import DEFAULT_PARAMETERS, FitOptions, calibrate
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
                        on_progress=lambda stage, message: progress(stage, message=message))
    _show(res, out, as_json)


def _show(res, out: Path, as_json: bool) -> None:
    """The goodness of fit and the gates of issue 18: tables, or the ``--json`` envelope."""
    from rich.table import Table

    from borderflow.calibration.report import DONE_WHEN
    from borderflow.present import envelope as E
    from borderflow.present.numbers import fmt

    good = res.report["goodness"]
    obs = res.report["observations"]
    gates = obs[obs["obs_id"].isin(DONE_WHEN)]
    if as_json:
        after = good.set_index("when").loc["after"]
        display.emit_json(E.envelope(
            "calibrate", summary={"fit_id": res.fit_id, "numbers_calibrated": len(res.changes),
                                  "within_band": int(after["within_band"]),
                                  "fitted_observations": int(after["fitted_observations"]),
                                  "objective": float(after["objective"])},
            narrative=res.metadata["findings"],
            tables={"goodness": E.table(good, title="goodness of fit, before and after"),
                    "gates": E.table(gates, title="the gates of issue 18")},
            outputs=[("calibration_folder", out)]))
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
    display.say(f"{len(res.changes)} numbers calibrated; written to {out} (report.md, "
                "dataset/, uncalibrated/)")
