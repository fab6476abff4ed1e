"""What column generation can price in a solved model, and one pricing pass of it.

:func:`borderflow.pipeline.generate_columns` runs the loop (price, add routes, rebuild, re-solve
warm); this module says whether a model may be priced at all (:func:`not_priced`: a bound
computed without the duals of every row would not be a bound) and runs one pass, static
(:mod:`borderflow.model.column_generation`) or dated (:mod:`borderflow.model.dated_columns`).
``model`` is a :class:`borderflow.pipeline.Prepared`, ``summary`` its
:class:`~borderflow.solvers.highs.SolveSummary`, ``options`` the run's
:class:`~borderflow.options.RunOptions`.
"""

from __future__ import annotations

import time

from borderflow.model.column_generation import LABEL_LIMIT, gap_bound_usd, timed_pricing
from borderflow.model.dated_columns import (dated_gap_bound_usd, initial_shortfall,
                                            price_dated_model)
from borderflow.model.dated_reuse import ScenarioPasses

__all__ = ["DATED_ROWS", "PRICED_ROWS", "UNPRICED_ROWS", "label_limit_reason", "not_priced",
           "outside_pricing", "price_once"]

#: row families of the static model that pricing prices (their duals enter a route's reduced
#: cost, :mod:`borderflow.model.pricing`); a model with rows of any other family is not priced
PRICED_ROWS = ("supply_balance", "crossing_capacity", "priority_share", "market_demand",
               "destination_share", "gate_entry_limit")
#: row families pricing does not see, in words (a dated model's queue rows are priced by
#: :mod:`borderflow.model.dated_pricing`). Not listed: ``gate_entry_limit`` (slot quotas,
#: dispatch holds, licences): priced, their duals enter the reduced cost of every route they
#: count (:func:`borderflow.model.pricing.entry_terms`) and the verifier's duality gap
UNPRICED_ROWS = {"queue_balance": "queue balance rows", "queue_age": "queue age rows",
                 "queue_expiry": "queue expiry rows", "initial_queue_total": "initial queues",
                 "origin_stock_balance": "stock at origins under a dispatch hold",
                 "origin_stock_shelf": "shelf life of released stock"}
#: the families of :data:`UNPRICED_ROWS` that dated pricing prices (the origin-stock rows of a
#: dispatch hold through :mod:`borderflow.model.stock_bound`)
DATED_ROWS = ("queue_balance", "queue_age", "queue_expiry", "initial_queue_total",
              "origin_stock_balance", "origin_stock_shelf")


def outside_pricing(model) -> str:
    """The rows of a model that pricing does not price, in words (empty when the model is
    within its scope: route cost = the generalized cost of :mod:`borderflow.model.costs`, with
    value of time and tolls; rows of supply, capacity, priority, demand and destination shares,
    :data:`PRICED_ROWS`, and in a dated model its queue rows, :data:`DATED_ROWS`)."""
    m, found = model.built.model, []
    for name, words in UNPRICED_ROWS.items():
        if model.net.dated and name in DATED_ROWS:
            continue
        comp = getattr(m, name, None)
        if comp is not None and len(comp):
            found.append(words)
    return "; ".join(found)


def not_priced(model, summary) -> str:
    """Why a solved model is not priced (empty: it is)."""
    if summary.dispatch == "realistic":
        return ("realistic dispatch is a policy simulation, not an optimum: each day's plan is "
                "solved over the (route, product) pairs in the model and not priced")
    if not summary.exact:
        return ("rolling windows (an approximation) do not solve the whole LP: there are no "
                "optimal duals to price routes with")
    if model.extension is not None:
        return "extra constraints are in the model: pricing does not see their duals"
    outside = outside_pricing(model)
    if outside:
        return (f"{outside}: pricing does not see these terms yet, so no route is priced and "
                "no gap bound is claimed")
    return ""


def price_once(model, options, inputs, reference=None) -> tuple:
    """One pricing pass of a solved model: ``(columns, least reduced cost, gap bound,
    initial-queue entries a new stream could improve, notes, seconds, skipped)``; ``skipped``:
    the searches a dated sweep scenario skipped by a proven bound
    (:mod:`borderflow.model.dated_skip`; None when none was); ``notes``: other
    reasons the run cannot be certified though no column prices out (stock at origins,
    :func:`borderflow.model.stock_bound.stock_gap_bound`). ``reference``: a dated sweep
    reference's pass (:mod:`borderflow.model.dated_reuse`), whose searches are reused where
    this model's duals are its own (the same result); or a
    :class:`~borderflow.model.dated_reuse.ScenarioPasses`, whose previous pass is reused so
    too and replaced by this one."""
    t0 = time.perf_counter()
    pricing = options.pricing
    notes, skipped = [], None
    if model.net.dated:
        passes = reference if isinstance(reference, ScenarioPasses) else None
        if passes is None:
            found = price_dated_model(model.session, model.built, model.net, pricing, inputs,
                                      reference)
        else:  # a sweep scenario: its last pass too, and this one kept for the next
            found = price_dated_model(model.session, model.built, model.net, pricing, inputs,
                                      passes.reference, keep=True, previous=passes.previous)
            passes.previous = found.reference
        least, gap, notes = dated_gap_bound_usd(found, model.net, pricing.tolerance_usd_per_t,
                                                model.built)
        notes = notes + limited_note(found, pricing)
        entries = initial_shortfall(found, pricing.tolerance_usd_per_t)[1]
        skipped = found.skipped
    else:
        found, _ = timed_pricing(model.session, model.built, model.net, pricing, inputs)
        (least, gap), entries = gap_bound_usd(found, model.net), 0
    return found.columns, least, gap, entries, notes, time.perf_counter() - t0, skipped


def limited_note(found, pricing) -> list[str]:
    """Why a dated pass whose searches stopped at the label limit with a lower bound
    (``pricing.label_bound``) cannot certify the run, in words (empty: none did, or only on
    days nothing is supplied, whose columns carry nothing)."""
    if not found.result.stats.get("limited"):
        return []
    pairs = found.pairs
    short = (~pairs["exact"].astype(bool)) & \
        (pairs["min_reduced_cost_usd_per_t"] < -pricing.tolerance_usd_per_t)
    n = int(short.sum()) if found.stock is None else int(found.result.stats["limited"])
    if not n:
        return []
    return [f"{LABEL_LIMIT} {pricing.max_labels:,} reached in {n} search(es) of the last pass: "
            "their reduced costs are lower bounds (the least key left), counted in the gap "
            "bound"]


def label_limit_reason(err, net) -> str:
    """Why pricing stopped at a dated search's label limit (``err``: a
    :class:`~borderflow.model.pricing.PricingLimitError`), in words: "pricing stopped: label
    limit N reached at day d (date), product p (from o)"; the pass did not finish, so the run
    is ``restricted`` with the gap unknown."""
    day = f"day {err.period}"
    if 0 <= err.period < len(net.periods):
        day += f" ({net.periods['label'].iloc[err.period]})"
    return (f"{LABEL_LIMIT} {err.limit:,} reached at {day}, product "
            f"{err.product_id} (from {err.origin}); raise --pricing-labels; the pass did not "
            "finish, so no gap bound is claimed (gap unknown)")
