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

:func:`rebuilt_measures` is the reference path: the sample's tables through the whole pipeline
(network, routes, model, cold solve), as the benchmark compares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderflow.data.loaders import InputTables
from borderflow.data.scenario import Scenario, counterfactual
from borderflow.model.formulation import bound_updates, build_model
from borderflow.model.network import FreightNetwork, build_network
from borderflow.model.results import extract_results
from borderflow.model.routes import RouteSet
from borderflow.options import RunOptions
from borderflow.pipeline import prepare, run_scenario, solve_baseline
from borderflow.solvers.highs import HighsSession, SolverError

from .changes import WarmEffects, structure_tables
from .sampling import FactorSpace
from .summaries import headline_measures
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
            :func:`~borderflow.uncertainty.summaries.headline_measures`.

        Raises
        ------
        SolverError
            If HiGHS does not end optimal for this sample.
        """
        self.warm.apply(self.effects.changes(values))
        self.session.restart_from(self.basis)
        summary = self.session.solve(load=self.dated)
        if self.dated:
            return self._extracted(values, summary)
        x = np.asarray(self.session.highs.getSolution().col_value, dtype=float)
        u = np.where(self._unserved_cols >= 0, x[np.maximum(self._unserved_cols, 0)], 0.0)
        u = np.clip(u, 0.0, None)
        return {"cost_usd": float(summary.objective_usd), "unserved_t": float(u.sum()),
                "spoiled_t": float(u[self._perishable].sum())}

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
        fast = self.solve(values)
        summary = self.session.solve(load=True)
        full = self._extracted(values, summary)
        for k in ("cost_usd", "unserved_t", "spoiled_t"):
            if not np.isclose(fast[k], full[k], rtol=FAST_PATH_RTOL, atol=1e-6):
                raise RuntimeError(f"{self.name}: {k} read from HiGHS ({fast[k]:.6f}) differs "
                                   f"from the result tables ({full[k]:.6f})")


def kept_models(tables: InputTables, scenario: Scenario, options: RunOptions,
                space: FactorSpace, on_progress=None) -> list[KeptModel]:
    """The kept scenario model and, if the scenario disrupts, its baseline's (same routes).

    Parameters
    ----------
    tables : InputTables
        The dataset (its values are the point).
    scenario : Scenario
    options : RunOptions
        Route and solver options as for :func:`borderflow.solve` (dated runs are solved over
        the whole horizon at once: rolling windows are not used for samples).
    space : FactorSpace
        The sampled numbers (none structural for the scenario's horizon).
    on_progress : callable, optional
        ``(stage, done, total, message)``.

    Returns
    -------
    list of KeptModel
        ``[scenario]`` or ``[scenario, baseline]``, each solved at the point (basis kept).
    """
    dated = scenario.horizon.start is not None
    routes_opt, solver = options.effective(dated, tuple(sorted(set(scenario.crossings_named()))))
    build_tables = structure_tables(tables, space)
    prepared = prepare(build_tables, scenario, routes_opt, solver, options.max_model_gb,
                       on_progress)
    parts = [("scenario", prepared.net, prepared.built, prepared.session)]
    if scenario.has_disruptions:
        net_b = build_network(build_tables, counterfactual(prepared.net.scenario))
        built_b = build_model(net_b, prepared.routes)
        parts.append(("baseline", net_b, built_b, HighsSession(built_b.model, solver)))
    out = []
    point = space.point()[0]
    for name, net, built, session in parts:
        if on_progress is not None:
            on_progress("model", None, None, f"preparing the kept {name} model for samples")
        effects = WarmEffects(built, prepared.routes, net, space, tables=tables)
        kept = KeptModel(name, net, prepared.routes, built, session, effects,
                         WarmModel(session, built.model))
        kept.warm.apply(effects.changes(point))
        if on_progress is not None:
            on_progress("solve", None, None, f"solving the {name} at the dataset's values")
        session.solve(load=False)
        kept.basis = session.basis()
        kept.check_fast_path(point)
        out.append(kept)
    return out


def rebuilt_measures(tables: InputTables, scenario: Scenario, options: RunOptions
                     ) -> dict[str, dict[str, float]]:
    """Headline numbers of a sample's tables (:func:`~borderflow.uncertainty.perturb.
    apply_sample`) rebuilt and solved from scratch: network, routes, model, cold solve, and the
    baseline by a warm re-solve when the scenario disrupts (as :func:`borderflow.solve`).

    Returns
    -------
    dict
        ``{"scenario": measures, "baseline": measures}`` (baseline only with disruptions).

    Raises
    ------
    SolverError
        If HiGHS does not end optimal.
    """
    run = run_scenario(tables, scenario, options)
    start = scenario.horizon.start
    iso = None if start is None else start.isoformat()
    out = {"scenario": headline_measures(run.results.summary, run.results.backlog, iso)}
    if scenario.has_disruptions:
        _, base = solve_baseline(run)
        out["baseline"] = headline_measures(base.summary, base.backlog, iso)
    return out


__all__ = ["KeptModel", "SolverError", "kept_models", "rebuilt_measures"]
