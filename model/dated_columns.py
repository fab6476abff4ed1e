"""Column generation for dated (day-by-day) runs: the duals a dated pricing needs, read from a
solved model, the pricing pass over every (origin, product, dispatch day) and its gap bound.

The pricing itself (columns, why they suffice, the search) is
:mod:`borderflow.model.dated_pricing`; the loop that adds the routes found and re-solves warm
is :func:`borderflow.pipeline.generate_columns`, shared with static runs.

Gap bound of a dated pricing pass (weak duality with the restricted model's duals, as for
static runs, :mod:`borderflow.model.column_generation`): every solution of the model over every
route splits, stream by stream, into depart, hold and direct columns of an (origin, product,
dispatch day) -- at most its supply in tonnes -- plus cargo that expires (reduced cost ``>=
0``), plus initial-queue trucks given to streams the model does not have (at least their
:func:`~borderflow.model.initial_pricing.price_initial_entry` bound per truck). So

.. math:: \\text{optimum} \\ge \\text{objective}
          - \\sum_{o,p,t} s_{o,p,t} \\max(0, -\\bar c_{o,p,t})
          - \\sum_j \\text{trucks}_j \\max(0, -b_j)

with :math:`\\bar c_{o,p,t}` the least reduced cost of the pair (USD/t) and :math:`b_j` the
bound of initial-queue entry ``j`` (USD/truck): :func:`dated_gap_bound_usd`. The run is
certified when no column prices out *and* no initial-queue bound is below ``-tolerance x
payload``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.data.destinations import share_rules
from borderflow.data.memo import ByIdentity
from .column_generation import Pricing, _row_duals, dated_share_terms, entry_prices
from .dated_pricing import DatedDuals, _Days, price_dated
from .dated_reuse import ReferencePricing, Reuse
from .dated_skip import EitherSkip, SkipBound, skipped_table
from .formulation import BuiltModel
from .held_routes import held_route
from .initial_pricing import price_initial_entry
from .levers import entry_limits
from .network import FreightNetwork
from .origin_stock import has_hold
from .pricing import DIRECTIONS, PricingGraph, PricingProduct, PricingResult, _column
from .stock_bound import (StockPricing, corrected_columns, hold_cells, least_by_pair,
                          new_cell_betas, releasable, shelf_bands, shelf_duals,
                          stock_gap_bound)

__all__ = ["DatedPricing", "dated_gap_bound_usd", "price_dated_model", "read_dated_duals"]


@dataclass
class DatedPricing:
    """A dated pricing pass: the columns and pairs found (:class:`PricingResult`) and the
    initial-queue bounds (``initial``: entry, crossing_id, direction, product_id, age_days,
    trucks, payload_t_per_truck, bound_usd_per_truck; empty without initial queues)."""

    result: PricingResult
    initial: pd.DataFrame
    stock: StockPricing | None = None
    #: with ``keep=True``: the pass as a sweep's reference keeps it (:mod:`.dated_reuse`)
    reference: ReferencePricing | None = None
    #: the searches skipped by a proven bound (:mod:`.dated_skip`, ``SKIP_COLUMNS``; days
    #: with supply only, as ``pairs``); empty when none was
    skipped: pd.DataFrame | None = None

    @property
    def columns(self) -> pd.DataFrame:
        """Columns that price out (:attr:`PricingResult.columns`)."""
        return self.result.columns

    @property
    def pairs(self) -> pd.DataFrame:
        """One row per (origin, product, dispatch day) (:attr:`PricingResult.pairs`)."""
        return self.result.pairs


def _array(graph: PricingGraph, n: int, rows: pd.DataFrame, values: np.ndarray) -> np.ndarray:
    """``(crossing, direction, period)`` array of per-row values (0 where no row): the rows of
    a crossing the graph has, on a modelled day, written in one assignment (a later row of
    the same key wins, as row by row)."""
    out = np.zeros((len(graph.crossing_ids), 2, n))
    if not len(rows):
        return out
    at = {c: i for i, c in enumerate(graph.crossing_ids)}
    c = rows["crossing_id"].map(at).to_numpy(dtype=float)  # NaN: not in the graph
    t = rows["period"].to_numpy(dtype=np.int64)
    d = rows["direction"].map({x: i for i, x in enumerate(DIRECTIONS)}).to_numpy(dtype=float)
    ok = ~np.isnan(c) & (t >= 0) & (t < n)
    if np.isnan(d[ok]).any():  # a direction of no known kind: raise as row by row would
        DIRECTIONS.index(rows["direction"].to_numpy()[ok][np.isnan(d[ok])][0])
    out[c[ok].astype(np.int64), d[ok].astype(np.int64), t[ok]] = \
        np.asarray(values, dtype=float)[ok]
    return out


#: the supply, market and share-term mappings of the last few passes of a sweep (``memo`` of
#: :func:`read_dated_duals`), by their index table and their duals' bytes: a sweep scenario
#: whose re-solve makes no pivot (and one whose duals of a family did not move) has the
#: reference pass's mappings, made once and shared (read only, as every mapping of a
#: :class:`DatedDuals`). A single run's passes never repeat their duals, and at 365 days
#: these mappings are tens of MB each: kept there, they raised the run's peak by 161 MB
#: (1,457 -> 1,618 MB, 441a04b), so a run outside a sweep keeps none
_DUAL_MAPS = ByIdentity(size=9)


def read_dated_duals(session, built: BuiltModel, net: FreightNetwork,
                     graph: PricingGraph, memo: bool = False) -> tuple[DatedDuals, np.ndarray]:
    """The duals of a solved dated model as prices (``<=`` rows' as non-negative numbers, as
    :func:`~borderflow.model.column_generation.read_static_duals`), its closures and queue
    parameters, and the raw HiGHS duals of its ``initial_queue_total`` rows (USD/truck, one
    per entry).

    With ``memo`` (a sweep's passes) the supply, market and share-term mappings are made once
    per index table and duals, bit for bit (:data:`_DUAL_MAPS`): the same mapping object for
    equal inputs, never changed by a reader; without it (a single run), made and not kept."""
    m, ix = built.model, built.index
    n = ix.n_periods
    y = np.asarray(session.highs.getSolution().row_dual, dtype=float)  # read once a pass

    def row_duals(comp) -> np.ndarray:
        return _row_duals(session, comp, y)

    def kept(objects: tuple, extra, make) -> dict:
        return _DUAL_MAPS.get(objects, extra, make) if memo else make()

    def keyed(table: pd.DataFrame, keys: list[str], values: np.ndarray) -> dict:
        values = np.asarray(values, dtype=float)
        return kept((table,), (tuple(keys), values.tobytes()), lambda: dict(zip(
            zip(*(table[k].tolist() for k in keys)), values.tolist())))

    def shares(duals: np.ndarray) -> dict:
        duals, rules = np.asarray(duals, dtype=float), share_rules(net.tables)
        return kept((ix.share_rows,), ("shares", duals.tobytes(), tuple(rules)),
                    lambda: dated_share_terms(ix.share_rows, duals, rules))

    cap = net.capacity
    closed = _array(graph, n, cap, (cap["capacity_trucks_per_day"] <= 0).to_numpy(float)) > 0
    duals = DatedDuals(
        n_periods=n,
        capacity_usd_per_truck=_array(graph, n, ix.capacity_rows, np.maximum(
            -row_duals(m.crossing_capacity), 0.0)),
        closed=closed,
        supply_usd_per_t=keyed(ix.unserved, ["origin", "product_id", "period"],
                               row_duals(m.supply_balance)),
        market_usd_per_t=keyed(ix.demand_rows, ["market", "product_id", "period"],
                               np.maximum(-row_duals(m.market_demand), 0.0)),
        priority_usd_per_truck=_array(graph, n, ix.priority_rows, np.maximum(
            -row_duals(m.priority_share), 0.0)),
        empty_return_share=float(ix.empty_return_share),
        empty_return_days=int(ix.empty_return_days),
        waiting_cost_usd_per_truck_day=float(net.parameters.waiting_cost_usd_per_truck_day),
        max_wait_days=int(net.max_wait_days),
        entry_usd_per_truck=entry_prices(built, session, dated=True),
        share_usd_per_t=shares(row_duals(m.destination_share))
        if len(ix.share_rows) else {})
    eta = row_duals(m.initial_queue_total) if len(ix.initial) else np.zeros(0)
    return duals, eta


def price_dated_model(session, built: BuiltModel, net: FreightNetwork, pricing: Pricing,
                      inputs: tuple[PricingGraph, list[PricingProduct]],
                      reference: ReferencePricing | None = None,
                      keep: bool = False, skip: bool = True,
                      previous: ReferencePricing | None = None) -> DatedPricing:
    """Price every (origin, product, dispatch day) of a solved dated model with its duals,
    and bound what a new stream could make of each initial-queue entry.

    ``reference``: a sweep reference's pass (:mod:`borderflow.model.dated_reuse`): searches
    whose inputs are bit for bit its own take its results (the same pass, faster), and with
    ``skip`` a search the reference's bound proves finds no column is skipped
    (:mod:`borderflow.model.dated_skip`: its pair row a lower bound, listed in
    ``DatedPricing.skipped``); ``keep``: return this pass as such a reference
    (``DatedPricing.reference``: every search it ran or reused, not those it skipped);
    ``previous``: the same scenario's previous pass (kept so): a search the reference's
    bound cannot skip is skipped when that pass's bound proves it finds no column
    (:class:`~borderflow.model.dated_skip.EitherSkip`; listed in ``skipped`` the same way,
    its inputs measured from that pass)."""
    graph, products = inputs
    duals, eta = read_dated_duals(session, built, net, graph,
                                  memo=keep or reference is not None)  # a sweep's pass
    options = (pricing.columns_per_pair, pricing.tolerance_usd_per_t, pricing.max_labels,
               pricing.dominance, pricing.hour_bounds)
    days = sorted(int(t) for t in set(built.unserved["period"]))
    stock = bands = None
    if has_hold(net) or built.stock is not None:  # stock at origins: shelf rows in bands
        stock = StockPricing(shelf=shelf_duals(session, built),
                             supply_usd_per_t=dict(duals.supply_usd_per_t),
                             cells=hold_cells(net, built))
        bands = shelf_bands(stock.shelf)
    # destination-share terms: a search is reused only where its own are the reference's
    # (dated_reuse.same_shares) and skipped with their fall in the bound (dated_skip)
    reuse = None if reference is None or bands is not None else \
        Reuse(reference, duals, graph, products, options)
    skipper = SkipBound(reuse, graph, pricing.tolerance_usd_per_t) \
        if skip and reuse is not None and reuse.ok else None
    if skipper is not None and previous is not None:  # else against the scenario's last pass
        last = Reuse(previous, duals, graph, products, options)
        if last.ok:
            skipper = EitherSkip(skipper, SkipBound(last, graph, pricing.tolerance_usd_per_t))
    record = {} if keep and bands is None else None
    result = price_dated(graph, products, duals, days, max_columns=pricing.columns_per_pair,
                         tolerance=pricing.tolerance_usd_per_t, max_labels=pricing.max_labels,
                         bands=bands, reuse=reuse, skip=skipper, record=record,
                         label_bound=pricing.label_bound, dominance=pricing.dominance,
                         hour_bounds=pricing.hour_bounds)
    as_reference = None if record is None else ReferencePricing(
        duals=duals, graph=graph, products=tuple(products), options=options, searches=record)
    if stock is not None:
        result.columns = corrected_columns(result.columns, stock.shelf,
                                           pricing.tolerance_usd_per_t)
        result.pairs = least_by_pair(result.pairs)
    # a day an origin supplies nothing carries no flow (its supply row's dual is arbitrary):
    # its columns cannot improve the model and are not added -- unless stock may be released
    # on it
    keys = ["origin", "product_id", "period"]
    supplied = net.supply.loc[net.supply["supply_t"] > 0, keys].drop_duplicates()
    if stock is not None:
        supplied = pd.concat([supplied, releasable(net, built, stock.cells)],
                             ignore_index=True).drop_duplicates()
    on = _KeySet(supplied, keys)
    for name in ("columns", "pairs"):
        table = getattr(result, name)
        setattr(result, name, table[on.mask(table)].reset_index(drop=True))
    result.stats["columns"] = len(result.columns)
    skipped = None
    if skipper is not None and skipper.records:
        skipped = skipped_table(skipper.records)
        skipped = skipped[on.mask(skipped)].reset_index(drop=True)
    initial, extra = _initial_columns(graph, products, duals, net, eta, pricing)
    if stock is not None:
        extra = pd.concat([extra, _held_columns(graph, products, net, built, stock, pricing)],
                          ignore_index=True)
    if len(extra):
        result.columns = pd.concat([result.columns, extra], ignore_index=True)
        result.stats["columns"] = len(result.columns)
    return DatedPricing(result=result, initial=initial, stock=stock, reference=as_reference,
                        skipped=skipped)


class _KeySet:
    """Which rows of a table have their ``keys`` among the rows of ``supplied``: the mask
    ``table.merge(supplied.drop_duplicates(), on=keys, how="left", indicator=True)["_merge"]
    == "both"`` (a left merge keeps the table's rows in order, one each), as a set of key
    tuples made once per pass and looked up row by row (a merge cost 10-25 ms, two or three a
    pass). Tables or keys with a missing value take the merge itself (NaN keys match each
    other in a merge, not in a set)."""

    def __init__(self, supplied: pd.DataFrame, keys: list[str]):
        self.supplied, self.keys = supplied, keys
        self.exact = not supplied[keys].isna().to_numpy().any()
        self.set = set(zip(*(supplied[k].tolist() for k in keys))) if self.exact else None

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        """Boolean array: row ``i`` of ``table`` has its keys among ``supplied``'s."""
        keys = self.keys
        if not len(table):
            return np.zeros(0, dtype=bool)
        if not self.exact or table[keys].isna().to_numpy().any():
            return (table.merge(self.supplied, on=keys, how="left", indicator=True)["_merge"]
                    == "both").to_numpy()
        found = self.set
        return np.fromiter((k in found for k in zip(*(table[k].tolist() for k in keys))),
                           dtype=bool, count=len(table))


def _initial_columns(graph: PricingGraph, products, duals: DatedDuals, net: FreightNetwork,
                     eta: np.ndarray, pricing: Pricing) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each initial-queue entry priced exactly over the routes a new stream could have
    (:func:`~borderflow.model.initial_pricing.price_initial_entry`): ``(initial, columns)``,
    the per-entry table of :class:`DatedPricing` (``bound_usd_per_truck``: a lower bound on the
    entry's least reduced cost, exact when negative; ``exact``: the search finished) and the
    routes of the entries whose allocation prices out (below ``-tolerance x payload``), as
    columns (``period`` -1, ``departure`` -1: no dispatch day; reduced cost per tonne)."""
    by_id = {p.product_id: p for p in products}
    at = graph.node_index()
    gate = {(graph.crossing_ids[graph.crossing[a]], DIRECTIONS[graph.direction[a]]): a
            for a in range(len(graph.arc_ids)) if graph.crossing[a] >= 0}
    rows, cols, days = [], [], {}
    for j, q in enumerate(net.scenario.initial_queues):
        product = by_id.get(q.product)
        if product is None:  # nothing supplies it: no new stream of it can exist
            continue
        if q.product not in days:
            days[q.product] = _Days(graph, product, duals)
        origins = [at[q.origin]] if q.origin is not None and q.origin in at else \
            [at[o] for o in product.origins if o in at]
        found = price_initial_entry(graph, product, duals, days[q.product],
                                    gate[(q.crossing, q.direction)], int(q.age_days),
                                    float(eta[j]), origins)
        P = product.payload_t_per_truck
        rows.append((j, q.crossing, q.direction, q.product, int(q.age_days), float(q.trucks),
                     P, float(found.bound_usd_per_truck), bool(found.exact)))
        if found.arcs is not None and found.value_usd_per_truck < -pricing.tolerance_usd_per_t * P:
            cols.append((*_column(graph, product, found.origin, list(found.arcs),
                                  found.value_usd_per_truck / P), -1, -1))
    initial = pd.DataFrame(rows, columns=["entry", "crossing_id", "direction", "product_id",
                                          "age_days", "trucks", "payload_t_per_truck",
                                          "bound_usd_per_truck", "exact"])
    columns = pd.DataFrame(cols, columns=["origin", "product_id", "market", "arcs",
                                          "n_crossings", "hours", "cost_usd_per_t",
                                          "reduced_cost_usd_per_t", "period", "departure"])
    return initial, columns


def _held_columns(graph: PricingGraph, products, net: FreightNetwork, built: BuiltModel,
                  stock: StockPricing, pricing: Pricing) -> pd.DataFrame:
    """A held route (:func:`~borderflow.model.held_routes.held_route`) per cell of stock the
    model lacks whose stock columns price out (:func:`~borderflow.model.stock_bound.
    new_cell_betas` below ``-tolerance``), as columns (``period``: the held day, ``departure``
    -1; ``reduced_cost_usd_per_t``: the cell's beta)."""
    by_id = {p.product_id: p for p in products}
    at = graph.node_index()
    hold = entry_limits(net)
    hold = hold[hold["kind"] == "hold_dispatch"]
    arc_of = {(graph.crossing_ids[graph.crossing[a]], DIRECTIONS[graph.direction[a]]): a
              for a in range(len(graph.arc_ids)) if graph.crossing[a] >= 0}
    events = stock.cells.set_index(["origin", "product_id", "held_day"])["events"]
    rows = []
    for (o, pid, s), beta in new_cell_betas(net, built, stock).items():
        product = by_id.get(pid)
        if beta >= -pricing.tolerance_usd_per_t or product is None or o not in at:
            continue
        mine = hold[hold["event"].isin(events.loc[(o, pid, s)]) & (hold["period"] == s)]
        arcs = {arc_of[(c, d)] for c, d, prods in zip(mine["crossing_id"], mine["direction"],
                                                      mine["products"])
                if (c, d) in arc_of and (not prods or pid in prods)}
        path = held_route(graph, product, at[o], arcs)
        if path is not None:
            rows.append((*_column(graph, product, at[o], path, beta), s, -1))
    return pd.DataFrame(rows, columns=["origin", "product_id", "market", "arcs",
                                       "n_crossings", "hours", "cost_usd_per_t",
                                       "reduced_cost_usd_per_t", "period", "departure"])


def initial_shortfall(found: DatedPricing, tolerance_usd_per_t: float) -> tuple[float, int]:
    """``(USD, entries)``: initial-queue trucks x how far their bound is below 0, over the
    entries whose bound is below ``-tolerance x payload``."""
    init = found.initial
    if init.empty:
        return 0.0, 0
    b = init["bound_usd_per_truck"].to_numpy(dtype=float)
    short = b < -tolerance_usd_per_t * init["payload_t_per_truck"].to_numpy(dtype=float)
    return float((init["trucks"].to_numpy() * np.maximum(0.0, -b))[short].sum()), \
        int(short.sum())


def dated_gap_bound_usd(found: DatedPricing, net: FreightNetwork,
                        tolerance_usd_per_t: float, built: BuiltModel | None = None
                        ) -> tuple[float, float, list[str]]:
    """``(least reduced cost USD/t, gap bound USD, notes)`` of a dated pricing pass (module
    docstring): supply x shortfall over (origin, product, day), plus the initial queues'; a
    run with stock at origins (``built`` needed) :func:`~borderflow.model.stock_bound.
    stock_gap_bound` instead of the first term. ``notes``: why the run cannot be certified
    though no column prices out (empty: none)."""
    pairs = found.pairs
    extra, _ = initial_shortfall(found, tolerance_usd_per_t)
    if found.stock is not None:
        least, gap, notes = stock_gap_bound(pairs, net, built, found.stock,
                                            tolerance_usd_per_t)
        return least, gap + extra, notes
    if pairs.empty:
        return 0.0, extra, []
    rc = pairs["min_reduced_cost_usd_per_t"].to_numpy(dtype=float)
    keys = ["origin", "product_id", "period"]
    supply = net.supply.groupby(keys)["supply_t"].sum()
    s = supply.reindex(pd.MultiIndex.from_frame(pairs[keys])).fillna(0.0).to_numpy()
    finite = np.isfinite(rc)
    short = np.where(finite, np.maximum(0.0, -rc), 0.0)
    least = float(rc[finite].min()) if finite.any() else 0.0
    return least, float((s * short).sum()) + extra, []
