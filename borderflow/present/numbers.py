"""Numbers one can quote: rounding by unit, no negative zeros, JSON-safe cleaning, per-day and
per-horizon labels, net value, bands.

Conventions (``docs/outputs.md``):

- **Rounding by unit** (:data:`DECIMALS`): trucks to 0.1, tonnes to 1, USD to 1, USD per truck
  or per tonne to 0.01, shares as whole percent, hours to 0.1, km to 1. A value that rounds to
  zero is shown as ``0``, never ``-0``.
- **Signs**: a change is shown with its sign (``+1,366``, ``-943``; ASCII minus so a pasted
  number stays a number in a spreadsheet), a level without one; a zero change is ``0``.
- **Per day or per horizon**: every amount says which. Result summaries add periods up, so a
  static run's totals are per (representative) day and a dated run's are over its days;
  :class:`Horizon` says which and converts.
- **Net value**: the model minimises cost minus revenue, a negative number for any run that
  earns; it is shown as a positive *net value* with the revenue and the costs beside it
  (:func:`net_value`).
- **JSON**: :func:`clean_number` and :func:`clean_json` remove solver noise before a number is
  written: a value smaller than :data:`REL_TOL` times the largest magnitude beside it (its
  column, or the other numbers of its object) is 0, and every number keeps
  :data:`SIGNIFICANT` significant digits (``119.99999999999999`` -> ``120.0``,
  ``-2.27e-13`` next to ``1366.13`` -> ``0.0``). HiGHS works to a feasibility tolerance of
  1e-7, so digits past the ninth are noise; ten keep a guard digit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: unit -> decimals shown (and kept when rounding a table for display)
DECIMALS: dict[str, int] = {
    "trucks": 1, "trucks/day": 1, "truck-days": 0,
    "t": 0, "t/day": 0, "t/year": 0,
    "USD": 0, "USD/day": 0, "USD/year": 0,
    "USD/truck": 2, "USD/t": 2, "USD/truck-day": 2,
    "share": 0,  # shown as a percentage: 0.4906 -> 49%
    "h": 1, "days": 1, "km": 0, "count": 0, "s": 1,
}
#: values below REL_TOL x the largest magnitude beside them are solver noise (see module doc)
REL_TOL = 1e-9
#: significant digits kept in JSON output
SIGNIFICANT = 10
#: minus sign used in formatted numbers (ASCII, so pasted numbers stay numbers)
MINUS = "-"


def decimals(unit: str) -> int:
    """Decimals shown for ``unit`` (the part before ``/day`` or `` over`` counts).

    Parameters
    ----------
    unit : str
        A unit of :data:`DECIMALS` (``"t/day"``, ``"USD/truck"`` ...).

    Returns
    -------
    int

    Raises
    ------
    KeyError
        If the unit is unknown: every shown number must have a rounding rule.
    """
    if unit in DECIMALS:
        return DECIMALS[unit]
    base = unit.split(" over ")[0].split("/day")[0].strip()
    if base in DECIMALS:
        return DECIMALS[base]
    raise KeyError(f"no rounding rule for unit '{unit}'; add it to DECIMALS")


def no_negative_zero(x: float) -> float:
    """``x`` with ``-0.0`` turned into ``0.0`` (NaN and other values unchanged)."""
    return x + 0.0


def round_to_unit(x: float, unit: str) -> float:
    """``x`` rounded to the decimals of its unit, never ``-0.0``.

    Examples
    --------
    >>> round_to_unit(-0.04, "trucks")
    0.0
    >>> round_to_unit(3086.764, "USD/truck")
    3086.76
    """
    d = decimals(unit) + (2 if unit == "share" else 0)
    return no_negative_zero(round(float(x), d))


def fmt(x: float | None, unit: str = "", *, sign: bool = False, with_unit: bool = True,
        missing: str = "-") -> str:
    """A number as an analyst would quote it: rounded by unit, thousands separators.

    Parameters
    ----------
    x : float or None
        The value (None or NaN gives ``missing``).
    unit : str
        Unit of :data:`DECIMALS`; ``"share"`` is shown as a percentage. Empty: no rounding
        rule, shown with up to 2 decimals.
    sign : bool
        Show the sign of a change (``+12``, ``-3``; ``0`` for no change).
    with_unit : bool
        Append the unit (``"1,234 t/day"``).
    missing : str
        Shown for a missing value.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt(-0.04, "trucks/day")
    '0.0 trucks/day'
    >>> fmt(1366.13, "USD", sign=True)
    '+1,366 USD'
    >>> fmt(0.4906, "share")
    '49%'
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return missing
    if unit == "share":
        return _signed(round(float(x) * 100) + 0.0, 0, sign) + "%"
    d = decimals(unit) if unit else 2
    v = no_negative_zero(round(float(x), d))
    body = _signed(v, d, sign)
    if unit and unit != "count" and with_unit:
        body = f"{body} {unit}"
    return body


