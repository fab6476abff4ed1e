"""One sample as changes to a kept model: bounds, objective coefficients, matrix coefficients.

A sweep re-solves a kept HiGHS model by changing bounds; an uncertainty run does the same and
also changes costs and, for payloads, coefficients. :class:`WarmEffects` is made once per kept
model (it precomputes which model quantity each sampled number feeds), then
:meth:`WarmEffects.changes` turns one sample into a :class:`ModelChanges` in microseconds to
milliseconds (numpy and one sparse product; no network, route or model rebuild).

How each quantity is recomputed (the ``built`` index tables say which row or column is which):

- **route costs**: the generalized cost of :mod:`borderflow.model.costs`, from two sparse
  route x link and route x crossing-direction matrices: per route the links' running costs
  (own cost, or length x the per-km rate x the country and terrain factors of
  ``cost_terms.csv``) and tolls, the crossings' fees plus transit fees, and the hours (links and
  dwell); per (route, product) column: (running x the product's cost factor + tolls + fees) /
  payload + value of time x hours. Minus the market price for columns that deliver.
- **capacity rows**: each row's capacity is affine in its crossing's nominal capacity
  (``alpha + beta K``: the share of the period's days at nominal capacity, and what events set
  on the others). ``alpha`` and ``beta`` come from two evaluations of the network's calendars
  (dataset as is, and every capacity + 1): exact, whatever the scenario's closures and builds.
  A row at 0 shuts what takes it (column bounds), as closures do.
- **supply rows**: supply x a calendar factor that is affine in the seasonality shares; the
  factors come from evaluations with unit supply (13 when shares are sampled: all shares 0, then
  each month at 1).
- **eligibility** (static): route duration = its links' hours + its crossings' dwell; a column
  whose duration exceeds its product's shelf life gets an upper bound of 0. The kept model must
  hold every licensed route (:func:`structure_tables`).
- **payload** and **empty-return share**: every capacity/priority (and initial-queue) term is
  rewritten as 1/payload (x share for empties) at the same positions.

At construction the point values are run through the same arithmetic and compared with the
model's own tables (costs, capacities, supplies): a mismatch (the model's formulation changed)
raises instead of sampling a different model.

(About 660 lines: one class whose families share the index arrays it builds; a sweep's
scenarios reuse them, :meth:`WarmEffects.for_scenario`.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from borderflow.data.cost_terms import cost_index
from borderflow.data.loaders import InputTables
from borderflow.model.costs import cost_per_t, crossing_fees, link_costs, product_vot
from borderflow.model.formulation import CROSS_KEYS, BuiltModel
from borderflow.model.levers import entry_bounds
from borderflow.model.network import DIRECTIONS, FreightNetwork, capacity_supply
from borderflow.model.routes import RouteSet

from .coefficients import CoefficientTerms
from .congestion_effects import (check_congestion_sampling, check_sample_tiers,
                                 congestion_changes, sampled_cells)
from .ranges import key_of
from .sampling import FactorSpace

#: shelf life (days) given to every product in a kept model whose eligibility is sampled: longer
#: than any route, so every licensed route is a column and eligibility is a bound
STRUCTURE_SHELF_LIFE_DAYS = 36_500.0
#: relative tolerance of the self-check against the model's own tables
SELF_CHECK_RTOL = 1e-9

Calendars = Callable[[InputTables], tuple[pd.DataFrame, pd.DataFrame]]


class StructureChange(ValueError):
    """A sampled number changes the model's structure: it needs a rebuilt model per sample."""


@dataclass
class ModelChanges:
    """What one sample sets in a kept model: whole vectors per component, in index order.

    Attributes
    ----------
    rows : dict name -> (lower, upper)
        Row bounds of constraint families (``supply_balance``, ``crossing_capacity``,
        ``priority_share``, ``market_demand``).
    columns : dict name -> (lower, upper)
        Variable bounds (``route_flow``, ``departures``: closures and eligibility).
    costs : dict name -> ndarray
        Objective coefficient of every variable of the component (USD per unit).
    coefficients : dict name -> CoefficientTerms
        Every matrix entry of the family that depends on a payload or the empty-return share,
        with its new value (only when those are sampled).
    route_set : str
        ``"baseline"``: the changes are those of the kept model's routes (enumerated plus
        priced at the dataset's values); a sample's own priced routes are added after its
        solve (:mod:`borderflow.uncertainty.sample_columns`), not here.
    """

    rows: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    costs: dict = field(default_factory=dict)
    coefficients: dict = field(default_factory=dict)
    route_set: str = "baseline"


