"""Planning a sweep: which scenarios, which baselines, which model structures, which projects.

A plan (:class:`SweepPlan`) is the list of scenarios to solve, each with its role (``baseline``,
``scenario`` or ``investment``), the baseline it is compared with, the model *structure* it is
solved on (:class:`Structure`: scenarios of one structure differ only in bounds, so they share
one Pyomo model and HiGHS instance per worker) and a fingerprint (scenario, structure, inputs,
version) that lets a resumed sweep keep what is already solved.

Build one with :func:`plan_scenarios` (a list of scenarios), :func:`plan_file` (a scenario
file: scenarios, grids, ``investments:``) or :func:`plan_n_minus_1` (every open crossing closed
in turn). Investment variants (each project with vs without it, under chosen contexts) are
planned once the scenarios are solved (:func:`investment_entries`). Nothing here needs Dask.

(Over 500 lines: every kind of plan goes through one entry builder, :func:`_entry`, which
decides the structure, fingerprint and what a scenario closes; N-k plans are in
:mod:`borderflow.sweeps.nk`.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

import borderflow
from borderflow.data.dataset import load_dataset
from borderflow.data.errors import InputError, Problem
from borderflow.data.loaders import InputTables
from borderflow.data.scenario import (LEVER_EVENTS, BuildEvent, CapacityEvent, CloseEvent,
                                      HoldDispatchEvent, Horizon, LicenseEvent, PriorityEvent,
                                      Scenario, SlotQuotaEvent, counterfactual,
                                      has_disruptions)
from borderflow.data.scenario_checks import Catalog, scenario_problems, unknown_id
from borderflow.data.scenario_files import (Investments, LoadedScenarios, Project,
                                            load_scenario_file)
from borderflow.model.column_generation import Pricing
from borderflow.model.routes import RouteOptions
from borderflow.options import RunOptions, for_optimum
from borderflow.solvers.highs import SolverOptions
from borderflow.solvers.rolling import RollingHorizon

#: changes smaller than this (t, trucks or USD) are solver noise
TOL = 1e-6
ROLES = ("baseline", "scenario", "investment")


def sha(obj) -> str:
    """SHA-256 of ``obj`` as canonical JSON (sorted keys): fingerprints and model keys."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


# ---- what is solved -------------------------------------------------------------------------

def _pricing_payload(pricing: Pricing) -> dict:
    """``pricing`` as a structure's payload records it: the label limit only when it is not
    the default (fingerprints of sweep folders written before it was an option stay valid)."""
    out = asdict(pricing)
    if out["max_labels"] == Pricing.max_labels:
        out.pop("max_labels")
    if out["window_start"] is None:  # likewise (the default; sweeps do not use it)
        out.pop("window_start")
    if out["booking_scenarios"] == Pricing.booking_scenarios:  # likewise
        out.pop("booking_scenarios")
    if not out["label_bound"]:  # likewise
        out.pop("label_bound")
    if not out["dominance"]:  # likewise
        out.pop("dominance")
    if not out["hour_bounds"]:  # likewise
        out.pop("hour_bounds")
    return out

