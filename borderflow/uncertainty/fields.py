"""Which dataset numbers can carry a range, in which unit, and what each one changes in the model.

Every field the model reads is listed in :data:`FIELDS` (parameters by name in
:data:`PARAMETERS`) with its unit and its *effect* on a kept model, the LP already built and
solved once:

============ ===================================================================== ============
effect       what a new value changes                                              re-solve
============ ===================================================================== ============
row_bound    right-hand sides: capacity rows, supply balances, market demand       warm
cost         objective coefficients: route costs, prices, lost value, waiting      warm
coefficient  matrix coefficients at fixed sparsity (payload: trucks per tonne)     warm [1]_
eligibility  which (route, product) columns may carry flow (shelf life, hours)     warm [2]_
structure    the set of rows and columns itself                                    rebuild
appraisal    no model quantity: investment costs read by the finance               none
none         nothing the model reads (descriptive columns such as lanes)           not sampled
============ ===================================================================== ============

.. [1] HiGHS changes a coefficient in place (``Highs.changeCoeff``); the basis stays a valid
   starting point. Payload enters capacity rows as 1/payload (trucks per tonne), route costs as
   cost per truck / payload and, in dated runs, the initial-queue rows and the waiting cost.
   It is *not* handled by rescaling: supply rows are in tonnes, so no column scaling keeps
   them unchanged.
.. [2] Static runs only, and only on a kept model built with every licensed route as a column
   (:func:`borderflow.uncertainty.changes.structure_tables`); a column whose sampled duration
   exceeds its product's sampled shelf life gets an upper bound of 0. In a dated run hours
   set the day a truck reaches its gate and the queue's age limit: structure.

Costs, fees, hours and payloads also decided which paths the route enumeration kept (the
cheapest and the fastest path of each crossing sequence). A warm sample re-prices the kept
routes exactly; a route the new numbers make cheapest is found by pricing the sample with its
own duals and added for that sample (:mod:`borderflow.uncertainty.sample_pricing`,
:mod:`borderflow.uncertainty.sample_columns`): each static sample says ``certified`` or
``restricted`` with its gap bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from borderflow.data.cost_terms import CONGESTION_TERMS, TERMS

WARM_EFFECTS = ("row_bound", "cost", "coefficient", "eligibility", "appraisal")


@dataclass(frozen=True)
class FieldEffect:
    """What one dataset field is and does.

    Attributes
    ----------
    unit : str
        Unit of the field's values (and of its low/high).
    static : str
        Effect on a static (representative-day) model, one of ``row_bound``, ``cost``,
        ``coefficient``, ``eligibility``, ``structure``, ``none``.
    dated : str
        Effect on a dated (day-by-day) model.
    touches : str
        The model quantities it changes, in words (for docs and ``uncertainty --explain``).
    """

    unit: str
    static: str
    dated: str
    touches: str

    def effect(self, dated: bool) -> str:
        """The effect in a static or a dated model."""
        return self.dated if dated else self.static

    def warm(self, dated: bool) -> bool:
        """True if a new value re-solves on the kept model (no rebuild)."""
        return self.effect(dated) in WARM_EFFECTS


_ROUTE_COST = "route_flow objective coefficients (cost per tonne of every route using it)"

#: (table, field) -> effect, for every numeric column of the dataset's tables
FIELDS: dict[tuple[str, str], FieldEffect] = {
    ("crossings", "capacity_a_to_b_trucks_per_day"): FieldEffect(
        "trucks/day", "row_bound", "row_bound",
        "crossing_capacity and priority_share upper bounds (a->b); a capacity of 0 also bounds "
        "what takes the gate to 0"),
    ("crossings", "capacity_b_to_a_trucks_per_day"): FieldEffect(
        "trucks/day", "row_bound", "row_bound",
        "crossing_capacity and priority_share upper bounds (b->a); a capacity of 0 also bounds "
        "what takes the gate to 0"),
    ("crossings", "fee_usd_per_truck"): FieldEffect("USD/truck", "cost", "cost", _ROUTE_COST),
    ("crossings", "dwell_h"): FieldEffect(
        "h", "eligibility", "structure",
        "route durations: shelf-life eligibility (static); arrival days and queue age limits "
        "(dated)"),
    ("crossings", "lanes_a_to_b"): FieldEffect("lanes", "none", "none", "descriptive only"),
    ("crossings", "lanes_b_to_a"): FieldEffect("lanes", "none", "none", "descriptive only"),
    ("crossings", "lon"): FieldEffect("degrees", "none", "none", "map position only"),
    ("crossings", "lat"): FieldEffect("degrees", "none", "none", "map position only"),
    ("nodes", "lon"): FieldEffect("degrees", "none", "none", "map position only"),
    ("nodes", "lat"): FieldEffect("degrees", "none", "none", "map position only"),
    ("links", "cost_usd_per_truck"): FieldEffect("USD/truck", "cost", "cost", _ROUTE_COST),
    ("links", "length_km"): FieldEffect(
        "km", "cost", "cost", _ROUTE_COST + " when the link has no cost of its own"),
    ("links", "travel_h"): FieldEffect(
        "h", "eligibility", "structure",
        "route durations: shelf-life eligibility (static); arrival days (dated)"),
    ("products", "shelf_life_ambient_days"): FieldEffect(
        "days", "eligibility", "structure",
        "eligible routes of non-reefer products; dated: queue age limits"),
    ("products", "shelf_life_reefer_days"): FieldEffect(
        "days", "eligibility", "structure",
        "eligible routes of reefer products; dated: queue age limits"),
    ("products", "payload_t_per_truck"): FieldEffect(
        "t/truck", "coefficient", "coefficient",
        "capacity and priority row coefficients (1/payload), route costs per tonne; dated: "
        "initial-queue rows and waiting cost"),
    ("products", "value_usd_per_t"): FieldEffect(
        "USD/t", "cost", "cost", "unserved (and expired) objective coefficients"),
    ("supply", "supply_t_per_year"): FieldEffect(
        "t/year", "row_bound", "row_bound", "supply_balance right-hand sides"),
    ("seasonality", "share"): FieldEffect(
        "-", "row_bound", "row_bound",
        "supply_balance right-hand sides of the product's origins in that country"),
    ("markets", "price_usd_per_t"): FieldEffect(
        "USD/t", "cost", "cost", "revenue (objective) coefficients of deliveries"),
    ("markets", "demand_t_per_year"): FieldEffect(
        "t/year", "row_bound", "row_bound", "market_demand upper bounds"),
}

_RATE = "route_flow objective coefficients of routes with per-km priced links of that mode"

#: parameters.csv ``value`` by parameter name -> effect (any other parameter: structure)
PARAMETERS: dict[str, FieldEffect] = {
    "road_cost_usd_per_truck_km": FieldEffect("USD/truck-km", "cost", "cost", _RATE),
    "rail_cost_usd_per_truck_km": FieldEffect("USD/truck-km", "cost", "cost", _RATE),
    "transfer_cost_usd_per_truck_km": FieldEffect("USD/truck-km", "cost", "cost", _RATE),
    "reefer_cost_factor": FieldEffect("-", "cost", "cost",
                                      "route_flow objective coefficients of reefer products"),
    "waiting_cost_usd_per_truck_day": FieldEffect(
        "USD/truck-day", "none", "cost", "queue objective coefficients (dated only)"),
    "unserved_penalty_factor": FieldEffect("-", "cost", "cost",
                                           "unserved and expired objective coefficients"),
    "queue_max_wait_days": FieldEffect("days", "none", "structure",
                                       "queue age limits and the run-out tail (dated only)"),
    "empty_return_share": FieldEffect(
        "-", "coefficient", "coefficient",
        "returning-empty coefficients of capacity rows (a share of 0 in the dataset has no "
        "such terms: structure)"),
    "empty_return_days": FieldEffect("days", "none", "structure",
                                     "the day empties use the gate (dated only)"),
    **{f"congestion_hours_{k}": FieldEffect(
        "h", "cost", "none", "congestion objective coefficients (static runs with tiers; "
        "borderflow.uncertainty.congestion_effects)") for k in (1, 2, 3, 4)},
    **{f"congestion_breakpoint_{k}": FieldEffect(
        "-", "row_bound", "none", "congestion_tier upper bounds (static runs with tiers)")
       for k in (1, 2, 3)},
    "congestion_fifo": FieldEffect(
        "-", "structure", "none", "the clearing rule of the congestion tiers (a choice, not a "
        "sampled number)"),
    "congestion_lane_usd_per_truck_h": FieldEffect(
        "USD/truck-h", "cost", "none", "congestion objective coefficients (static runs with "
        "tiers and congestion_fifo 1; borderflow.uncertainty.congestion_effects)"),
    "spot_premium_factor": FieldEffect("-", "none", "none", "robust plans only"),
    "unused_booking_factor": FieldEffect("-", "none", "none", "robust plans only"),
}

#: tables that hold ranged numbers besides the model's input tables: ``appraisal`` numbers are
#: sampled with the others but change no model quantity (the finance reads them)
EXTRA_TABLES: dict[str, dict[str, FieldEffect]] = {
    "investments": {
        "capex_usd": FieldEffect("USD", "appraisal", "appraisal", "investment cost (appraisal)"),
        "opex_usd_per_year": FieldEffect("USD/year", "appraisal", "appraisal",
                                         "operating cost (appraisal)"),
        "construction_years": FieldEffect("years", "none", "none",
                                          "recorded; a delay is a scenario, not a sample"),
        "economic_life_years": FieldEffect("years", "none", "none",
                                           "recorded; not sampled (whole years)"),
    },
    "closure_model": {
        "per_year": FieldEffect("events/year", "appraisal", "appraisal",
                                "closure events a year (appraisal's closure days)"),
        "duration_days": FieldEffect("days", "appraisal", "appraisal",
                                     "closure event duration (appraisal's closure days)"),
    },
}


def _cost_term_effect(key: str) -> FieldEffect:
    """A ``cost_terms`` row by its key ``term|applies_to``: route costs, or nothing static."""
    term = key.split("|", 1)[0]
    spec = TERMS.get(term)
    if spec is None:
        return FieldEffect("", "structure", "structure", "an unknown cost term: rebuild")
    if not spec.read:
        return FieldEffect(spec.unit, "none", "none",
                           "dated queue costs of issue 18 part B (not read yet)")
    if term in CONGESTION_TERMS:
        return FieldEffect(spec.unit, "cost", "none", "congestion objective coefficients of "
                           "the gate's lane (static runs with tiers and congestion_fifo 1; "
                           "borderflow.uncertainty.congestion_effects)")
    return FieldEffect(spec.unit, "cost", "cost",
                       "route_flow objective coefficients (generalized cost of every route it "
                       "applies to)")


def field_effect(table: str, field: str, key: str | None = None) -> FieldEffect | None:
    """The effect of ``table.field`` (for ``parameters``, of the parameter named ``key``; for
    ``cost_terms``, of the row ``term|applies_to``); ``None`` if it is not a number borderflow
    reads."""
    if table == "cost_terms":
        return _cost_term_effect(key or "") if field == "value" else None
    if table == "parameters":
        if field != "value":
            return None
        return PARAMETERS.get(key or "", FieldEffect("", "structure", "structure",
                                                     "a parameter the uncertainty engine does "
                                                     "not map: rebuild"))
    if table in EXTRA_TABLES:
        return EXTRA_TABLES[table].get(field)
    return FIELDS.get((table, field))


def fields_of(table: str) -> list[str]:
    """The rangeable fields of a table (for messages)."""
    if table in ("parameters", "cost_terms"):
        return ["value"]
    if table in EXTRA_TABLES:
        return sorted(EXTRA_TABLES[table])
    return sorted(f for t, f in FIELDS if t == table)


def rangeable_tables() -> list[str]:
    """Tables whose rows can carry ranges."""
    return sorted({t for t, _ in FIELDS} | {"parameters", "cost_terms"} | set(EXTRA_TABLES))
