"""A reopening tree's gap bound over every route (:mod:`borderflow.reopening_plan`).

The tree is solved over the run's enumerated routes, not priced against its own duals, so its
optimum is optimal over those routes only. A bound over every route: for each branch ``k`` the
perfect-foresight optimum over every route ``z_k*`` (a dated foresight
:func:`borderflow.api.solve` of the branch's scenario, whose column generation prices routes
and whose certificate is re-checked by its verification) is a relaxation of the branch's part
of the tree (no non-anticipativity, every route), so::

    tree (run's routes) >= tree (every route) >= wait-and-see (every route) = sum_k p_k z_k*

A branch run that is itself ``restricted`` gives its own lower bound, objective minus its
``gap_bound_usd`` (and the LP's optimum, not a FIFO repair's or replay's objective, is the
objective bounded); one without a bound leaves the tree without one. ``gap_bound_usd`` =
tree − ``sum_k p_k`` lower bound >= 0: it also holds the value of perfect information over every
route, so it is 0 only when the ties do not bind and the run's routes suffice.
"""

from __future__ import annotations

import gc
from dataclasses import replace

import numpy as np
import pandas as pd

#: gap bounds at most this (USD, or relative to the tree's objective) count as 0: certified
ZERO_GAP_USD = 1e-6
ZERO_GAP_RELATIVE = 1e-9
#: the branches table's columns of the bound, in order
COLUMNS = ("certified_foresight_objective_usd", "foresight_routing", "foresight_gap_bound_usd",
           "foresight_lower_bound_usd")


def lower_bound(summary: dict) -> tuple[float, float | None]:
    """A dated foresight run's ``(objective, lower bound over every route)`` from its summary
    (USD): the LP's optimum (before a FIFO repair or a class-FIFO replay), less its gap bound
    when ``restricted``; ``None`` when restricted without a bound or when its verification
    failed."""
    objective = float(summary["objective_usd"])
    lp = objective
    repair = summary.get("fifo_repair") or {}
    lanes = summary.get("class_fifo") or {}
    if repair.get("lp_lower_bound_usd") is not None:
        lp = float(repair["lp_lower_bound_usd"])
    elif lanes.get("tables_show") == "class_fifo replay":
        lp = float(lanes["lp_lower_bound_usd"])
    if not summary.get("verified", True):
        return objective, None  # its certificate (or bound) did not re-check
    if summary.get("routing") == "certified":
        return objective, lp
    gap = (summary.get("pricing") or {}).get("gap_bound_usd")
    return objective, None if gap is None else lp - float(gap)


def foresight_bounds(tables, branches, options, progress) -> pd.DataFrame:
    """Per branch (``(p, days, scenario)`` of :func:`borderflow.reopening.reopening_branches`),
    its foresight run over every route: the :data:`COLUMNS` (objective, ``routing``, the run's
    own gap bound, its lower bound; ``NaN`` where there is none)."""
    from borderflow.api import solve

    opts = replace(options, dispatch="foresight")
    out = []
    for k, (_, _, scenario) in enumerate(branches):
        progress("bound", k, len(branches), f"branch {k}: its foresight optimum over every route")
        summary = solve(tables, scenario, opts, compare=False).summary
        objective, lower = lower_bound(summary)
        gap = (summary.get("pricing") or {}).get("gap_bound_usd")
        routing = summary.get("routing", "restricted")
        if not summary.get("verified", True):
            routing = f"{routing}, not verified"
        out.append((objective, routing, 0.0 if summary.get("routing") == "certified" else
                    (np.nan if gap is None else float(gap)),
                    np.nan if lower is None else lower))
        gc.collect()  # the branch model's reference cycles before the next
    return pd.DataFrame(out, columns=list(COLUMNS))


def bound_summary(expected: float, p: np.ndarray, bounds: pd.DataFrame | None) -> dict:
    """The summary's fields of the bound: ``gap_bound_usd``, ``wait_and_see_all_routes_usd``,
    ``routing`` and ``optimality`` (in words); with ``bounds`` ``None`` (skipped), no bound."""
    if bounds is None:
        return {"routing": "restricted", "gap_bound_usd": None,
                "wait_and_see_all_routes_usd": None,
                "optimality": "optimal over the run's routes (enumerated, not priced against "
                              "the tree's duals); no gap bound over every route (skipped)"}
    lower = bounds["foresight_lower_bound_usd"].to_numpy(dtype=float)
    if np.isnan(lower).any():
        return {"routing": "restricted", "gap_bound_usd": None,
                "wait_and_see_all_routes_usd": None,
                "optimality": "optimal over the run's routes; no gap bound over every route "
                              "(a branch's foresight run has none)"}
    ws = float(p @ lower)
    gap = expected - ws  # a negative one beyond the tolerance is left for the verifier
    zero = abs(gap) <= max(ZERO_GAP_USD, ZERO_GAP_RELATIVE * abs(expected))
    gap = 0.0 if zero else gap
    words = ("optimal over every route (the certified wait-and-see bound meets it)" if zero else
             f"optimal over the run's routes; over every route within {gap:,.2f} USD "
             "(certified wait-and-see bound)")
    return {"routing": "certified" if zero else "restricted", "gap_bound_usd": gap,
            "wait_and_see_all_routes_usd": ws, "optimality": words}