@dataclass(frozen=True)
class Structure:
    """What one model is built from; scenarios of one structure differ only in bounds.

    Attributes
    ----------
    data : str or None
        Dataset folder (absolute; ``None`` = the embedded dataset).
    overlays : tuple of str
        Overlay folders.
    reference : Scenario
        The scenario the model is built and first solved for (an undisrupted baseline).
    routes, solver
        Route enumeration and HiGHS options in effect.
    rolling : RollingHorizon or None
        Dated structures: the rolling horizon in effect
        (:meth:`borderflow.options.RunOptions.rolling_for`); exact windows solve the reference
        and every scenario re-solves warm from its basis, approximate windows solve every
        scenario window by window.
    pricing : Pricing
        Column generation of each static scenario (:func:`borderflow.pipeline.generate_columns`):
        a scenario whose pricing finds improving routes is solved over them until certified
        or ``pricing.max_rounds`` run out.
    aggregate : bool
        Dated structures: stream queues (the default of dated runs, ``--aggregate-streams``;
        :meth:`borderflow.options.RunOptions.streams_for`,
        :mod:`borderflow.model.streams`); each scenario's tables are split back per pair (a
        scenario whose aggregated LP writes cargo off early reports the FIFO repair, as a
        per-pair run would, rather than being solved again per pair).
    """

    data: str | None
    overlays: tuple[str, ...]
    reference: Scenario
    routes: RouteOptions
    solver: SolverOptions
    rolling: RollingHorizon | None = None
    pricing: Pricing = field(default_factory=Pricing)
    aggregate: bool = False

    def payload(self, with_paths: bool = True) -> dict:
        """A JSON-able description (paths left out for fingerprints)."""
        out = {"reference": self.reference.model_dump(mode="json", by_alias=True),
               "routes": self.routes.recorded(), "solver": asdict(self.solver),
               "pricing": _pricing_payload(self.pricing)}
        if self.rolling is not None:
            out["rolling"] = asdict(self.rolling)
        if self.aggregate:  # only when on: other plans keep their fingerprints
            out["aggregate_streams"] = True
        if with_paths:
            out.update(data=self.data, overlays=list(self.overlays))
        return out

    @property
    def effective(self) -> tuple[RouteOptions, SolverOptions]:
        """``(routes, solver)``: the options in effect (``run.json``'s ``effective_options``)."""
        return self.routes, self.solver

    @cached_property
    def key(self) -> str:
        """Identity of the model on a worker (made once per object: its fields are frozen;
        a sweep reads it a few times per scenario, 3.5 ms each on the 60-day sweep)."""
        return sha(self.payload())


@dataclass(frozen=True)
class InvestmentProject:
    """A project valued with vs without it.

    ``kind``: ``build`` (a proposed or closed crossing opened), ``existing`` (an upgraded
    crossing: valued against closing it) or ``custom`` (events from the scenario file).
    """

    name: str
    kind: str
    crossing_id: str | None
    with_events: tuple = ()
    without_events: tuple = ()

    @property
    def suffix(self) -> str:
        """Name suffix of the variant scenario that differs from its context."""
        if self.kind == "build":
            return f"build-{self.crossing_id}"
        if self.kind == "existing":
            return f"without-{self.crossing_id}"
        return self.name


@dataclass(frozen=True)
class PlannedScenario:
    """One scenario of a sweep with its place in it."""

    scenario: Scenario
    role: str
    baseline: str
    structure: str
    fingerprint: str
    closed: str | None = None
    closed_days: int | None = None
    project: str | None = None
    context: str | None = None
    closed_set: str | None = None
    closed_group: str | None = None

    @property
    def name(self) -> str:
        """The scenario's name (its partition)."""
        return self.scenario.name

    def row(self) -> dict:
        """Plan row (JSON) without the scenario's events."""
        return {"scenario": self.name, "role": self.role, "baseline": self.baseline,
                "structure": self.structure, "fingerprint": self.fingerprint,
                "closed": self.closed, "closed_days": self.closed_days,
                "closed_set": self.closed_set, "closed_group": self.closed_group,
                "month": self.scenario.horizon.month, "project": self.project,
                "context": self.context}


