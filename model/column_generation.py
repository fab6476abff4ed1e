"""Column generation for static runs (issue 17): the optimum over every route, with a bound.

The path LP (:mod:`borderflow.model.formulation`) is first solved over the enumerated routes
(:mod:`borderflow.model.routes`); then, round after round, the duals of its rows are read from
HiGHS, every (origin, product) is priced exactly (:func:`borderflow.model.pricing.price_static`:
a resource-constrained shortest path under shelf life, licences, closures and "no country
twice"), and the routes whose reduced cost is below ``-tolerance`` are added to the route set.
The model is then rebuilt over the larger route set and solved again from the last optimal
basis (:func:`carry_basis`, kept by key in :mod:`borderflow.model.keyed_basis`; a rebuild of
the embedded base day costs about 0.6 s, less than keeping Pyomo and HiGHS in step column by
column). When a pricing round finds nothing, the
last solution is optimal over *every* route the network allows: its duals are feasible for
the dual of the full path LP (the proof is in docs/certified-routing.md), and the run is
``certified``.

Route costs are the generalized cost of :mod:`borderflow.model.costs` (value of time x hours and
tolls are additive per arc); destination-share rows enter as a constant per (origin, product,
market) at the market end (:func:`share_terms`); gate-entry rows (slot quotas, dispatch holds,
licences) add their dual per truck at the crossings they count (:func:`entry_prices`).

A run stops short of that (``restricted``) when column generation is switched off
(:attr:`Pricing.enabled`), when :attr:`Pricing.max_rounds` is reached, or when an analyst's
extra constraints are in the model (pricing does not see their duals). A restricted run's
last pricing still bounds the gap: for any feasible flow ``x`` of the full LP, ``c x >= c x* +
sum_r rc_r x_r >= c x* - sum_(o,p) supply_(o,p) max(0, -min_r rc_r)`` (weak duality with the
master's duals; flows of a pair add up to at most its supply), which is what
:func:`gap_bound_usd` reports. A certified run's bound is the same sum over the tolerance
(``supply x 1e-7`` USD/t at most).

Order and determinism: columns are added in the pricing's order (product, origin), route ids
name the crossings and a digest of the arcs, and the builder sorts (route, product) pairs, so
the same inputs give the same model, the same solution and the same tables.

(Over 500 lines: the record of a run's pricing, :class:`Routing`, with what ``summary.json``
writes of it, the duals a pass reads and the bound and routes it returns are one step of
the loop and are read together.)
"""

from __future__ import annotations

import functools
import hashlib
import time
import weakref
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from borderflow.data.destinations import share_rules
from borderflow.data.memo import ByIdentity

from .levers import entry_duals
from .licences import route_licences
from .congestion import congestion_prices
from .dated_pricing import MAX_LABELS
from .formulation import BuiltModel
from .network import FreightNetwork
from .keyed_basis import KeyedBasis, carry_basis, keyed_basis
from .pricing import (TOLERANCE, PricingGraph, PricingProduct, PricingResult, StaticDuals,
                      price_static)
from .routes import RouteSet, _eligible

__all__ = ["Pricing", "Routing", "KeyedBasis", "carry_basis", "entry_prices", "gap_bound_usd",
           "grow", "keyed_basis", "price_model",
           "pricing_inputs", "read_static_duals", "share_terms", "dated_share_terms",
           "static_dual_keys", "with_columns"]