def _signed(v: float, d: int, sign: bool) -> str:
    if v == 0:
        return "0" if d == 0 or sign else f"{0:.{d}f}"
    text = f"{abs(v):,.{d}f}"
    if v < 0:
        return MINUS + text
    return ("+" + text) if sign else text


def fmt_money(x: float, *, sign: bool = False, per: str = "") -> str:
    """USD for a sentence: ``USD 44,000``, ``USD 1.36 m`` from a million up (3 significant
    digits), with ``per`` appended (``"per day"``).

    Examples
    --------
    >>> fmt_money(1_366_129.0, sign=True, per="per day")
    '+USD 1.37 m per day'
    """
    v = no_negative_zero(float(x))
    s = ("+" if sign and v > 0 else MINUS if v < 0 else "")
    a = abs(v)
    text = f"{a / 1e6:,.{max(0, 2 - int(math.log10(a / 1e6)))}f} m" if a >= 1e6 else f"{a:,.0f}"
    if round(a) == 0:
        s = ""
    return f"{s}USD {text}" + (f" {per}" if per else "")


def fmt_band(mid: float, low: float, high: float, unit: str, *, sign: bool = True,
             band: str = "P10–P90") -> str:
    """A central value with its band: ``+44,000 USD/day (P10–P90: 21,000–90,000)``.

    Parameters
    ----------
    mid, low, high : float
        Central value and the band's ends (``low <= high``).
    unit : str
        Unit of :data:`DECIMALS`.
    sign : bool
        Show the central value as a change (with its sign).
    band : str
        Name of the band.

    Returns
    -------
    str
        The ends are joined by an en dash, or by `` to `` when one is negative (so a minus is
        never read as a dash).
    """
    if low > high:
        raise ValueError(f"band ends out of order: {low} > {high}")
    lo, hi = fmt(low, unit, with_unit=False), fmt(high, unit, with_unit=False)
    joint = " to " if lo.startswith(MINUS) or hi.startswith(MINUS) else "–"
    return f"{fmt(mid, unit, sign=sign)} ({band}: {lo}{joint}{hi})"


# --------------------------------------------------------------------------- horizon

@dataclass(frozen=True)
class Horizon:
    """What a run's amounts are per: a (representative) day or a dated horizon.

    Attributes
    ----------
    periods : int
        Number of periods (days) the summary totals add up.
    label : str
        The run's period label (``"representative day (annual-average)"``,
        ``"2024-01-01 to 2024-01-27"``).
    dated : bool
        True for a dated horizon (totals over its days), False for a static run (per day).
    """

    periods: int
    label: str
    dated: bool

    @classmethod
    def from_summary(cls, summary: Mapping[str, Any],
                     scenario: Mapping[str, Any] | None = None) -> Horizon:
        """The horizon of a run from its ``summary.json`` (and ``run.json``'s ``scenario``,
        whose ``horizon.start`` marks a dated run; without it, a label that does not start
        with "representative" does)."""
        periods = int(summary.get("periods", 1) or 1)
        label = str(summary.get("period_label", ""))
        if scenario is not None and isinstance(scenario.get("horizon"), Mapping):
            dated = scenario["horizon"].get("start") is not None
        else:
            dated = periods > 1 or not label.startswith("representative")
        return cls(periods=periods, label=label, dated=dated)

    @property
    def scope(self) -> str:
        """Words for what a summary total covers: ``"per day (representative day ...)"`` or
        ``"over the 27 days 2024-01-01 to 2024-01-27"``."""
        if not self.dated:
            return f"per day ({self.label})" if self.label else "per day"
        days = "1 day" if self.periods == 1 else f"{self.periods:,} days"
        return f"over the {days} {self.label}".rstrip()

    @property
    def units_note(self) -> str:
        """What a run summary's amounts are, for its ``units`` entry: ``"t, trucks and USD per
        day (representative day (annual-average))"`` or ``"t, trucks and USD summed over the 27
        days 2024-01-01 to 2024-01-27"``."""
        if not self.dated:
            return f"t, trucks and USD {self.scope}"
        return f"t, trucks and USD summed {self.scope}"

    def total_unit(self, unit: str) -> str:
        """The unit of a summary total: ``"t/day"`` for a static run, ``"t"`` for a dated one
        (the words of :attr:`scope` say over which days)."""
        return f"{unit}/day" if not self.dated else unit

    def per_day(self, total: float) -> float:
        """A summary total as a daily mean (static runs: unchanged)."""
        return no_negative_zero(float(total) / self.periods) if self.dated else float(total)