@dataclass
class SweepPlan:
    """Scenarios of a sweep, their baselines and structures, and the investments to value.

    Build one with :func:`plan_scenarios`, :func:`plan_file` or :func:`plan_n_minus_1`.
    """

    entries: list[PlannedScenario]
    structures: dict[str, Structure]
    tables: InputTables
    options: RunOptions
    data: str | None = None
    overlays: tuple[str, ...] = ()
    projects: tuple[InvestmentProject, ...] = ()
    invest_under: tuple[str, ...] | None = None
    invest_top: int = 3
    source: str = ""
    gates: tuple[str, ...] = ()
    groups: dict = field(default_factory=dict)
    nk: object = None
    """The N-k search of an N-k plan (:class:`borderflow.sweeps.nk.NKSearch`), else ``None``."""
    dispatch_reason: str = ""
    """A sweep with dated scenarios: why they are solved with perfect foresight (the default
    dispatch ``auto`` resolved, :func:`borderflow.options.for_optimum`; ``plan.json``)."""

    def entry(self, name: str) -> PlannedScenario:
        """The entry of a scenario by name."""
        return next(e for e in self.entries if e.name == name)

    def names(self) -> list[str]:
        """Scenario names in plan order."""
        return [e.name for e in self.entries]


# ---- planning -------------------------------------------------------------------------------
def _shape(s: Scenario) -> dict:
    """What decides a scenario's model structure (not its bounds)."""
    static_month = s.horizon.month if any(isinstance(e, PriorityEvent) for e in s.events) \
        else None
    horizon = s.horizon.model_dump(mode="json") if s.horizon.start is not None else {
        "month": static_month}
    return {"horizon": horizon,
            "priority": [e.model_dump(mode="json") for e in s.events
                         if isinstance(e, PriorityEvent)],
            "initial_queues": [q.model_dump(mode="json") for q in s.initial_queues],
            "must_deliver": sorted(s.must_deliver),
            # slot quotas, holds and licences are rows (model/levers.py, model/licences.py): a
            # model built without them cannot take them as bounds (a licence: nor its routes)
            "entry": [e.model_dump(mode="json") for e in _entry_events(s)]}


def _entry_events(s: Scenario) -> tuple:
    """The scenario's slot quotas, dispatch holds and licences (rows of their own in the
    model; a licence also adds routes)."""
    return tuple(e for e in s.events
                 if isinstance(e, (SlotQuotaEvent, HoldDispatchEvent, LicenseEvent)))


def _undisrupted_key(s: Scenario) -> str:
    cf = counterfactual(s)
    return sha(cf.model_dump(mode="json", exclude={"name", "description"}))


def _baseline_name(s: Scenario, taken: set[str]) -> str:
    h = s.horizon
    if h.start is not None:
        label = f"baseline-{h.start.isoformat()}-{h.days}d"
    else:
        label = f"baseline-m{h.month:02d}" if h.month else "baseline"
    name, k = label, 2
    while name in taken:
        name, k = f"{label}-{k}", k + 1
    return name


def _closure(s: Scenario) -> tuple[str | None, int | None]:
    """(crossing, days closed) if the scenario's disruptions close exactly one crossing (both
    directions), else (None, None)."""
    events = [e for e in s.events if not (e.context or isinstance(e, PriorityEvent))]
    if not events or not all(isinstance(e, CloseEvent) and e.direction == "both"
                             for e in events) or len({e.crossing for e in events}) != 1:
        return None, None
    days = s.horizon.dates or s.horizon.representative_days()
    closed = sum(any(e.close.covers(d) for e in events) for d in days)
    return events[0].crossing, int(closed)


def _closed_set(s: Scenario, groups: dict) -> tuple[str | None, str | None]:
    """(crossings joined by ' + ', the group of exactly those crossings) if the scenario's
    disruptions close two or more crossings (both directions, the same days), else
    (None, None)."""
    events = [e for e in s.events if not (e.context or isinstance(e, PriorityEvent))]
    if not events or not all(isinstance(e, CloseEvent) and e.direction == "both"
                             and e.close == events[0].close for e in events):
        return None, None
    gates = list(dict.fromkeys(e.crossing for e in events))
    if len(gates) < 2:
        return None, None
    group = next((name for name, members in groups.items()
                  if set(members) == set(gates)), None)
    return " + ".join(gates), group


def _abs(path) -> str | None:
    return None if path is None else str(Path(path).resolve())


