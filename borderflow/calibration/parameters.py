"""Which numbers calibration moves, how they are grouped, and where they may go.

A calibrated number is a row of ``ranges.csv`` (its prior value, low and high) picked by a
*selector* ``table[/key[/field]]`` (``fnmatch`` patterns: ``supply``,
``crossings/*/fee_usd_per_truck``, ``cost_terms/value_of_time|*``). By default
(:data:`DEFAULT_PARAMETERS`) only **estimates** move: a number printed in a source is data, an
estimate is a parameter (``estimates_only``); the rows' ``quality`` decides.

Numbers estimated the same way move together as one *dimension* (:func:`dimension_of`): every
product's value of time (one assumption: lost fraction and capital rate); a crossing's fee and
dwell (both from its gate class), the crossings named by fitted observations getting a
dimension each and the others sharing one; a market's prices (one assumed markup over the
export value per market: the market's *attractiveness*, what a gravity model's destination
constant is); the congestion tiers' hours (one assumption: how long a truck waits as a gate
fills; ranges that keep them rising) and their breakpoints (ranges that do not overlap, so
they stay in order). Every other number is its own dimension.

A dimension has one coordinate ``z`` in [-1, 1]: 0 is the prior, -1 every number of it at its
low, +1 at its high, linear in between on each side (:meth:`Parameters.values`). ``z`` is the
*distance from the prior in units of the range*: the prior term of the fit.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.uncertainty.ranges import Ranges, key_of
from borderflow.uncertainty.sampling import FACTOR_COLUMNS, FactorSpace

#: what ``borderflow calibrate`` moves unless told otherwise (estimates only)
DEFAULT_PARAMETERS = (
    "supply/*/supply_t_per_year",
    "crossings/*/fee_usd_per_truck",
    "crossings/*/dwell_h",
    "cost_terms/*/value",
    "markets/*/price_usd_per_t",
    "parameters/road_cost_usd_per_truck_km/value",
    "parameters/rail_cost_usd_per_truck_km/value",
    "parameters/reefer_cost_factor/value",
    "parameters/congestion_hours_*/value",
    "parameters/congestion_breakpoint_*/value",
    "parameters/congestion_lane_usd_per_truck_h/value",
)
#: the supply stage of the fit (flows are piecewise linear in these); the others are costs
SUPPLY_TABLES = ("supply",)
#: fields whose rows count as estimates whatever the row's quality (class defaults)
CLASS_ESTIMATES = {("crossings", "fee_usd_per_truck"), ("crossings", "dwell_h")}
_KEYS = {"crossings": ("crossing_id",), "links": ("link_id",), "products": ("product_id",),
         "supply": ("node_id", "product_id"), "seasonality": ("product_id", "country", "month"),
         "markets": ("node_id", "product_id"), "parameters": ("parameter",),
         "cost_terms": ("term", "applies_to")}


@dataclass(frozen=True)
class Parameters:
    """The calibrated numbers and their dimensions.

    Attributes
    ----------
    space : FactorSpace
        The numbers (``table, key, field, low, value, high``, effect) with their dimension.
    stage : list of str
        ``supply`` or ``cost`` per dimension (the fit's two stages).
    """

    space: FactorSpace
    stage: list[str]

    @property
    def n(self) -> int:
        """Number of dimensions."""
        return self.space.n_dimensions

    def values(self, z: np.ndarray) -> np.ndarray:
        """The value of every number at dimension coordinates ``z`` (-1 low, 0 prior, +1
        high)."""
        f = self.space.factors
        zz = np.clip(np.asarray(z, dtype=float), -1.0, 1.0)[f["dimension"].to_numpy()]
        v0, lo, hi = (f[c].to_numpy(dtype=float) for c in ("value", "low", "high"))
        return np.where(zz < 0, v0 + zz * (v0 - lo), v0 + zz * (hi - v0))

    def dimensions_of(self, stage: str) -> np.ndarray:
        """Indices of the dimensions of a stage."""
        return np.flatnonzero(np.asarray(self.stage) == stage)

    def table(self, z: np.ndarray) -> pd.DataFrame:
        """Every number with its prior, range, calibrated value and move (range units)."""
        f = self.space.factors
        z = np.asarray(z, dtype=float)
        return pd.DataFrame({
            "table": f["table"], "key": f["key"], "field": f["field"], "unit": f["unit"],
            "dimension": [self.space.dimensions[d] for d in f["dimension"]],
            "low": f["low"].astype(float), "prior": f["value"].astype(float),
            "high": f["high"].astype(float), "calibrated": self.values(z),
            "move_range_units": z[f["dimension"].to_numpy()]})


def _estimate_rows(tables: InputTables) -> dict[str, set[str]]:
    """Keys of the rows whose quality is ``estimate``, per table."""
    out = {}
    for name, key in _KEYS.items():
        df = getattr(tables, name)
        if "quality" not in df.columns or df.empty:
            out[name] = set()
            continue
        est = df[df["quality"] == "estimate"]
        out[name] = {key_of(r, key) for r in est[list(key)].to_dict("records")}
    return out


def dimension_of(table: str, key: str, field: str, named_crossings: set[str]) -> str:
    """The dimension a number moves in (see the module docstring)."""
    if table == "cost_terms" and key.startswith("value_of_time|"):
        return "value_of_time (every product)"
    if table == "crossings" and field in ("fee_usd_per_truck", "dwell_h"):
        return f"gate/{key}" if key in named_crossings else "gate/other crossings"
    if table == "markets" and field == "price_usd_per_t":
        return f"market/{key.split('|', 1)[0]}"
    if table == "parameters" and key.startswith("congestion_hours_"):
        return "congestion hours (every tier)"
    if table == "parameters" and key.startswith("congestion_breakpoint_"):
        return "congestion breakpoints (every tier)"
    return f"{table}/{key}/{field}"


def select(ranges: Ranges, tables: InputTables, selectors=DEFAULT_PARAMETERS, *,
           estimates_only: bool = True, named_crossings: set[str] = frozenset(),
           dated: bool = False, strict: bool = True) -> Parameters:
    """The calibrated numbers: the ranged numbers a selector picks, that the run's model reads
    warm (behaviour and other numbers without an effect on a static model are left out).

    Parameters
    ----------
    ranges : Ranges
        The dataset's checked ranges (:func:`borderflow.uncertainty.ranges.read_ranges`).
    tables : InputTables
        The dataset (row quality).
    selectors : sequence of str
        ``table[/key[/field]]`` patterns.
    estimates_only : bool
        Leave published numbers where they are.
    named_crossings : set of str
        Crossings an observation names (their fee and dwell get a dimension of their own).
    dated : bool
        Effects of a dated model (default static).
    strict : bool
        A selector that picks nothing is an error (selectors a user gave); off for the
        defaults, which a small dataset may not range.

    Raises
    ------
    InputError
        If a selector picks nothing (option ``--parameters``), or nothing is picked at all.
    """
    t = ranges.table
    effect = t["effect_dated" if dated else "effect_static"]
    ok = effect.isin(("row_bound", "cost", "eligibility")).to_numpy() & \
        (t["low"] < t["high"]).to_numpy()
    est = _estimate_rows(tables)
    picked = np.zeros(len(t), dtype=bool)
    problems = []
    for sel in selectors:
        parts = (sel.split("/", 2) + ["*", "*"])[:3]
        hit = np.array([fnmatch.fnmatchcase(a, parts[0]) and fnmatch.fnmatchcase(b, parts[1])
                        and fnmatch.fnmatchcase(c, parts[2]) for a, b, c in
                        zip(t["table"], t["key"], t["field"])], dtype=bool)
        if strict and not hit.any():
            problems.append(Problem("command line", None, "--parameters",
                                    f"'{sel}' matches no ranged number (tables: "
                                    f"{', '.join(sorted(set(t['table'])))})"))
        picked |= hit
    if problems:
        raise InputError(problems)
    if estimates_only:
        is_est = np.array([(a, c) in CLASS_ESTIMATES or b in est.get(a, set())
                           for a, b, c in zip(t["table"], t["key"], t["field"])], dtype=bool)
        picked &= is_est
    if not (picked & ok).any():
        problems.append(Problem("command line", None, "--parameters",
                                "no ranged number to calibrate: the selectors pick none "
                                f"({', '.join(selectors)}) that is an estimate the model reads"))
    if problems:
        raise InputError(problems)
    used = t[picked & ok].copy()
    used["effect"] = effect[used.index]
    used = used.sort_values(["table", "key", "field"], kind="stable", ignore_index=True)
    names = [dimension_of(a, b, c, set(named_crossings)) for a, b, c in
             zip(used["table"], used["key"], used["field"])]
    dims = sorted(dict.fromkeys(names), key=lambda d: (not d.startswith("supply/"), d))
    used["group"] = names
    used["dimension"] = [dims.index(n) for n in names]
    space = FactorSpace(used[FACTOR_COLUMNS].reset_index(drop=True), dims, dated)
    stage = ["supply" if d.split("/", 1)[0] in SUPPLY_TABLES else "cost" for d in dims]
    return Parameters(space, stage)
