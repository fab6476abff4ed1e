"""Every scenario of a sweep solved for one sample, warm, on its structure's kept model.

A sweep groups its scenarios by *structure* (:class:`borderflow.sweeps.plan.Structure`): those
of one structure differ only in bounds (closures, capacities, builds, supply) and share one
model. For bands, each structure's model is built once for its reference (the undisrupted
baseline, on the sweep's own route options) and every scenario of it gets its own
:class:`~borderflow.uncertainty.changes.WarmEffects`, made on a *view* of the kept model whose
capacity, priority and supply rows are the scenario's (:func:`scenario_view`, the bounds
:func:`borderflow.model.formulation.bound_updates` would set). One sample then re-solves every
scenario by putting that scenario's sample changes into the shared HiGHS session and
restarting from the reference's basis, so a scenario's answer does not depend on which
scenario or sample was solved before (the same results on 1 or N workers, resumed or not).

Routes: the kept model holds the reference's enumerated routes; every (scenario, sample) is
priced with its own duals and numbers, its own improving routes are added to HiGHS and
re-solved (at most ``--pricing-rounds`` rounds, :meth:`KeptModel.solve`) and taken out again
before the next, so each answer is ``certified`` or ``restricted`` with its gap bound.

Only static structures: dated sweeps with samples are refused before anything is solved
(:func:`check_static`), their queues need the dated extraction per scenario.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.model.formulation import BuiltModel, scenario_rows
from borderflow.model.network import FreightNetwork, build_network
from borderflow.pipeline import prepare
from borderflow.solvers.highs import SolverError

from .changes import WarmEffects, structure_tables
from .kept import KeptModel, sample_rounds
from .run import _Evaluator
from .sample_pricing import SamplePricer
from .sampling import FactorSpace
from .warm import WarmModel


def check_static(plan) -> None:
    """Refuse bands of a sweep with dated scenarios (one line, the option named).

    Raises
    ------
    InputError
        Naming ``--samples``.
    """
    dated = [e.name for e in plan.entries if e.scenario.horizon.start is not None]
    if dated:
        raise InputError(Problem("command line", None, "--samples", f"bands of a sweep are "
                                 f"computed for static (representative-day) scenarios only; "
                                 f"'{dated[0]}' is dated (run borderflow uncertainty on it)"))


def scenario_view(built: BuiltModel, net: FreightNetwork) -> BuiltModel:
    """``built`` with the capacity, priority and supply rows of ``net``'s scenario.

    ``net`` must share ``built``'s structure (as :func:`~borderflow.model.formulation.
    bound_updates` requires); the Pyomo model is the same object, only the index tables that
    say what each row holds are the scenario's, so :class:`WarmEffects` computes the
    scenario's bounds for any sample. The gate-entry rows, congestion tiers and origin stock
    are carried over (their keys are the structure's): :class:`WarmEffects` sets the entry
    rows' limits (:func:`borderflow.model.levers.entry_bounds`) and the tiers' widths of the
    scenario, and pricing reads their duals.
    """
    ix = built.index
    cap, prio, sup = scenario_rows(built, net)
    capacity_rows = ix.capacity_rows.assign(
        capacity_trucks_per_day=cap["capacity_trucks_per_day"].to_numpy(dtype=float))
    unserved = ix.unserved.assign(supply_t=sup["supply_t"].to_numpy(dtype=float))
    priority = ix.priority_rows.assign(
        limit_trucks_per_day=prio["limit_trucks_per_day"].to_numpy(dtype=float)) \
        if len(prio) else ix.priority_rows
    return replace(built, index=replace(ix, capacity_rows=capacity_rows, unserved=unserved,
                                        priority_rows=priority))


@dataclass(frozen=True)
class SweepPayload:
    """What a worker needs to solve samples of a sweep: tables, the scenarios to solve
    (``(name, scenario, structure key)``), the structures, run options and the sampled space."""

    tables: InputTables
    entries: tuple
    structures: dict
    options: object
    space: FactorSpace

    @property
    def names(self) -> list[str]:
        """Scenario names, in plan order."""
        return [name for name, _, _ in self.entries]

    def evaluator(self, progress=None) -> SweepEvaluator:
        """A :class:`SweepEvaluator` of this payload (used by Dask workers too)."""
        return SweepEvaluator(self, progress)


class SweepEvaluator:
    """Solves one sample (a row of factor values) for every scenario of a sweep.

    Calling it returns ``{scenario: measures}`` (measures as :meth:`KeptModel.solve`: cost,
    unserved and spoiled tonnes) or, for a scenario HiGHS did not solve to optimality, its
    termination.
    """

    def __init__(self, payload: SweepPayload, progress=None):
        self.payload = payload
        self.names = payload.names
        self.seconds, self.solves = 0.0, 0
        tables, space = payload.tables, payload.space
        build_tables = structure_tables(tables, space)
        self.kept: dict[str, KeptModel] = {}
        point = space.point()[0]
        for key in dict.fromkeys(k for _, _, k in payload.entries):
            st = payload.structures[key]
            if progress is not None:
                progress("model", None, None, f"preparing the kept model of "
                         f"'{st.reference.name}' for samples")
            prepared = prepare(build_tables, st.reference, st.routes, st.solver,
                               payload.options.max_model_gb, progress)
            warm = WarmModel(prepared.session, prepared.built.model)
            ref_effects = WarmEffects(prepared.built, prepared.routes, prepared.net, space,
                                      tables=tables)
            for name, scenario, k in payload.entries:
                if k != key:
                    continue
                net = build_network(build_tables, scenario)
                built = scenario_view(prepared.built, net)
                effects = ref_effects.for_scenario(built, net)
                pricer = None if net.dated else SamplePricer(effects, net,
                                                             payload.options.pricing)
                self.kept[name] = KeptModel(name, net, prepared.routes, built,
                                            prepared.session, effects, warm, pricer=pricer,
                                            rounds=sample_rounds(payload.options))
            mine = [name for name, _, k in payload.entries if k == key]
            ref = self.kept.get(st.reference.name) or self.kept[mine[0]]
            ref.warm.apply(ref.effects.changes(point))
            prepared.session.solve(load=False)
            basis = prepared.session.basis()
            for name in mine:
                self.kept[name].basis = basis

    def __call__(self, values: np.ndarray) -> dict:
        """Measures of every scenario for one sample (see the class doc)."""
        t0 = time.perf_counter()
        out: dict = {}
        for name in self.names:
            try:
                out[name] = self.kept[name].solve(values)
            except SolverError as err:
                out[name] = err.summary.termination
        self.seconds += time.perf_counter() - t0
        self.solves += 1
        return out

    #: each row's measures, in order (as the single-scenario evaluator)
    many = _Evaluator.many
