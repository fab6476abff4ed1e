"""N-k sweeps: every set of k crossings closed together (brute force), or the K costliest
sets found by a guided search that solves only the sets that can be among them.

``borderflow sweep --n-2`` solves every pair of open crossings (and each alone, for the
comparison); ``--n-2 --worst K`` (or ``--n-k 3 --worst K``) runs the guided search:

1. solve the baseline and every single closure (an N-1 sweep);
2. bound every k-set from the single closures (:mod:`borderflow.sweeps.nk_bounds`; the proof
   is in ``docs/n-k.md``): a lower bound from the duals of capacity, an upper bound from a
   feasible re-routing; sets whose bounds meet are known without a solve;
3. repeatedly solve the open sets with the highest upper bounds (a batch per round, on the
   same Dask workers and kept models), until no unsolved set's upper bound reaches the K-th
   largest known cost: those sets cannot be among the K;
4. solve the K winners not solved yet (sets known by their bounds), so that each has its run
   folder and the bound is confirmed by a solve.

The sweep folder is an ordinary sweep (``comparison``, ``criticality``, run folders) plus
``nk_search`` (every set: bounds, how it was decided, cost) and ``nk_worst`` (the K
costliest, with the cost of their gates closed alone). Static horizons only (the bounds
are proved for one representative day).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from borderflow.data.closure_groups import expand
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError, Problem
from borderflow.data.scenario import CloseEvent, Horizon, Scenario
from borderflow.data.scenario_checks import Catalog, unknown_id
from borderflow.io import read_summary, read_table
from borderflow.options import RunOptions

from .nk_bounds import all_combinations, combination_bounds, prune, single_closure
from .partitions import partition
from .plan import SweepPlan, _entry, plan_scenarios
from .runner import SweepResult, run_sweep

#: most combinations an N-k sweep enumerates (C(51, 3) = 20,825 fits; C(51, 4) does not)
MAX_COMBINATIONS = 50_000
#: slack (USD, plus this share of the threshold) kept for solver tolerance when pruning
PRUNE_USD, PRUNE_SHARE = 1.0, 1e-7
#: the costliest sets shown by a brute-force N-k sweep
BRUTE_WORST = 10


@dataclass
class NKSearch:
    """An N-k sweep: its gates, k, K (``worst``; ``None`` = brute force) and, as it runs,
    the bounds and how each set was decided.

    Attributes
    ----------
    k, worst, gates
        Sets of ``k`` of ``gates``; the ``worst`` costliest are wanted.
    combos : list of tuple
        Every set, in order.
    bounds : DataFrame or None
        :func:`~borderflow.sweeps.nk_bounds.combination_bounds` once the singles are solved.
    confirmed : set
        Sets solved only to give a winner known by its bounds a run folder.
    rounds : int
        Rounds of solves the guided search ran after the single closures.
    """

    k: int
    worst: int | None
    gates: tuple[str, ...]
    combos: list = field(default_factory=list)
    bounds: pd.DataFrame | None = None
    confirmed: set = field(default_factory=set)
    rounds: int = 0


def combination_name(combo) -> str:
    """The scenario name of a closed set: ``close-a__b`` (a hash if too long for a folder)."""
    name = "close-" + "__".join(combo)
    if len(name) > 100:
        digest = hashlib.sha1("|".join(combo).encode()).hexdigest()[:8]
        name = f"close-{combo[0]}__and-{len(combo) - 1}-more-{digest}"
    return name


def _closure_scenario(combo, month: int | None) -> Scenario:
    return Scenario(name=combination_name(combo), horizon=Horizon(month=month),
                    description=" + ".join(combo) + " closed",
                    events=tuple(CloseEvent(crossing=c) for c in combo))


def _gates(among, catalog: Catalog) -> tuple[str, ...]:
    """The crossings combined: ``among`` (ids and groups, expanded) or every open one."""
    if not among:
        return tuple(catalog.open_crossings())
    known = {**catalog.crossings, **catalog.groups}
    problems = [Problem("command line", None, "--among", hit[2]) for name in among
                if (hit := unknown_id((), "crossing or group", name, known)) is not None]
    if problems:
        raise InputError(problems)
    return tuple(expand(among, catalog.groups))


def plan_n_k(*, k: int = 2, worst: int | None = None, among=(), month: int | None = None,
             data: Path | str | None = None, overlays=(), options: RunOptions | None = None,
             tables=None) -> SweepPlan:
    """Plan an N-k sweep of a static representative day (of ``month``, default the annual
    average): the baseline, every single closure and, for brute force (``worst=None``),
    every set of ``k`` crossings; the guided search adds sets as it goes (:func:`run_n_k`).

    Parameters
    ----------
    k : int
        Crossings closed together (2 or more).
    worst : int, optional
        Find only the ``worst`` costliest sets (guided search); ``None`` solves every set.
    among : sequence of str, optional
        Crossing ids and closure groups to combine (default: every open crossing).

    Raises
    ------
    InputError
        Naming the option: k below 2 or above the number of crossings, K below 1, unknown
        crossings or groups, too many combinations.
    """
    tables = tables or load_dataset(data, overlays)
    catalog = Catalog.of(tables)
    gates = _gates(among, catalog)
    problems = []
    if worst is not None and worst < 1:
        problems.append(Problem("command line", None, "--worst",
                                f"must be at least 1 (got {worst})"))
    if k < 2 or k > len(gates):
        problems.append(Problem("command line", None, "--n-k", f"k must be 2 to the number "
                                f"of crossings combined ({len(gates)}); got {k}"))
    if problems:
        raise InputError(problems)
    combos = all_combinations(gates, k)
    if len(combos) > MAX_COMBINATIONS:
        raise InputError(Problem("command line", None, "--n-k", f"{len(combos):,} sets of "
                                 f"{k} of {len(gates)} crossings: more than "
                                 f"{MAX_COMBINATIONS:,}; narrow them with --among"))
    scenarios = [Scenario(name="baseline", horizon=Horizon(month=month),
                          description="undisrupted baseline")]
    scenarios += [_closure_scenario((g,), month) for g in gates]
    if worst is None:
        scenarios += [_closure_scenario(c, month) for c in combos]
    plan = plan_scenarios(scenarios, data=data, overlays=overlays, tables=tables,
                          options=options, source=f"N-{k}")
    plan.nk = NKSearch(k=k, worst=worst, gates=gates, combos=combos)
    return plan


# ---- running ---------------------------------------------------------------------------------
def _objective(out: Path, name: str) -> float | None:
    s = read_summary(partition(out, name)) or {}
    return float(s["objective_usd"]) if s.get("status") == "optimal" else None


def _routing(out: Path, name: str) -> tuple[str | None, float | None]:
    """A solved scenario's routing (``certified`` or ``restricted``) and its gap bound (USD;
    0 when certified); ``(None, None)`` if not solved to optimality."""
    s = read_summary(partition(out, name)) or {}
    if s.get("status") != "optimal":
        return None, None
    status = s.get("routing", "restricted")
    gap = 0.0 if status == "certified" else (s.get("pricing") or {}).get("gap_bound_usd")
    return status, gap


def _singles(out: Path, plan: SweepPlan) -> dict:
    """The bound data of every single closure solved to optimality."""
    from borderflow.data.destinations import share_rules
    from borderflow.data.parameters import ModelParameters

    rules = share_rules(plan.tables)
    factor = ModelParameters.of(plan.tables).unserved_penalty_factor  # as the model prices it
    p = plan.tables.products
    penalty = dict(zip(p["product_id"], p["value_usd_per_t"].astype(float) * factor))
    found = {}
    for g in plan.nk.gates:
        name = combination_name((g,))
        objective = _objective(out, name)
        if objective is not None:
            routing, gap = _routing(out, name)
            found[g] = single_closure(g, objective, read_table(partition(out, name), "crossings"),
                                      read_table(partition(out, name), "route_flows"), penalty,
                                      rules, routing == "certified", gap)
    return found


def _add(plan: SweepPlan, combos) -> list:
    """Add the closure scenarios of ``combos`` to ``plan`` (same baseline and model) and return
    their entries."""
    month = plan.entries[0].scenario.horizon.month
    base = next(e.name for e in plan.entries if e.role == "baseline")
    new = [_entry(plan, _closure_scenario(c, month), "scenario", base) for c in combos]
    plan.entries += new
    return new


def known_costs(out: Path, plan: SweepPlan, floors: bool = False) -> dict:
    """Set -> optimal objective (USD) of every set solved in ``out`` so far; with ``floors``,
    a restricted set's objective less its gap bound (what it costs at least; ``-inf`` if the
    bound is unknown), as the pruning threshold needs."""
    planned = set(plan.names())
    known = {}
    for combo in plan.nk.combos:
        name = combination_name(combo)
        if name in planned and (v := _objective(out, name)) is not None:
            if floors:
                routing, gap = _routing(out, name)
                v = v if routing == "certified" else -np.inf if gap is None else v - gap
            known[combo] = v
    return known


def run_n_k(plan: SweepPlan, out: Path | str, *, client=None, workers: int = 2,
            scheduler: str | None = None, processes: bool = True, resume: bool = False,
            on_progress: Callable | None = None, batch: int | None = None
            ) -> tuple[SweepResult, SweepPlan]:
    """Run an N-k plan (:func:`plan_n_k`): brute force, or the guided search for the K
    costliest sets (see the module's docstring).

    Parameters
    ----------
    batch : int, optional
        Sets solved per round of the guided search (default ``max(K, 16)``): smaller batches
        may solve fewer sets, larger ones keep the workers busier.

    Returns
    -------
    (SweepResult, SweepPlan)
        The sweep (its tables include ``nk_search`` and ``nk_worst``) and the final plan
        (the single closures and every set solved).
    """
    nk = plan.nk
    kw = {"client": client, "workers": workers, "scheduler": scheduler,
          "processes": processes, "resume": resume, "on_progress": on_progress}
    if nk.worst is None:
        result = run_sweep(plan, out, **kw)
        return result, result.plan

    def search(folder: Path, swept: SweepPlan, solve: Callable) -> None:
        nk.bounds = combination_bounds(nk.combos, _singles(folder, swept))
        size = batch or max(nk.worst, 16)
        tried: set = set()
        while True:
            known = known_costs(folder, swept)
            floors = known_costs(folder, swept, floors=True)  # restricted: at least this
            _, undecided = prune(nk.bounds, floors, nk.worst,
                                 PRUNE_USD + PRUNE_SHARE * known_threshold(known))
            undecided -= tried  # a set that failed to solve is reported, not tried again
            if not undecided:
                break
            order = nk.bounds[nk.bounds["combination"].isin(list(undecided))].sort_values(
                ["upper_usd", "combination"], ascending=[False, True], kind="stable")
            picked = order["combination"].head(size).tolist()
            tried.update(picked)
            nk.rounds += 1
            solve(_add(swept, picked), "search")
        winners = decided(nk.bounds, known).head(nk.worst)
        nk.confirmed = {w for w in winners["combination"] if w not in known}
        # the winners known by their bounds get run folders (and the bound a solve)
        solve(_add(swept, sorted(nk.confirmed)), "confirm")

    result = run_sweep(plan, out, follow_up=search, **kw)
    return result, result.plan


def known_threshold(known: dict) -> float:
    """A scale for the pruning slack: the largest objective solved so far (0 if none)."""
    return max((abs(v) for v in known.values()), default=0.0)


def decided(bounds: pd.DataFrame, known: dict) -> pd.DataFrame:
    """The sets whose cost is known (solved, or exact by their bounds), costliest first (ties
    by name): ``combination``, ``objective_usd``, ``how``."""
    solved = bounds["combination"].isin(list(known))
    d = bounds[solved | bounds["exact_by_bound"]].copy()
    d["objective_usd"] = np.where(d["combination"].isin(list(known)),
                                  d["combination"].map(known).astype(float), d["upper_usd"])
    d["how"] = np.where(d["combination"].isin(list(known)), "solved", "exact_by_bound")
    d["name"] = d["combination"].map(combination_name)
    d["rounded"] = d["objective_usd"].round(0)
    return d.sort_values(["rounded", "name"], ascending=[False, True], kind="stable")


# ---- tables ----------------------------------------------------------------------------------
def nk_tables(out: Path, plan: SweepPlan, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``nk_search`` (every set: bounds, status, cost) and ``nk_worst`` (the K costliest) of
    an N-k sweep, as cost increases (USD) against the baseline."""
    nk = plan.nk
    base = _objective(out, "baseline")
    if base is None:
        return {"nk_search": pd.DataFrame(), "nk_worst": pd.DataFrame()}
    if nk.bounds is None:
        nk.bounds = combination_bounds(nk.combos, _singles(out, plan))
    known = known_costs(out, plan)
    b = nk.bounds.copy()
    b["scenario"] = b["combination"].map(combination_name)
    searched = {c for c in known if c not in nk.confirmed}
    planned = set(plan.names())
    failed = b["scenario"].isin(planned) & ~b["combination"].isin(list(known))
    b["status"] = np.select([b["combination"].isin(list(searched)), b["exact_by_bound"],
                             failed], ["solved", "exact_by_bound", "failed"], "pruned")
    cost = b["combination"].map(known).astype(float)
    cost = cost.where(cost.notna(), b["upper_usd"].where(b["exact_by_bound"]))
    b["cost_increase_usd"] = cost - base
    b["lower_increase_usd"] = b["lower_usd"] - base
    b["upper_increase_usd"] = b["upper_usd"] - base
    b["confirmed_by_solve"] = b["combination"].isin(list(nk.confirmed))
    single = {g: _objective(out, combination_name((g,))) for g in nk.gates}
    b["alone_usd"] = [sum(single[g] - base for g in c) if all(single[g] is not None for g in c)
                      else np.nan for c in b["combination"]]
    b["interaction_usd"] = b["cost_increase_usd"] - b["alone_usd"]
    b["crossings"] = b["combination"].map(" + ".join)
    b["routing"] = _set_routing(out, b, known, single)
    worst = nk.worst or BRUTE_WORST
    ranked = decided(nk.bounds, known)
    rank = dict(zip(ranked["combination"], ranked["rounded"].rank(
        method="min", ascending=False).astype(int)))
    b["rank"] = pd.array([rank.get(c) for c in b["combination"]], dtype="Int64")
    cols = ["rank", "crossings", "scenario", "status", "routing", "cost_increase_usd",
            "lower_increase_usd", "upper_increase_usd", "alone_usd", "interaction_usd",
            "upper_from", "confirmed_by_solve"]
    search = b.sort_values(["rank", "upper_increase_usd", "scenario"],
                           ascending=[True, False, True], kind="stable",
                           na_position="last")[cols].reset_index(drop=True)
    top = search[search["scenario"].isin(ranked["name"].head(worst))].copy()
    comp = comparison.set_index("scenario")
    for col in ("unserved_increase_t", "spoiled_increase_t", "top_gaining_crossings"):
        top[col] = top["scenario"].map(comp[col]) if col in comp else None
    top = top.drop(columns=["lower_increase_usd", "upper_increase_usd", "upper_from"])
    return {"nk_search": search, "nk_worst": top.reset_index(drop=True)}


def _set_routing(out: Path, b: pd.DataFrame, known: dict, single: dict) -> list:
    """Per set: ``certified`` or ``restricted`` as its solve's ``summary.json`` says; a set
    known by its bounds is ``certified`` when every member's single closure is (its bounds
    are then bounds on the optimum over every route); ``None`` for a pruned or failed set."""
    out_rows = []
    for combo, exact in zip(b["combination"], b["exact_by_bound"]):
        if combo in known:
            out_rows.append(_routing(out, combination_name(combo))[0])
        elif exact:
            members = [_routing(out, combination_name((g,)))[0] for g in combo
                       if single.get(g) is not None]
            out_rows.append("certified" if members and all(m == "certified" for m in members)
                            else "restricted")
        else:
            out_rows.append(None)
    return out_rows


def search_stats(plan: SweepPlan, tables: dict) -> dict:
    """Counts of an N-k sweep: sets, single closures, sets solved by the search, confirmed,
    exact by bound, pruned, rounds."""
    s = tables.get("nk_search", pd.DataFrame())
    nk = plan.nk
    status = s["status"].value_counts() if len(s) else pd.Series(dtype=int)
    return {"k": nk.k, "worst": nk.worst, "crossings": len(nk.gates),
            "combinations": len(nk.combos), "single_closures": len(nk.gates),
            "solved_by_search": int(status.get("solved", 0)) - len(nk.confirmed),
            "confirmed": len(nk.confirmed),
            "exact_by_bound": int(status.get("exact_by_bound", 0)),
            "pruned": int(status.get("pruned", 0)), "rounds": nk.rounds}
