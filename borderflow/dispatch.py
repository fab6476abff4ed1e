"""Realistic dispatch of a dated run: the pipeline stage that turns a built model and its
scenario's announcements into a policy simulation (:mod:`borderflow.solvers.informed`).

:func:`realistic_solve` takes the perfect-foresight optimum of the same routes as the bound
(``foresight_objective_usd``; solved on the aggregated-streams LP, :func:`aggregated_bound`:
the model whose plans are solved by default, or before the per-pair model the plans of
``--per-pair-streams`` need is built), then simulates
the dispatcher who plans on day 0 and re-plans on every day news arrives
(:func:`borderflow.model.information.decision_days`) with the calendar as announced by then,
and loads the committed decisions into the model (the results, the verifier and the run folder
then describe the policy). :func:`check_surprises` refuses, before solving, a surprise the
model cannot represent: a crossing passed *before* a route's queue gate that closes or
throttles with trucks already committed toward it. Both take the reaction lag
(:mod:`borderflow.behaviour`): trucks loaded in the ``lag`` days after news of a gate follow
the plan made before it; and the drivers who keep coming after it (:func:`keep_coming_floors`):
a share of the trucks that plan had loaded toward a closed or throttled gate are still
dispatched to it for ``keep_coming_days`` more days (a gate's own window if ``behaviour.csv``
gives it one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from borderflow.model.formulation import bound_updates, column_periods
from borderflow.model.information import (check_lag_conflicts, decision_days, held_until,
                                          keep_coming_windows, known_scenario)
from borderflow.model.fifo import repair_fifo
from borderflow.model.network import with_scenario
from borderflow.model.streams import pair_view
from borderflow.solvers.highs import SolveSummary
from borderflow.solvers.informed import Floor, Plan, bounds_of, solve_informed
from borderflow.unwarned import unwarned_transit

#: columns of the run folder's ``keep_coming`` table (:func:`keep_coming_table`)
KEEP_COLUMNS = ["crossing_id", "direction", "news_date", "route_id", "product_id", "period",
                "pre_news_flow_t", "floor_t"]


#: :attr:`ForesightBound.lp` of a bound solved on the per-pair model the plans are solved on
PER_PAIR_BOUND = "the per-pair LP the plans are solved on ({why})"

#: :attr:`ForesightBound.lp` of a bound solved on the aggregated-streams LP
AGGREGATED_BOUND = ("the aggregated-streams LP of the same routes and real calendar (the "
                    "foresight run's; its first-in-first-out split per pair passed every "
                    "per-pair row, largest violation {violation:.1e} t, so its optimum is the "
                    "per-pair LP's); a bound because the policy's dispatch is a feasible "
                    "solution of that LP")


@dataclass(frozen=True)
class ForesightBound:
    """The perfect-foresight optimum a realistic dispatch reports as its bound."""

    summary: SolveSummary
    """The solve; ``objective_usd`` is the bound, its seconds and iterations are counted in
    the realistic run's."""
    flows: pd.Series
    """Tonnes of each route flow in the foresight optimum, by key ``(route_id, product_id,
    period)`` (what the unwarned-transit table reads)."""
    lp: str
    """Which LP it was solved on, in words (the summary's ``foresight_bound_lp``)."""


def route_flow_tonnes(session, built) -> pd.Series:
    """The nonzero route flows of ``session``'s current HiGHS solution, tonnes by key
    ``(route_id, product_id, period)`` (a flow that is no HiGHS column: 0, left out)."""
    cols = session.columns_of(built.model.route_flow)[
        built.flows["f"].to_numpy(dtype=np.int64)]
    x = np.asarray(session.highs.getSolution().col_value, dtype=float)
    values = np.where(cols >= 0, x[np.maximum(cols, 0)] if len(x) else 0.0, 0.0)
    keys = built.flows.loc[values != 0, ["route_id", "product_id", "period"]]
    return pd.Series(values[values != 0], index=pd.MultiIndex.from_frame(
        keys.astype({"period": np.int64})))