@dataclass(frozen=True)
class Pricing:
    """Options of column generation (static runs).

    Attributes
    ----------
    enabled : bool
        Price routes after the first solve and add those that improve the objective (``False``:
        the run is optimal over the enumerated routes only, and says so with a gap bound).
    max_rounds : int
        Most pricing rounds that may add routes; a run that still finds improving routes after
        them is ``restricted`` (with its gap bound).
    tolerance_usd_per_t : float
        A route improves the objective when its reduced cost is below ``-tolerance`` (USD/t).
    columns_per_pair : int
        Most routes added per (origin, product) and round (least reduced cost first).
    warm : bool
        Start each rebuilt model from the last optimal basis (:func:`carry_basis`).
    max_labels : int
        Dated runs: labels one (origin, product, dispatch day) search may pop
        (``--pricing-labels``); at it pricing stops, the run ``restricted`` (gap unknown).
    window_start : bool or None
        Dated runs solved by exact windows: price the windows' stitched point first (its
        duals are not the whole LP's, so this only picks routes to start from) and rebuild
        over the routes it finds *before* the whole LP's crossover and simplex, which then
        start from the windows' point carried to the larger model
        (:mod:`borderflow.window_pricing`, ``--window-pricing``). The rounds that follow price
        with the whole LP's optimal duals as always, so the run is certified the same way;
        the optimum is the same, but the LP solved differs from the default path's, so at
        ties another optimal vertex (flows, duals) may be reported. ``None`` (default): on
        where the run can take it (:func:`~borderflow.window_pricing.window_start_problem`
        says why not); ``True``: asked for (a run that cannot take it carries on without it
        too); ``False``: off (``--no-window-pricing``).
    booking_scenarios : int
        Robust plans: most scenarios whose ``2^k - 1`` booking subsets are priced in each round
        (``--booking-scenarios``, 0-12; :data:`.robust_pricing.MAX_EXACT_SCENARIOS`). Above
        it a plan is certified only when no scenario's own column prices out, otherwise
        ``restricted`` with its gap bound (docs/certified-routing.md).
    label_bound : bool
        Dated runs: a search that reaches ``max_labels`` stops with the least key it had left
        (its A* key: the cost so far plus a lower bound to the end) as a lower bound on its
        reduced cost, instead of stopping pricing (``--pricing-label-bound``). The pass goes
        on, the columns the other searches find are added, and a run whose last pass has such
        a search is ``restricted`` with a gap bound that counts it (never ``certified``).
        Off by default: pricing stops at the first search at the limit, gap unknown.
    dominance, hour_bounds : bool
        Dated runs: drop labels dominated by the exact rule of :mod:`.dated_dominance`; A*
        keys also bounded per node and hour slot (:mod:`.dated_hour_bounds`). Exact (same
        least reduced costs, fewer labels; at ties another optimum); off by default.
    """

    enabled: bool = True
    max_rounds: int = 20
    tolerance_usd_per_t: float = TOLERANCE
    columns_per_pair: int = 1
    warm: bool = True
    max_labels: int = MAX_LABELS
    window_start: bool | None = None
    booking_scenarios: int = 8
    label_bound: bool = False
    dominance: bool = False
    hour_bounds: bool = False


#: how the reason of a run whose pricing met its label limit starts
#: (:func:`borderflow.pricing_scope.label_limit_reason`)
LABEL_LIMIT = "pricing stopped: label limit"


