"""Column generation of one static sweep scenario on its kept model: price with the scenario's
duals (the appended rows' included), add the routes that price out to the kept HiGHS model
(:mod:`borderflow.model.scenario_columns`), re-solve warm by the primal simplex, until none does
or the rounds run out; :func:`borderflow.pipeline.generate_columns` with ``in_place=True``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from .column_generation import Routing, gap_bound_usd, read_static_duals
from .pricing import price_static
from .scenario_columns import AddedColumns, add_routes, start_adding

__all__ = ["generate_in_place", "price_in_place"]


# ---- pricing with the appended rows' duals --------------------------------------------------
def price_in_place(model, added: AddedColumns | None, pricing, inputs) -> tuple:
    """One static pricing pass of ``model`` solved with the scenario's ``added`` columns:
    ``(result, least reduced cost, gap bound)``; the duals of appended rows are read from
    HiGHS with the others (:func:`~borderflow.model.column_generation.read_static_duals`)."""
    graph, products = inputs
    duals = read_static_duals(model.session, model.built, model.net)
    if added is not None and added.rows:
        y = np.asarray(model.session.highs.getSolution().row_dual, dtype=float)
        cap = dict(duals.capacity_usd_per_truck)
        prio = dict(duals.priority_usd_per_truck)
        market = dict(duals.market_usd_per_t)
        for (family, key), at in added.rows.items():
            target = {"crossing_capacity": cap, "priority_share": prio,
                      "market_demand": market}[family]
            target[tuple(key[:2])] = max(-float(y[at]), 0.0)
        duals = replace(duals, capacity_usd_per_truck=cap, priority_usd_per_truck=prio,
                        market_usd_per_t=market)
    found = price_static(graph, products, duals, max_columns=pricing.columns_per_pair,
                         tolerance=pricing.tolerance_usd_per_t, exact_minimum=False)
    least, gap = gap_bound_usd(found, model.net)
    return found, least, gap


# ---- column generation on the kept model ------------------------------------------------------
def generate_in_place(model, summary, pricing, inputs, progress=None) -> tuple:
    """Column generation of one static scenario on its kept model (the loop of
    :func:`borderflow.pipeline.generate_columns`, with the routes added in place instead of a
    rebuilt model): price with the scenario's duals, add the routes that price out
    (:func:`add_routes`), re-solve warm by the primal simplex, until none does or the rounds
    run out.

    Parameters
    ----------
    model : Prepared
        The kept model, solved for the scenario (``model.net`` its network).
    summary : SolveSummary
        That solve.
    pricing : Pricing
        The structure's pricing options.
    inputs : tuple
        :func:`~borderflow.model.column_generation.pricing_inputs` of ``model.net``.

    Returns
    -------
    (AddedColumns or None, SolveSummary, Routing or None)
        What the scenario added (``None``: nothing), its last solve (seconds and iterations
        summed over the rounds; counts of the LP with the added columns and rows) and how
        optimality over the routes was established; ``Routing`` ``None`` if a column needed a
        row that cannot be appended: then nothing is left added, the kept model is solved for
        the scenario again (that solve is returned) and the caller rebuilds.
    """


    routing = Routing(tolerance_usd_per_t=pricing.tolerance_usd_per_t,
                      route_products=len(model.routes.eligible))
    box = [None]  # what the scenario has added, removed again if anything below raises
    try:
        return _rounds(model, summary, pricing, inputs, progress, routing, box)
    except BaseException:
        if box[0] is not None:
            box[0].drop()
        raise


def _rounds(model, summary, pricing, inputs, progress, routing, box) -> tuple:
    """The loop of :func:`generate_in_place` (``box[0]``: what it has added so far)."""
    session = model.session
    added = None
    totals = [summary.solve_seconds, summary.translate_seconds, summary.iterations]
    while True:
        if progress is not None:
            progress("pricing", None, None, f"pricing round {routing.rounds + 1}: routes of "
                                            "negative reduced cost")
        t0 = time.perf_counter()
        found, least, gap = price_in_place(model, added, pricing, inputs)
        routing.rounds += 1
        routing.pricing_seconds += time.perf_counter() - t0
        routing.min_reduced_cost_usd_per_t, routing.gap_bound_usd = least, gap
        if found.columns.empty:
            routing.status = "certified"
            break
        if not pricing.enabled or pricing.max_rounds <= 0:
            routing.method = "route enumeration (priced once for the gap bound)"
            routing.reason = "column generation switched off"
            break
        if routing.rounds > pricing.max_rounds:
            routing.reason = f"pricing stopped after {pricing.max_rounds} rounds"
            break
        if added is None:  # made before anything is added: removed whatever happens
            added = box[0] = start_adding(model)
        grown, count = add_routes(model, added, found.columns)
        if grown is None:  # a row that cannot be appended: leave the model as it was
            box[0] = None
            added.drop()
            if added.columns:  # and solved for the scenario again (the caller prices it)
                summary = session.solve()
            return None, summary, None
        if not count:
            routing.reason = ("pricing found only (route, product) pairs already in the model "
                              f"(reduced cost {least:.3g} USD/t: solver tolerance)")
            break
        routing.routes_generated += count
        session.continue_warm()
        summary = session.solve()
        totals = [totals[0] + summary.solve_seconds, totals[1] + summary.translate_seconds,
                  totals[2] + summary.iterations]
    if added is not None and not added.columns:
        added = None  # priced out only pairs already in the model: nothing added
    if added is not None:
        routing.route_products = len(model.routes.eligible) + len(added.routes.eligible)
        h = session.highs
        summary = replace(summary, variables=int(h.getNumCol()), constraints=int(h.getNumRow()),
                          nonzeros=int(h.getNumNz()))
    summary = replace(summary, solve_seconds=totals[0], translate_seconds=totals[1],
                      iterations=totals[2])
    return added, summary, routing