def plan_scenarios(scenarios: list[Scenario], *, data: Path | str | None = None, overlays=(),
                   tables: InputTables | None = None, options: RunOptions | None = None,
                   projects: tuple[InvestmentProject, ...] = (),
                   invest_under: tuple[str, ...] | None = None, invest_top: int = 3,
                   source: str = "", groups: dict | None = None) -> SweepPlan:
    """Plan a sweep: add the baselines the scenarios need, group them by structure.

    Every scenario is compared with its undisrupted counterfactual (same horizon, priority
    rules, ``context`` events and initial queues); a scenario of the list that has no
    disruptions serves as that baseline, otherwise one is added (``baseline``,
    ``baseline-m07``, ``baseline-2021-10-20-45d``). Dated structures cap routes per origin
    and product (:meth:`RunOptions.effective`) and keep the best route through each gate a
    scenario throttles, builds, prioritises or queues at, not through gates it only closes
    (``SweepPlan.gates``): a closure sweep's model is then the size of one dated run's.

    Parameters
    ----------
    scenarios : list of Scenario
        Checked against the dataset (names must be unique).
    data, overlays : paths
        The dataset (default: the embedded one); workers read it from there.
    tables : InputTables, optional
        The dataset already read and checked from ``data`` and ``overlays``.
    projects, invest_under, invest_top
        Investments to value after the scenarios: under the named scenarios, or (``None``)
        under the baselines and the ``invest_top`` costliest single-crossing closures.
    groups : dict, optional
        Closure groups (name -> crossing ids) a scenario's closures may match, named in the
        tables (``closed_group``); the dataset's built-in groups are always known.

    Raises
    ------
    InputError
        If a scenario does not fit the dataset, or names repeat.
    """
    options = options or RunOptions()
    _, why = for_optimum(options, "a sweep")  # a realistic dispatch refused
    tables = tables or load_dataset(data, overlays)
    catalog = Catalog.of(tables)
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(Problem(source or "scenarios", None, "name",
                                 f"duplicate scenario name(s): {', '.join(dup)}"))
    problems = [Problem(f"scenario '{s.name}'", None, f, m) for s in scenarios
                for _, f, m in scenario_problems(s, catalog)]
    if problems:
        raise InputError(problems)
    baselines: dict[str, Scenario] = {}
    for s in scenarios:
        if not has_disruptions(s):
            baselines.setdefault(_undisrupted_key(s), s)
    taken = set(names)
    ordered: list[Scenario] = []
    for s in scenarios:
        key = _undisrupted_key(s)
        if key not in baselines:
            name = _baseline_name(s, taken)
            taken.add(name)
            baselines[key] = counterfactual(s).model_copy(update={
                "name": name, "description": "undisrupted baseline"})
            ordered.append(baselines[key])
        ordered.append(s)
    gates = tuple(sorted({c for s in ordered for c in _gates_needing_routes(s)}
                         | {p.crossing_id for p in projects if p.crossing_id}
                         | {c for p in projects for ev in p.with_events
                            for c in Scenario(events=(ev,)).crossings_named()}))
    plan = SweepPlan(entries=[], structures={}, tables=tables, options=options,
                     data=_abs(data), overlays=tuple(_abs(o) for o in overlays),
                     projects=tuple(projects), invest_under=invest_under,
                     invest_top=invest_top, source=source, gates=gates,
                     groups={**catalog.groups, **(groups or {})},
                     dispatch_reason=why if any(s.horizon.start is not None for s in scenarios)
                     else "")
    base_names = {b.name for b in baselines.values()}
    for s in ordered:
        role = "baseline" if s.name in base_names else "scenario"
        plan.entries.append(_entry(plan, s, role, baselines[_undisrupted_key(s)].name))
    return plan


