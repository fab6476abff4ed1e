"""A static sweep scenario's own columns, added to the kept HiGHS model and removed after it.

A sweep keeps one model per structure and re-solves every scenario on it (bounds changed,
restarted from the reference basis). When a scenario's pricing finds routes of negative reduced
cost, column generation used to rebuild a model for that scenario alone (about 0.6 s a round on
the embedded base day). Here the routes are added to the kept **HiGHS** model instead
(:meth:`~borderflow.solvers.highs.HighsSession.add_columns`), with the coefficients a rebuilt
model would give them, computed by the formulation's own index functions
(:func:`~borderflow.model.indices.flow_table`, :func:`~borderflow.model.indices.crossing_use`,
:func:`~borderflow.model.indices.empty_returns`, :func:`~borderflow.model.indices.deliveries`,
:func:`~borderflow.model.indices.share_table`):

- objective ``cost_usd_per_t - price_usd_per_t``; 1 in the origin's supply row and the
  market's demand row; ``1/payload`` in the capacity (and, non-perishables, priority) rows of
  the crossings it takes, ``share/payload`` for the empties returning the other way;
  ``[market in region] - share`` in destination-share rows;
- a capacity, priority or demand row that the kept model lacks in HiGHS (no kept route uses
  that crossing direction or market) is appended with the scenario's bound, as a rebuilt model
  would have it; its dual is read from HiGHS for the next pricing round and the result tables;
- a column through a crossing direction closed in the scenario is bounded to 0 (as
  :func:`~borderflow.model.formulation.define_closure_bounds` does).

The LP re-solved is then the LP of the rebuilt model (the same columns and rows, in another
order), so its optimum is the same, and so is the certificate: pricing reads every row's dual,
appended rows included (the loop: :mod:`borderflow.model.scenario_pricing`). A scenario whose
columns need a row that cannot be appended (a
destination-share side the kept model does not have) or a model with rows this module does not
write (gate-entry rows, stock at origins, congestion tiers, extensions) is not handled
here: :func:`supported`
says so and the caller rebuilds, as before.

The columns and rows are removed after the scenario (:meth:`AddedColumns.drop`), so every
scenario starts from the same kept model and reference basis: results do not depend on the
order, the worker or a resumed sweep. Result tables read the added columns' values and the
appended rows' duals from HiGHS (:func:`borderflow.model.results.extract_results`,
``added``); nothing is added to the Pyomo model.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from borderflow.data.destinations import share_rules

from .column_generation import with_columns
from .formulation import CROSS_KEYS
from .indices import crossing_use, deliveries, empty_returns, flow_table, share_table
from .network import FreightNetwork
from .pyomo_layer import columns
from .routes import RouteSet

__all__ = ["AddedColumns", "add_routes", "appended_rows", "objective_with", "start_adding",
           "supported"]

#: row families whose missing rows a scenario's columns may append, and their keys
APPENDED = {"crossing_capacity": CROSS_KEYS, "priority_share": CROSS_KEYS,
            "market_demand": ["market", "product_id", "period"]}


def supported(model) -> bool:
    """True when a solved kept model (a :class:`borderflow.pipeline.Prepared`) can take a
    scenario's columns in place: static, no gate-entry rows, no stock at origins, no analyst's
    extension, no congestion tiers (their rows would need coefficients this module does not
    write)."""
    b = model.built
    return (not model.net.dated and model.extension is None and b.stock is None
            and b.congestion is None
            and (b.entry_rows is None or b.entry_rows.empty
                 or not hasattr(b.model, "gate_entry_limit")))


@dataclass
class AddedColumns:
    """The columns (and rows) one scenario added to a kept HiGHS model.

    Attributes
    ----------
    session : HighsSession
        The kept session they were added to.
    first_col, first_row : int
        HiGHS index of the first added column and row (everything from there on is the
        scenario's).
    flows : DataFrame
        One row per added column, in HiGHS order (the columns of ``index.flows``, ``f``
        numbering them from 0).
    rows : dict
        ``(family, key) -> HiGHS row`` of each appended row (``key``: its index-table keys).
    bounds : dict
        ``(family, key) -> upper bound`` of each appended row (capacity, limit or demand).
    routes : RouteSet
        The added routes (their eligible pairs: the added columns' pairs).
    """

    session: object
    first_col: int
    first_row: int
    flows: pd.DataFrame
    rows: dict = field(default_factory=dict)
    bounds: dict = field(default_factory=dict)
    routes: RouteSet | None = None

    @property
    def columns(self) -> int:
        """How many columns were added."""
        return len(self.flows)

    def values(self) -> np.ndarray:
        """The added columns' values in the last solve (t/day, ``flows`` order)."""
        x = np.asarray(self.session.highs.getSolution().col_value, dtype=float)
        return x[self.first_col:self.first_col + len(self.flows)]

    def row_dual(self, family: str, key: tuple) -> float:
        """HiGHS's dual of an appended row (0 if the row was not appended)."""
        at = self.rows.get((family, key))
        if at is None:
            return 0.0
        return float(self.session.highs.getSolution().row_dual[at])

    def appended(self, family: str) -> pd.DataFrame:
        """The appended rows of ``family``: its keys, ``bound`` and ``dual`` (HiGHS's sign)."""
        keys = APPENDED[family]
        items = [(k, self.bounds[(f, k)]) for (f, k) in self.rows if f == family]
        y = np.asarray(self.session.highs.getSolution().row_dual, dtype=float) if items \
            else np.zeros(0)
        out = pd.DataFrame([k for k, _ in items], columns=keys)
        out["bound"] = [b for _, b in items]
        out["dual"] = [float(y[self.rows[(family, k)]]) for k, _ in items]
        return out

    def all_routes(self, kept: RouteSet) -> RouteSet:
        """``kept`` plus the added routes (the route set a rebuilt model would have had)."""
        new = self.routes
        if new is None or new.routes.empty:
            return kept
        stats = {**kept.stats, "routes": kept.stats.get("routes", 0) + len(new.routes),
                 "route_products": kept.stats.get("route_products", 0) + len(new.eligible),
                 "priced_routes": kept.stats.get("priced_routes", 0) + len(new.routes)}
        return RouteSet(routes=pd.concat([kept.routes, new.routes], ignore_index=True),
                        route_arcs=pd.concat([kept.route_arcs, new.route_arcs],
                                             ignore_index=True),
                        eligible=pd.concat([kept.eligible, new.eligible], ignore_index=True)
                        .sort_values(["product_id", "route_id"], kind="stable",
                                     ignore_index=True),
                        stats=stats)

    def drop(self) -> None:
        """Remove the added columns and rows from HiGHS (the kept model as it was)."""
        self.session.drop_columns_from(self.first_col)
        self.session.drop_rows_from(self.first_row)


# ---- result tables ---------------------------------------------------------------------------
def appended_rows(table: pd.DataFrame, added, family: str, column: str,
                   bound: str | None = None) -> pd.DataFrame:
    """``table`` (keys and ``column``: minus the row dual) with the rows of ``family`` that
    a sweep scenario appended to HiGHS (:mod:`borderflow.model.scenario_columns`; ``bound``:
    the column their bound goes to)."""
    if added is None or not added.rows:
        return table
    extra = added.appended(family)
    if extra.empty:
        return table
    extra[column] = -extra["dual"].to_numpy() + 0.0
    if bound is not None:
        extra[bound] = extra["bound"]
    return pd.concat([table, extra[list(table.columns)]], ignore_index=True)


def objective_with(m, added=None, flows: pd.DataFrame | None = None) -> float:
    """The objective (USD): the Pyomo model's, with a sweep scenario's added columns (values
    from HiGHS). ``flows``: the kept model's ``index.flows``; with it the sum is taken in the
    order a model rebuilt over the same routes sums it (route flows sorted by product, route
    and day, then the other costed columns), so a scenario whose solution is the rebuilt
    model's gets its objective to the last bit."""
    value = float(pyo.value(m.objective))
    if added is None or not added.columns:
        return value
    f = added.flows
    cost = f["cost_usd_per_t"].to_numpy(dtype=float) + (-f["price_usd_per_t"].to_numpy(
        dtype=float))
    kept = m.objective.cost_arrays() if flows is not None else None
    if kept is None:
        return value + float(cost @ added.values())
    x, positions, kept_cost = kept
    first = columns(m).offset.get("route_flow", 0)
    is_flow = (positions >= first) & (positions < first + len(flows))
    if is_flow.any() and (~is_flow).any() and \
            positions[is_flow].max() > positions[~is_flow].min():
        return value + float(cost @ added.values())  # not the layout assumed here
    at = positions[is_flow] - first
    keys = ["product_id", "route_id", "period"]
    both = pd.concat([flows.iloc[at][keys].assign(
        c=kept_cost[is_flow], v=[x[j].value for j in positions[is_flow]]),
        f[keys].assign(c=cost, v=added.values())[cost != 0.0]], ignore_index=True)
    both = both.sort_values(keys, kind="stable")
    rest = positions[~is_flow]
    c = np.concatenate([both["c"].to_numpy(dtype=float), kept_cost[~is_flow]])
    v = np.concatenate([both["v"].to_numpy(dtype=float),
                        np.array([x[j].value for j in rest], dtype=float)])
    return float(np.dot(c, v))


# ---- the kept routes by their arcs ------------------------------------------------------------
class _KeptPaths:
    """The kept routes' arcs by their ends, looked up on demand: ``paths(origin, market)`` is
    ``{arcs tuple: route_id}`` of the kept routes between them (a priced column whose arcs are
    a kept route's adds nothing, as in :func:`~borderflow.model.column_generation.
    with_columns`). The position indexes are made once per kept route set."""

    def __init__(self, routes: RouteSet):
        ra = routes.route_arcs
        self._rows = ra.groupby("route_id", sort=False).indices
        self._seq = ra["seq"].to_numpy()
        self._arc = ra["arc_id"].to_numpy(dtype=object)
        self._ends = routes.routes.groupby(["origin", "market"], sort=False).indices
        self._ids = routes.routes["route_id"].to_numpy(dtype=object)
        self._made: dict = {}

    def __call__(self, origin: str, market: str) -> dict:
        key = (origin, market)
        if key not in self._made:
            out = {}
            for rid in self._ids[self._ends.get(key, [])]:
                pos = self._rows.get(rid, np.zeros(0, dtype=np.int64))
                pos = pos[np.argsort(self._seq[pos], kind="stable")]
                out[tuple(self._arc[pos])] = rid
            self._made[key] = out
        return self._made[key]


_PATHS: dict[int, _KeptPaths] = {}


def _kept_paths(routes: RouteSet) -> _KeptPaths:
    """:class:`_KeptPaths` of a kept route set (made once per set)."""
    at = id(routes.route_arcs)
    if at not in _PATHS:
        _PATHS[at] = _KeptPaths(routes)
        weakref.finalize(routes.route_arcs, _PATHS.pop, at, None)
    return _PATHS[at]


def _new_routes(net: FreightNetwork, kept: RouteSet, added: AddedColumns | None,
                columns: pd.DataFrame) -> RouteSet:
    """The routes of ``columns`` that neither the kept set nor earlier rounds have, each with
    every product it is eligible for (:func:`~borderflow.model.column_generation.
    with_columns`' rule: what a rebuilt model would add)."""
    paths = _kept_paths(kept)
    earlier = set() if added is None or added.routes is None else \
        set(added.routes.routes["route_id"])
    keep = [tuple(a) not in paths(o, m) for o, m, a in
            zip(columns["origin"], columns["market"], columns["arcs"])]
    cols = columns[keep]
    none = RouteSet(routes=kept.routes.iloc[0:0], route_arcs=kept.route_arcs.iloc[0:0],
                    eligible=kept.eligible.iloc[0:0], stats={})
    if cols.empty:
        return none
    grown = with_columns(net, none, cols[["origin", "market", "arcs", "product_id"]])
    fresh = ~grown.routes["route_id"].isin(earlier)
    ids = set(grown.routes.loc[fresh, "route_id"])
    return RouteSet(routes=grown.routes[fresh].reset_index(drop=True),
                    route_arcs=grown.route_arcs[grown.route_arcs["route_id"].isin(ids)]
                    .reset_index(drop=True),
                    eligible=grown.eligible[grown.eligible["route_id"].isin(ids)]
                    .reset_index(drop=True), stats={})


# ---- adding columns -----------------------------------------------------------------------------
def start_adding(model) -> AddedColumns:
    """An empty :class:`AddedColumns` of ``model``'s session (nothing added yet)."""
    h = model.session.highs
    return AddedColumns(session=model.session, first_col=int(h.getNumCol()),
                        first_row=int(h.getNumRow()), flows=flow_table(
                            model.net, replace(model.routes,
                                               eligible=model.routes.eligible.iloc[0:0])))


def add_routes(model, added: AddedColumns | None, columns: pd.DataFrame
               ) -> tuple[AddedColumns | None, int]:
    """Add the routes of priced ``columns`` to ``model``'s HiGHS session (see the module
    docstring); ``added``: what earlier rounds of the scenario added (``None`` at first).

    Returns
    -------
    (AddedColumns or None, int)
        What the scenario has added so far and how many routes this call added (0: none was
        new); ``None`` if a column needs a row that cannot be appended (the caller rebuilds;
        nothing was added by this call).
    """
    net, built, session = model.net, model.built, model.session
    h = session.highs
    if added is None:
        added = start_adding(model)
    sub = _new_routes(net, model.routes, added, columns)
    if sub.eligible.empty:
        return added, 0
    flows = flow_table(net, sub)
    ix = built.index
    n = len(flows)
    # (family, kept row of the family or -1, column, coefficient, keys of the row)
    entries = [("supply_balance", ix.supply_row(flows), flows["f"].to_numpy(), 1.0, None)]
    use = crossing_use(net, sub, flows, ix.queues.iloc[0:0])
    back = empty_returns(use, ix.empty_return_share, ix.empty_return_days, ix.n_periods)
    both = pd.concat([use, back], ignore_index=True)
    entries.append(("crossing_capacity", ix.capacity_row(both), both["idx"].to_numpy(),
                    both["trucks_per_t"].to_numpy(), both[CROSS_KEYS]))
    non = use[~use["perishable"].astype(bool).to_numpy()]
    if len(non):
        entries.append(("priority_share", ix.priority_row(non) if len(ix.priority_rows) else
                        np.full(len(non), -1), non["idx"].to_numpy(),
                        non["trucks_per_t"].to_numpy(), non[CROSS_KEYS]))
    d = deliveries(flows, ix.streams, ix.queues.iloc[0:0], False)
    entries.append(("market_demand", ix.demand_row(d), d["idx"].to_numpy(), 1.0,
                    d[APPENDED["market_demand"]]))
    share_rows, share_terms = share_table(net, flows, _rules(net))
    if len(share_terms):
        known = {k: i for i, k in enumerate(zip(ix.share_rows["rule_id"],
                                                 ix.share_rows["side"]))}
        local = np.array([known.get(k, -1) for k in zip(share_rows["rule_id"],
                                                         share_rows["side"])])
        at = session.rows_of(built.model.destination_share)
        if (local < 0).any() or (len(at) and (at[local] < 0).any()) or not len(at):
            return None, 0  # a share side the kept model lacks in HiGHS: rebuild
        entries.append(("destination_share", local[share_terms["row"].to_numpy()],
                        share_terms["f"].to_numpy(), share_terms["coef"].to_numpy(), None))
    new_rows: dict = {}
    rows, cols, values = [], [], []
    for family, fam_rows, f, coef, keys in entries:
        fam_rows = np.asarray(fam_rows, dtype=np.int64)
        coef = np.broadcast_to(np.asarray(coef, dtype=float), fam_rows.shape)
        at = session.rows_of(getattr(built.model, family))
        hr = np.where(fam_rows >= 0, at[np.maximum(fam_rows, 0)] if len(at) else -1, -1)
        if family in APPENDED:
            hr = _appended(family, hr, keys, net, added, new_rows)
        ok = hr != -1  # -1: no such row; <= -2: a row appended below
        rows.append(hr[ok])
        cols.append(np.asarray(f, dtype=np.int64)[ok])
        values.append(coef[ok])
    if new_rows:
        first = session.add_rows(np.full(len(new_rows), -np.inf),
                                 np.array([added.bounds[k] for k in new_rows]))
        for i, k in enumerate(new_rows):
            added.rows[k] = first + i
        rows = [_resolve(r, new_rows, first) for r in rows]
    cost = flows["cost_usd_per_t"].to_numpy(dtype=float) + \
        (-flows["price_usd_per_t"].to_numpy(dtype=float))
    first_col = session.add_columns(cost, np.concatenate(rows), np.concatenate(cols),
                                    np.concatenate(values))
    shut = _closed(net, use)
    if len(shut):
        j = (first_col + shut).astype(np.int32)
        h.changeColsBounds(len(j), j, np.zeros(len(j)), np.zeros(len(j)))
    flows["f"] = np.arange(added.columns, added.columns + n)
    added.flows = pd.concat([added.flows, flows], ignore_index=True) if added.columns \
        else flows
    added.routes = sub if added.routes is None or added.routes.routes.empty else RouteSet(
        routes=pd.concat([added.routes.routes, sub.routes], ignore_index=True),
        route_arcs=pd.concat([added.routes.route_arcs, sub.route_arcs], ignore_index=True),
        eligible=pd.concat([added.routes.eligible, sub.eligible], ignore_index=True), stats={})
    return added, len(sub.routes)


def _rules(net: FreightNetwork):
    """The dataset's destination-share rules (read once per tables)."""
    return share_rules(net.tables)


def _appended(family: str, hr: np.ndarray, keys: pd.DataFrame, net: FreightNetwork,
              added: AddedColumns, new_rows: dict) -> np.ndarray:
    """``hr`` (HiGHS rows, -1: not in HiGHS) with the rows HiGHS lacks found among those
    appended before, or planned now (``new_rows``: key -> slot; written as ``-2 - slot``);
    an entry whose row the scenario does not have (no capacity calendar entry, a market
    without a demand cap, a gate without a priority rule) stays -1: a rebuilt model has no
    such row either."""
    out = hr.copy()
    missing = np.flatnonzero(hr < 0)
    if not len(missing):
        return out
    bound = _bounds(family, net)
    for j, key in zip(missing.tolist(), keys.iloc[missing].itertuples(index=False, name=None)):
        k = (family, key)
        if k in added.rows:
            out[j] = added.rows[k]
            continue
        if k not in new_rows:
            b = bound.get(key)
            if b is None:
                continue
            added.bounds[k] = b
            new_rows[k] = len(new_rows)
        out[j] = -2 - new_rows[k]
    return out


def _resolve(r: np.ndarray, new_rows: dict, first: int) -> np.ndarray:
    """Slots ``-2 - s`` of rows planned in this call -> their HiGHS rows."""
    return np.where(r <= -2, first + (-2 - r), r)


def _bounds(family: str, net: FreightNetwork) -> dict:
    """The scenario's upper bound of each row of ``family`` a rebuilt model would have, by
    key: capacity (trucks/day), the priority rule's limit ``(1 - share) x capacity``, finite
    demand (t)."""
    if family == "crossing_capacity":
        cap = net.capacity
        return dict(zip(cap[CROSS_KEYS].itertuples(index=False, name=None),
                        cap["capacity_trucks_per_day"].astype(float)))
    if family == "priority_share":
        if net.priority.empty:
            return {}
        rows = net.capacity.merge(net.priority, on=CROSS_KEYS)
        limit = (1.0 - rows["perishable_share"]) * rows["capacity_trucks_per_day"]
        return dict(zip(rows[CROSS_KEYS].itertuples(index=False, name=None),
                        limit.astype(float)))
    demand = net.demand[net.demand["demand_t"].notna()]
    keys = APPENDED["market_demand"]
    return dict(zip(demand[keys].itertuples(index=False, name=None),
                    demand["demand_t"].astype(float)))


def _closed(net: FreightNetwork, use: pd.DataFrame) -> np.ndarray:
    """Added columns (local numbers) that take a crossing direction closed in the scenario."""
    if use.empty:
        return np.zeros(0, dtype=np.int64)
    cap = net.capacity
    shut = set(cap.loc[cap["capacity_trucks_per_day"] <= 0, CROSS_KEYS]
               .itertuples(index=False, name=None))
    if not shut:
        return np.zeros(0, dtype=np.int64)
    hit = [k in shut for k in use[CROSS_KEYS].itertuples(index=False, name=None)]
    return np.unique(use.loc[hit, "idx"].to_numpy(dtype=np.int64))