def aggregated_bound(net, built, session, summary: SolveSummary
                     ) -> tuple[ForesightBound | None, str]:
    """The bound of a realistic dispatch from the aggregated-streams LP of its routes, solved
    with foresight (``summary``; values loaded into ``built``'s Pyomo model), and ``""``; or
    ``None`` and why, in words, where the foresight run would fall back to per pair
    (:func:`borderflow.pipeline.disaggregated`: the LP wrote cargo off before its deadline, or the
    first-in-first-out split failed). Summing a per-pair solution over each stream gives an
    aggregated one of the same cost, and a split that passes gives a per-pair solution of the
    aggregated cost (:mod:`borderflow.model.streams`): the two optima are then equal, so the bound
    is exactly the per-pair foresight optimum. The Pyomo values may be changed (a repair's
    write-offs): the model is the caller's to drop."""
    flows = route_flow_tonnes(session, built)  # before a repair changes anything
    if repair_fifo(built) is not None:
        return None, "the aggregated LP wrote cargo off before its deadline"
    split = pair_view(net, built)[1]
    if split is None or not split.passed:
        return None, "the first-in-first-out split of the aggregated LP failed"
    return ForesightBound(summary=summary, flows=flows,
                          lp=AGGREGATED_BOUND.format(violation=split.max_violation_t)), ""


def own_bound(session, built, summary: SolveSummary, why: str) -> ForesightBound:
    """The bound of a realistic dispatch from ``session``'s own foresight solve of the
    per-pair model (``summary``; its solution in HiGHS now), solved there because ``why``
    (in words: the foresight run has no aggregated streams)."""
    return ForesightBound(summary=summary, flows=route_flow_tonnes(session, built),
                          lp=PER_PAIR_BOUND.format(why=why))


def keep_coming_floors(net, built, session, lag: int, keep) -> tuple[list, pd.DataFrame]:
    """The :class:`~borderflow.solvers.informed.Floor` of each keep-coming window
    (:func:`borderflow.model.information.keep_coming_windows`): the HiGHS columns of the
    route flows whose queue gate is the window's crossing, in its direction.

    Parameters
    ----------
    net : FreightNetwork
    built : BuiltModel
        A dated model (its ``pairs`` name each route's queue gate; per pair in an
        aggregated model too, :attr:`~borderflow.model.indices.IndexTables.pairs`).
    session : HighsSession
    lag : int
        Reaction lag, days.
    keep : KeepComing or None
        (:func:`borderflow.behaviour.keep_coming`); ``None`` or inactive: no floor.

    Returns
    -------
    (list of Floor, DataFrame)
        The floors, and per floor and column its flow index ``f`` (``floor, f``).
    """
    if keep is None or not keep.active:
        return [], pd.DataFrame(columns=["floor", "f"])
    windows = keep_coming_windows(net.scenario, lag, keep.days, keep.days_by_gate)
    windows = windows[windows["news_period"] < len(net.periods)]
    # per (route, product) pair: an aggregated model's ``streams`` are its stream queues
    gates = built.index.pairs[["route_id", "product_id", "crossing_id", "direction"]]
    flows = built.flows[["f", "route_id", "product_id"]].merge(gates, on=["route_id",
                                                                          "product_id"])
    cols = session.columns_of(built.model.route_flow)
    floors, members = [], []
    for w in windows.itertuples(index=False):
        f = flows.loc[(flows["crossing_id"] == w.crossing_id)
                      & (flows["direction"] == w.direction), "f"].to_numpy(dtype=np.int64)
        f = f[cols[f] >= 0]
        floors.append(Floor(news_day=int(w.news_period), first_day=int(w.first_period),
                            end_day=int(w.end_period), cols=cols[f], share=keep.share))
        members.append(pd.DataFrame({"floor": len(floors) - 1, "f": f}))
    return floors, pd.concat(members, ignore_index=True) if members else \
        pd.DataFrame(columns=["floor", "f"])