def _gates_needing_routes(s: Scenario) -> list[str]:
    """Crossings whose routes a capped (dated) route set must keep for ``s``: those it
    throttles, builds, prioritises or queues at. A closure needs none: it bounds the routes
    through its gate to zero and the alternatives are in the capped set already (keeping the
    best route through every gate a 50-closure sweep names made its 60-day model 43x larger,
    docs/notes/dated-performance-plan-log.md section 5)."""
    return [ev.build if isinstance(ev, BuildEvent) else ev.crossing for ev in s.events
            if isinstance(ev, (CapacityEvent, PriorityEvent, BuildEvent, *LEVER_EVENTS))] + \
        [q.crossing for q in s.initial_queues]


def _entry(plan: SweepPlan, s: Scenario, role: str, baseline: str, project: str | None = None,
           context: str | None = None) -> PlannedScenario:
    shape = sha(_shape(s))
    structure = next((st for st in plan.structures.values()
                      if sha(_shape(st.reference)) == shape), None)
    if structure is None:
        reference = next((e.scenario for e in plan.entries if e.role == "baseline"
                          and sha(_shape(e.scenario)) == shape), None)
        if reference is None:  # the baseline, with the rows of the scenario's quotas and holds
            cf = counterfactual(s)
            reference = cf.model_copy(update={"name": baseline,
                                              "events": cf.events + _entry_events(s)})
        dated = s.horizon.start is not None
        routes, solver = plan.options.effective(dated, plan.gates)
        rolling = plan.options.rolling_for(s.horizon.days) if dated else None
        structure = Structure(plan.data, plan.overlays, reference, routes, solver, rolling,
                              plan.options.pricing, aggregate=plan.options.streams_for(
                                  dated, approximate=rolling is not None and not rolling.exact)[0])
        plan.structures[structure.key] = structure
    fingerprint = sha({"scenario": s.model_dump(mode="json", by_alias=True),
                        "structure": structure.payload(with_paths=False),
                        "inputs": sorted(plan.tables.checksums.values()),
                        "borderflow": borderflow.__version__})
    closed, days = _closure(s) if role == "scenario" else (None, None)
    closed_set, group = _closed_set(s, plan.groups) if role == "scenario" else (None, None)
    return PlannedScenario(s, role, baseline, structure.key, fingerprint, closed, days,
                           project, context, closed_set, group)


def investment_candidates(catalog: Catalog | InputTables) -> tuple[InvestmentProject, ...]:
    """Every proposed or closed crossing (valued by building it) and every upgraded one
    (valued against closing it), in dataset order (``bf.investment_candidates(ds)``: of a
    loaded dataset, or of its :class:`Catalog`)."""
    catalog = _catalog(catalog)
    out = []
    for crossing, status in catalog.crossings.items():
        if status in ("proposed", "closed"):
            out.append(InvestmentProject(crossing, "build", crossing,
                                         with_events=(BuildEvent(build=crossing),)))
        elif status == "upgraded":
            out.append(InvestmentProject(crossing, "existing", crossing,
                                         without_events=(CloseEvent(crossing=crossing),)))
    return tuple(out)


def _projects(spec: Investments, catalog: Catalog, loaded: LoadedScenarios | None = None
              ) -> tuple[InvestmentProject, ...]:
    if spec.projects == "candidates":
        return investment_candidates(catalog)
    candidates = {p.name: p for p in investment_candidates(catalog)}
    out, problems = [], []
    for k, item in enumerate(spec.projects):
        if isinstance(item, Project):
            out.append(InvestmentProject(item.name, "custom", None, with_events=item.events))
            probe = Scenario(name=item.name, events=item.events)
            problems += [(("investments", "projects", k) + loc, f"project {item.name}: {m}")
                         for loc, _, m in scenario_problems(probe, catalog)]
        elif item in candidates:
            out.append(candidates[item])
        elif item in catalog.crossings:
            out.append(InvestmentProject(item, "existing", item,
                                         without_events=(CloseEvent(crossing=item),)))
        else:
            _, _, msg = unknown_id((), "crossing", item, catalog.crossings)
            problems.append((("investments", "projects", k), f"project: {msg}"))
    if problems:
        raise InputError([loaded.problem(loc, msg) if loaded else
                          Problem("investments", None, None, msg) for loc, msg in problems])
    return tuple(out)


