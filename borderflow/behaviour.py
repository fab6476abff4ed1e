"""Behaviour parameters of the realistic dispatch, read from the dataset's ``behaviour.csv``.

Today one parameter is used: ``dispatch_reaction_lag_days`` (issue 18, item 4), the days
between news of a crossing event (a closure, throttle, ramp-up or a reopening date becoming
known) and the dispatch reacting to it: trucks loaded and sent on those days follow the plan
made before the news, and keep going to the gate (:mod:`borderflow.solvers.informed`). A
scenario's ``reaction_lag_days`` overrides the dataset's value. A dataset without the file or
the row has no lag (the dispatcher reacts the day it hears), and the run says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import read_table_file
from borderflow.data.scenario import MAX_REACTION_LAG_DAYS
from borderflow.data.schemas import SIDE_TABLES

BEHAVIOUR = next(s for s in SIDE_TABLES if s.name == "behaviour")
#: the ``behaviour.csv`` row of the reaction lag
REACTION_LAG = "dispatch_reaction_lag_days"


@dataclass(frozen=True)
class ReactionLag:
    """The reaction lag a realistic run uses.

    Attributes
    ----------
    days : int
        Days between news and the dispatch reacting to it.
    low, high : float or None
        The dataset's range (days), ``None`` without a dataset row.
    origin : str
        ``scenario`` (its ``reaction_lag_days``), ``dataset`` (``behaviour.csv``) or ``none``.
    source : str
        Where the value comes from, in words (the dataset row's source, year and quality).
    """

    days: int
    low: float | None
    high: float | None
    origin: str
    source: str


def _folder(tables) -> Path | None:
    files = tables.sources.get("products")
    return Path(files[0]).parent if files else None


def reaction_lag(tables, scenario) -> ReactionLag:
    """The reaction lag of a realistic run of ``scenario`` on ``tables`` (module docstring).

    Parameters
    ----------
    tables : InputTables
        The dataset (its folder's ``behaviour.csv`` is read, if there is one).
    scenario : Scenario

    Returns
    -------
    ReactionLag

    Raises
    ------
    InputError
        If ``behaviour.csv`` is malformed, or its reaction lag is not a whole number of days
        within 0-60 or outside its own low-high range (file, row and field named).
    """
    folder = _folder(tables)
    path = folder / BEHAVIOUR.filename if folder is not None else None
    row = None
    if path is not None and path.exists():
        table = read_table_file(path, BEHAVIOUR)
        hits = table.index[table["parameter"] == REACTION_LAG].tolist()
        if hits:
            row = (hits[0], table.loc[hits[0]])
    if row is not None:
        i, r = row
        value, low, high = float(r["value"]), float(r["low"]), float(r["high"])
        shown = str(path)
        if value != int(value) or not 0 <= value <= MAX_REACTION_LAG_DAYS:
            raise InputError(Problem(shown, i + 2, "value", f"{REACTION_LAG} must be a whole "
                                     f"number of days within 0-{MAX_REACTION_LAG_DAYS}, not "
                                     f"{value:g}"))
        if not low <= value <= high:
            raise InputError(Problem(shown, i + 2, "value", f"{REACTION_LAG} {value:g} is "
                                     f"outside its range {low:g}-{high:g}"))
        source = (f"behaviour.csv {REACTION_LAG} = {value:g} days (range {low:g}-{high:g}, "
                  f"{r.get('quality', 'quality not stated')}; source: {r.get('source', '')}, "
                  f"{r.get('source_year', '')})")
    if scenario.reaction_lag_days is not None:
        low, high = (None, None) if row is None else (low, high)
        return ReactionLag(int(scenario.reaction_lag_days), low, high, "scenario",
                           f"scenario '{scenario.name}' reaction_lag_days = "
                           f"{scenario.reaction_lag_days}")
    if row is None:
        return ReactionLag(0, None, None, "none", f"no {REACTION_LAG} in the dataset's "
                           "behaviour.csv: the dispatch reacts the day it hears")
    return ReactionLag(int(value), low, high, "dataset", source)
