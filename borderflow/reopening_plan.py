"""An uncertain reopening solved as a multi-stage stochastic plan (issue 18, item 5): the
extensive form over the reopening tree (:mod:`borderflow.model.reopening_tree`), solved by
HiGHS, compared with perfect foresight and with planning on the expected reopening day.

:func:`reopening_plan` builds one dated model per branch of the scenario's ``reopening_odds``
(:func:`borderflow.reopening.reopening_branches`), ties the decisions of the days the
branches cannot yet be told apart, and minimises the expected objective. It reports:

- the **tree plan**: its expected objective (the LP optimum, proved by HiGHS over the route
  set of the run; the tree's duals price no new route) and each branch's objective under it;
- the **wait-and-see bound over the run's routes**: the same model without the
  non-anticipativity rows (each branch solved with perfect foresight), averaged;
  ``evpi_usd`` = tree − wait-and-see >= 0, the value of perfect information over those routes;
- the **gap bound over every route** (:mod:`borderflow.reopening_bound`): each branch's
  certified foresight optimum over every route, averaged (``wait_and_see_all_routes_usd``, a
  lower bound on the tree over every route); ``gap_bound_usd`` = tree − that bound;
  ``routing`` is ``restricted`` unless the bound is 0;
- the **expectation policy** (:func:`borderflow.reopening.reopening_spread`): each branch run
  as a realistic dispatch that plans on the expected reopening day, with the same
  information as the tree (the uncertain closures known from day 0, no reaction lag, nobody
  kept coming), so that ``vss_usd`` = policy − tree >= 0 is the value of weighing the
  branches instead of planning on their mean; and, for reference, the same policy on the
  scenario as written (its announcements and the dataset's behaviour), ``realistic``.

Objectives are the model's (USD, costs minus revenue: lower is better).
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import CloseEvent, Scenario
from borderflow.io import METADATA, ROBUST_VOLATILE, SUMMARY, run_contents, write_folder
from borderflow.model.network import build_network, with_scenario
from borderflow.model.reopening_tree import build_tree_model
from borderflow.model.results import extract_results
from borderflow.model.routes import enumerate_routes
from borderflow.model.size import check_model_size
from borderflow.options import RunOptions
from borderflow.provenance import run_metadata
from borderflow.reopening import reopening_branches, reopening_spread
from borderflow.reopening_bound import bound_summary, foresight_bounds
from borderflow.runfolder import Claim
from borderflow.solvers.highs import HighsSession

#: how the tree plan's optimality is stated (the route set is not priced against its duals)
OPTIMALITY = ("optimal over the (route, product) pairs of the run (routes enumerated, not "
              "priced against the tree's duals): restricted")


@dataclass
class ReopeningResult:
    """A reopening tree's answer: the ``branches`` table, ``summary`` and ``metadata``; each
    branch's scenario and result tables under the tree plan (``runs``, name -> (Scenario,
    ResultTables)); after :meth:`verify`, ``verification``
    (:func:`borderflow.verify.reopening.verify_tree`'s report)."""

    branches: pd.DataFrame
    summary: dict
    metadata: dict
    runs: dict = field(default_factory=dict)
    verification: pd.DataFrame | None = None

    @property
    def branch_results(self) -> dict:
        """Each branch's result tables under the tree plan (folder name -> ResultTables)."""
        return {name: res for name, (_, res) in self.runs.items()}

    def contents(self) -> dict:
        """What the folder holds: ``tables``, ``documents`` and one run folder per branch."""
        folders = {name: run_contents(res, {**self.metadata, "scenario": sc.model_dump(
                       mode="json", by_alias=True)}) for name, (sc, res) in self.runs.items()}
        return {"tables": {"branches": self.branches},
                "documents": {SUMMARY: self.summary, METADATA: self.metadata},
                "folders": folders}

    def verify(self, tables: InputTables) -> pd.DataFrame:
        """Re-check the plan independently (:func:`borderflow.verify.reopening.verify_tree`),
        keep the report and return it."""
        from borderflow.verify.reopening import verify_tree

        self.verification = verify_tree(self.contents(), tables)
        return self.verification

    def write(self, folder: Path | str | Claim) -> Path:
        """Write ``branches``, ``summary.json``, ``run.json``, one run folder per branch and,
        if :meth:`verify` ran, ``verification.csv``, atomically (kind ``reopening``)."""
        from borderflow.verify import REPORT_TABLE

        c = self.contents()
        extra = {} if self.verification is None else {REPORT_TABLE: self.verification}
        volatile = {**ROBUST_VOLATILE, **{f"{n}/{SUMMARY}": ("solve_seconds",
                                                             "translate_seconds")
                                          for n in c["folders"]}}
        return write_folder(folder, {**c["tables"], **extra}, c["documents"],
                            folders=c["folders"], kind="reopening", volatile=volatile)


def same_information(scenario: Scenario) -> Scenario:
    """``scenario`` as the tree knows it, for the expectation policy: the uncertain closures
    announced on the horizon's first day, no reaction lag, nobody kept coming."""
    start = scenario.horizon.start
    events = tuple(ev.model_copy(update={"announced": start})
                   if isinstance(ev, CloseEvent) and ev.reopening_odds else ev
                   for ev in scenario.events)
    return scenario.model_copy(update={"events": events, "reaction_lag_days": 0,
                                       "keep_coming_share": 0.0,
                                       "name": f"{scenario.name}-same-information"[:100]})


def objective_value(objective) -> float:
    """A (deactivated) objective's value at the loaded solution, from its cost arrays if it
    keeps them (USD)."""
    arrays = objective.cost_arrays() if hasattr(objective, "cost_arrays") else None
    if arrays is None:
        return float(objective.expr())
    x, positions, cost = arrays
    return float(np.array([x[i].value or 0.0 for i in positions]) @ np.asarray(cost))


def branch_name(k: int, days: tuple[dt.date, ...]) -> str:
    """The sub-folder of branch ``k``: ``branch-<k>-reopens-<day>[-<day>...]``."""
    return f"branch-{k}-reopens-" + "-".join(d.isoformat() for d in days)


def check_tree(scenario: Scenario) -> None:
    """Refuse (one line) a scenario that cannot be a reopening tree: no dated horizon."""
    if scenario.horizon.start is None:
        raise InputError(Problem(f"scenario '{scenario.name}'", None, "horizon.start",
                                 "a reopening tree needs a dated horizon (horizon.start)"))


def _periods(days: tuple[dt.date, ...], start: dt.date) -> tuple[int, ...]:
    return tuple((d - start).days for d in days)


def _solve_tree(tables, branches, options, progress):
    """Build and solve the extensive form; the tree plan's branch results; then the
    wait-and-see objectives (the ties relaxed, re-solved warm)."""
    start = branches[0][2].horizon.start
    names = tuple(sorted(set().union(*[set(s.crossings_named()) for _, _, s in branches])))
    routes_opt, solver = options.effective(True, names)
    net0 = build_network(tables, branches[0][2])
    progress("routes", None, None, "enumerating routes")
    routes = enumerate_routes(net0, replace(routes_opt, start="enumerate"))
    nets = [with_scenario(net0, s) for _, _, s in branches]
    check_model_size(nets[0], routes, options.max_model_gb, copies=len(nets),
                     where="reopening tree", advice="use fewer branches or a shorter horizon")
    progress("model", None, None, f"building the extensive form ({len(nets)} branches)")
    tree = build_tree_model(nets, [p for p, _, _ in branches], routes,
                            [_periods(d, start) for _, d, _ in branches])
    session = HighsSession(tree.model, solver)
    progress("solve", None, None, "solving the reopening tree")
    solved = session.solve()
    results = []
    for k, net in enumerate(nets):
        info = {**solved.as_dict(), "dispatch": "stochastic"}
        res = extract_results(net, routes, tree.branches[k], info)
        res.summary["optimality"] = OPTIMALITY
        results.append(res)
    progress("solve", None, None, "wait-and-see: the branches with perfect foresight")
    for comp in tree.tie_components():
        n = len(comp)
        session.set_bounds(comp, np.full(n, -np.inf), np.full(n, np.inf))
    session.continue_warm()  # the tree's basis stays primal feasible: the primal simplex
    relaxed = session.solve()
    foresight = [objective_value(b.model.objective) for b in tree.branches]
    return len(tree.ties), solved, results, relaxed, foresight


def reopening_plan(tables: InputTables, scenario: Scenario, options: RunOptions | None = None,
                   on_progress=None, *, compare: bool = True, solve=None,
                   bound: bool = True) -> ReopeningResult:
    """Solve the multi-stage stochastic plan of ``scenario``'s uncertain reopening(s).

    Parameters
    ----------
    tables : InputTables
    scenario : Scenario
        Dated, with at least one closure carrying ``reopening_odds``.
    options : RunOptions, optional
        Solver options (``dispatch`` is ignored: the tree is its own dispatch).
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``.
    compare : bool
        Also run the expectation policy (same information, and as written) branch by branch.
    solve : callable, optional
        ``solve(tables, scenario, options) -> summary`` for the policy runs
        (:func:`borderflow.reopening.reopening_spread`'s default otherwise).
    bound : bool
        Also solve each branch with perfect foresight over every route (column generation,
        certified) for the tree's gap bound (:mod:`borderflow.reopening_bound`); ``False``:
        the summary says there is no gap bound.

    Raises
    ------
    InputError
        No ``reopening_odds``, a static horizon, a model too large.
    SolverError
        If HiGHS does not end optimal.
    """
    check_tree(scenario)
    options = options or RunOptions()
    progress = on_progress or (lambda *a: None)
    t0 = time.perf_counter()
    branches = reopening_branches(scenario)
    ties, solved, results, relaxed, foresight = _solve_tree(tables, branches, options, progress)
    gc.collect()  # the tree's models (Pyomo's reference cycles) before the policy runs
    p = np.array([b[0] for b in branches])
    bounds = foresight_bounds(tables, branches, options, progress) if bound else None
    names = [branch_name(k, d) for k, (_, d, _) in enumerate(branches)]
    table = pd.DataFrame({
        "branch": names, "reopens": [" + ".join(x.isoformat() for x in d) for _, d, _ in branches],
        "probability": p,
        "tree_objective_usd": [r.summary["objective_usd"] for r in results],
        "foresight_objective_usd": foresight,
        "tree_spoiled_t": [r.summary["spoiled_t"] for r in results],
        "tree_waiting_cost_usd": [r.summary["waiting_cost_usd"] for r in results]})
    table["value_of_foresight_usd"] = table["tree_objective_usd"] - table[
        "foresight_objective_usd"]
    if bounds is not None:
        table = pd.concat([table, bounds], axis=1)
    expected = float((p * table["tree_objective_usd"]).sum())
    wait_and_see = float((p * table["foresight_objective_usd"]).sum())
    summary = {
        "scenario": scenario.name, "branches": len(branches),
        "status": solved.status, **bound_summary(expected, p, bounds),
        "exact": all(r.summary.get("fifo_repair") is None for r in results),
        "expected_objective_usd": expected, "lp_objective_usd": solved.objective_usd,
        "wait_and_see_objective_usd": wait_and_see,
        "wait_and_see_lp_objective_usd": relaxed.objective_usd,
        "evpi_usd": expected - wait_and_see,
        "nonanticipativity_rows": int(ties),
        "variables": solved.variables, "constraints": solved.constraints,
        "solver": solved.solver, "solve_seconds": solved.solve_seconds + relaxed.solve_seconds,
    }
    if compare:
        progress("compare", None, None, "the expectation policy, branch by branch")
        policy = reopening_spread(tables, same_information(scenario), options, solve)
        written = reopening_spread(tables, scenario, options, solve)
        table["policy_objective_usd"] = policy["objective_usd"].iloc[:len(names)].to_numpy()
        table["realistic_objective_usd"] = written["objective_usd"].iloc[:len(names)].to_numpy()
        table["policy_spoiled_t"] = policy["spoiled_t"].iloc[:len(names)].to_numpy()
        policy_expected = float((p * table["policy_objective_usd"]).sum())
        summary.update({"expectation_policy_objective_usd": policy_expected,
                        "vss_usd": policy_expected - expected,
                        "realistic_objective_usd": float(
                            (p * table["realistic_objective_usd"]).sum())})
    summary["total_seconds"] = time.perf_counter() - t0
    names_ = tuple(sorted(set(scenario.crossings_named())))
    metadata = {**run_metadata(tables, scenario, options, *options.effective(True, names_)),
                "kind": "reopening tree"}
    return ReopeningResult(branches=table, summary=summary, metadata=metadata,
                           runs={n: (b[2], r) for n, b, r in zip(names, branches, results)})