@dataclass
class Routing:
    """How optimality over the routes was established (``summary.json``: ``routing`` and
    ``pricing``).

    Attributes
    ----------
    status : str
        ``certified`` (no route of any product has a reduced cost below ``-tolerance``: the
        optimum over every route) or ``restricted`` (optimal over the routes in the model only).
    method : str
        ``column generation``, or how the routes were chosen when it did not run.
    reason : str
        Why a run is restricted ("" when certified).
    rounds : int
        Pricing rounds run (the last one found nothing when certified).
    routes_generated : int
        Routes added by pricing.
    route_products : int
        (route, product) pairs in the final model.
    min_reduced_cost_usd_per_t : float or None
        The least reduced cost the last pricing found (a lower bound where it was not searched
        exactly; 0 if no pair has a route; ``None`` if nothing was priced).
    gap_bound_usd : float
        How much lower the optimum over every route can be than this run's objective (USD per
        period summed; ``None`` when unknown: a run with extra constraints).
    pricing_seconds : float
        Wall-clock time in pricing (differs run to run; not in ``summary.json``'s ``pricing``).
    skipped : DataFrame or None
        The last pass's searches skipped by a proven bound (:mod:`~borderflow.model.
        dated_skip`; the folder's ``pricing_bounds``, ``pricing.skipped_searches``).
    """

    status: str = "restricted"
    method: str = "column generation"
    reason: str = ""
    rounds: int = 0
    routes_generated: int = 0
    route_products: int = 0
    min_reduced_cost_usd_per_t: float | None = None
    gap_bound_usd: float | None = None
    tolerance_usd_per_t: float = TOLERANCE
    pricing_seconds: float = field(default=0.0, compare=False)
    skipped: object = field(default=None, compare=False, repr=False)

    @property
    def certified(self) -> bool:
        """True when the run is optimal over every route."""
        return self.status == "certified"

    def summary(self) -> dict:
        """``summary.json``'s ``pricing`` (no wall-clock time: run folders stay
        byte-identical)."""
        skipped, self.skipped = self.skipped, None  # a table: not copied, not in the dict
        out, self.skipped = asdict(self), skipped
        for key in ("status", "pricing_seconds", "skipped"):
            out.pop(key)
        if skipped is not None and len(skipped):
            out["skipped_searches"] = len(skipped)
        # as text: a summary's numbers below 1e-6 are written as 0 (solver noise)
        out["tolerance_usd_per_t"] = f"{self.tolerance_usd_per_t:g}"
        return out

    def sentence(self, per_day: bool = True) -> str:
        """What "optimal" means for this run, in words (the summary, the narrative and the
        CLI): "optimal over all routes (certified)", or "optimal over the N (route, product)
        pairs in the model only; gap <= X USD/day" (``unknown`` without a bound)."""
        if self.certified:
            return "optimal over all routes (certified)"
        unit = "USD/day" if per_day else "USD"
        bound = "unknown" if self.gap_bound_usd is None else \
            f"<= {self.gap_bound_usd:,.2f} {unit}"
        if self.reason.startswith(LABEL_LIMIT):  # a cap the user can raise: said here too
            bound += f" ({self.reason.split(';')[0]})"
        return (f"optimal over the {self.route_products:,} (route, product) pairs in the model "
                f"only; gap {bound}")


# ---- pricing inputs from the network and the solved model -----------------------------------
#: pricing inputs and summed supply, per network tables (:class:`ByIdentity`)
_INPUTS = ByIdentity()
_SUPPLY = ByIdentity()


def pricing_inputs(net: FreightNetwork) -> tuple[PricingGraph, list[PricingProduct]]:
    """The pricing graph (every arc of the network, closed crossings included: closures are
    passed with the duals) and one :class:`PricingProduct` per product supplied somewhere.

    Made once per network tables and licences (a sweep's closures share them); the graph
    and products are immutable, the list is a copy."""
    licences = route_licences(net.tables.crossings, net.scenario)  # some day (model/licences)
    key = tuple(sorted((str(c), None if lic is None else tuple(sorted(map(str, lic))))
                       for c, lic in licences.items()))
    graph, products = _INPUTS.get(
        (net.nodes, net.arcs, net.demand, net.products, net.supply), key,
        lambda: _pricing_inputs(net, licences))
    return graph, list(products)


