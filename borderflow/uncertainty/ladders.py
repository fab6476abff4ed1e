"""Ladders: ranged numbers that must stay in order, drawn together (comonotonic).

The congestion tiers' hours must not fall with the tier and their breakpoints must rise
strictly (:func:`borderflow.data.parameters.congestion_problem`: else the delay is not convex
and ``bf.solve`` refuses the dataset). Sampled independently, overlapping ranges of adjacent
tiers can draw a falling ladder (hours_3 in 2-24 h above hours_4 in 6-72 h). A *ladder* whose
adjacent ranges overlap is therefore one dimension of the design (a ``group`` of
:mod:`borderflow.uncertainty.sampling`): one quantile ``u`` per sample, each rung its own
marginal's value at ``u``. The hours of a queue's tiers rise together (the same queue, the same
clearance speed), so a rank correlation of 1 is the model, not a shortcut; each marginal stays
as ``ranges.csv`` gives it. A comonotone ladder is in order for every ``u`` when the rungs'
quantile functions are pointwise in order: :func:`ladder_problems` checks that on a grid of
:data:`GRID_POINTS` quantiles (both ends included) when ranges are read, and the warm path
re-checks each sample's tiers exactly (:func:`borderflow.uncertainty.changes.WarmEffects.changes`).
A rung not ranged (or fixed, low = high) holds its dataset value. A ladder whose ranges do not
overlap is in order whatever the draws and stays independent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.data.errors import Problem
from borderflow.data.parameters import CONGESTION_TIERS, PARAMETER

from .distributions import ppf

#: name -> (parameters.csv rows from the lowest rung up, strictly rising?)
LADDERS = {
    "congestion_hours": (tuple(f"congestion_hours_{k}" for k in range(1, CONGESTION_TIERS + 1)),
                         False),
    "congestion_breakpoint": (tuple(f"congestion_breakpoint_{k}"
                                    for k in range(1, CONGESTION_TIERS)), True),
}
#: quantiles at which comonotone rungs are compared when ranges are read
GRID_POINTS = 10_001


def _rungs(table: pd.DataFrame, names: tuple[str, ...], values: dict) -> list[dict]:
    """Each rung as ``name, low, value, high, distribution, index`` (``index``: its row of
    ``table``, or ``None`` for a rung held at its dataset value)."""
    at = dict(zip(table["key"], table.index)) if len(table) else {}
    out = []
    for name in names:
        i = at.get(name)
        if i is None:
            v = float(values.get(name, PARAMETER[name].default))
            out.append({"name": name, "low": v, "value": v, "high": v,
                        "distribution": "uniform", "index": None})
        else:
            r = table.loc[i]
            out.append({"name": name, "low": float(r["low"]), "value": float(r["value"]),
                        "high": float(r["high"]), "distribution": r["distribution"],
                        "index": i})
    return out


def ladder_problems(table: pd.DataFrame, shown: str, values: dict
                    ) -> tuple[pd.DataFrame, list[Problem]]:
    """Group each overlapping ladder of checked ranges rows and check it stays in order.

    Parameters
    ----------
    table : DataFrame
        Checked ranges rows (:data:`~borderflow.uncertainty.ranges.RANGE_TABLE_COLUMNS`).
    shown : str
        The ranges file as shown in messages.
    values : dict
        ``parameters.csv`` values by name (rungs not ranged hold these; defaults where
        missing).

    Returns
    -------
    (DataFrame, list of Problem)
        ``table`` with the ``group`` of an overlapping ladder's ranged rungs set (the group a
        rung declares, else ``ladder:<name>``), and one problem per ladder that can fall even
        drawn comonotonically, or whose rungs declare different groups.
    """
    out = table.copy()
    problems = []
    params = out[(out["table"] == "parameters") & (out["field"] == "value")] if len(out) else out
    for ladder, (names, strict) in LADDERS.items():
        rungs = _rungs(params[params["key"].isin(names)], names, values)
        ranged = [r for r in rungs if r["index"] is not None and r["low"] < r["high"]]
        overlap = any((a["high"] >= b["low"]) if strict else (a["high"] > b["low"])
                      for a, b in zip(rungs, rungs[1:]))
        if not ranged or not overlap:
            continue
        declared = sorted({out.at[r["index"], "group"] for r in ranged} - {""})
        if len(declared) > 1:
            r = ranged[-1]
            problems.append(Problem(shown, int(out.at[r["index"], "row"]), "group",
                                    f"the {ladder} ladder's ranges overlap, so its rungs are "
                                    "drawn together (one group), but they declare groups "
                                    f"{', '.join(declared)}: give them one group or none",
                                    f"parameters/{r['name']}/value"))
            continue
        group = declared[0] if declared else f"ladder:{ladder}"
        for r in ranged:
            out.at[r["index"], "group"] = group
        bad = _falling(rungs, strict)
        if bad is not None:
            problems.append(_bad_problem(shown, out, ladder, strict, *bad))
    return out, problems


def _falling(rungs: list[dict], strict: bool):
    """``(lower rung, upper rung, u, x_lower, x_upper)`` where comonotone draws fall."""
    u = np.linspace(0.0, 1.0, GRID_POINTS)
    q = [ppf(u, r["low"], r["value"], r["high"], r["distribution"]) for r in rungs]
    for k in range(1, len(rungs)):
        falls = (q[k] <= q[k - 1]) if strict else (q[k] < q[k - 1])
        if falls.any():
            j = int(np.argmax(falls))
            return rungs[k - 1], rungs[k], float(u[j]), float(q[k - 1][j]), float(q[k][j])
    return None


def _bad_problem(shown: str, table: pd.DataFrame, ladder: str, strict: bool, lower: dict,
                 upper: dict, u: float, x_lower: float, x_upper: float) -> Problem:
    """The one line for a ladder that falls at quantile ``u`` even drawn together."""
    r = upper if upper["index"] is not None else lower
    row = int(table.at[r["index"], "row"])
    word = "at or below" if strict else "below"
    return Problem(shown, row, "low" if u < 0.5 else "high",
                   f"{upper['name']} can fall {word} {lower['name']} even with the {ladder} "
                   f"ladder drawn together (at quantile {u:.4f}: {x_upper:g} vs {x_lower:g}): "
                   "each rung's range must lie at or above the one below it at every "
                   "quantile (docs/uncertainty.md, 'Ladders')", f"parameters/{r['name']}/value")