# --------------------------------------------------------------------------- net value

@dataclass(frozen=True)
class NetValue:
    """Revenue minus every cost the model charges, shown positive when the run earns.

    Attributes
    ----------
    net_value_usd : float
        ``-objective``: revenue minus costs.
    revenue_usd : float
        Market revenue.
    cost_usd : float
        Everything the objective charges: ``revenue - net value``.
    parts : dict
        The cost components the summary names (transport, waiting, value not shipped) and
        ``other`` (what the objective charges beyond them, 0 when they add up).
    """

    net_value_usd: float
    revenue_usd: float
    cost_usd: float
    parts: dict[str, float]

    def sentence(self, horizon: Horizon | None = None) -> str:
        """``"net value USD 197,800 per day (revenue 200,000 minus costs 2,200)"``."""
        per = "" if horizon is None else (" per day" if not horizon.dated else
                                          f" {horizon.scope}")
        return (f"net value USD {fmt(self.net_value_usd, 'USD', with_unit=False)}{per} "
                f"(revenue {fmt(self.revenue_usd, 'USD', with_unit=False)} minus costs "
                f"{fmt(self.cost_usd, 'USD', with_unit=False)})")


#: summary key -> cost component name
COST_PARTS = {"transport_cost_usd": "transport", "waiting_cost_usd": "waiting",
              "lost_value_usd": "value not shipped"}


def net_value(summary: Mapping[str, Any]) -> NetValue:
    """Net value, revenue and costs of a run summary (see :class:`NetValue`).

    Parameters
    ----------
    summary : mapping
        A run's ``summary.json`` (``objective_usd``, ``revenue_usd`` and the cost keys of
        :data:`COST_PARTS`).

    Returns
    -------
    NetValue
    """
    revenue = float(summary["revenue_usd"])
    objective = float(summary["objective_usd"])
    scale = max(abs(revenue), abs(objective), 1.0)
    cost = clean_number(revenue + objective, scale)
    parts = {name: clean_number(float(summary.get(key, 0.0) or 0.0), scale)
             for key, name in COST_PARTS.items()}
    parts["other"] = clean_number(cost - sum(parts.values()), scale)
    return NetValue(net_value_usd=clean_number(-objective, scale),
                    revenue_usd=clean_number(revenue, scale), cost_usd=cost, parts=parts)


# --------------------------------------------------------------------------- cleaning

def clean_number(x: Any, scale: float | None = None) -> float | None:
    """A float fit to write: solver noise removed, :data:`SIGNIFICANT` digits, no ``-0.0``.

    Parameters
    ----------
    x : number
        The value. NaN and infinities give None (JSON has no NaN).
    scale : float, optional
        Magnitude of the numbers it stands with (its column, its object); values below
        ``REL_TOL * max(scale, 1)`` are 0. Default: ``|x|`` (no value is noise on its own).

    Returns
    -------
    float or None
    """
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    ref = max(abs(x) if scale is None else abs(float(scale)), 1.0)
    if abs(x) <= REL_TOL * ref:
        return 0.0
    return no_negative_zero(float(f"{x:.{SIGNIFICANT}g}"))


def _is_number(v: Any) -> bool:
    return isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, bool)


def _scale(values) -> float:
    mags = [abs(float(v)) for v in values if _is_number(v) and math.isfinite(float(v))]
    return max(mags, default=0.0)