def _pricing_inputs(net: FreightNetwork, licences: dict
                    ) -> tuple[PricingGraph, list[PricingProduct]]:
    """:func:`pricing_inputs`, made anew."""
    graph = PricingGraph.from_tables(net.nodes[["node_id", "country"]], net.arcs)
    demand = net.demand[net.demand["period"] == net.demand["period"].min()]
    products = []
    for pid, p in net.products.sort_index().iterrows():
        origins = tuple(sorted(set(net.supply.loc[net.supply["product_id"] == pid, "origin"])))
        mk = demand[demand["product_id"] == pid].sort_values("market", kind="stable")
        if not origins or mk.empty:
            continue
        licensed = frozenset(c for c, lic in licences.items() if lic is None or pid in lic)
        products.append(PricingProduct(
            product_id=str(pid), payload_t_per_truck=float(p["payload_t_per_truck"]),
            cost_factor=float(p["cost_factor"]), shelf_life_h=float(p["shelf_life_h"]),
            origins=origins, markets=tuple(zip(mk["market"], mk["price_usd_per_t"].astype(float))),
            licensed=licensed, perishable=bool(p["perishable"]),
            penalty_usd_per_t=float(p["penalty_usd_per_t"]),
            vot_usd_per_t_h=float(p.get("vot_usd_per_t_h", 0.0))))
    return graph, products


def _row_duals(session, comp, duals: np.ndarray | None = None) -> np.ndarray:
    """HiGHS row duals of a constraint component, in index order (0 where not in HiGHS).
    ``duals``: every row's dual of the session's last solve, read once by a caller that
    reads several components (a copy of the solution's 55,000 duals costs ~3 ms)."""
    rows = session.rows_of(comp)
    if duals is None:
        duals = np.asarray(session.highs.getSolution().row_dual, dtype=float)
    return np.where(rows >= 0, duals[np.maximum(rows, 0)], 0.0) if len(rows) else np.zeros(0)


def share_terms(rows: pd.DataFrame, duals: np.ndarray, rules) -> dict:
    """What destination-share rows add to a route's reduced cost, per (origin, product,
    market): ``-sum_r ([market in the region of r] - share_r) x y_r`` (USD/t) over the rows
    ``r`` (``rule_id, side, share``) with a nonzero dual ``y_r`` (HiGHS's sign) whose rule
    (:class:`borderflow.data.destinations.ShareRule`) holds the triple."""
    by_id = {rule.rule_id: rule for rule in rules}
    out: dict = {}
    for rule_id, share, y in zip(rows["rule_id"], rows["share"], duals):
        if y == 0.0:
            continue
        keys, inside = _rule_scope(by_id[rule_id])
        for key, term in zip(keys, ((inside - float(share)) * float(y)).tolist()):
            out[key] = out.get(key, 0.0) - term
    return out


def dated_share_terms(rows: pd.DataFrame, duals: np.ndarray, rules) -> dict:
    """:func:`share_terms` of a dated model, per (origin, product, market, dispatch day): the
    rows of a day (``period``) price only the columns dispatched that day (USD/t).

    Bit for bit the per-key loop ``out[k] = out.get(k, 0.0) - term`` over the rows with a
    nonzero dual in row order (the same keys, in the order first met): the terms are
    subtracted by ``np.subtract.at``, which applies repeated indices one after another in
    the order given (a day's rows of one rule are thousands of keys each; the loop took 8 s
    a pass at 30 days, session 18)."""
    by_id = {rule.rule_id: rule for rule in rules}
    y = np.asarray(duals, dtype=float)
    live = np.flatnonzero(y != 0.0)
    if not len(live):
        return {}
    rule_ids, share = rows["rule_id"].to_numpy(), rows["share"].to_numpy(dtype=float)
    period = rows["period"].to_numpy().astype(np.int64)
    span = int(period[live].max()) + 1
    triples: dict = {}  # (origin, product, market) -> its number
    ids: dict = {}  # rule_id -> the numbers of its triples
    flat, terms = [], []
    for i in live.tolist():
        rule_id = rule_ids[i]
        keys, inside = _rule_scope(by_id[rule_id])
        if rule_id not in ids:
            ids[rule_id] = np.array([triples.setdefault(k, len(triples)) for k in keys],
                                    dtype=np.int64)
        flat.append(ids[rule_id] * span + period[i])
        terms.append((inside - float(share[i])) * float(y[i]))
    flat, terms = np.concatenate(flat), np.concatenate(terms)
    total = np.zeros(len(triples) * span)
    np.subtract.at(total, flat, terms)
    seen, first = np.unique(flat, return_index=True)
    names = list(triples)
    order = seen[np.argsort(first, kind="stable")]  # the keys in the order first met
    triple, day = np.divmod(order, span)
    return dict(zip([names[i] + (d,) for i, d in zip(triple.tolist(), day.tolist())],
                    total[order].tolist()))


