"""Declared schemas of the input tables (pandera), units in column names and descriptions.

Each table is a :class:`TableSpec`: its file name, its id columns, the pandera schema of its
columns and which columns are booleans written as ``true``/``false``. Cross-table rules
(references between tables, geography) live in :mod:`borderflow.data.checks`.

Every number must be finite (``inf``, ``1e309`` are refused) and within a plausible range for
its unit; the upper bounds below are far above any real value in the region, so a value over
one is a typo or a unit mix-up (listed in docs/reliability.md):

==============================================  ==========  ======================================
column                                          bound       why
==============================================  ==========  ======================================
``capacity_*_trucks_per_day``                   20,000      the busiest land crossings in the
                                                            world clear ~15,000 trucks a day
``lanes_*``                                     64
``fee_usd_per_truck``                           10,000
``shelf_life_*_days``                           3,650       ten years; perishables: see checks.py
``value_usd_per_t``, ``price_usd_per_t``        1,000,000   USD 1,000 per kg
``length_km``                                   1e8         loose: checks.py tells lengths in
                                                            metres from the straight line
``cost_usd_per_truck``                          100,000
``supply_t_per_year``, ``demand_t_per_year``    1e9         a billion tonnes a year
parameters                                      see :mod:`borderflow.data.parameters`
==============================================  ==========  ======================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

#: largest plausible values of the bounded columns (see the module docstring)
MAX_TRUCKS_PER_DAY = 20_000.0
MAX_LANES = 64.0
MAX_FEE_USD_PER_TRUCK = 10_000.0
MAX_SHELF_LIFE_DAYS = 3_650.0
MAX_USD_PER_T = 1_000_000.0
MAX_LINK_KM = 1e8
MAX_LINK_COST_USD_PER_TRUCK = 100_000.0
MAX_T_PER_YEAR = 1e9
#: any parameter without a bound of its own: finite and at most this large in magnitude
MAX_PARAMETER_ABS = 1e9

COUNTRIES = ("VN", "LA", "TH", "CN", "KH", "MM")
CROSSING_STATUSES = ("open", "closed", "proposed", "upgraded", "restricted")
#: statuses under which a crossing carries traffic unless a scenario says otherwise
AVAILABLE_STATUSES = ("open", "upgraded", "restricted")
QUALITIES = ("published", "estimate")
SLUG = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"

#: region bounding box (degrees): a coordinate outside it is a swapped or wrong-CRS value
REGION_LON = (90.0, 125.0)
REGION_LAT = (0.0, 35.0)


def _provenance() -> dict[str, pa.Column]:
    return {
        "source": pa.Column(str, pa.Check.str_length(min_value=1), coerce=True,
                            description="where the row's numbers come from"),
        "source_year": pa.Column(int, pa.Check.in_range(1950, 2030), coerce=True,
                                 description="year of the source"),
        "quality": pa.Column(str, pa.Check.isin(QUALITIES), coerce=True,
                             description="published | estimate"),
        "notes": pa.Column(str, nullable=True, coerce=True, required=False,
                           description="how an estimate was made; caveats"),
    }


def _finite(values: pd.Series) -> pd.Series:
    """True where a value is finite or empty (``inf`` would pass every comparison check)."""
    return ~np.isinf(pd.to_numeric(values, errors="coerce"))


def _num(lo: float | None = 0.0, *, nullable: bool = False, strict_positive: bool = False,
         hi: float | None = None, description: str = "") -> pa.Column:
    checks = [pa.Check(_finite, name="finite")]
    if strict_positive:
        checks.append(pa.Check.gt(0))
    elif lo is not None:
        checks.append(pa.Check.ge(lo))
    if hi is not None:
        checks.append(pa.Check.le(hi))
    # ``nan`` would slip through comparisons; non-null columns reject it via nullable=False
    return pa.Column(float, checks, nullable=nullable, coerce=True, description=description)


def _slug(description: str, *, nullable: bool = False) -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(SLUG), nullable=nullable, coerce=True,
                     description=description)


def _lonlat() -> dict[str, pa.Column]:
    return {
        "lon": _num(REGION_LON[0], hi=REGION_LON[1], description="longitude, degrees EPSG:4326"),
        "lat": _num(REGION_LAT[0], hi=REGION_LAT[1], description="latitude, degrees EPSG:4326"),
    }


@dataclass(frozen=True)
class TableSpec:
    """A table of the dataset: file name, key columns, schema, boolean columns."""

    name: str
    key: tuple[str, ...]
    schema: pa.DataFrameSchema
    booleans: tuple[str, ...] = ()
    required: bool = True
    defaults: dict[str, object] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        """CSV file name of the table."""
        return f"{self.name}.csv"


PRODUCTS = TableSpec(
    name="products",
    key=("product_id",),
    booleans=("perishable", "reefer"),
    schema=pa.DataFrameSchema(
        {
            "product_id": _slug("product id"),
            "name": pa.Column(str, coerce=True),
            "category": pa.Column(str, coerce=True),
            "perishable": pa.Column(bool, description="unshipped stock rots"),
            "reefer": pa.Column(bool, description="moved in refrigerated trucks"),
            "shelf_life_ambient_days": _num(strict_positive=True, hi=MAX_SHELF_LIFE_DAYS,
                                            description="days (not hours)"),
            "shelf_life_reefer_days": _num(strict_positive=True, hi=MAX_SHELF_LIFE_DAYS,
                                           description="days (not hours)"),
            "payload_t_per_truck": _num(strict_positive=True, hi=60, description="t/truck"),
            "value_usd_per_t": _num(hi=MAX_USD_PER_T, description="USD/t lost when not shipped"),
            **_provenance(),
        },
    ),
)

NODES = TableSpec(
    name="nodes",
    key=("node_id",),
    schema=pa.DataFrameSchema(
        {
            "node_id": _slug("node id, country-prefixed"),
            "name": pa.Column(str, coerce=True),
            "kind": pa.Column(str, pa.Check.isin(
                ("origin", "market", "town", "gate", "port", "rail_terminal")), coerce=True),
            "country": pa.Column(str, pa.Check.isin(COUNTRIES), coerce=True),
            "admin1": pa.Column(str, nullable=True, coerce=True, required=False),
            **_lonlat(),
            **_provenance(),
        },
    ),
)

CROSSINGS = TableSpec(
    name="crossings",
    key=("crossing_id",),
    schema=pa.DataFrameSchema(
        {
            "crossing_id": _slug("lowercase slug of the gate pair"),
            "name": pa.Column(str, coerce=True),
            "node_a": _slug("gate-side node in country_a"),
            "node_b": _slug("gate-side node in country_b"),
            "country_a": pa.Column(str, pa.Check.isin(COUNTRIES), coerce=True),
            "country_b": pa.Column(str, pa.Check.isin(COUNTRIES), coerce=True),
            "mode": pa.Column(str, pa.Check.isin(("road", "rail")), coerce=True),
            "status": pa.Column(str, pa.Check.isin(CROSSING_STATUSES), coerce=True),
            **_lonlat(),
            "capacity_a_to_b_trucks_per_day": _num(hi=MAX_TRUCKS_PER_DAY,
                                                   description="trucks/day a->b"),
            "capacity_b_to_a_trucks_per_day": _num(hi=MAX_TRUCKS_PER_DAY,
                                                   description="trucks/day b->a"),
            "capacity_kind": pa.Column(str, pa.Check.isin(("limit", "observed", "estimate")),
                                       coerce=True),
            "lanes_a_to_b": _num(nullable=True, hi=MAX_LANES, description="lanes a->b"),
            "lanes_b_to_a": _num(nullable=True, hi=MAX_LANES, description="lanes b->a"),
            "dwell_h": _num(hi=240, description="clearance hours at the gate"),
            "fee_usd_per_truck": _num(hi=MAX_FEE_USD_PER_TRUCK,
                                      description="USD per truck crossing"),
            "licensed_products": pa.Column(str, nullable=True, coerce=True,
                                           description="';'-separated product ids, empty = all"),
            "opens": pa.Column(str, nullable=True, coerce=True, required=False,
                               description="ISO date a proposed crossing opens"),
            **_provenance(),
        },
    ),
)

LINKS = TableSpec(
    name="links",
    key=("link_id",),
    booleans=("bidirectional",),
    schema=pa.DataFrameSchema(
        {
            "link_id": _slug("link id"),
            "from_node": _slug("node id"),
            "to_node": _slug("node id"),
            "mode": pa.Column(str, pa.Check.isin(("road", "rail", "transfer")), coerce=True),
            "route_ref": pa.Column(str, nullable=True, coerce=True, required=False),
            # a loose bound here: checks.py compares it with the straight line between its
            # nodes, which tells metres given for km apart from a long link
            "length_km": _num(strict_positive=True, hi=MAX_LINK_KM, description="km"),
            "travel_h": _num(strict_positive=True, hi=200, description="hours"),
            "cost_usd_per_truck": _num(nullable=True, hi=MAX_LINK_COST_USD_PER_TRUCK,
                                       description="USD/truck, empty = per-km rate"),
            "bidirectional": pa.Column(bool),
            "geometry_wkt": pa.Column(str, pa.Check.str_startswith("LINESTRING"), coerce=True,
                                      description="WKT LINESTRING, lon lat, EPSG:4326"),
            **_provenance(),
        },
    ),
)

SUPPLY = TableSpec(
    name="supply",
    key=("node_id", "product_id"),
    schema=pa.DataFrameSchema(
        {
            "node_id": _slug("origin node"),
            "product_id": _slug("product"),
            "supply_t_per_year": _num(hi=MAX_T_PER_YEAR, description="t/year exported by land"),
            **_provenance(),
        },
    ),
)

SEASONALITY = TableSpec(
    name="seasonality",
    key=("product_id", "country", "month"),
    schema=pa.DataFrameSchema(
        {
            "product_id": _slug("product"),
            "country": pa.Column(str, pa.Check.isin(COUNTRIES), coerce=True),
            "month": pa.Column(int, pa.Check.in_range(1, 12), coerce=True),
            "share": _num(hi=1.0, description="fraction of annual supply in the month"),
            **_provenance(),
        },
    ),
)

MARKETS = TableSpec(
    name="markets",
    key=("node_id", "product_id"),
    schema=pa.DataFrameSchema(
        {
            "node_id": _slug("market node"),
            "product_id": _slug("product"),
            "price_usd_per_t": _num(hi=MAX_USD_PER_T, description="delivered price USD/t"),
            "demand_t_per_year": _num(nullable=True, hi=MAX_T_PER_YEAR,
                                      description="t/year, empty = unbounded"),
            **_provenance(),
        },
    ),
)

PARAMETERS = TableSpec(
    name="parameters",
    key=("parameter",),
    schema=pa.DataFrameSchema(
        {
            "parameter": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$"), coerce=True),
            "value": _num(-MAX_PARAMETER_ABS, hi=MAX_PARAMETER_ABS, description="value in `unit`"),
            "unit": pa.Column(str, coerce=True),
            **_provenance(),
        },
    ),
)

PROVENANCE = TableSpec(
    name="provenance",
    key=("table", "row_id", "field"),
    required=False,
    schema=pa.DataFrameSchema(
        {
            "table": pa.Column(str, coerce=True),
            "row_id": pa.Column(str, coerce=True),
            "field": pa.Column(str, coerce=True),
            **_provenance(),
        },
    ),
)

def _text(*, nullable: bool = False) -> pa.Column:
    return pa.Column(str, nullable=nullable, coerce=True)


def _side(name: str, key: tuple[str, ...], columns: dict[str, pa.Column]) -> TableSpec:
    return TableSpec(name=name, key=key, required=False,
                     schema=pa.DataFrameSchema({**columns, **_provenance()}))


#: generalized-cost terms (value of time, road-cost factors, transit fees, tolls): read by the
#: model (:mod:`borderflow.data.cost_terms`); optional, a dataset without it has a flat cost
COST_TERMS = _side("cost_terms", ("term", "applies_to"), {
    "term": _text(), "applies_to": _text(), "value": _num(), "unit": _text(),
    "low": _num(), "high": _num()})

#: where exports go (shares by region, mode, market): the model reads the ``china-final-market``
#: rows as share constraints (:mod:`borderflow.data.destinations`); optional
DESTINATION_SHARES = _side("destination_shares", ("origin", "product_id", "dimension",
                                                  "destination"), {
    "origin": _text(), "product_id": _text(), "dimension": _text(), "destination": _text(),
    "share": _num(hi=1.0), "low": _num(hi=1.0), "high": _num(hi=1.0), "measure": _text(),
    "period": _text()})

TABLES: tuple[TableSpec, ...] = (
    PRODUCTS, NODES, CROSSINGS, LINKS, SUPPLY, SEASONALITY, MARKETS, PARAMETERS, PROVENANCE,
    COST_TERMS, DESTINATION_SHARES,
)


#: perishable products: longest plausible shelf life (days). Fresh tropical fruit keeps days
#: ambient and weeks refrigerated; a value above these is most often hours typed as days
#: (120 for 5 days, 336 for 14). A product that truly keeps longer is not perishable here.
MAX_PERISHABLE_AMBIENT_DAYS = 60.0
MAX_PERISHABLE_REEFER_DAYS = 180.0

#: what a ``supply_evidence.csv`` figure measures, as its page prints it
EVIDENCE_MEASURES = ("production", "area", "export", "export-china", "export-land",
                     "export-china-land")

#: tables beside the model tables (calibration, validation, ranges, appraisal, behaviour, supply
#: evidence); the loaders do not read them, ``tools/check_side_tables.py`` validates them
#: (data/README.md, "Side tables"); ``calibration_targets`` is read by
#: :mod:`borderflow.calibration.targets`
SIDE_TABLES: tuple[TableSpec, ...] = (
    _side("observations", ("obs_id",), {
        "obs_id": _slug("observation id"), "element_kind": _text(), "element_id": _text(),
        "direction": pa.Column(str, pa.Check.isin(("a_to_b", "b_to_a", "both", "export")),
                               coerce=True),
        "period_start": _text(), "period_end": _text(), "quantity": _num(), "unit": _text(),
        "counts": _text(), "products": _text(nullable=True), "per_day": _num(),
        "per_day_unit": _text(), "low_per_day": _num(), "high_per_day": _num(),
        "uncertainty_basis": _text()}),
    _side("disruption_observations", ("event_id",), {
        "event_id": _slug("event id"), "element_kind": _text(), "element_id": _text(),
        "direction": _text(), "date_start": _text(), "date_end": _text(nullable=True),
        "measure": _text(), "quantity": _num(), "unit": _text(), "low": _num(), "high": _num(),
        "what": _text()}),
    _side("closure_probabilities", ("crossing_id",), {
        "crossing_id": _slug("crossing"), "window_start": _text(), "window_end": _text(),
        "closure_days": _num(), "closure_days_low": _num(), "closure_days_high": _num(),
        "p_closed_per_day": _num(hi=1.0), "p_low": _num(hi=1.0), "p_high": _num(hi=1.0),
        "covid_era": _text(), "events": _text()}),
    _side("investments", ("investment_id",), {
        "investment_id": _slug("investment id"), "crossing_id": _slug("crossing"),
        "kind": _text(), "description": _text(), "capex_usd": _num(), "capex_low_usd": _num(),
        "capex_high_usd": _num(), "capex_as_published": _text(nullable=True),
        "opex_usd_per_year": _num(), "opex_low_usd_per_year": _num(),
        "opex_high_usd_per_year": _num(), "construction_start": _text(),
        "construction_years": _num(), "opens": _text(), "economic_life_years": _num(),
        "life_low_years": _num(), "life_high_years": _num()}),
    _side("behaviour", ("parameter", "applies_to"), {
        "parameter": _slug("behaviour parameter"), "applies_to": _text(), "value": _num(),
        "unit": _text(), "low": _num(), "high": _num()}),
    _side("calibration_targets", ("obs_id",), {
        "obs_id": _slug("observation id"),
        "use": pa.Column(str, pa.Check.isin(("fit", "upper", "report")), coerce=True),
        "modelled_share": _num(hi=1.0, strict_positive=True),
        "modelled_share_low": _num(hi=1.0, strict_positive=True),
        "modelled_share_high": _num(hi=1.0, strict_positive=True), "reason": _text(),
        # a figure of another year than the supply's, rescaled by the published change of the
        # same flow (docs/notes/calibration-log.md, "Session 11"); optional, empty = 1 (no
        # rescaling)
        **{c: pa.Column(float, [pa.Check(_finite, name="finite"), pa.Check.gt(0)],
                        nullable=True, required=False, coerce=True)
           for c in ("year_scale", "year_scale_low", "year_scale_high")}}),
    _side("supply_evidence", ("evidence_id",), {
        "evidence_id": _slug("evidence id"), "node_id": _slug("origin node of supply.csv"),
        "product_id": _slug("product of supply.csv"),
        "figure": _num(description="the number as printed (or the arithmetic of printed ones)"),
        "unit": _text(), "period": _text(),
        "measures": pa.Column(str, pa.Check.isin(EVIDENCE_MEASURES), coerce=True),
        "page": pa.Column(str, pa.Check.str_matches(r"^https?://\S+$"), coerce=True,
                          description="the page that prints the figure"),
        "derivation": _text(),
        "derived_t_per_year": _num(nullable=True, hi=MAX_T_PER_YEAR,
                                   description="t/year of land exports; empty: none follows"),
        "dataset_t_per_year": _num(hi=MAX_T_PER_YEAR,
                                   description="the supply.csv row's value (must match)")}),
    TableSpec(name="ranges", key=("table", "row_key", "field"), required=False,
              schema=pa.DataFrameSchema({
                  "table": _text(), "row_key": _text(), "field": _text(), "value": _num(None),
                  "low": _num(None), "high": _num(None),
                  "distribution": pa.Column(str, pa.Check.isin(("triangular", "uniform")),
                                            coerce=True),
                  "basis": _text(), "source": _text()})),
)