def keep_coming_table(net, built, session, floors, members, kept) -> pd.DataFrame:
    """The run folder's ``keep_coming`` table (:data:`KEEP_COLUMNS`): per floor, one row for
    **every** route flow of its window (its queue gate the window's crossing and direction,
    its dispatch day in the window): the gate and direction, the news date, the route,
    product and dispatch day, the tonnes of the plan before the news and the floor (share x
    those tonnes), which the verifier re-checks against the flows. A route flow that plan
    left at 0 (or at most 1e-9 t, solver noise, written as 0) has a row with both 0: a
    *zero row*, held to nothing, listed so that the verifier can tell the table is complete
    (:func:`borderflow.verify.dispatch.keep_coming_checks`). The summary's
    ``keep_coming_floor_t`` adds up the held rows (:func:`held_floor_t`)."""
    if not floors:
        return pd.DataFrame(columns=KEEP_COLUMNS)
    cols = session.columns_of(built.model.route_flow)
    at = {}  # (floor, column) -> pre-news tonnes, every column of the floor's window
    for i, (c, v) in enumerate(kept):
        at.update({(i, int(cc)): float(vv) for cc, vv in zip(c, v)})
    m = members.copy()
    m["col"] = cols[m["f"].to_numpy(dtype=np.int64)]
    pre = np.array([at.get((int(i), int(c)), np.nan) for i, c in zip(m["floor"], m["col"])],
                   dtype=float)
    inside = ~np.isnan(pre)  # not: the columns outside the floor's window days
    m, pre = m[inside], pre[inside]
    m["pre_news_flow_t"] = np.where(pre > 1e-9, pre, 0.0)
    fl = built.flows.set_index("f").loc[m["f"]]
    labels = net.periods["label"]
    floor_of = [floors[int(i)] for i in m["floor"]]
    gates = built.index.pairs.set_index(["route_id", "product_id"])
    key = list(zip(fl["route_id"], fl["product_id"]))
    out = pd.DataFrame({
        "crossing_id": gates.loc[key, "crossing_id"].to_numpy(),
        "direction": gates.loc[key, "direction"].to_numpy(),
        "news_date": [str(labels.iloc[x.news_day]) for x in floor_of],
        "route_id": fl["route_id"].to_numpy(), "product_id": fl["product_id"].to_numpy(),
        "period": fl["period"].to_numpy(dtype=np.int64),
        "pre_news_flow_t": m["pre_news_flow_t"].to_numpy(),
        "floor_t": [x.share for x in floor_of] * m["pre_news_flow_t"].to_numpy()})
    return out.sort_values(["news_date", "crossing_id", "direction", "product_id", "route_id",
                            "period"], kind="stable", ignore_index=True)


def held_floor_t(table: pd.DataFrame) -> float:
    """The summary's ``keep_coming_floor_t``: the floors of ``table``'s held rows (pre-news
    tonnes > 0), added in the table's order (the zero rows add nothing; leaving them out keeps
    the sum's rounding that of the table before it listed them)."""
    return float(table.loc[table["pre_news_flow_t"] > 0, "floor_t"].sum())


def check_surprises(net, built, reaction_lag_days: int = 0, keep_coming_days: int = 0,
                    keep_coming_days_by_gate=None) -> None:
    """Refuse news that bounds the dispatch while the reaction lag still holds it, or while
    drivers keep coming (:func:`borderflow.model.information.check_lag_conflicts`; the gates'
    own windows in ``keep_coming_days_by_gate``, crossing id -> days).

    A surprise on a crossing passed *before* a route's queue gate is no longer refused: the
    route-days it would catch are not dispatched (:mod:`borderflow.unwarned`, reported).

    Raises
    ------
    InputError
        Naming the event (``events[i].announced``) and the news holding the dispatch.
    """
    check_lag_conflicts(net.scenario, reaction_lag_days, keep_coming_days,
                        keep_coming_days_by_gate)


