"""A window-priced start for dated runs solved by exact windows (``Pricing.window_start``,
``--window-pricing``): the routes pricing would add, found before the whole LP is solved.

Without it, a dated run solved by exact windows (:mod:`borderflow.solvers.rolling`) solves the
whole LP of its enumerated (capped) routes -- windows, then crossover and the primal simplex --
and column generation (:func:`borderflow.pipeline.generate_columns`) then prices with the
whole LP's duals, rebuilds the model over the routes found and re-solves it warm, round after
round. On the 45-day Boten run and the 365-day year, the rebuilds and warm re-solves cost more
than the first solve (BENCHMARKS.md, issue 17 and 20).

With this start the windows' stitched point is priced first: its duals (each row's from the
window that committed it) are not the whole LP's, but they are close, so they name most of the
routes the exact rounds would add. The model is rebuilt over them *before* the whole LP is
solved, the windows' point is carried to it by key (:mod:`borderflow.model.keyed_point`: new
columns and rows 0, so it stays primal feasible), and the crossover and primal simplex prove
the larger LP's optimum from there. Column generation then goes on exactly as always, pricing
with that optimum's duals: a run is certified only by a pricing pass over optimal duals, so
the window pass can neither certify nor cut anything short -- it only chooses where the exact
rounds start. The optimum is the same as the path without it (the LP over every route); at
ties the vertex (flows, duals) may differ. On by default wherever a run can take it
(:func:`window_start_problem`); ``--no-window-pricing`` turns it off.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from borderflow.model.column_generation import Routing, pricing_inputs, with_columns
from borderflow.model.dated_columns import price_dated_model
from borderflow.model.formulation import (column_periods, lookahead_days,
                                          longest_queue_wait_days)
from borderflow.model.keyed_point import carried_components, keyed_point
from borderflow.model.origin_stock import has_hold
from borderflow.model.pricing import PricingLimitError
from borderflow.pricing_scope import outside_pricing
from borderflow.solvers.memory import release_freed_memory
from borderflow.solvers.rolling import finish_rolling, window_point, window_progress

__all__ = ["solve_window_priced", "window_routing", "window_start_problem"]


def window_start_problem(model, options, rolling) -> str:
    """Why ``model`` (a :class:`borderflow.pipeline.Prepared`) is not given a window-priced
    start under ``options`` and ``rolling`` (empty: it is). Only a foresight dated run solved
    by exact windows, priced, within pricing's scope, without extra constraints or stock at
    origins, whose every column the point carries, gets one (by default, or when asked for;
    ``Pricing(window_start=False)`` turns it off)."""
    if options.pricing.window_start is False:
        return "turned off (--no-window-pricing)"
    if not model.net.dated or rolling is None or not rolling.exact:
        return "not solved by exact windows"
    if options.dispatch == "realistic" or not options.pricing.enabled or \
            options.pricing.max_rounds <= 0:
        return "not priced with the whole LP's duals"
    if model.extension is not None or outside_pricing(model):
        return "rows pricing does not price"
    if model.built.stock is not None or has_hold(model.net) or \
            not carried_components(model.session, model.built):
        return "columns the windows' point is not carried for"
    return ""


class _AtPoint:
    """A session whose solution, as pricing reads it (``highs.getSolution().row_dual`` and
    ``rows_of``), is the windows' point."""

    def __init__(self, session, row_dual):
        self._session = session
        self.highs = SimpleNamespace(getSolution=lambda: SimpleNamespace(row_dual=row_dual))

    def rows_of(self, comp):
        """Where ``comp``'s rows are in HiGHS (the session's)."""
        return self._session.rows_of(comp)


def solve_window_priced(model, rolling, options, solver, on_progress=None) -> tuple:
    """Solve ``model`` (a :class:`borderflow.pipeline.Prepared`, given up by the caller) by
    exact windows with a window-priced start (module docstring).

    Parameters
    ----------
    model : Prepared
        Built, not solved; :func:`window_start_problem` is empty for it.
    rolling : RollingHorizon
        Exact windows.
    options : RunOptions
        ``pricing`` (tolerance, columns per pair, label limit) and the model memory limit.
    solver : SolverOptions
        HiGHS options of the rebuilt model (those in effect).
    on_progress : callable, optional
        The pipeline's progress callback (windows as stage ``solve``, the rebuild as
        ``model``).

    Returns
    -------
    (Prepared, SolveSummary, int)
        The model solved (rebuilt if the point priced routes out), its solve (the windows'
        seconds and iterations included) and the routes the window pass added.
    """
    from borderflow.pipeline import _quiet, assemble  # the pipeline imports this module

    progress = on_progress or _quiet
    on_window = window_progress(progress)
    session, built, net = model.session, model.built, model.net
    point = window_point(session, column_periods(built), rolling, lookahead_days(built),
                         longest_queue_wait_days(built), on_window)
    if point.failed is not None:
        return model, finish_rolling(session, point, rolling, on_window=on_window), 0
    try:
        found = price_dated_model(_AtPoint(session, point.duals), built, net, options.pricing,
                                  pricing_inputs(net))
        routes = with_columns(net, model.routes, found.columns) if len(found.columns) \
            else model.routes
    except PricingLimitError:  # the exact rounds meet the limit too, and say so
        routes = model.routes
    if len(routes.eligible) == len(model.routes.eligible):
        return model, finish_rolling(session, point, rolling, on_window=on_window), 0
    added = len(routes.routes) - len(model.routes.routes)
    carried = keyed_point(session, built, point.x, point.duals)
    translate = session.translate_seconds
    aggregate = built.index.aggregated
    model.routes = model.built = model.session = None  # given up: freed before the rebuild
    del session, built
    release_freed_memory()
    new = assemble(model.tables, net, routes, solver, options.max_model_gb, progress,
                   aggregate=aggregate)
    x, duals = carried.place(new.session, new.built)
    del carried
    summary = finish_rolling(new.session, replace(point, x=x, duals=duals), rolling,
                             on_window=on_window)
    return new, replace(summary, translate_seconds=summary.translate_seconds + translate), added


def window_routing(routing: Routing, routes: int | None) -> None:
    """Count a window-priced start in ``routing`` (what column generation returned after it;
    ``routes`` None: there was none): its ``routes`` among the routes generated, and the start
    in the method's words. Its pass is not one of the ``rounds`` (those price with the whole
    LP's optimal duals)."""
    if routes is None:
        return
    routing.routes_generated += routes
    routing.method += f" (window-priced start: {routes} route(s) from the exact windows' duals)"