def clean_json(obj: Any, scale: float | None = None) -> Any:
    """A copy of ``obj`` that :func:`json.dumps` writes as an analyst would read it.

    Floats go through :func:`clean_number` with the scale of their siblings: the other
    numbers of the same object, the same key across a list of records, or the other items
    of a list of numbers. Integers stay integers (numpy ones become Python ints), dates and
    timestamps become ISO strings, paths strings, NaN null, DataFrames lists of records.

    Parameters
    ----------
    obj : any
        Dicts, lists, tuples, numbers, strings, dates, paths, numpy scalars, DataFrames.
    scale : float, optional
        Scale for a lone number (used by the recursion).

    Returns
    -------
    any
        Plain JSON types only.
    """
    if isinstance(obj, pd.DataFrame):
        return clean_json(obj.to_dict(orient="records"))
    if isinstance(obj, Mapping):
        s = _scale(obj.values())
        return {str(k): clean_json(v, s) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        if obj and all(isinstance(r, Mapping) for r in obj):
            keys = {k for r in obj for k in r}
            col = {k: _scale(r.get(k) for r in obj) for k in keys}
            return [{str(k): clean_json(v, col[k]) if _is_number(v) else clean_json(v)
                     for k, v in r.items()} for r in obj]
        s = _scale(obj)
        return [clean_json(v, s) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return clean_number(obj, scale)
    if obj is None or obj is pd.NaT:
        return None
    if isinstance(obj, (pd.Timestamp, dt.datetime, dt.date)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _unit_of_key(key: str) -> str:
    """The unit family of a summary key (``_usd``, ``_t``, trucks), or the key itself."""
    for suffix in ("_usd", "_t", "_trucks"):
        if key.endswith(suffix):
            return suffix
    return "_trucks" if key == "trucks" else key


def clean_summary(summary: Mapping[str, Any]) -> dict:
    """A run summary cleaned for writing (:func:`clean_json`), each number against the others
    of its unit only (USD with USD, tonnes with tonnes), so a small tonnage is never taken
    for noise next to a large sum of money; nested objects (``class_fifo``, ``fifo_repair``,
    ...) the same way, so a gap of 0.1 % is not taken for noise next to a bound of 2e8 USD;
    lists as by :func:`clean_json`.

    Examples
    --------
    >>> clean_summary({"objective_usd": -3.5e7, "revenue_usd": 3.8e7,
    ...                "lost_value_usd": -2e-9, "unserved_t": 0.02,
    ...                "shipped_t": 119.99999999999999})  # doctest: +NORMALIZE_WHITESPACE
    {'objective_usd': -35000000.0, 'revenue_usd': 38000000.0, 'lost_value_usd': 0.0,
     'unserved_t': 0.02, 'shipped_t': 120.0}
    >>> clean_summary({"class_fifo": {"gap_usd": 219613.87, "gap_pct": 0.1035,
    ...                               "lp_lower_bound_usd": 2.1208e8}})["class_fifo"]["gap_pct"]
    0.1035
    """
    scales: dict[str, float] = {}
    for k, v in summary.items():
        if _is_number(v) and math.isfinite(float(v)):
            u = _unit_of_key(str(k))
            scales[u] = max(scales.get(u, 0.0), abs(float(v)))
    out = {}
    for k, v in summary.items():
        if isinstance(v, (float, np.floating)):
            out[str(k)] = clean_number(v, scales.get(_unit_of_key(str(k))))
        elif isinstance(v, Mapping):
            out[str(k)] = clean_summary(v)
        else:
            out[str(k)] = clean_json(v)
    return out


def round_frame(df: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """A copy of ``df`` with each column of ``units`` rounded to its unit (no ``-0.0``); for
    tables shown or written for reading. Shares are kept as fractions with 4 decimals.

    Parameters
    ----------
    df : DataFrame
    units : mapping
        Column -> unit of :data:`DECIMALS`. Columns not named are left as they are.

    Returns
    -------
    DataFrame
    """
    out = df.copy()
    for col, unit in units.items():
        if col in out.columns and pd.api.types.is_numeric_dtype(out[col]):
            d = 4 if unit == "share" else decimals(unit)
            out[col] = out[col].astype(float).round(d) + 0.0
    return out
