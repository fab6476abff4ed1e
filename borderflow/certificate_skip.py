"""The verifier's re-check of the pricing searches a dated sweep scenario skipped.

A sweep scenario's pricing may skip a search whose reference search found no column and whose
duals can have lowered no column's reduced cost below ``-tolerance``
(``model/dated_skip.py``: the bound ``reference bound - supply rise - K x crossing fall /
payload - market fall - share fall``, the last the largest fall of the destination-share term
of the search's origin, product and day over its markets, session 17; a folder written before
it has no such column: 0). The run folder lists each skipped search in ``pricing_bounds``
(origin, product, dispatch day, the bound and the argument's inputs). This module imports
nothing from :mod:`borderflow.model`; it re-checks, per row (check ``pricing_bound``):

- the skip's premise: the bound is ``>= -tolerance`` (else the search had to run);
- the arithmetic: the bound is what its inputs give, every fall and rise is ``>= 0``, and
  ``crossings`` is at least the most crossings a route can take (one fewer than the
  countries of the network: a route enters no country twice);
- **the bound itself, from the run's duals**: no column of that (origin, product, day) has a
  reduced cost below it, by the verifier's own search
  (:func:`borderflow.certificate_dated._least`, with the search's offset raised to the bound):
  this does not trust the recorded inputs (which come from the reference's duals, not in the
  folder), so a bound tampered upward past a column fails here;

and, once per folder, that ``summary.json``'s ``pricing.skipped_searches`` counts the rows and
its ``min_reduced_cost_usd_per_t`` is no higher than any recorded bound (a lower bound).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SkipRows", "skip_rows"]

_RECORD = ["reference_bound_usd_per_t", "supply_rise_usd_per_t",
           "crossing_fall_usd_per_truck", "crossings", "market_fall_usd_per_t",
           "payload_t_per_truck"]
#: the share term's fall (USD/t, >= 0), a column since session 17
_SHARE = "share_fall_usd_per_t"


class SkipRows:
    """The folder's ``pricing_bounds`` by ``(origin, product_id, period)``, and the checks of
    its rows as the product loop of the dated certificate makes them."""

    def __init__(self, table: pd.DataFrame):
        self.table = table
        self.by_key = {(o, p, int(t)): float(b) for o, p, t, b in zip(
            table["origin"], table["product_id"], table["period"], table["bound_usd_per_t"])}
        self.found: dict = {}  # key -> how far a column is below the bound (USD/t, >= 0)

    def check(self, key: tuple, least, rc: float, p_o: float, payload: float,
              tol: float) -> None:
        """Re-check one skipped search: ``rc`` is the verifier's least reduced cost of it
        (exact where negative, else 0); ``least(offset)`` its own search below an offset
        (per truck), the search's destination-share terms included: ``(cost or None, route,
        gate day)``."""
        bound = self.by_key[key]
        if bound <= 0.0:  # the route_dual search already found every column below 0
            self.found[key] = max(0.0, bound - rc)
            return
        cost = least(payload * (p_o + bound - tol))[0]  # a column within tol of it passes
        self.found[key] = 0.0 if cost is None else max(0.0, bound - (cost / payload - p_o))

    def rows(self, summary: dict, countries: int, report) -> list[pd.DataFrame]:
        """The ``pricing_bound`` rows (module docstring); ``report`` makes a check's rows
        (``check, entity, amount, unit, scale``)."""
        t = self.table
        pricing = (summary or {}).get("pricing") or {}
        ent = (t["origin"] + "/" + t["product_id"] + " @" + t["period"].astype(str)).to_numpy()
        bound = t["bound_usd_per_t"].to_numpy(float)
        ref, rise, fall, k, market, payload = (t[c].to_numpy(float) for c in _RECORD)
        share = t[_SHARE].to_numpy(float) if _SHARE in t else np.zeros(len(t))
        again = ref - rise - k * fall / payload - market - share
        with np.errstate(invalid="ignore"):  # inf - inf: both infinite, the same bound
            arith = np.where(np.isinf(bound) & (bound == again), 0.0, np.abs(bound - again))
        signs = np.maximum.reduce([-rise, -fall, -market, -share, np.zeros(len(t))])
        keys = list(zip(t["origin"], t["product_id"], t["period"].astype(int)))
        below = np.array([self.found.get(key, np.nan) for key in keys], dtype=float)
        least = pricing.get("min_reduced_cost_usd_per_t")
        low = float(np.min(bound)) if len(bound) else 0.0
        tol = float(pricing.get("tolerance_usd_per_t", 0.0) or 0.0)  # pricing's own
        out = [
            report("pricing_bound", ent + ": bound >= -tolerance (no search was needed)",
                   np.maximum(0.0, -tol - bound), "USD/t", 1.0),
            report("pricing_bound", ent + ": bound = its inputs", arith, "USD/t",
                   np.maximum(1.0, np.abs(np.where(np.isfinite(ref), ref, 1.0)))),
            report("pricing_bound", ent + ": falls and rises >= 0, crossings >= "
                   f"{max(0, countries - 1)}", signs + np.maximum(0.0, countries - 1 - k),
                   "USD/t", 1.0),
            # a row of a day the verifier does not search (no supply) is a finding too
            report("pricing_bound", ent + ": no column of the run's duals below the bound",
                   np.where(np.isnan(below), 1.0, below), "USD/t", 1.0),
            report("pricing_bound", "summary: skipped_searches = rows of pricing_bounds",
                   abs(int(pricing.get("skipped_searches", 0) or 0) - len(t)), "searches",
                   0.0),
            report("pricing_bound", "summary: min_reduced_cost_usd_per_t <= every bound",
                   0.0 if least is not None and float(least) <= low else 1.0, "USD/t", 1.0),
        ]
        return out


def skip_rows(results) -> SkipRows | None:
    """The folder's skipped searches (None: it has no ``pricing_bounds``)."""
    table = results.get("pricing_bounds")
    if table is None or not len(table):
        return None
    return SkipRows(table)