def plan_file(path: Path | str, *, data: Path | str | None = None, overlays=(),
              options: RunOptions | None = None, invest: bool = False,
              tables: InputTables | None = None) -> SweepPlan:
    """Plan the sweep of a scenario file (scenarios, grids, and its ``investments:``).

    Parameters
    ----------
    invest : bool
        Value investment candidates under every scenario even if the file has no
        ``investments:`` section.

    Raises
    ------
    InputError
        Naming the file, line and field of every problem.
    """
    tables = tables or load_dataset(data, overlays)
    catalog = Catalog.of(tables)
    loaded = load_scenario_file(path)
    scenarios = [s for _, s in loaded.scenarios(catalog)]
    spec = loaded.spec.investments or (Investments() if invest else None)
    projects, under = (), None
    if spec is not None:
        projects = _projects(spec, catalog, loaded)
        names = [s.name for s in scenarios]
        if spec.under == "all":
            under = tuple(names)
        else:
            missing = [(k, n) for k, n in enumerate(spec.under) if n not in names]
            if missing:
                raise InputError([loaded.problem(("investments", "under", k),
                                                 f"investments: no scenario named '{n}' in "
                                                 "the file") for k, n in missing])
            under = tuple(spec.under)
    return plan_scenarios(scenarios, data=data, overlays=overlays, tables=tables,
                          options=options, projects=projects, invest_under=under,
                          source=loaded.shown, groups=dict(loaded.spec.groups))


def _catalog(catalog: Catalog | InputTables) -> Catalog:
    """The catalog of a loaded dataset (or the catalog itself)."""
    return catalog if isinstance(catalog, Catalog) else Catalog.of(catalog)


def n_minus_1_scenarios(catalog: Catalog | InputTables,
                        months: Sequence[int | None] = (None,)) -> list[Scenario]:
    """For each month (``None``: the annual-average day): the baseline, then every open
    crossing closed in turn, named ``baseline`` and ``close-<crossing_id>`` (with ``-mMM``
    when there are several months). ``bf.n_minus_1_scenarios(ds)``: of a loaded dataset, or of
    its :class:`Catalog`; a sweep of a selection of them is ``bf.plan_sweep(scenarios=...)``."""
    catalog = _catalog(catalog)
    months = list(months)
    out = []
    for month in months:
        tag = f"-m{month:02d}" if len(months) > 1 else ""
        horizon = Horizon(month=month)
        out.append(Scenario(name=f"baseline{tag}", horizon=horizon,
                            description="undisrupted baseline"))
        out += [Scenario(name=f"close-{c}{tag}", horizon=horizon,
                         description=f"{c} closed", events=(CloseEvent(crossing=c),))
                for c in catalog.open_crossings()]
    return out


def plan_n_minus_1(*, data: Path | str | None = None, overlays=(), month: int | None = None,
                   seasons: bool = False, invest: bool = False, invest_top: int = 3,
                   options: RunOptions | None = None,
                   tables: InputTables | None = None) -> SweepPlan:
    """Plan N-1: every open crossing closed in turn on a representative day (of ``month``, or
    of each month with ``seasons``), and optionally the investment candidates valued under the
    baseline(s) and the ``invest_top`` costliest closures."""
    tables = tables or load_dataset(data, overlays)
    catalog = Catalog.of(tables)
    months = list(range(1, 13)) if seasons else [month]
    projects = investment_candidates(catalog) if invest else ()
    return plan_scenarios(n_minus_1_scenarios(catalog, months), data=data, overlays=overlays,
                          tables=tables, options=options, projects=projects,
                          invest_top=invest_top, source="N-1")