@functools.lru_cache(maxsize=1024)
def _rule_scope(rule) -> tuple[tuple, np.ndarray]:
    """A share rule's ``(origin, product, market)`` triples and, per triple, 1.0 if the market
    is in the rule's region else 0.0 (worked out once per rule)."""
    inside = set(rule.markets)
    keys = tuple((o, p, m) for o in rule.origins for p in rule.products for m in rule.china)
    return keys, np.array([float(k[2] in inside) for k in keys])


#: (family, index table, keys) of the rows whose duals :func:`read_static_duals` reads
_DUAL_KEYS = (("supply_balance", "unserved", ["origin", "product_id"]),
              ("crossing_capacity", "capacity_rows", ["crossing_id", "direction"]),
              ("market_demand", "demand_rows", ["market", "product_id"]),
              ("priority_share", "priority_rows", ["crossing_id", "direction"]))


def static_dual_keys(built: BuiltModel) -> dict[str, list[tuple]]:
    """Per row family, the key of each row in index order (what :func:`read_static_duals`
    files its duals under); made once by a caller that reads the duals many times."""
    ix = built.index
    return {fam: list(getattr(ix, table)[keys].itertuples(index=False, name=None))
            for fam, table, keys in _DUAL_KEYS}


_KEYS_OF: dict[int, dict] = {}


def kept_dual_keys(built: BuiltModel) -> dict[str, list[tuple]]:
    """:func:`static_dual_keys` of ``built``, made once per model (a sweep re-solves and
    prices one kept model per scenario; forgotten with the model's index tables)."""
    ix = built.index
    at = id(ix)
    if at not in _KEYS_OF:
        _KEYS_OF[at] = static_dual_keys(built)
        weakref.finalize(ix, _KEYS_OF.pop, at, None)
    return _KEYS_OF[at]


def read_static_duals(session, built: BuiltModel, net: FreightNetwork,
                      rules=None, keys: dict | None = None) -> StaticDuals:
    """The duals of a solved static model as prices (USD/t, USD/truck; ``<=`` rows' as
    non-negative numbers), the closed crossing directions, the empty-return share and the
    destination-share rows' terms (:func:`share_terms`; ``rules``: the dataset's
    :func:`~borderflow.data.destinations.share_rules`, read here if not given). ``keys``:
    :func:`static_dual_keys` of ``built`` (made here if not given)."""
    m = built.model
    ix = built.index
    keys = kept_dual_keys(built) if keys is None else keys

    def keyed(family: str, values: np.ndarray) -> dict:
        return dict(zip(keys[family], np.asarray(values, dtype=float).tolist()))

    def dual(family: str) -> np.ndarray:
        return _row_duals(session, getattr(m, family))

    cap = net.capacity
    closed = frozenset((c, d) for c, d, k in zip(cap["crossing_id"], cap["direction"],
                                                 cap["capacity_trucks_per_day"]) if k <= 0)
    return StaticDuals(
        supply_usd_per_t=keyed("supply_balance", dual("supply_balance")),
        capacity_usd_per_truck=keyed("crossing_capacity",
                                     np.maximum(-dual("crossing_capacity"), 0.0)),
        market_usd_per_t=keyed("market_demand", np.maximum(-dual("market_demand"), 0.0)),
        priority_usd_per_truck=keyed("priority_share", np.maximum(-dual("priority_share"),
                                                                  0.0)),
        closed=closed, empty_return_share=float(ix.empty_return_share),
        share_usd_per_t=share_terms(ix.share_rows, _row_duals(session, m.destination_share),
                                    share_rules(net.tables) if rules is None
                                    else rules)
        if len(ix.share_rows) else {},
        entry_usd_per_truck=entry_prices(built, session, dated=False)
        + congestion_prices(built, lambda comp: _row_duals(session, comp)))


