"""``borderflow calibrate``: fit the dataset's estimates to normal-time observations.

Registered on the typer app by :mod:`borderflow.cli.commands`; parses its options, calls
:func:`borderflow.calibrate` and prints the goodness of fit and the gates of issue 18.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from borderflow.calibration import DEFAULT_PARAMETERS, FitOptions, calibrate
from borderflow.calibration.report import DONE_WHEN
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError
from borderflow.solvers.highs import SolverError

from .display import err_console, out_console


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
        "--parameters", help="Calibrated numbers, table[/key[/field]] patterns (repeatable; "
                             "default: supply, crossing fees and dwell, cost terms, market "
                             "prices, per-km rates).")] = None,
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
    prior_weight: Annotated[float, typer.Option(
        "--prior-weight", min=0.0, help="Weight of the distance from the prior.")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Fit the estimated numbers (supply, costs, fees, dwell, prices) to normal-time observations.

    Method, options and the report: docs/calibration.md. Writes the fit report, the calibrated
    dataset (`<out>/dataset`, every calibrated row marked in its notes) and the prior rows as an
    overlay (`<out>/uncalibrated`).
    """
    from .commands import _fail

    options = FitOptions(prior_weight=prior_weight, rounds=rounds,
                         cost_evaluations=cost_evaluations, supply_iterations=supply_iterations)

    def progress(stage: str, message: str) -> None:
        if not as_json:
            err_console.print(f"[dim]{stage}:[/] {message}", highlight=False)

    try:
        tables = load_dataset(data, overlay or ())
        res = calibrate(tables, observations, targets=targets,
                        parameters=tuple(parameters or DEFAULT_PARAMETERS),
                        estimates_only=not all_numbers, options=options, out=out,
                        on_progress=progress)
    except (InputError, SolverError) as err:
        _fail(err)
        return
    good = res.report["goodness"]
    obs = res.report["observations"]
    if as_json:
        out_console.print_json(json.dumps({
            "fit_id": res.fit_id, "out": str(out), "goodness": good.to_dict(orient="records"),
            "done_when": obs[obs["obs_id"].isin(DONE_WHEN)].to_dict(orient="records")},
            default=str))
        return
    table = Table(title=f"Goodness of fit (fit {res.fit_id})")
    for col in ("when", "within band", "weighted RMSE log ratio", "objective"):
        table.add_column(col, justify="right")
    for r in good.itertuples(index=False):
        table.add_row(r.when, f"{r.within_band}/{r.fitted_observations}",
                      f"{r.weighted_rmse_log_ratio:.2f}", f"{r.objective:,.1f}")
    out_console.print(table)
    gates = Table(title="The gates of issue 18")
    for col in ("observation", "unit", "band", "before", "after", "in band"):
        gates.add_column(col, justify="right")
    for r in obs[obs["obs_id"].isin(DONE_WHEN)].itertuples(index=False):
        gates.add_row(r.obs_id, r.unit, f"{r.low:,.0f}-{r.high:,.0f}", f"{r.model_before:,.0f}",
                      f"{r.model_after:,.0f}", "yes" if r.within_after else "no")
    out_console.print(gates)
    out_console.print(f"{len(res.changes)} numbers calibrated; written to [bold]{out}[/] "
                      "(report.md, dataset/, uncalibrated/)", highlight=False)
