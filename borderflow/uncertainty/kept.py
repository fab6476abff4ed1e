"""A kept model that solves one sample after another: build once, then changes + warm re-solve.

:func:`kept_models` builds, for a scenario, the kept model of the scenario and (when the
scenario disrupts) the kept model of its undisrupted baseline on the *same route set*, as
:func:`borderflow.solve` compares them; :meth:`KeptModel.solve` puts one sample's values into
the model (:class:`~borderflow.uncertainty.changes.WarmEffects` ->
:class:`~borderflow.uncertainty.warm.WarmModel`), restarts HiGHS from the point's basis (so a
sample's answer does not depend on which samples came before) and returns the headline numbers
(:func:`borderflow.uncertainty.summaries.headline_measures`).

Static runs read the headline numbers straight from HiGHS (objective; unserved and spoiled
tonnes from the ``unserved`` columns), checked at construction against the full result
extraction of the point solve. Dated runs load the solution and extract the result tables with
the sample's numbers (:meth:`WarmEffects.updated_tables`) for the queue peaks and clear days.

:func:`rebuilt_measures` is the reference path: the sample's tables through the public API,
:func:`borderflow.solve` (network, routes, model, cold solve, baseline, verification), as the
benchmark compares.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Scenario, counterfactual
from borderflow.model.column_generation import Routing, with_columns
from borderflow.model.formulation import bound_updates
from borderflow.model.network import FreightNetwork, build_network, with_scenario
from borderflow.model.results import extract_results
from borderflow.model.routes import RouteSet, enumerate_routes
from borderflow.options import RunOptions
from borderflow.pipeline import Prepared, assemble, generate_columns, prepare, solve_session
from borderflow.solvers.highs import HighsSession, SolverError

from .changes import ModelChanges, WarmEffects, structure_tables
from .sample_columns import ColumnMaker
from .sample_gates import tier_columns
from .sample_pricing import SamplePricer
from .sampling import FactorSpace
from .summaries import ROUTING_MEASURES, headline_measures
from .warm import WarmModel

#: relative tolerance of the static fast path against the full extraction at the point
FAST_PATH_RTOL = 1e-7


@dataclass
class KeptModel:
    """One kept model (a scenario or its baseline) and what re-solves it for a sample.

    Attributes
    ----------
    name : str
        ``"scenario"`` or ``"baseline"``.
    net, routes, built, session
        The network, route set, model and HiGHS session (built once).
    effects : WarmEffects
        Sample values -> model changes.
    warm : WarmModel
        Puts the changes into the session.
    basis
        The optimal basis of the point solve: every sample starts from it.
    """

    name: str
    net: FreightNetwork
    routes: RouteSet
    built: object
    session: HighsSession
    effects: WarmEffects
    warm: WarmModel
    basis: object = None
    #: prices each static sample's solution (None: not priced, a dated model)
    pricer: SamplePricer | None = None
    #: how the point is optimal over every route (column generation; None: not priced)
    point_routing: Routing | None = None
    #: most pricing rounds that add a sample's own routes (0: price and report the bound only)
    rounds: int = 0
    #: makes a sample's own columns (:attr:`column_maker`)
    _column_maker: ColumnMaker | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        u = self.built.unserved
        self._unserved_cols = self.session.columns_of(self.built.model.unserved)
        self._perishable = u["perishable"].to_numpy(dtype=bool)

    @property
    def dated(self) -> bool:
        """Whether the kept model is a dated run."""
        return bool(self.net.dated)

    def solve(self, values: np.ndarray) -> dict[str, float]:
        """Solve the model with one sample's values (a row of :attr:`SampleSet.values`).

        Returns
        -------
        dict
            :func:`~borderflow.uncertainty.summaries.headline_measures`, and how optimal it is
            over every route (:data:`ROUTING_MEASURES`): ``certified`` (1: no route prices
            out under this sample's duals and numbers, 0: a restricted optimum),
            ``gap_bound_usd`` (how much lower the optimum over every route can be, USD/day;
            NaN when unknown: a dated model, whose routes are not priced) and
            ``routes_added`` (the sample's own priced routes, taken out after it).

        Raises
        ------
        SolverError
            If HiGHS does not end optimal for this sample.
        """
        changes = self.effects.changes(values)
        self.warm.apply(changes)
        self.session.restart_from(self.basis)
        summary = self.session.solve(load=self.dated)
        if self.dated:
            return {**self._extracted(values, summary), "certified": 0.0,
                    "gap_bound_usd": float("nan"), "routes_added": 0.0}
        if self.pricer is None:
            return {**self._read(summary), "certified": 0.0, "gap_bound_usd": float("nan"),
                    "routes_added": 0.0}
        return self._priced(values, changes, self._read(summary))

    @property
    def column_maker(self) -> ColumnMaker:
        """Makes a sample's own columns (:class:`ColumnMaker`, made on first use and kept:
        its priced routes serve every later sample)."""
        if self._column_maker is None:
            self._column_maker = ColumnMaker(self.built, self.net, self.routes, self.effects,
                                             self.pricer.rules)
        return self._column_maker

    def _read(self, summary) -> dict[str, float]:
        """Cost, unserved and spoiled tonnes of the static solution in HiGHS."""
        x = np.asarray(self.session.highs.getSolution().col_value, dtype=float)
        u = np.where(self._unserved_cols >= 0, x[np.maximum(self._unserved_cols, 0)], 0.0)
        u = np.clip(u, 0.0, None)
        return {"cost_usd": float(summary.objective_usd), "unserved_t": float(u.sum()),
                "spoiled_t": float(u[self._perishable].sum())}

    def _priced(self, values: np.ndarray, changes: ModelChanges,
                measures: dict[str, float]) -> dict[str, float]:
        """Price the sample's solution with its own duals; while routes price out (at most
        :attr:`rounds` times) add them to HiGHS and re-solve warm; then take them out again
        (:mod:`borderflow.uncertainty.sample_columns`). See :meth:`solve`."""
        priced = self.pricer.price(self.session, values, changes)
        added = 0
        if not priced.certified and self.rounds > 0:
            arr = self.pricer.sample_inputs(values)[0]
            first_col = self.session.highs.getNumCol()
            first_row = self.session.highs.getNumRow()
            extra: dict = {}
            try:
                for _ in range(self.rounds):
                    links = len(extra)
                    cost, rows, cols, coef = self.column_maker.entries(
                        self.session, arr, priced.found.columns, changes, extra)
                    if not len(cost):
                        break
                    self.session.add_columns(cost, rows, cols, coef)
                    added += len(cost) - tier_columns(self.built, extra, links)
                    measures = self._read(self.session.solve(load=False))
                    priced = self.pricer.price(self.session, values, changes, extra)
                    if priced.certified:
                        break
            finally:
                self.session.drop_columns_from(first_col)
                self.session.drop_rows_from(first_row)
        return {**measures, "certified": float(priced.certified),
                "gap_bound_usd": priced.gap_bound_usd, "routes_added": float(added)}

    def _extracted(self, values: np.ndarray, summary) -> dict[str, float]:
        results = extract_results(self.net, self.routes, self.effects.updated_tables(values),
                                  summary.as_dict())
        start = self.net.scenario.horizon.start
        return headline_measures(results.summary, results.backlog,
                                 None if start is None else start.isoformat())

    def solve_context(self, scenario: Scenario) -> float:
        """Objective (USD/day) of the kept model under another scenario of the same
        structure (e.g. a month's representative day), at the dataset's values.

        The point's changes are put back first (a sample may have been solved last), then the
        scenario's bounds (:func:`borderflow.model.formulation.bound_updates`: supply,
        capacities, closures), keeping every column the point's eligibility shuts (a kept model
        with every licensed route as a column, :func:`structure_tables`).

        Raises
        ------
        SolverError
            If HiGHS does not end optimal.
        """
        point = self.effects.space.point()[0]
        changes = self.effects.changes(point)
        self.warm.apply(changes)
        net = build_network(self.effects.tables, scenario)
        update = bound_updates(self.built, net)
        m = self.built.model
        for var in ("route_flow", "departures"):
            comp = getattr(m, var)
            if comp in update.columns and var in changes.columns:
                lo, up = update.columns[comp]
                update.columns[comp] = (lo, np.minimum(up, changes.columns[var][1]))
        self.session.apply(update)
        self.session.restart_from(self.basis)
        objective = float(self.session.solve(load=False).objective_usd)
        self.session.apply(bound_updates(self.built, self.net))  # back to its own scenario
        self.warm.apply(changes)
        return objective

    def check_fast_path(self, values: np.ndarray) -> None:
        """The static fast path must give the numbers of the full extraction (at ``values``).

        Raises
        ------
        RuntimeError
            If they differ (the result extraction and this module are out of step).
        """
        if self.dated:
            return
        self.warm.apply(self.effects.changes(values))
        self.session.restart_from(self.basis)
        fast = self._read(self.session.solve(load=False))
        summary = self.session.solve(load=True)
        full = self._extracted(values, summary)
        for k in ("cost_usd", "unserved_t", "spoiled_t"):
            if not np.isclose(fast[k], full[k], rtol=FAST_PATH_RTOL, atol=1e-6):
                raise RuntimeError(f"{self.name}: {k} read from HiGHS ({fast[k]:.6f}) differs "
                                   f"from the result tables ({full[k]:.6f})")


#: relative tolerance of the kept model's point objective against column generation's
POINT_RTOL = 1e-9


def sample_rounds(options: RunOptions) -> int:
    """Pricing rounds that may add a sample's own routes: ``options.pricing.max_rounds``
    (``--pricing-rounds``), 0 when column generation is switched off (then each sample is
    priced once, for its gap bound)."""
    return int(options.pricing.max_rounds) if options.pricing.enabled else 0


def point_routes(tables: InputTables, scenario: Scenario, options: RunOptions,
                 on_progress=None) -> tuple[RouteSet, RouteSet, dict]:
    """Column generation at the dataset's values, as a certified static run does it.

    The scenario is built and solved (:func:`borderflow.pipeline.prepare`,
    :func:`~borderflow.pipeline.solve_session`) and priced round after round
    (:func:`~borderflow.pipeline.generate_columns`); a scenario that disrupts then has its
    baseline solved warm on the same model and priced in turn (as
    :func:`~borderflow.pipeline.solve_baseline`), so the routes returned hold what both need.

    Returns
    -------
    (RouteSet, RouteSet, dict)
        The enumerated routes, the enumerated plus the priced ones, and per model name
        (``scenario``, ``baseline``) its ``(Routing, objective_usd)`` at the point.
    """
    routes_opt, solver = options.effective(False, tuple(sorted(set(scenario.crossings_named()))))
    model = prepare(tables, scenario, routes_opt, solver, options.max_model_gb, on_progress)
    enumerated = model.routes
    summary = solve_session(model.session, model.built, model.net, None, on_progress)
    model, summary, routing = generate_columns(model, summary, options, on_progress)
    point = {"scenario": (routing, float(summary.objective_usd))}
    if scenario.has_disruptions:
        net_b = with_scenario(model.net, counterfactual(model.net.scenario))
        model.session.apply(bound_updates(model.built, net_b))
        summary = solve_session(model.session, model.built, net_b, None, on_progress)
        model, summary, routing = generate_columns(replace(model, net=net_b), summary, options,
                                                   on_progress)
        point["baseline"] = (routing, float(summary.objective_usd))
    return enumerated, model.routes, point


def _priced_columns(routes: RouteSet, enumerated: RouteSet) -> pd.DataFrame:
    """The routes of ``routes`` not in ``enumerated`` as pricing columns (origin, market,
    arcs in order), for :func:`~borderflow.model.column_generation.with_columns`."""
    new = routes.routes[~routes.routes["route_id"].isin(set(enumerated.routes["route_id"]))]
    ra = routes.route_arcs[routes.route_arcs["route_id"].isin(set(new["route_id"]))] \
        .sort_values(["route_id", "seq"], kind="stable")
    arcs = ra.groupby("route_id", sort=False)["arc_id"].agg(tuple)
    return pd.DataFrame({"origin": new["origin"].to_numpy(), "market": new["market"].to_numpy(),
                         "arcs": [arcs[r] for r in new["route_id"]]})


def _kept_prepared(tables: InputTables, build_tables: InputTables, scenario: Scenario,
                   options: RunOptions, on_progress) -> tuple[Prepared, dict | None]:
    """The kept scenario model: over the enumerated and priced routes for a static run
    (:func:`point_routes`), over the enumerated routes for a dated one (``None``: not priced).
    """
    dated = scenario.horizon.start is not None
    routes_opt, solver = options.effective(dated, tuple(sorted(set(scenario.crossings_named()))))
    if dated:
        return prepare(build_tables, scenario, routes_opt, solver, options.max_model_gb,
                       on_progress), None
    if on_progress is not None:
        on_progress("pricing", None, None, "column generation at the dataset's values")
    enumerated, routes, point = point_routes(tables, scenario, options, on_progress)
    net = build_network(build_tables, scenario)
    if build_tables is not tables:  # every licensed (route, product) pair a column
        routes = with_columns(net, enumerate_routes(net, routes_opt),
                              _priced_columns(routes, enumerated))
    return assemble(build_tables, net, routes, solver, options.max_model_gb, on_progress), point


def kept_models(tables: InputTables, scenario: Scenario, options: RunOptions,
                space: FactorSpace, on_progress=None) -> list[KeptModel]:
    """The kept scenario model and, if the scenario disrupts, its baseline's (same routes).

    A static scenario's routes are those column generation needs at the dataset's values,
    for the scenario and its baseline (:func:`point_routes`): at the point, each kept model's
    objective is the certified optimum over every route (checked here); each sample is then
    priced with its own duals (:class:`~borderflow.uncertainty.sample_pricing.SamplePricer`).
    A dated scenario keeps its enumerated routes (not priced: restricted, gap unknown).

    Parameters
    ----------
    tables : InputTables
        The dataset (its values are the point).
    scenario : Scenario
    options : RunOptions
        Route, pricing and solver options as for :func:`borderflow.solve` (dated runs are
        solved over the whole horizon at once: rolling windows are not used for samples).
    space : FactorSpace
        The sampled numbers (none structural for the scenario's horizon).
    on_progress : callable, optional
        ``(stage, done, total, message)``.

    Returns
    -------
    list of KeptModel
        ``[scenario]`` or ``[scenario, baseline]``, each solved at the point (basis kept;
        ``point_routing``: how the point is optimal over every route, None when dated).

    Raises
    ------
    RuntimeError
        If a kept model's point objective differs from column generation's.
    """
    build_tables = structure_tables(tables, space)
    prepared, certified = _kept_prepared(tables, build_tables, scenario, options, on_progress)
    parts = [("scenario", prepared.net, prepared.built, prepared.session)]
    if scenario.has_disruptions:
        base = assemble(build_tables, build_network(build_tables, counterfactual(
            prepared.net.scenario)), prepared.routes, prepared.session.options,
            options.max_model_gb, on_progress)
        parts.append(("baseline", base.net, base.built, base.session))
    out = []
    point = space.point()[0]
    for name, net, built, session in parts:
        if on_progress is not None:
            on_progress("model", None, None, f"preparing the kept {name} model for samples")
        effects = WarmEffects(built, prepared.routes, net, space, tables=tables)
        kept = KeptModel(name, net, prepared.routes, built, session, effects,
                         WarmModel(session, built.model),
                         pricer=None if certified is None else
                         SamplePricer(effects, net, options.pricing),
                         rounds=sample_rounds(options))
        kept.warm.apply(effects.changes(point))
        if on_progress is not None:
            on_progress("solve", None, None, f"solving the {name} at the dataset's values")
        objective = float(session.solve(load=False).objective_usd)
        kept.basis = session.basis()
        kept.check_fast_path(point)
        if certified is not None:
            kept.point_routing, want = certified[name]
            if not np.isclose(objective, want, rtol=POINT_RTOL, atol=1e-6):
                raise RuntimeError(f"the kept {name} model gives {objective:,.6f} USD/day at "
                                   f"the dataset's values where column generation gave "
                                   f"{want:,.6f}: borderflow.uncertainty.kept and the pipeline "
                                   "are out of step")
        out.append(kept)
    return out


def rebuilt_measures(tables: InputTables, scenario: Scenario, options: RunOptions
                     ) -> dict[str, dict[str, float]]:
    """Headline numbers of a sample's tables (:func:`~borderflow.uncertainty.perturb.
    apply_sample`) rebuilt and solved from scratch by :func:`borderflow.solve`: network,
    routes, model, cold solve and column generation (static runs: certified unless the pricing
    rounds run out), the baseline by a warm re-solve, priced in turn, when the scenario
    disrupts, and the independent verification. The numbers are the results' full-precision
    summaries (:attr:`borderflow.Result.raw_summary`).

    Returns
    -------
    dict
        ``{"scenario": measures, "baseline": measures}`` (baseline only with disruptions),
        each with :data:`ROUTING_MEASURES` from the run's routing.

    Raises
    ------
    SolverError
        If HiGHS does not end optimal.
    """
    from borderflow.api import solve  # lazily: the api's modules need not load for warm runs

    if options.aggregate_streams is None:  # per pair, as the kept sample models are
        options = replace(options, aggregate_streams=False)
    res = solve(tables, scenario, options)
    start = scenario.horizon.start
    iso = None if start is None else start.isoformat()
    out = {}
    for name, one in (("scenario", res), ("baseline", res.baseline)):
        if one is not None:
            summary = one.raw_summary
            out[name] = {**headline_measures(summary, one.tables["backlog"], iso),
                         **_routing_measures(summary)}
    return out


def _routing_measures(summary: dict) -> dict[str, float]:
    """:data:`ROUTING_MEASURES` of a run summary (its ``routing`` and ``pricing``)."""
    pricing = summary.get("pricing") or {}
    gap = pricing.get("gap_bound_usd")
    certified = summary.get("routing") == "certified"
    return {"certified": float(certified),
            "gap_bound_usd": float("nan") if gap is None else float(gap),
            "routes_added": float(pricing.get("routes_generated") or 0)}


__all__ = ["ROUTING_MEASURES", "KeptModel", "SolverError", "kept_models", "point_routes",
           "rebuilt_measures"]