def entry_prices(built: BuiltModel, session, dated: bool) -> tuple:
    """The gate-entry rows of a solved model with a nonzero dual, as
    :attr:`~borderflow.model.pricing.StaticDuals.entry_usd_per_truck` (``period`` too in a
    dated model: ``(crossing_id, direction, period, origins, products, kind, dual)``)."""
    rows = built.entry_rows
    if rows is None or rows.empty or not hasattr(built.model, "gate_entry_limit"):
        return ()
    table = entry_duals(rows, _row_duals(session, built.model.gate_entry_limit))
    table = table[table["dual_usd_per_truck"] != 0.0]
    if dated:
        return tuple(zip(table["crossing_id"], table["direction"], table["period"],
                         table["origins"], table["products"], table["kind"],
                         table["dual_usd_per_truck"]))
    return tuple(zip(table["crossing_id"], table["direction"], table["origins"],
                     table["products"], table["dual_usd_per_truck"]))


def price_model(session, built: BuiltModel, net: FreightNetwork, pricing: Pricing,
                inputs: tuple[PricingGraph, list[PricingProduct]] | None = None
                ) -> PricingResult:
    """Price every (origin, product) of a solved static model with its duals."""
    graph, products = inputs or pricing_inputs(net)
    return price_static(graph, products, read_static_duals(session, built, net),
                        max_columns=pricing.columns_per_pair,
                        tolerance=pricing.tolerance_usd_per_t, exact_minimum=False)


def gap_bound_usd(result: PricingResult, net: FreightNetwork | None,
                  supply: pd.Series | None = None) -> tuple[float, float]:
    """``(least reduced cost, gap bound)`` of a pricing pass: the bound is ``sum supply x
    max(0, -least reduced cost)`` over (origin, product) (USD; see the module docstring).

    ``supply`` (t, indexed by ``origin, product_id``, or a mapping ``(origin, product_id) ->
    t``) replaces ``net.supply``'s (a sampled supply,
    :mod:`borderflow.uncertainty.sample_pricing`)."""
    pairs = result.pairs
    if pairs.empty:
        return 0.0, 0.0
    rc = pairs["min_reduced_cost_usd_per_t"].to_numpy(dtype=float)
    if supply is None:
        supply = _SUPPLY.get((net.supply,), None, lambda: net.supply.groupby(
            ["origin", "product_id"])["supply_t"].sum())
    if isinstance(supply, pd.Series):
        s = supply.reindex(pd.MultiIndex.from_frame(pairs[["origin", "product_id"]])) \
            .fillna(0.0).to_numpy()
    else:
        s = np.array([supply.get(k, 0.0) for k in zip(pairs["origin"], pairs["product_id"])],
                     dtype=float)
        s[np.isnan(s)] = 0.0
    finite = np.isfinite(rc)
    short = np.where(finite, np.maximum(0.0, -rc), 0.0)
    least = float(rc[finite].min()) if finite.any() else 0.0
    return least, float((s * short).sum())


# ---- new routes -------------------------------------------------------------------------------
def grow(routing: Routing, pricing: Pricing, net: FreightNetwork, routes: RouteSet,
         columns: pd.DataFrame, least: float) -> RouteSet | None:
    """``routes`` plus the priced ``columns`` (:func:`with_columns`) for the next round, or
    None when the loop must stop with the run ``restricted`` (column generation off, the
    round limit reached, or only pairs already in the model found: ``routing.reason`` says
    which)."""
    if not pricing.enabled or pricing.max_rounds <= 0:
        routing.method = "route enumeration (priced once for the gap bound)"
        routing.reason = "column generation switched off"
        return None
    if routing.rounds > pricing.max_rounds:
        routing.reason = f"pricing stopped after {pricing.max_rounds} rounds"
        return None
    more = with_columns(net, routes, columns)
    if len(more.eligible) == len(routes.eligible):
        routing.reason = ("pricing found only (route, product) pairs already in the model "
                          f"(reduced cost {least:.3g} USD/t: solver tolerance)")
        return None
    return more