def structure_tables(tables: InputTables, space: FactorSpace) -> InputTables:
    """The tables to build a kept model from, so that every sample fits its structure.

    When a shelf life, dwell time or link hours are sampled (static runs), every product gets a
    shelf life of :data:`STRUCTURE_SHELF_LIFE_DAYS`: the route set is unchanged (shelf lives do
    not choose paths) but every licensed (route, product) pair becomes a column, and
    :meth:`WarmEffects.changes` bounds those the sample makes too slow to 0, the point sample
    included. Otherwise the tables themselves.
    """
    if not (space.factors["effect"] == "eligibility").any():
        return tables
    out = tables.copy()
    for col in ("shelf_life_ambient_days", "shelf_life_reefer_days"):
        out.products[col] = STRUCTURE_SHELF_LIFE_DAYS
    return out


def _network_calendars(net: FreightNetwork) -> Calendars:
    def calendars(tables: InputTables) -> tuple[pd.DataFrame, pd.DataFrame]:
        return capacity_supply(tables, net.scenario)
    return calendars


class WarmEffects:
    """Precomputed map from sampled numbers to a kept model's quantities.

    Parameters
    ----------
    built : BuiltModel
        The kept model (built from :func:`structure_tables` of ``tables``).
    routes : RouteSet
        Its route set.
    net : FreightNetwork
        Its network (scenario and horizon).
    space : FactorSpace
        The sampled numbers; none may be structural for this horizon.
    tables : InputTables, optional
        The dataset's own tables (default ``net.tables``): the values not sampled.
    calendars : callable, optional
        ``tables -> (capacity, supply)`` calendars of the run's scenario (default:
        :func:`borderflow.model.network.capacity_supply`, as
        :func:`~borderflow.model.network.build_network` makes them); used a few times at
        construction.

    Raises
    ------
    StructureChange
        If a sampled number changes the model's structure in this horizon.
    RuntimeError
        If the point values do not reproduce the model's own costs, capacities or supplies.
    """

    def __init__(self, built: BuiltModel, routes: RouteSet, net: FreightNetwork,
                 space: FactorSpace, tables: InputTables | None = None,
                 calendars: Calendars | None = None):
        structural = space.structural()
        if len(structural):
            names = ", ".join(f"{r.table}/{r.key}/{r.field}" for r in
                              structural.head(5).itertuples(index=False))
            raise StructureChange(f"{len(structural)} sampled number(s) change the model's "
                                  f"structure in a {'dated' if net.dated else 'static'} run "
                                  f"({names}): solve them by rebuilding")
        why = check_congestion_sampling(built, space.factors)
        if why is not None:
            raise StructureChange(why)
        self.built, self.routes, self.net, self.space = built, routes, net, space
        self.tables = tables if tables is not None else net.tables
        self.calendars = calendars or _network_calendars(net)
        self.sampled = {(t, f) for t, f in zip(space.factors["table"], space.factors["field"])}
        self._index_factors()
        self._index_routes()
        self._index_rows()
        self._index_coefficients()
        self._self_check()

    # ---- construction -------------------------------------------------------------------
    def _index_factors(self) -> None:
        """Base arrays of every field the model reads, and each factor's slot in them."""
        t = self.tables
        self.base: dict[tuple[str, str], np.ndarray] = {}
        self.rows_of: dict[str, dict[str, int]] = {}
        keys = {"crossings": ("crossing_id",), "links": ("link_id",),
                "products": ("product_id",), "supply": ("node_id", "product_id"),
                "seasonality": ("product_id", "country", "month"),
                "markets": ("node_id", "product_id"), "parameters": ("parameter",),
                "cost_terms": ("term", "applies_to")}
        for name, key in keys.items():
            df = getattr(t, name)
            self.rows_of[name] = {key_of(r, key): i for i, r in
                                  enumerate(df[list(key)].to_dict("records"))}
            for col in df.columns:
                if df[col].dtype.kind == "f":
                    self.base[(name, col)] = pd.to_numeric(df[col], errors="coerce").to_numpy(
                        dtype=float)
        # factors of tables the model does not read (investments) have no slot
        self.slots = [(r.table, r.field, self.rows_of[r.table][r.key]) if r.table in keys
                      else None for r in self.space.factors.itertuples(index=False)]

    def _index_routes(self) -> None:
        """Route x link and route x crossing incidence, and each column's route and product."""
        t, b = self.tables, self.built
        route_ix = {r: i for i, r in enumerate(self.routes.routes["route_id"])}
        arcs = self.routes.route_arcs
        self.n_routes = len(route_ix)

        def incidence(kind: str, ids, key) -> sp.csr_matrix:
            a = arcs[arcs["kind"] == kind]
            col = {x: j for j, x in enumerate(ids)}
            rows = a["route_id"].map(route_ix).to_numpy(dtype=np.int64)
            cols = key(a).map(col).to_numpy(dtype=np.int64)
            return sp.csr_matrix((np.ones(len(a)), (rows, cols)), shape=(len(route_ix), len(col)))

        self.A_link = incidence("link", t.links["link_id"], lambda a: a["element_id"])
        # crossings by direction (a_to_b rows first): the transit fee depends on the country
        # entered
        cid = t.crossings["crossing_id"]
        self.A_cross = incidence("crossing", [f"{c}:{d}" for d in DIRECTIONS for c in cid],
                                 lambda a: a["element_id"] + ":" + a["direction"])
        self.link_mode = t.links["mode"].to_numpy()
        self.cost_index = cost_index(t)
        products = list(t.products["product_id"])
        self.product_ix = {p: i for i, p in enumerate(products)}
        self.reefer = t.products["reefer"].to_numpy(dtype=bool)
        self.perishable = t.products["perishable"].to_numpy(dtype=bool)
        f = b.flows
        self.f_route = f["route_id"].map(route_ix).to_numpy(dtype=np.int64)
        self.f_product = f["product_id"].map(self.product_ix).to_numpy(dtype=np.int64)
        market_ix = self.rows_of["markets"]
        self.f_market = np.array([market_ix[f"{m}|{p}"] for m, p in
                                  zip(f["market"], f["product_id"])], dtype=np.int64)
        direct = np.ones(len(f), dtype=bool)
        if b.dated:
            direct = ~f["route_id"].isin(b.streams["route_id"]).to_numpy()
        self.f_direct = direct
        self.u_product = b.unserved["product_id"].map(self.product_ix).to_numpy(dtype=np.int64)
        q = b.queues
        self.q_product = q["product_id"].map(self.product_ix).to_numpy(dtype=np.int64) \
            if len(q) else np.zeros(0, np.int64)
        self.q_market = np.array([market_ix[f"{m}|{p}"] for m, p in
                                  zip(q["market"], q["product_id"])], dtype=np.int64) \
            if len(q) else np.zeros(0, np.int64)

    def for_scenario(self, built: BuiltModel, net: FreightNetwork) -> WarmEffects:
        """The same sampled space on another scenario of the same kept model (a sweep's
        closure, build or capacity change: ``built`` a view with that scenario's rows,
        :func:`borderflow.uncertainty.sweep_models.scenario_view`).

        Route, cost and coefficient indexes are shared with this one; capacity and priority
        rows are derived again from the scenario's calendars, and supply rows only when the
        scenario changes supply (a few network evaluations instead of ~16). Self-checked as a
        new one is.
        """
        other = copy.copy(self)
        other.built, other.net = built, net
        other.calendars = _network_calendars(net)
        same_supply = np.array_equal(built.unserved["supply_t"].to_numpy(dtype=float),
                                     self.built.unserved["supply_t"].to_numpy(dtype=float))
        other._index_rows(supply=not same_supply)
        other._self_check()
        return other

    def _index_rows(self, supply: bool = True) -> None:
        """Capacity and supply rows as affine functions of the sampled inputs (probes)."""
        b, t = self.built, self.tables
        cap_rows = b.capacity_rows[CROSS_KEYS]
        cross_ix = {c: i for i, c in enumerate(t.crossings["crossing_id"])}
        self.cap_crossing = cap_rows["crossing_id"].map(cross_ix).to_numpy(dtype=np.int64)
        self.cap_direction = cap_rows["direction"].to_numpy()
        K0 = self._nominal(self.base)
        cap0 = b.capacity_rows["capacity_trucks_per_day"].to_numpy(dtype=float)
        self.cap_alpha, self.cap_beta = cap0, np.zeros(len(cap0))
        # every crossing-day of the network (rows no kept column enters are not in the model;
        # a sample's own columns may need them, :mod:`borderflow.uncertainty.sample_columns`)
        full = self.net.capacity
        self.full_cap_row = {k: i for i, k in enumerate(full[CROSS_KEYS].itertuples(
            index=False, name=None))}
        full0 = full["capacity_trucks_per_day"].to_numpy(dtype=float)
        self.full_cap_alpha, self.full_cap_beta = full0, np.zeros(len(full0))
        if {("crossings", "capacity_a_to_b_trucks_per_day"),
                ("crossings", "capacity_b_to_a_trucks_per_day")} & self.sampled:
            probe = t.copy()
            for d in DIRECTIONS:
                col = f"capacity_{d}_trucks_per_day"
                probe.crossings[col] = probe.crossings[col].astype(float) + 1.0
            c1, c0 = self.calendars(probe)[0], self.calendars(t)[0]
            cap1 = self._align_capacity(c1)
            self.cap_beta = cap1 - self._align_capacity(c0)
            alpha = cap0 - self.cap_beta * K0
            self.cap_alpha = np.where(np.abs(alpha) < 1e-9 * np.maximum(1.0, np.abs(cap0)), 0.0,
                                      alpha)
            keys = full[CROSS_KEYS]
            f1, f0 = (keys.merge(c, on=CROSS_KEYS, how="left")["capacity_trucks_per_day"]
                      .to_numpy(float) for c in (c1, c0))
            self.full_cap_beta = f1 - f0
            self.full_cap_alpha = f0 - self.full_cap_beta * self._full_nominal(self.base)
        self.use_row = b.use_capacity_row()
        self._index_priority()
        self._index_entries()
        if supply:
            self._index_supply()

    def _index_priority(self) -> None:
        """Each priority row's capacity row and reserved share (limit = (1 - share) x cap)."""
        b = self.built
        self.prio_share = np.zeros(len(b.priority_rows))
        self.prio_cap_row = np.zeros(len(b.priority_rows), dtype=np.int64)
        if len(b.priority_rows):
            rows = b.capacity_rows[CROSS_KEYS].reset_index()
            keys = b.priority_rows[CROSS_KEYS]
            self.prio_cap_row = keys.merge(rows, on=CROSS_KEYS, how="left")["index"].to_numpy(
                dtype=np.int64)
            self.prio_share = keys.merge(self.net.priority, on=CROSS_KEYS, how="left")[
                "perishable_share"].to_numpy(dtype=float)

    def _index_entries(self) -> None:
        """Each gate-entry row's limit under this scenario (:func:`~borderflow.model.levers.
        entry_bounds`: a quota or hold in force on a share phi of the days ``phi Q + (1 - phi)
        K``, a licence ``phi K``, ``inf`` where the scenario lacks the event) and its slope in
        the row's crossing-day capacity ``K`` when capacities are sampled (affine in ``K``:
        ``limit = base + slope (K_sample - K_point)``, exact at the point)."""
        b = self.built
        rows = b.entry_rows
        self.entry_base = None
        if rows is None or rows.empty or not hasattr(b.model, "gate_entry_limit"):
            return
        self.entry_base = entry_bounds(rows, self.net)
        self.entry_slope = np.zeros(len(rows))
        self.entry_at = np.zeros(len(rows), dtype=np.int64)
        if not np.any(self.full_cap_beta):
            return
        cap = self.net.capacity
        plus = replace(self.net, capacity=cap.assign(
            capacity_trucks_per_day=cap["capacity_trucks_per_day"].to_numpy(dtype=float) + 1.0))
        at = np.array([self.full_cap_row.get(k, -1) for k in rows[CROSS_KEYS].itertuples(
            index=False, name=None)], dtype=np.int64)
        with np.errstate(invalid="ignore"):
            slope = entry_bounds(rows, plus) - self.entry_base
        moves = np.isfinite(self.entry_base) & np.isfinite(slope) & (slope != 0) & (at >= 0)
        self.entry_at = np.maximum(at, 0)
        self.entry_slope = np.where(moves, slope, 0.0)
        self.entry_k0 = self._full_capacity(self.base)[self.entry_at]

    def _full_capacity(self, arr: dict) -> np.ndarray:
        """Capacity (trucks/day) of every crossing-day of the network (:attr:`full_cap_row`)
        at the numbers ``arr``."""
        return self.full_cap_alpha + self.full_cap_beta * self._full_nominal(arr)

    def _entry_limits(self, arr: dict) -> np.ndarray:
        """The gate-entry rows' upper bounds at the numbers ``arr`` (:meth:`_index_entries`)."""
        if not self.entry_slope.any():
            return self.entry_base
        k = self._full_capacity(arr)[self.entry_at]
        return np.where(self.entry_slope != 0,
                        self.entry_base + self.entry_slope * (k - self.entry_k0),
                        self.entry_base)

    def _index_supply(self) -> None:
        b, t = self.built, self.tables
        u = b.unserved
        self.u_supply_row = np.array([self.rows_of["supply"][f"{o}|{p}"] for o, p in
                                      zip(u["origin"], u["product_id"])], dtype=np.int64)
        self.supply_factor = None
        self.season_w = None
        if not {("supply", "supply_t_per_year"), ("seasonality", "share")} & self.sampled:
            return
        unit = t.copy()
        unit.supply["supply_t_per_year"] = 1.0
        if ("seasonality", "share") not in self.sampled:
            self.supply_factor = self._align_supply(self.calendars(unit)[1])
            return
        unit.seasonality["share"] = 0.0
        alpha = self._align_supply(self.calendars(unit)[1])
        months = t.seasonality["month"].to_numpy(dtype=np.int64)
        w = np.zeros((len(u), 12))
        for m in range(1, 13):
            probe = unit.copy()
            probe.seasonality["share"] = (months == m).astype(float)
            w[:, m - 1] = self._align_supply(self.calendars(probe)[1]) - alpha
        country = dict(zip(t.nodes["node_id"], t.nodes["country"]))
        season_ix = self.rows_of["seasonality"]
        # the seasonality row of each supply row and month (-1: none, the default share)
        self.season_row = np.array([[season_ix.get(f"{p}|{country[o]}|{m}", -1)
                                     for m in range(1, 13)]
                                    for o, p in zip(u["origin"], u["product_id"])],
                                   dtype=np.int64).reshape(len(u), 12)
        self.season_alpha, self.season_w = alpha, np.where(self.season_row >= 0, w, 0.0)

    def _align_capacity(self, capacity: pd.DataFrame) -> np.ndarray:
        return self.built.capacity_rows[CROSS_KEYS].merge(
            capacity, on=CROSS_KEYS, how="left")["capacity_trucks_per_day"].to_numpy(float)

    def _align_supply(self, supply: pd.DataFrame) -> np.ndarray:
        keys = ["origin", "product_id", "period"]
        return self.built.unserved[keys].merge(supply, on=keys, how="left")[
            "supply_t"].to_numpy(dtype=float)

    def _full_nominal(self, arr: dict) -> np.ndarray:
        """Nominal capacity of every crossing-day of the network (:attr:`full_cap_row`)."""
        full = self.net.capacity
        cross_ix = self.rows_of["crossings"]
        out = np.empty(len(full))
        for d in DIRECTIONS:
            mask = (full["direction"] == d).to_numpy()
            rows = [cross_ix[c] for c in full.loc[mask, "crossing_id"]]
            out[mask] = arr[("crossings", f"capacity_{d}_trucks_per_day")][rows]
        return out

    def capacity_at(self, arr: dict, key: tuple) -> float:
        """The sample's capacity (trucks/day) of one crossing-day ``(crossing_id, direction,
        period)`` of the network, in the model or not."""
        i = self.full_cap_row[key]
        if not self.full_cap_beta[i]:
            return float(self.full_cap_alpha[i])
        return float(self.full_cap_alpha[i] + self.full_cap_beta[i]
                     * self._full_nominal(arr)[i])

    def _nominal(self, arr: dict) -> np.ndarray:
        """Nominal capacity of each capacity row's crossing and direction."""
        out = np.empty(len(self.cap_crossing))
        for d in DIRECTIONS:
            mask = self.cap_direction == d
            out[mask] = arr[("crossings", f"capacity_{d}_trucks_per_day")][
                self.cap_crossing[mask]]
        return out

    def _self_check(self) -> None:
        """The point values must give the model's own numbers."""
        ch = self.changes(self.space.point()[0])
        b = self.built
        checks = [("route costs", self._flow_cost(self.arrays(self.space.point()[0])),
                   b.flows["cost_usd_per_t"].to_numpy(dtype=float)),
                  ("crossing capacities", ch.rows["crossing_capacity"][1],
                   b.capacity_rows["capacity_trucks_per_day"].to_numpy(dtype=float)),
                  ("supplies", ch.rows["supply_balance"][1],
                   b.unserved["supply_t"].to_numpy(dtype=float))]
        if b.congestion is not None:
            checks.append(("congestion costs", ch.costs["congestion"],
                           b.congestion.cells["cost_usd_per_truck"].to_numpy(dtype=float)))
        for what, got, want in checks:
            if len(got) != len(want) or not np.allclose(got, want, rtol=SELF_CHECK_RTOL,
                                                        atol=1e-9):
                bad = int(np.argmax(~np.isclose(got, want, rtol=SELF_CHECK_RTOL, atol=1e-9))) \
                    if len(got) == len(want) else -1
                raise RuntimeError(f"the kept model's {what} differ from what its tables give "
                                   f"(entry {bad}): the model formulation and "
                                   "borderflow.uncertainty.changes are out of step")

    # ---- one sample ---------------------------------------------------------------------
    def arrays(self, values: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
        """Every numeric field the model reads, ``(table, field) -> array``, at ``values``."""
        arr = dict(self.base)
        copied = set()
        for slot, v in zip(self.slots, np.asarray(values, dtype=float)):
            if slot is None:
                continue
            table, fieldname, row = slot
            if (table, fieldname) not in copied:
                arr[(table, fieldname)] = arr[(table, fieldname)].copy()
                copied.add((table, fieldname))
            arr[(table, fieldname)][row] = v
        return arr

    def param(self, arr: dict, name: str, default: float = 0.0) -> float:
        """A ``parameters.csv`` value of ``arr`` (``default`` if the dataset has none)."""
        i = self.rows_of["parameters"].get(name)
        return default if i is None else float(arr[("parameters", "value")][i])

    def element_costs(self, arr: dict) -> dict[str, np.ndarray]:
        """The sample's cost of each network element (what route costs and pricing add up).

        Returns
        -------
        dict
            ``running``, ``toll`` (per link of ``links.csv``, USD/truck), ``fee`` (per
            crossing direction, ``a_to_b`` rows then ``b_to_a``, transit fees included,
            USD/truck), ``factor`` (trucking cost factor per product), ``payload`` (t/truck)
            and ``vot`` (USD/t-h) per product of ``products.csv``.
        """
        rate = {m: self.param(arr, f"{m}_cost_usd_per_truck_km", np.nan) for m in
                np.unique(self.link_mode)}
        terms = arr.get(("cost_terms", "value"), np.zeros(0))
        running, toll = link_costs(arr[("links", "cost_usd_per_truck")],
                                   arr[("links", "length_km")],
                                   np.array([rate[m] for m in self.link_mode]), self.cost_index,
                                   terms)
        fee = arr[("crossings", "fee_usd_per_truck")]
        return {"running": running, "toll": toll,
                "fee": np.concatenate([crossing_fees(fee, self.cost_index, terms, d)
                                       for d in DIRECTIONS]),
                "factor": np.where(self.reefer, self.param(arr, "reefer_cost_factor", 1.0), 1.0),
                "payload": arr[("products", "payload_t_per_truck")],
                "vot": product_vot(self.cost_index, terms)}

    def _flow_cost(self, arr: dict) -> np.ndarray:
        """Cost per tonne of every route-flow column (USD/t)."""
        e = self.element_costs(arr)
        p, r = self.f_product, self.f_route
        return cost_per_t((self.A_link @ e["running"])[r], (self.A_link @ e["toll"])[r],
                          (self.A_cross @ e["fee"])[r], self._duration(arr)[r], e["factor"][p],
                          e["payload"][p], e["vot"][p])

    def changes(self, values: np.ndarray) -> ModelChanges:
        """The changes that make the kept model the model of one sample.

        Parameters
        ----------
        values : array (factors,)
            One row of :attr:`SampleSet.values` (same factor order as ``space``).

        Returns
        -------
        ModelChanges
        """
        arr = self.arrays(values)
        b = self.built
        out = ModelChanges()
        payload = arr[("products", "payload_t_per_truck")]
        value = arr[("products", "value_usd_per_t")] * self.param(arr, "unserved_penalty_factor",
                                                                     1.0)
        price = arr[("markets", "price_usd_per_t")]
        out.costs["route_flow"] = self._flow_cost(arr) - np.where(self.f_direct,
                                                                  price[self.f_market], 0.0)
        out.costs["unserved"] = value[self.u_product]
        if b.dated:
            out.costs["departures"] = -price[self.q_market]
            out.costs["expired"] = value[self.q_product]
            out.costs["queue"] = self.param(arr, "waiting_cost_usd_per_truck_day") / \
                payload[self.q_product]
        cap = self.cap_alpha + self.cap_beta * self._nominal(arr)
        out.rows["crossing_capacity"] = (np.full(len(cap), -np.inf), cap)
        prio = (1.0 - self.prio_share) * cap[self.prio_cap_row]
        out.rows["priority_share"] = (np.full(len(prio), -np.inf), prio)
        supply = self._supply(arr)
        out.rows["supply_balance"] = (supply, supply.copy())
        out.rows["market_demand"] = self._demand(arr)
        if self.entry_base is not None:  # slot quotas, holds, licences: the scenario's limits
            lim = self._entry_limits(arr)
            out.rows["gate_entry_limit"] = (np.full(len(lim), -np.inf), lim)
        out.columns.update(self._column_bounds(arr, cap))
        out.coefficients.update(self._coefficients(arr))
        if b.congestion is not None:  # static tiers: costs and room (congestion_effects)
            check_sample_tiers(self, arr)
            out.costs["congestion"], out.rows["congestion_tier"] = congestion_changes(
                self, arr, cap, self.element_costs(arr)["vot"])
        return out

    def _samples(self, parameter: str) -> bool:
        f = self.space.factors
        return bool(((f["table"] == "parameters") & (f["key"] == parameter)).any())

    def _supply(self, arr: dict) -> np.ndarray:
        if self.supply_factor is None and self.season_w is None:
            return self.built.unserved["supply_t"].to_numpy(dtype=float)
        s = arr[("supply", "supply_t_per_year")][self.u_supply_row]
        if self.season_w is None:
            return s * self.supply_factor
        share = arr[("seasonality", "share")][np.maximum(self.season_row, 0)]
        return s * (self.season_alpha + (self.season_w * share).sum(axis=1))

    def _demand(self, arr: dict) -> tuple[np.ndarray, np.ndarray]:
        rows = self.built.demand_rows
        ix = self.rows_of["markets"]
        d = arr[("markets", "demand_t_per_year")][[ix[f"{m}|{p}"] for m, p in
                                                    zip(rows["market"], rows["product_id"])]]
        return np.full(len(rows), -np.inf), np.asarray(d, dtype=float) / 365.0

    def _column_bounds(self, arr: dict, cap: np.ndarray) -> dict:
        """Closures (a capacity row at 0 shuts what takes it) and, static, eligibility."""
        b = self.built
        m = b.model
        closed_row = np.append(cap <= 0, False)
        shut = b.crossing_use.loc[closed_row[self.use_row], ["var", "idx"]]
        out = {}
        for var in ("route_flow", "departures"):
            n = len(getattr(m, var))
            up = np.full(n, np.inf)
            up[shut.loc[shut["var"] == var, "idx"].to_numpy(dtype=np.int64)] = 0.0
            out[var] = (np.zeros(n), up)
        if not b.dated:
            too_slow = self._duration(arr)[self.f_route] > self.shelf_h(arr)[self.f_product] \
                + 1e-9
            out["route_flow"][1][too_slow] = 0.0
        return out

    def _duration(self, arr: dict) -> np.ndarray:
        dwell = arr[("crossings", "dwell_h")]
        return self.A_link @ arr[("links", "travel_h")] + self.A_cross @ np.concatenate(
            [dwell, dwell])

    def shelf_h(self, arr: dict) -> np.ndarray:
        """Shelf life of each product of ``products.csv`` (hours)."""
        return np.where(self.reefer, arr[("products", "shelf_life_reefer_days")],
                        arr[("products", "shelf_life_ambient_days")]) * 24.0

    def _index_coefficients(self) -> None:
        """Every payload-dependent matrix entry, once: its family, position, product and
        whether it is a returning empty (scaled by the share); duplicates summed per sample."""
        b = self.built
        self.coef_terms: dict[str, CoefficientTerms] = {}
        if not (("products", "payload_t_per_truck") in self.sampled
                or self._samples("empty_return_share")):
            return
        use = b.crossing_use.assign(
            product=b.crossing_use["product_id"].map(self.product_ix).to_numpy(dtype=np.int64),
            empty=False)
        parts = [use]
        if self.base_share_positive:
            back = use.assign(empty=True)
            back["direction"] = back["direction"].map({DIRECTIONS[0]: DIRECTIONS[1],
                                                       DIRECTIONS[1]: DIRECTIONS[0]})
            lag = int(self.param(self.base, "empty_return_days")) if b.dated else 0
            back["period"] = back["period"] + lag
            parts.append(back[back["period"] < len(self.net.periods)])
        terms = pd.concat(parts, ignore_index=True)
        rows = b.capacity_rows[CROSS_KEYS].reset_index().rename(columns={"index": "row"})
        self.coef_terms["crossing_capacity"] = CoefficientTerms.of(terms.merge(rows,
                                                                                 on=CROSS_KEYS))
        if len(b.priority_rows):
            key = b.priority_rows[CROSS_KEYS].reset_index().rename(columns={"index": "row"})
            non = use[~use["perishable"].astype(bool).to_numpy()]
            self.coef_terms["priority_share"] = CoefficientTerms.of(non.merge(key, on=CROSS_KEYS))
        if len(b.initial):
            k_product = b.streams.set_index("k").loc[b.initial["k"], "product_id"]
            self.coef_terms["initial_queue_total"] = CoefficientTerms.of(pd.DataFrame({
                "row": b.initial["j"].to_numpy(), "var": "initial_queue",
                "idx": b.initial["i"].to_numpy(),
                "product": k_product.map(self.product_ix).to_numpy(dtype=np.int64),
                "empty": False}))

    def _coefficients(self, arr: dict) -> dict:
        """Capacity and priority terms (and initial-queue terms) at the sample's payloads."""
        trucks_per_t = 1.0 / arr[("products", "payload_t_per_truck")]
        share = self.param(arr, "empty_return_share")
        return {name: t.at(trucks_per_t, share) for name, t in self.coef_terms.items()}

    @property
    def base_share_positive(self) -> bool:
        """True if the dataset has returning empties (their terms exist in the model)."""
        return self.param(self.base, "empty_return_share") > 0

    def updated_tables(self, values: np.ndarray) -> BuiltModel:
        """A copy of the kept model's index tables with the sample's costs, prices, penalties,
        supplies and capacities: what result extraction reads to report this sample (the
        Pyomo model itself is shared and not changed)."""
        arr = self.arrays(values)
        ch = self.changes(values)
        b = self.built
        payload = arr[("products", "payload_t_per_truck")]
        flows = b.flows.assign(cost_usd_per_t=self._flow_cost(arr),
                               price_usd_per_t=arr[("markets", "price_usd_per_t")][self.f_market],
                               payload_t_per_truck=payload[self.f_product])
        unserved = b.unserved.assign(supply_t=ch.rows["supply_balance"][1],
                                     penalty_usd_per_t=ch.costs["unserved"])
        capacity = b.capacity_rows.assign(capacity_trucks_per_day=ch.rows["crossing_capacity"][1])
        index = replace(b.index, flows=flows, unserved=unserved, capacity_rows=capacity)
        cong = b.congestion if b.congestion is None else replace(
            b.congestion, cells=sampled_cells(self, arr, self.element_costs(arr)["vot"]))
        return replace(b, index=index, congestion=cong)
