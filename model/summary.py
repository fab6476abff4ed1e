"""The summary of a solved scenario, typed: one field per ``summary.json`` key, with its unit.

:class:`RunSummary` names every number a run reports about itself (objective and its parts,
tonnes, trucks, solver statistics, the verification's outcome). The result tables code makes
one (:func:`borderflow.model.results.extract_results`), the public API adds the verification
(:func:`borderflow.solve`), and it is written to ``summary.json`` as a plain dict
(:meth:`RunSummary.as_dict`, keys in field order). Read one back with
:meth:`RunSummary.from_dict`. Every field is documented in docs/api.md ("summary.json"); the
tests hold the two together.

Money is in USD over the run's periods, tonnes and trucks are summed over its periods (a static
run has one representative day; a dated run's periods are days, its run-out tail included).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

#: units of the tonnes and trucks of a summary, as recorded in it
UNITS = "tonnes and trucks per period (a day); money in USD over the periods"


def _f(unit: str, doc: str, **kw):
    return field(metadata={"unit": unit, "doc": doc}, **kw)


@dataclass(frozen=True)
class RunSummary:
    """What one solved scenario reports about itself (``summary.json``).

    Each field's unit and meaning: :meth:`fields_table` (and docs/api.md).
    """

    scenario: str = _f("-", "scenario name")
    status: str = _f("-", "HiGHS's outcome for the LP over the routes in the model: `optimal` "
                          "(anything else raised an error); whether that is the optimum over "
                          "every route is `routing`")
    objective_usd: float = _f("USD", "the minimised objective: transport cost - revenue of "
                                     "the tonnes delivered + lost value + waiting cost")
    transport_cost_usd: float = _f("USD", "trucking, reefer and gate fees of the route flows")
    revenue_usd: float = _f("USD", "market price x tonnes dispatched; in a dated run this "
                                   "includes cargo that later expires in a queue (its value is "
                                   "in `lost_value_usd`), so the parts add up to "
                                   "`objective_usd` only when nothing expires")
    lost_value_usd: float = _f("USD", "value of produce unserved at its origin or expired in a "
                                      "queue (x `unserved_penalty_factor`)")
    waiting_cost_usd: float = _f("USD", "waiting cost of trucks in gate queues (dated runs; 0 "
                                        "for static runs)")
    supply_t: float = _f("t", "supply over the periods")
    shipped_t: float = _f("t", "dispatched on a route")
    unserved_t: float = _f("t", "not dispatched (stays at its origin)")
    expired_in_queue_t: float = _f("t", "written off in a gate queue after its shelf life or "
                                        "the longest wait (dated runs), every good: its "
                                        "perishable part is also in `spoiled_t`, so the two "
                                        "overlap and are never added")
    spoiled_t: float = _f("t", "perishables unserved at their origin, written off in a "
                               "gate queue (also in `expired_in_queue_t`) or, under a "
                               "dispatch hold, in stock at their origin")
    trucks: float = _f("trucks", "loaded trucks dispatched, summed over the periods")
    periods: int = _f("days", "modelled periods (dated: days of the horizon and its run-out "
                              "tail)")
    period_label: str = _f("-", "the representative day, or the first to last date")
    units: str = _f("-", "the units above, in words")
    solver: str = _f("-", "solver and version")
    solve_seconds: float = _f("s", "wall-clock time in HiGHS (differs run to run)")
    translate_seconds: float = _f("s", "wall-clock time to hand the model to HiGHS (differs "
                                       "run to run)")
    iterations: int = _f("-", "simplex and interior-point iterations")
    rolling_windows: int = _f("-", "windows of a rolling-horizon solve (0: the whole model at "
                                   "once)")
    variables: int = _f("-", "columns of the LP")
    constraints: int = _f("-", "rows of the LP")
    routes: dict = _f("-", "route enumeration: candidate routes, routes and (route, product) "
                           "pairs kept, those excluded as unlicensed or too slow, the "
                           "settings; `unmeetable_share_rules` (only when some): the "
                           "destination-share rules with a low bound whose region no route of "
                           "the set reaches (their deliveries to China are held at 0; "
                           "docs/model.md \"Destination shares\")")
    routing: str = _f("-", "`certified`: optimal over every route the network, licences and "
                           "shelf lives allow (column generation found no route of negative "
                           "reduced cost; `borderflow verify` re-checks it); `restricted`: "
                           "optimal over the routes in the model only (see `optimality`)",
                      default="restricted")
    optimality: str = _f("-", "what `optimal` means for this run, in words: \"optimal over all "
                              "routes (certified)\", or \"optimal over the N (route, product) "
                              "pairs in the model only (why); gap <= X USD\"", default="")
    pricing: dict | None = _f("-", "column generation: method, pricing `rounds`, "
                                   "`routes_generated`, `route_products` in the final model, "
                                   "`min_reduced_cost_usd_per_t` of the last pricing, "
                                   "`tolerance_usd_per_t`, `gap_bound_usd` (how much lower the "
                                   "optimum over every route can be; null if unknown), "
                                   "`reason` a run is restricted", default=None)
    solve_method: str = _f("-", "how the LP was solved, in words: one LP (its algorithm), a "
                                "warm re-solve, rolling windows then the whole LP (exact), or "
                                "rolling windows alone (an approximation)",
                           default="")
    exact: bool = _f("-", "the whole LP's optimum, proved by HiGHS (`false`: a rolling-horizon "
                          "approximation with limited foresight, costlier than or equal to "
                          "the optimum, or a FIFO repair, see `fifo_repair`, or the "
                          "class-FIFO replay, `--clearance-order class-fifo`)", default=True)
    congestion_cost_usd: float | None = _f(
        "USD", "static runs with congestion tiers (`congestion_hours_*` in parameters.csv): "
               "value of the hours trucks wait in the tiers (in `objective_usd`; "
               "congestion.parquet)", default=None)
    left_in_queue_t: float | None = _f("t", "dated runs: cargo still waiting in a gate queue "
                                            "at the end of the last modelled day (run-out "
                                            "tail included), valued like cargo written off "
                                            "(in `lost_value_usd`)", default=None)
    fifo_repair: dict | None = _f("-", "dated runs whose LP wrote cargo off before its "
                                       "deadline (an LP relaxes FIFO write-offs): "
                                       "`written_off_early_t`, `streams`, the LP optimum "
                                       "`lp_lower_bound_usd` and `gap_usd`; the reported "
                                       "solution writes off first in, first out and is within "
                                       "`gap_usd` of the FIFO optimum (absent: the LP's "
                                       "write-offs are FIFO's, the optimum is exact)",
                                  default=None)
    class_fifo: dict | None = _f("-", "dated runs: the gates replayed first come, first "
                                      "served across goods within each lane class (gate, "
                                      "direction, perishable priority lane or general lane; "
                                      "docs/model.md, Queue discipline): `out_of_order_t` the "
                                      "LP cleared out of arrival order, the LP optimum "
                                      "`lp_lower_bound_usd` (a lower bound under that rule), "
                                      "`replayed_objective_usd` (an upper bound when "
                                      "`feasible`), `gap_usd`, `gap_pct`, `unfilled_trucks`, "
                                      "`demand_excess_t`, which plan the tables show (a "
                                      "realistic dispatch: the simulated plan's objective "
                                      "in place of the LP optimum, no bound)",
                                 default=None)
    stream_aggregation: dict | None = _f(
        "-", "dated runs over stream queues (the default; `--per-pair-streams` turns it off): "
             "`queue_streams` (queues in the model), "
             "`queue_pairs` ((route, product) pairs they stand for), `split` (whether the "
             "first-in-first-out split back per pair passed every per-pair row, with its "
             "largest violation) and, when the aggregated LP wrote cargo off early, "
             "`fallback` (the run was solved again per pair; a realistic dispatch, whose plans "
             "are on streams too by default, falls back only when its foresight LP "
             "would, or its policy's split fails)", default=None)
    dispatch: str = _f("-", "`foresight`: the LP knows the whole calendar from the first day "
                            "(an optimum); `realistic`: a policy simulation, re-planned each "
                            "decision day with the events announced by then (not an optimum); "
                            "`stochastic`: a branch of a reopening tree, its part of the "
                            "tree's optimum (`borderflow reopening`)",
                       default="foresight")
    dispatch_reason: str | None = _f("-", "dated runs: why the run has its `dispatch`, in one "
                                          "line: as the options asked, or the rule of the "
                                          "default `auto` (realistic when news arrives after "
                                          "the first day, a surprise; foresight when every "
                                          "event is known from the first day)", default=None)
    foresight_objective_usd: float | None = _f("USD", "realistic dispatch: the perfect-"
                                                      "foresight optimum of the same routes "
                                                      "and calendar (a bound on "
                                                      "`objective_usd`: the policy's dispatch "
                                                      "is a feasible solution of that LP)",
                                               default=None)
    foresight_bound_lp: str | None = _f("-", "realistic dispatch: the LP "
                                             "`foresight_objective_usd` was solved on, in "
                                             "words (the aggregated-streams LP, as the "
                                             "foresight run solves it, or the per-pair LP "
                                             "and why)", default=None)
    value_of_foresight_usd: float | None = _f("USD", "realistic dispatch: `objective_usd` "
                                                     "minus `foresight_objective_usd`, the "
                                                     "cost of not knowing the calendar ahead",
                                              default=None)
    decision_days: int | None = _f("days", "realistic dispatch: days on which the dispatch "
                                           "planned (day 0 and each day news arrived; a "
                                           "re-plan without news repeats the plan)",
                                   default=None)
    decision_dates: list | None = _f("-", "realistic dispatch: the dates on which the "
                                          "dispatch planned", default=None)
    plan_iterations: list | None = _f("-", "realistic dispatch: dual-simplex iterations of "
                                           "each plan after the first (the second plan "
                                           "first), warm from the plan before; a plan that "
                                           "reached the warm limit and was solved again by "
                                           "IPX (`solve_method`) counts the limit",
                                      default=None)
    plan_solves: list | None = _f("-", "realistic dispatch: how each plan after the first "
                                       "was solved to its optimum (the second plan first): "
                                       "`warm` (the dual simplex from the plan before's "
                                       "basis) or `ipx` (from nothing by IPX with crossover, "
                                       "after the warm limit of `plan_iterations`)",
                                  default=None)
    reaction_lag_days: int | None = _f("days", "realistic dispatch: days between news of a "
                                               "closure, throttle, ramp or reopening and the "
                                               "dispatch reacting to it (trucks loaded in "
                                               "between follow the earlier plan)", default=None)
    reaction_lag_source: str | None = _f("-", "realistic dispatch: where the reaction lag comes "
                                              "from (the scenario, or behaviour.csv with its "
                                              "range and quality)", default=None)
    keep_coming_share: float | None = _f("-", "realistic dispatch: share of the trucks the "
                                              "plan before news of a closure or throttle had "
                                              "loaded toward that gate that keep coming after "
                                              "the reaction lag", default=None)
    keep_coming_days: int | None = _f("days", "realistic dispatch: days (after the reaction "
                                              "lag) during which they keep coming, counted "
                                              "from a gate's first news of a disruption "
                                              "episode (docs/dynamics.md)",
                                      default=None)
    keep_coming_days_by_gate: dict | None = _f("days", "realistic dispatch: the gates with their "
                                                       "own window (crossing id -> days, "
                                                       "behaviour.csv rows whose applies_to "
                                                       "is the crossing); every other gate "
                                                       "keeps `keep_coming_days`",
                                               default=None)
    keep_coming_source: str | None = _f("-", "realistic dispatch: where the keep-coming share "
                                             "and days come from", default=None)
    keep_coming_floor_t: float | None = _f("t", "realistic dispatch: tonnes dispatched at least "
                                                "toward closed or throttled gates by drivers "
                                                "who keep coming (the floors of "
                                                "keep_coming.parquet, summed)", default=None)
    unwarned_transit_route_days: int | None = _f(
        "-", "realistic dispatch: transit route-days not dispatched because a crossing they "
             "pass before their queue gate closed or was throttled by news that came after "
             "they would have been committed (unwarned_transit.parquet); withheld in every "
             "plan, so the plans before the news avoid them as if warned (an information "
             "leak limited to them, not bounded)", default=None)
    unwarned_transit_foresight_t: float | None = _f(
        "t", "realistic dispatch: tonnes the perfect-foresight optimum sent on those "
             "route-days (what the restriction takes away)", default=None)
    verified: bool | None = _f("-", "every independent check passed (absent for a baseline "
                                    "solved alongside a scenario)", default=None)
    verification_checks: int | None = _f("-", "independent checks made (`verification.csv`)",
                                         default=None)
    verification_violations: int | None = _f("-", "checks that failed", default=None)
    verify_seconds: float | None = _f("s", "wall-clock time of the verification (differs run "
                                           "to run)", default=None)

    #: fields of a realistic-dispatch run only (absent from a foresight run's summary)
    REALISTIC_ONLY = ("foresight_objective_usd", "foresight_bound_lp",
                      "value_of_foresight_usd", "decision_days", "decision_dates",
                      "plan_iterations", "plan_solves", "reaction_lag_days",
                      "reaction_lag_source",
                      "keep_coming_share", "keep_coming_days", "keep_coming_days_by_gate",
                      "keep_coming_source",
                      "keep_coming_floor_t", "unwarned_transit_route_days",
                      "unwarned_transit_foresight_t")
    #: fields left out of :meth:`as_dict` while they are ``None`` (static runs have no queues;
    #: a FIFO repair only when one was made; a foresight run; not verified yet)
    OPTIONAL = ("left_in_queue_t", "congestion_cost_usd", "fifo_repair", "class_fifo",
                "stream_aggregation", "dispatch_reason",
                "verified", "verification_checks",
                "verification_violations", "verify_seconds", *REALISTIC_ONLY)

    def as_dict(self) -> dict:
        """``summary.json``'s dict: every field in order, the verification's once it is
        known."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if not (f.name in self.OPTIONAL and getattr(self, f.name) is None)}

    @classmethod
    def from_dict(cls, summary: dict) -> RunSummary:
        """The typed summary of a ``summary.json`` dict (keys it does not know, such as a sweep
        partition's, are left out).

        Raises
        ------
        KeyError
            If a field without a default is missing.
        """
        known = {f.name: f for f in fields(cls)}
        missing = [n for n, f in known.items() if n not in summary and n not in cls.OPTIONAL]
        if missing:
            raise KeyError(f"not a solved scenario's summary: no {', '.join(missing)}")
        return cls(**{k: v for k, v in summary.items() if k in known})

    @classmethod
    def fields_table(cls) -> list[tuple[str, str, str]]:
        """``(field, unit, meaning)`` of every field, in order."""
        return [(f.name, f.metadata["unit"], f.metadata["doc"]) for f in fields(cls)]

    @classmethod
    def unit(cls, name: str) -> str:
        """The unit of field ``name``."""
        return next(f.metadata["unit"] for f in fields(cls) if f.name == name)


def markdown_table() -> str:
    """The fields of :class:`RunSummary` as Markdown (docs/api.md, "summary.json")."""
    lines = ["| field | unit | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | {unit} | {doc} |" for name, unit, doc in RunSummary.fields_table()]
    return "\n".join(lines)
