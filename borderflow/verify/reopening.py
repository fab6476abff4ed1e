"""Verification of a reopening tree (:mod:`borderflow.reopening_plan`) from its tables alone.

What is re-derived, not read: the branches (every combination of the scenario's
``reopening_odds``, its probability and each branch's calendar) and, for each day, which
branches cannot yet be told apart (those whose uncertain closures have reopened by that day on
the same days, none of the others having reopened). Then:

- ``tree_branches``: the folder holds exactly those branches, with their probabilities;
- each branch's run folder passes :func:`borderflow.verify.verify_results` against its own
  calendar (balances, capacities, closures, queues, money), entities prefixed by the branch;
- ``nonanticipative_dispatch``: on every day, branches not yet told apart dispatched the same
  tonnes on every route (``route_flows``), left the same supply unserved (``unserved``), and
  each gate queue let the same tonnes depart and wrote off the same (``stream_queues``);
- ``expected_objective``: the summary's expected objective is the probability-weighted sum of
  the branches' ``objective_usd``; ``foresight_bound``: each branch's objective under the
  tree plan is not below its perfect-foresight optimum; ``evpi`` and ``vss``: the differences
  the summary states, and not negative;
- ``gap_bound`` (:func:`bound_checks`): the wait-and-see over every route is the
  probability-weighted sum of the branches' certified foresight lower bounds, each not above
  the branch's certified objective nor its foresight optimum over the run's routes,
  ``gap_bound_usd`` = expected − it, >= 0, and ``routing`` is ``certified`` only with a zero
  bound; without a bound, the summary says so and stays ``restricted``.

Imports nothing of the model.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.data.scenario import CloseEvent, Scenario, Window
from borderflow.io import METADATA, SUMMARY, scenario_of
from borderflow.model.results import ResultTables

from .report import assemble, num, rows

#: what a day's decisions are keyed by, per table, and the amounts compared
DECISIONS = {"route_flows": (["route_id", "product_id"], ["flow_t"]),
             "unserved": (["origin", "product_id"], ["unserved_t"]),
             "stream_queues": (["route_id", "product_id", "crossing_id", "direction"],
                               ["departures_t", "expired_t"])}


def tree_of(scenario: Scenario) -> list[tuple[str, float, tuple[dt.date, ...], Scenario]]:
    """The branches of ``scenario``'s uncertain reopenings as the verifier derives them:
    ``(folder name, probability, reopening days, branch scenario)``."""
    odd = [(k, ev) for k, ev in enumerate(scenario.events)
           if isinstance(ev, CloseEvent) and ev.reopening_odds]
    out = []
    for n, combo in enumerate(itertools.product(*[sorted(ev.reopening_odds.items())
                                                  for _, ev in odd])):
        events = list(scenario.events)
        for (k, ev), (day, _) in zip(odd, combo):
            events[k] = ev.model_copy(update={"close": Window(**{
                "from": ev.close.start, "to": day - dt.timedelta(days=1)})})
        days = tuple(d for d, _ in combo)
        name = f"branch-{n}-reopens-" + "-".join(d.isoformat() for d in days)
        out.append((name, float(np.prod([p for _, p in combo])), days,
                    scenario.model_copy(update={"events": tuple(events)})))
    return out


def told_apart_groups(days: list[tuple[dt.date, ...]], start: dt.date, n_periods: int
                      ) -> list[tuple[int, list[int]]]:
    """``(period, branches)`` for each day and group of >= 2 branches not yet told apart."""
    out = []
    for t in range(n_periods):
        today = start + dt.timedelta(days=t)
        groups: dict[tuple, list[int]] = {}
        for k, ds in enumerate(days):
            groups.setdefault(tuple(d if d <= today else None for d in ds), []).append(k)
        out.extend((t, g) for g in groups.values() if len(g) > 1)
    return out


def _decisions(res: ResultTables, name: str, t: int) -> pd.Series:
    table = getattr(res, name)
    keys, amounts = DECISIONS[name]
    if table is None or table.empty:
        return pd.Series(dtype=float)
    day = table[num(table, "period") == t]
    parts = [pd.Series(num(day, a), index=pd.MultiIndex.from_frame(
        day[keys].astype(str).assign(amount=a))) for a in amounts]
    return pd.concat(parts).groupby(level=list(range(len(keys) + 1))).sum()


def nonanticipativity_checks(results: list[ResultTables], groups, names: list[str]) -> list:
    """``nonanticipative_dispatch`` rows: per day and table, the largest difference between a
    branch of a group and the group's first branch (t/day)."""
    worst: dict[str, float] = {}
    for t, members in groups:
        for table in DECISIONS:
            root = _decisions(results[members[0]], table, t)
            for k in members[1:]:
                other = _decisions(results[k], table, t)
                diff = root.sub(other, fill_value=0.0).abs()
                key = f"{table} day {t}"
                worst[key] = max(worst.get(key, 0.0), float(diff.max()) if len(diff) else 0.0)
    if not worst:
        return [rows("nonanticipative_dispatch", "no two branches share a day", 0.0, "t")]
    return [rows("nonanticipative_dispatch", np.array(list(worst), dtype=object),
                 np.array(list(worst.values())), "t", 1.0)]


