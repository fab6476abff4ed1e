"""The dated-baseline check of a calibration: do the gates meet their observations in a dated
run as they do in the static model the fit was made in?

The fit (:mod:`.fit`) and the report's ``model_after`` use the static model: one representative
day per month. Dated runs build another model (days and queues; no congestion tiers, which are
static only; no destination-share rows before they are added per day), so a number fitted in
one can send freight elsewhere in the other. Session 16 found such a defect only by its
consequence (no Lang Son winter queue); this check finds it at calibration time.

For every gate observation (``crossing``, ``rail``, ``corridor``) that enters the fit (``fit``
or ``upper``) and whose period is a month or a season (at most
:attr:`DatedCheckOptions.max_period_days` days), each calendar month the period touches is
solved once as an **undisrupted dated baseline** through the public API
(:func:`borderflow.solve`, ``compare=False``): a window of :attr:`DatedCheckOptions.days` days
from day :attr:`DatedCheckOptions.start_day` of that month in
:attr:`DatedCheckOptions.year` (the dataset's supply year), **perfect-foresight** dispatch. In
an undisrupted run nothing is announced late, so the realistic dispatch plans what the
foresight LP plans (docs/dynamics.md, proved on tiny networks in ``tests/test_realistic.py``), and
foresight is one LP (certified) where realistic is one per day.

Each observation's dated value is the same linear map as the static one
(:func:`.targets.operator`) applied to the dated run's route flows (t, by dispatch day), summed
over the run and divided by the window's days: the mean per day of what the window dispatches,
counted at the gates it passes whichever day it reaches them (so the window needs no warm-up
and the run-out tail adds no supply). Months are weighted by the observation's days in each, as
the static check weights its representative days (:func:`.engine.month_mean`). The band and the
in/out test are the static check's (:meth:`.targets.Targets.within`).

A gate **in band in the static model and out of band in the dated run** is a ``flag``: the
report says so loudly, ``borderflow calibrate`` prints a warning line per flag, and
``--fail-on-dated-miss`` turns flags into exit code :data:`EXIT_DATED_MISS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.data.loaders import InputTables

from .engine import month_mean
from .targets import SUPPLY_YEAR, Targets, operator

#: the exit code of ``borderflow calibrate --fail-on-dated-miss`` when a gate is flagged
EXIT_DATED_MISS = 9
#: the observations the check covers: gates (a crossing, its rail line, a corridor of gates)
GATE_KINDS = ("crossing", "rail", "corridor")


@dataclass(frozen=True)
class DatedCheckOptions:
    """How the dated baselines of the check are solved.

    Attributes
    ----------
    days : int
        Days of each month's window (dispatch days; the run adds its run-out tail).
    start_day : int
        Day of the month the window starts (the 8th: inside the month, so every window day
        has that month's supply).
    year : int
        Year of the windows (default the dataset's supply year, :data:`.targets.SUPPLY_YEAR`).
    max_period_days : int
        Observations whose period is longer (annual, multi-year) are not checked: a dated run
        over such a period costs too much, and a one-month window does not stand for it.
    """

    days: int = 7
    start_day: int = 8
    year: int = SUPPLY_YEAR
    max_period_days: int = 92

    def __post_init__(self):
        if not 1 <= self.days <= 21:
            raise ValueError(f"dated check days must be 1 to 21, not {self.days}")
        if not 1 <= self.start_day <= 29 - self.days:
            raise ValueError(f"dated check start_day must be 1 to {29 - self.days} (a window "
                             f"of {self.days} days inside every month), not {self.start_day}")


def checked(targets: Targets, max_period_days: int = DatedCheckOptions.max_period_days
            ) -> np.ndarray:
    """Boolean mask of the observations the dated check covers: gates, fitted (``fit`` or
    ``upper``), a period of at most ``max_period_days`` days."""
    t = targets.table
    span = t["period"].str.split(" to ", expand=True)
    days = (pd.to_datetime(span[1]) - pd.to_datetime(span[0])).dt.days + 1 if len(t) else \
        pd.Series(dtype=int)
    return (t["element_kind"].isin(GATE_KINDS).to_numpy() & targets.fitted
            & (days.to_numpy() <= max_period_days))


def check_months(targets: Targets, mask: np.ndarray) -> list[int]:
    """Calendar months (1-12) with days of a checked observation's period in them."""
    return [m + 1 for m in range(12) if (targets.months[mask, m] > 0).any()]


def window(month: int, options: DatedCheckOptions):
    """The dated baseline scenario of ``month``'s window (nothing disrupted)."""
    from borderflow.data.scenario import Horizon, Scenario
    return Scenario(name=f"calibration-dated-check-{month:02d}",
                    horizon=Horizon(start=dt.date(options.year, month, options.start_day),
                                    days=options.days),
                    description="calibration's dated-baseline check: an undisrupted window")


def window_values(tables: InputTables, targets: Targets, result, days: int) -> np.ndarray:
    """Each observation's value in one dated run: the static operator on the run's route
    flows, summed over its days and divided by ``days`` (the window's dispatch days)."""
    rf = result.tables["route_flows"]
    ra = result.tables["route_arcs"]
    flows = rf.groupby(["route_id", "product_id", "origin"], as_index=False, sort=True)[
        "flow_t"].sum()
    A = operator(targets, flows, ra[ra["kind"] == "crossing"], tables)
    return A @ flows["flow_t"].to_numpy(dtype=float) / days


def dated_values(tables: InputTables, targets: Targets,
                 options: DatedCheckOptions | None = None, progress=None
                 ) -> tuple[np.ndarray, list[dict]]:
    """Each checked observation's value in the dated baselines (NaN where not checked).

    Parameters
    ----------
    tables : InputTables
        The dataset to check (e.g. the calibrated one).
    targets : Targets
    options : DatedCheckOptions, optional
    progress : callable, optional
        ``progress(message)`` before each month's solve.

    Returns
    -------
    values : ndarray (observations,)
        In each observation's unit (per day); NaN for observations not checked.
    runs : list of dict
        Per month solved: ``month``, ``start``, ``days``, ``status``, ``routing``,
        ``variables``, ``values`` (each checked observation with days in that month: its
        value in the window, before the months are weighted).
    """
    from borderflow.api import solve
    from borderflow.options import RunOptions

    options = options or DatedCheckOptions()
    mask = checked(targets, options.max_period_days)
    months = check_months(targets, mask)
    per_month, runs = [], []
    for month in months:
        scenario = window(month, options)
        if progress:
            progress(f"dated baseline {scenario.horizon.start} + {options.days} days")
        res = solve(tables, scenario, RunOptions(dispatch="foresight"), compare=False)
        per_month.append(window_values(tables, targets, res, options.days))
        s = res.summary
        here = mask & (targets.months[:, month - 1] > 0)
        runs.append({"month": month, "start": str(scenario.horizon.start),
                     "days": options.days, "status": s.get("status"),
                     "routing": s.get("routing"), "variables": s.get("variables"),
                     "values": {o: float(v) for o, v in zip(
                         targets.table["obs_id"][here], per_month[-1][here])}})
    values = np.full(len(targets.table), np.nan)
    if months:
        values[mask] = month_mean(np.vstack(per_month), targets.months, months)[mask]
    return values, runs


def dated_table(targets: Targets, static: np.ndarray, dated: np.ndarray) -> pd.DataFrame:
    """One row per checked observation: band, static and dated values, each in or out of the
    band, and ``flag`` (in band statically, out of band in the dated run)."""
    mask = ~np.isnan(dated)
    t = targets.table
    within_static = targets.within(static)
    within_dated = targets.within(np.where(mask, dated, 0.0))
    out = pd.DataFrame({
        "obs_id": t["obs_id"], "use": t["use"], "element_id": t["element_id"],
        "unit": t["unit"], "period": t["period"], "low": t["low"], "high": t["high"],
        "static": np.asarray(static, dtype=float), "within_static": within_static,
        "dated": dated, "within_dated": within_dated,
        "flag": within_static & ~within_dated})
    return out[mask].reset_index(drop=True)


def flags(table: pd.DataFrame) -> list[str]:
    """One warning line per flagged gate (in band statically, out of band dated)."""
    out = []
    for r in table[table["flag"]].itertuples(index=False):
        side = "above" if r.dated > r.high else "below"
        out.append(f"{r.obs_id}: in band in the static model ({r.static:,.1f} {r.unit}) but "
                   f"out of band in the dated baseline ({r.dated:,.1f} {r.unit}, {side} "
                   f"{r.low:,.1f}-{r.high:,.1f})")
    return out


def dated_check(tables: InputTables, targets: Targets, static: np.ndarray,
                options: DatedCheckOptions | None = None, progress=None
                ) -> tuple[pd.DataFrame, dict]:
    """The check: the dated baselines solved and compared with the static values.

    Parameters
    ----------
    tables : InputTables
        The dataset (the calibrated one, after a fit).
    targets : Targets
    static : ndarray (observations,)
        Each observation's static value for the same dataset (the report's ``model_after``).
    options : DatedCheckOptions, optional
    progress : callable, optional

    Returns
    -------
    table : DataFrame
        :func:`dated_table`.
    meta : dict
        ``options``, ``runs`` (:func:`dated_values`), ``flags`` (:func:`flags`). No
        timings: a calibration folder is byte-identical for the same inputs and options.
    """
    options = options or DatedCheckOptions()
    dated, runs = dated_values(tables, targets, options, progress)
    table = dated_table(targets, static, dated)
    return table, {"options": {"days": options.days, "start_day": options.start_day,
                               "year": options.year,
                               "max_period_days": options.max_period_days,
                               "dispatch": "foresight"},
                   "runs": runs, "flags": flags(table)}


def check_dated_baseline(tables: InputTables, observations=None, targets=None,
                         options: DatedCheckOptions | None = None, progress=None
                         ) -> tuple[pd.DataFrame, dict]:
    """The dated-baseline check of a dataset as it is, without a fit (e.g. the calibrated
    embedded dataset): its static values solved from scratch for every month, as the fit
    report's ``model_after`` is, then :func:`dated_check`.

    Parameters
    ----------
    tables : InputTables
        A checked dataset (:func:`borderflow.load_dataset`).
    observations, targets : path, optional
        As :func:`borderflow.calibrate` (default: the dataset folder's).
    options : DatedCheckOptions, optional
    progress : callable, optional
        ``progress(message)``.

    Returns
    -------
    table, meta
        As :func:`dated_check`.

    Raises
    ------
    InputError
        Bad observations or targets (file, row and field named).
    """
    from .run import observation_values
    from .targets import read_targets

    tg = read_targets(tables, observations, targets)
    if progress:
        progress("static model, every month")
    static = observation_values(tables, tg)
    return dated_check(tables, tg, static, options, progress)