def investment_entries(plan: SweepPlan, comparison: pd.DataFrame) -> list[PlannedScenario]:
    """Variants (context + project) for the investments, once the scenarios are solved."""
    if not plan.projects:
        return []
    ok = comparison[comparison["status"] == "optimal"]
    if plan.invest_under is not None:
        contexts = [n for n in plan.invest_under if n in set(ok["scenario"])]
        bases = [plan.entry(n).baseline for n in contexts]
        contexts = list(dict.fromkeys([*bases, *contexts]))
    else:
        closures = ok[(ok["role"] == "scenario") & ok["closed"].notna()]
        top = closures.sort_values(["cost_increase_usd", "scenario"], ascending=[False, True],
                                   kind="stable").head(plan.invest_top)
        top = top[top["cost_increase_usd"] > TOL]
        bases = ok.loc[ok["role"] == "baseline", "scenario"].tolist()
        contexts = [*bases, *top["scenario"].tolist()]
    out = []
    for context in contexts:
        c = plan.entry(context)
        named = set(c.scenario.crossings_named())
        for p in plan.projects:
            if p.crossing_id in named:
                continue
            events = p.with_events or p.without_events
            s = c.scenario.model_copy(update={
                "name": f"{context}__{p.suffix}", "events": c.scenario.events + events,
                "description": f"{context} with project {p.name} "
                               f"{'built' if p.with_events else 'closed'}"})
            out.append(_entry(plan, s, "investment", c.baseline, project=p.name,
                              context=context))
    return out


def plan_sweep(file: Path | str | None = None, *, scenarios: list[Scenario] | None = None,
               n_minus_1: bool = False, month: int | None = None, seasons: bool = False,
               invest: bool = False, invest_top: int = 3,
               projects: tuple[InvestmentProject, ...] = (),
               invest_under: tuple[str, ...] | None = None, data: Path | str | None = None,
               overlays=(), dataset: InputTables | None = None,
               options: RunOptions | None = None) -> SweepPlan:
    """Plan a sweep: of a scenario file, of a list of scenarios, or N-1 (one of them).

    Parameters
    ----------
    file : path, optional
        A scenario file (scenarios, ``grid:``, ``investments:``): :func:`plan_file`.
    scenarios : list of Scenario, optional
        Scenarios to compare with their baselines: :func:`plan_scenarios` (with
        ``projects`` and ``invest_under``).
    n_minus_1 : bool
        Every open crossing closed in turn on a representative day of ``month`` (or of each
        month with ``seasons``): :func:`plan_n_minus_1`.
    invest, invest_top
        Value the dataset's investment candidates (under the baselines and the
        ``invest_top`` costliest closures for N-1; under every scenario of a file).
    data, overlays : paths
        Where the workers read the dataset (default: the embedded one).
    dataset : InputTables, optional
        The same dataset, already loaded and checked (else it is loaded here).
    options : RunOptions, optional

    Raises
    ------
    InputError
        If not exactly one of ``file``, ``scenarios`` and ``n_minus_1`` is given, or a
        scenario does not fit the dataset (file, line and field named).
    """
    if (file is not None) + (scenarios is not None) + bool(n_minus_1) != 1:
        raise InputError(Problem("sweep", None, None, "give a scenario file, a list of "
                                 "scenarios or N-1 (one of them)"))
    if n_minus_1:
        return plan_n_minus_1(data=data, overlays=overlays, month=month, seasons=seasons,
                              invest=invest, invest_top=invest_top, options=options,
                              tables=dataset)
    if file is not None:
        return plan_file(file, data=data, overlays=overlays, options=options, invest=invest,
                         tables=dataset)
    return plan_scenarios(scenarios, data=data, overlays=overlays, tables=dataset,
                          options=options, projects=projects, invest_under=invest_under,
                          invest_top=invest_top)