def _money_checks(summary: dict, branches: pd.DataFrame, results, tree) -> list:
    p = np.array([b[1] for b in tree])
    objective = np.array([float(r.summary.get("objective_usd", np.nan)) for r in results])
    expected = float(p @ objective)
    stated = float(summary.get("expected_objective_usd", np.nan))
    scale = abs(expected)
    out = [rows("expected_objective", "sum of p_k x branch objective_usd",
                np.abs(stated - expected), "USD", scale)]
    foresight = num(branches, "foresight_objective_usd")
    if len(foresight) == len(objective):
        out.append(rows("foresight_bound", np.array([b[0] for b in tree], dtype=object),
                        np.maximum(0.0, foresight - objective), "USD", scale))
        ws = float(p @ foresight)
        out += [rows("wait_and_see", "sum of p_k x foresight_objective_usd",
                     abs(float(summary.get("wait_and_see_objective_usd", np.nan)) - ws), "USD",
                     scale),
                rows("evpi", "evpi_usd = expected - wait-and-see, >= 0",
                     abs(float(summary.get("evpi_usd", np.nan)) - (stated - ws))
                     + max(0.0, ws - stated), "USD", scale)]
    out += bound_checks(summary, branches, p, stated, scale)
    if "vss_usd" in summary:
        policy = float(p @ num(branches, "policy_objective_usd"))
        out.append(rows("vss", "vss_usd = expectation policy - tree, >= 0",
                        abs(float(summary["vss_usd"]) - (policy - stated))
                        + max(0.0, stated - policy), "USD", scale))
    out.append(rows("solver_status", f"summary.status = {summary.get('status')!r}",
                    0.0 if summary.get("status") == "optimal" else 1.0, "status"))
    return out


def bound_checks(summary: dict, branches: pd.DataFrame, p: np.ndarray, stated: float,
                 scale: float) -> list:
    """``gap_bound`` rows (module docstring): the bound over every route re-derived from the
    ``branches`` table's certified foresight columns (USD)."""
    gap = summary.get("gap_bound_usd")
    if gap is None:
        said = summary.get("routing") == "restricted" and "no gap bound" in str(
            summary.get("optimality", ""))
        return [rows("gap_bound", "no gap bound: restricted and said", 0.0 if said else 1.0,
                     "claim")]
    lower = num(branches, "foresight_lower_bound_usd")
    if "foresight_lower_bound_usd" not in branches or np.isnan(lower).any():
        lower = np.full(len(p), np.nan)
    ws = float(p @ lower)
    names = np.array([f"{b} lower bound" for b in branches["branch"]], dtype=object)
    gap = float(gap)
    routing = summary.get("routing")
    return [rows("gap_bound", "wait_and_see_all_routes_usd = sum of p_k x lower bound",
                 abs(float(summary.get("wait_and_see_all_routes_usd", np.nan)) - ws), "USD",
                 scale),
            rows("gap_bound", "gap_bound_usd = expected - wait-and-see over every route, >= 0",
                 abs(gap - (stated - ws)) + max(0.0, -gap), "USD", scale),
            rows("gap_bound", names, np.maximum(0.0, lower - num(
                branches, "certified_foresight_objective_usd")), "USD", scale),
            rows("gap_bound", names + " <= foresight over the run's routes", np.maximum(
                0.0, lower - num(branches, "foresight_objective_usd")), "USD", scale),
            rows("gap_bound", f"routing {routing!r} with gap bound {gap:g}",
                 0.0 if routing in ("certified", "restricted") and (routing == "restricted")
                 == (gap > 0.0) else 1.0, "claim")]