def _route_id(origin: str, market: str, arcs: tuple, crossing_arcs: list[str]) -> str:
    label = "+".join(crossing_arcs) if crossing_arcs else "domestic"
    digest = hashlib.sha1(">".join(arcs).encode()).hexdigest()[:10]
    return f"{origin}>{market}|{label}|priced-{digest}"


def _between(routes: pd.DataFrame, ends: set[tuple[str, str]]) -> np.ndarray:
    """Mask of the ``routes`` rows whose (origin, market) is in ``ends``: the rows of an origin
    and a market named in ``ends`` first (``isin``), then the pairs among them (iterating
    every row's Arrow strings cost 0.04 s a round on the embedded dataset's 12,700 routes)."""
    mask = np.zeros(len(routes), dtype=bool)
    near = np.flatnonzero((routes["origin"].isin({o for o, _ in ends})
                           & routes["market"].isin({m for _, m in ends})).to_numpy())
    sub = routes.iloc[near]
    mask[near] = [e in ends for e in zip(sub["origin"], sub["market"])]
    return mask


#: the route-arc columns :func:`borderflow.model.routes._eligible` reads
_ELIGIBLE_ARCS = ["route_id", "kind", "element_id"]


def with_columns(net: FreightNetwork, routes: RouteSet, columns: pd.DataFrame) -> RouteSet:
    """``routes`` plus the routes of priced ``columns`` (origin, market, arcs), each with every
    product it is eligible for (licences and shelf life, :func:`borderflow.model.routes`'s
    rule). A column whose arcs are already a route adds no route; if that route is in the
    set but not for the column's product (a dated run's cap per origin and product), the
    (route, product) pair is added.

    Route ids are ``origin>market|crossings|priced-<digest of the arcs>``: what the verifier
    expects of a route id, unique and the same in every run.
    """
    arcs = net.arcs.set_index("arc_id")
    # existing routes between the same ends, as arc tuples (not all routes: that is slow)
    ends = set(zip(columns["origin"], columns["market"]))
    same = routes.routes.loc[_between(routes.routes, ends), "route_id"]
    # only the two columns read (a masked take of every Arrow string column of the route
    # arcs cost 0.2 s a round on the 60-day sweep's rebuilds)
    ra = routes.route_arcs.loc[routes.route_arcs["route_id"].isin(set(same)).to_numpy(),
                               ["route_id", "arc_id"]]
    known = {tuple(a): rid for rid, a in ra.groupby("route_id", sort=False)["arc_id"]
             .agg(list).items()}
    rows, arc_rows, seen, capped = [], [], set(), set()
    for c in columns.itertuples(index=False):
        path = tuple(c.arcs)
        if path in known:  # a route a cap left out for this product (dated runs)
            capped.add((known[path], c.product_id))
            continue
        if path in seen:
            continue
        seen.add(path)
        a = arcs.loc[list(path)]
        is_x = (a["kind"] == "crossing").to_numpy()
        rid = _route_id(c.origin, c.market, path, list(a.index[is_x]))
        offset = np.r_[0.0, np.cumsum(a["travel_h"].to_numpy())[:-1]]
        for k, (arc_id, r) in enumerate(a.iterrows()):
            arc_rows.append((rid, k, arc_id, r["kind"], r["element_id"], r["direction"],
                             float(offset[k])))
        label = "+".join(a.index[is_x]) if is_x.any() else "domestic"
        rows.append((rid, c.origin, c.market, label, int(is_x.sum()), rid.rsplit("|", 1)[1],
                     float(a["length_km"].sum()), float(a["travel_h"].sum()),
                     float((a.loc[~is_x, "cost_usd_per_truck"]
                            - a.loc[~is_x, "toll_usd_per_truck"]).sum()),
                     float(a.loc[is_x, "cost_usd_per_truck"].sum()),
                     float(a.loc[~is_x, "toll_usd_per_truck"].sum())))
    if capped:  # drop the pairs already in the set (only the capped routes' rows read)
        el = routes.eligible
        el = el[el["route_id"].isin({r for r, _ in capped}).to_numpy()]
        capped -= set(zip(el["route_id"], el["product_id"]))
    if not rows and not capped:
        return routes
    # no new route (only capped pairs): the tables' own empty slices, not empty frames of
    # object columns, whose concatenation would turn every column to object (pandas keeps
    # an empty frame's dtype) and every later group-by of the route set to Python loops
    new = pd.DataFrame(rows, columns=routes.routes.columns) if rows else routes.routes.iloc[:0]
    new_arcs = pd.DataFrame(arc_rows, columns=routes.route_arcs.columns) if arc_rows \
        else routes.route_arcs.iloc[:0]
    buyers = net.tables.markets.groupby("product_id")["node_id"].apply(set).to_dict()
    eligible = _eligible(net, new, new_arcs, net.products, buyers)[0] if rows \
        else routes.eligible.iloc[:0]
    if capped:  # the (route, product) pairs the pricing asked for, as the model prices them
        ids = {r for r, _ in capped}
        again, _ = _eligible(net, routes.routes[routes.routes["route_id"].isin(ids)],
                             routes.route_arcs.loc[routes.route_arcs["route_id"].isin(ids)
                                                   .to_numpy(), _ELIGIBLE_ARCS],
                             net.products, buyers)
        again = again[[k in capped for k in zip(again["route_id"], again["product_id"])]]
        eligible = pd.concat([eligible, again], ignore_index=True)
    stats = {**routes.stats, "routes": routes.stats.get("routes", 0) + len(new),
             "route_products": routes.stats.get("route_products", 0) + len(eligible),
             "priced_routes": routes.stats.get("priced_routes", 0) + len(new)}
    grown = RouteSet(
        routes=pd.concat([routes.routes, new], ignore_index=True),
        route_arcs=pd.concat([routes.route_arcs, new_arcs], ignore_index=True),
        eligible=pd.concat([routes.eligible, eligible], ignore_index=True).sort_values(
            ["product_id", "route_id"], kind="stable", ignore_index=True),
        stats=stats)
    _grow_crossings(routes, new_arcs, grown)
    return grown


def _grow_crossings(routes: RouteSet, new_arcs: pd.DataFrame, grown: RouteSet) -> None:
    """Give ``grown`` (``routes`` plus ``new_arcs``) its crossing table, when ``routes`` has
    made its own: that table followed by the new arcs' crossings, labelled as their rows of
    ``grown.route_arcs`` (the same frame as ``RouteSet.route_crossings`` makes from the whole
    route-arc table: a masked take of its Arrow string columns, 2.7 % of the embedded N-2 of
    ``test_nk.py`` made again for every grown route set)."""
    kept = routes.__dict__.get("_crossings")
    if kept is None or kept[0] is not routes.route_arcs:
        return
    more = new_arcs[(new_arcs["kind"] == "crossing").to_numpy()]
    more = more.set_axis(more.index + len(routes.route_arcs))
    grown.__dict__["_crossings"] = (grown.route_arcs, pd.concat([kept[1], more]))


def timed_pricing(session, built, net, pricing, inputs) -> tuple[PricingResult, float]:
    """:func:`price_model` and its wall-clock seconds."""
    t0 = time.perf_counter()
    result = price_model(session, built, net, pricing, inputs)
    return result, time.perf_counter() - t0