def realistic_solve(session, built, net, foresight: ForesightBound, solve_first,
                    on_progress=None, lag=None,
                    keep=None) -> tuple[SolveSummary, pd.DataFrame, pd.DataFrame]:
    """Simulate the realistic dispatch of ``built`` (its session holds the real calendar;
    ``foresight`` is the bound); load the policy into the Pyomo model.

    Parameters
    ----------
    session : HighsSession
    built : BuiltModel
    net : FreightNetwork
        The real scenario's network.
    foresight : ForesightBound
        The perfect-foresight optimum of the same routes: on the aggregated-streams LP
        (:func:`aggregated_bound`) or ``session``'s own (:func:`own_bound`).
    solve_first : callable
        ``solve_first()`` solves ``session`` as the run solves any dated model (exact windows
        from 30 days on): plan 0, on the calendar known on day 0.
    on_progress : callable, optional
        ``on_progress(stage, done, total, message)``.
    lag : ReactionLag, optional
        The reaction lag (:func:`borderflow.behaviour.reaction_lag`); ``None``: 0 days.
    keep : KeepComing, optional
        The drivers who keep coming (:func:`borderflow.behaviour.keep_coming`); ``None``:
        nobody.

    Returns
    -------
    (SolveSummary, DataFrame, DataFrame)
        ``status`` ``simulated``, ``dispatch`` ``realistic``, ``exact`` False,
        ``foresight_objective_usd`` the bound (solved without the unwarned-transit restriction, so a
        bound on the restricted policy too), ``foresight_bound_lp`` its LP, ``plan_iterations`` each
        later plan's warm dual-simplex iterations and ``plan_solves`` how it was solved (``warm``
        or ``ipx``); times and iterations include the foresight solve.
        The tables: ``keep_coming`` (:func:`keep_coming_table`) and ``unwarned_transit``
        (:mod:`borderflow.unwarned`, with the foresight tonnes).
    """
    scenario = net.scenario
    days = decision_days(scenario)
    held = held_until(scenario, days, lag.days if lag is not None else 0)
    n_days = len(net.periods)
    floors, members = keep_coming_floors(net, built, session, lag.days if lag else 0, keep)
    real = bounds_of(session)
    transit = unwarned_transit(net, built, lag.days if lag is not None else 0)
    flow_cols = session.columns_of(built.model.route_flow)
    off = np.unique(flow_cols[transit["f"].to_numpy(dtype=np.int64)])
    off = off[off >= 0].astype(np.int32)
    keys = pd.MultiIndex.from_frame(transit[["route_id", "product_id", "period"]].astype(
        {"period": np.int64}))
    transit["foresight_flow_t"] = foresight.flows.reindex(keys, fill_value=0.0).to_numpy()

    def exclude(b):  # the unwarned transit route-days: 0 in every plan
        b.col_lower[off] = b.col_upper[off] = 0.0
        return b

    states, plans, first = {}, [], None
    try:
        for j, d in enumerate(days):
            known = known_scenario(scenario, scenario.horizon.start + dt.timedelta(days=d))
            key = known.model_dump_json()
            if key not in states:
                states[key] = (known, None)
                session.apply(bound_updates(built, with_scenario(net, known)))
                states[key] = (known, exclude(bounds_of(session)))
            end = days[j + 1] if j + 1 < len(days) else n_days
            plans.append(Plan(first_day=d, commit_end=end, bounds=states[key][1],
                              held_until=min(held[j], n_days)))
            first = first or states[key][0]
        # plan 0, solved as any dated model is (exact windows from 30 days on)
        session.apply(bound_updates(built, with_scenario(net, first)))
        if len(off):
            zero = np.zeros(len(off))
            session.highs.changeColsBounds(len(off), off, zero, zero)
        session.restart_from(None)  # cold: warm from foresight's basis is slower here
        progress = on_progress or (lambda *a: None)
        solve_first()
        start = session.highs.getInfo()

        def plan(j: int, n: int, first_day: int) -> None:
            progress("solve", j, n, f"realistic dispatch: plan {j + 1} of {n} (day "
                                    f"{first_day}, the calendar as known that day)")

        out = solve_informed(session, column_periods(built), plans, real, on_plan=plan,
                             held=built.model.route_flow, floors=floors)
    finally:
        session.apply(bound_updates(built, net))  # the real calendar again
    session.load_solution(out.x, out.duals)
    table = keep_coming_table(net, built, session, floors, members, out.floors)
    active = keep is not None and keep.active
    return replace(out.summary,
                   keep_coming_share=keep.share if keep is not None else 0.0,
                   keep_coming_days=keep.days if keep is not None else 0,
                   keep_coming_days_by_gate=dict(keep.days_by_gate) if keep is not None
                   else {},
                   keep_coming_source=keep.source if keep is not None else "",
                   keep_coming_floor_t=held_floor_t(table) if active else 0.0,
                   unwarned_transit_route_days=int(transit["f"].nunique()),
                   unwarned_transit_foresight_t=float(
                       transit.drop_duplicates("f")["foresight_flow_t"].sum()),
                   dispatch="realistic", decision_periods=tuple(days),
                   foresight_objective_usd=foresight.summary.objective_usd,
                   foresight_bound_lp=foresight.lp,
                   plan_iterations=tuple(out.warm_iterations),
                   plan_solves=tuple("ipx" if j in out.restarted else "warm"
                                     for j in range(1, len(plans))),
                   reaction_lag_days=lag.days if lag is not None else 0,
                   reaction_lag_source=lag.source if lag is not None else "",
                   solve_seconds=out.summary.solve_seconds + foresight.summary.solve_seconds,
                   iterations=out.summary.iterations + foresight.summary.iterations
                   + int(start.simplex_iteration_count + max(start.ipm_iteration_count, 0))
                   ), table, transit.drop(columns="f")