def verify_tree(contents: dict, tables) -> pd.DataFrame:
    """Verify a reopening tree's contents (``tables``, ``documents``, ``folders`` as
    :meth:`borderflow.reopening_plan.ReopeningResult.contents` holds them, or as read from
    its folder) against the input tables."""
    from borderflow.verify import verify_results

    summary = contents["documents"].get(SUMMARY) or {}
    scenario = scenario_of(contents["documents"].get(METADATA) or {})
    tree = tree_of(scenario)
    branches = contents["tables"].get("branches", pd.DataFrame())
    names = [b[0] for b in tree]
    got = list(branches["branch"]) if "branch" in branches else []
    p_got = num(branches, "probability")
    bad = ([] if got == names else ["branches table"]) + \
        ([] if sorted(contents["folders"]) == sorted(names) else ["branch folders"]) + \
        ([] if len(p_got) == len(tree) and np.allclose(p_got, [b[1] for b in tree], atol=1e-12)
         else ["probability"])
    parts = [rows("tree_branches", bad or f"{len(names)} branches",
                  [1.0] * len(bad) or 0.0, "branches")]
    if bad:
        return assemble(parts)
    results = []
    for name, _, _, branch in tree:
        t, docs = contents["folders"][name]
        res = ResultTables(summary=docs.get(SUMMARY) or {},
                           **{k: v for k, v in t.items()
                              if k in ResultTables.TABLES + ResultTables.OPTIONAL_TABLES})
        results.append(res)
        report = verify_results(res, tables, branch)
        parts.append(report.assign(entity=f"{name}/" + report["entity"].astype(str)))
    n = 1 + int(max((num(getattr(r, name), "period").max(initial=-1)
                     for r in results for name in DECISIONS), default=-1))
    groups = told_apart_groups([b[2] for b in tree], scenario.horizon.start, n)
    parts += nonanticipativity_checks(results, groups, names)
    parts += _money_checks(summary, branches, results, tree)
    return assemble(parts)


def read_tree_folder(folder: Path) -> tuple[dict, list[pd.DataFrame]]:
    """The contents of a reopening tree's folder, and failed ``tables`` rows for what is
    missing or unreadable."""
    from . import folder as files

    problems, parts = [], []
    docs = {}
    for name in (SUMMARY, METADATA):
        try:
            docs[name] = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            problems.append(f"{name} unreadable ({type(err).__name__})")
    try:
        branches = pd.read_parquet(folder / "branches.parquet")
    except Exception as err:  # noqa: BLE001 - a missing or unreadable file is a finding
        problems.append(f"branches.parquet unreadable ({type(err).__name__})")
        branches = pd.DataFrame()
    subs = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("branch-")):
        res, found = files.read_tables(sub)
        parts += [f.assign(entity=f"{sub.name}/" + f["entity"].astype(str)) for f in found]
        subs[sub.name] = (res.tables(), {SUMMARY: res.summary})
    if problems:
        parts.append(rows("tables", np.array(problems, dtype=object), np.ones(len(problems)),
                          "files"))
    return {"tables": {"branches": branches}, "documents": docs, "folders": subs}, parts


def _recorded_tree(contents: dict, tables) -> pd.DataFrame:
    """:func:`verify_tree`, or one failed ``tree_branches`` row if the folder's ``run.json``
    records no scenario (nothing to derive the tree from; checked with ``--data``)."""
    if scenario_of(contents["documents"].get(METADATA) or {}) is None:
        return assemble([rows("tree_branches", "run.json records no scenario", 1.0, "branches")])
    return verify_tree(contents, tables)


def verify_tree_folder(folder: Path, data=None, overlays=()) -> pd.DataFrame:
    """Verify a reopening tree's folder: its files and :func:`verify_tree` against the inputs
    named in its ``run.json`` (or ``data``; :func:`borderflow.verify.folder.verify_plan_files`)."""
    from .folder import verify_plan_files

    return verify_plan_files(folder, read_tree_folder, _recorded_tree, data, overlays)
