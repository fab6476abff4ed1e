"""Full names of the GIS fields: the alias QGIS shows for each short field name, with its unit.

GIS fields keep short names (a Shapefile allows 10 characters, and scripts use them); a
GeoPackage also stores a full name and a description per field in ``gpkg_data_columns``
(:mod:`borderflow.present.geopackage`), which QGIS shows as the field alias and GDAL >= 3.7
reads as the field's alternative name and comment.

The alias is the title followed by the unit in brackets: ``"Trucks, side a to b
(trucks/day)"``; the description is the meaning from :data:`borderflow.gis.FIELDS` (passed in
by the caller, so this module does not depend on where the GIS layers live).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: field -> title (the alias without its unit); every field of borderflow.gis.FIELDS has one
TITLES: dict[str, str] = {
    "scenario": "Scenario", "node_id": "Node id", "link_id": "Link id",
    "crossing_id": "Crossing id", "route_id": "Route id", "name": "Name", "kind": "Node kind",
    "country": "Country", "admin1": "Province", "mode": "Mode", "road": "Road or line",
    "from_node": "From node", "to_node": "To node", "len_km": "Length in the dataset",
    "geom_km": "Length of the drawn line", "travel_h": "Travel time",
    "flow_t": "Tonnes", "trucks": "Trucks", "fwd_trucks": "Trucks, from_node to to_node",
    "rev_trucks": "Trucks, to_node to from_node", "cost_usd": "Transport cost",
    "ctry_a": "Country of side a", "ctry_b": "Country of side b",
    "status": "Status in the dataset", "state": "State in this run",
    "fee_usd": "Fees per truck", "cap_ab": "Capacity, side a to b",
    "cap_ba": "Capacity, side b to a", "trk_ab": "Trucks, side a to b",
    "trk_ba": "Trucks, side b to a", "t_ab": "Tonnes, side a to b", "t_ba": "Tonnes, side b to a",
    "util_ab": "Utilisation, side a to b", "util_ba": "Utilisation, side b to a",
    "util": "Utilisation, busier direction", "util_pk": "Peak utilisation",
    "dual_ab": "Value of extra capacity, side a to b",
    "dual_ba": "Value of extra capacity, side b to a", "queue_pk": "Peak queue",
    "origin": "Origin", "market": "Market", "crossings": "Crossings used",
    "variant": "Path variant", "products": "Products", "hours": "Door-to-door time",
    "usd_per_t": "Transport cost per tonne", "revenue_usd": "Market revenue",
    "supply_t": "Supply", "shipped_t": "Shipped", "unserved_t": "Not shipped",
    "spoiled_t": "Spoiled", "lost_usd": "Value not shipped", "recv_t": "Received",
    "base_t": "Baseline tonnes", "base_trucks": "Baseline trucks",
    "base_state": "Baseline state", "flow_delta_t": "Change in tonnes (scenario - baseline)",
    "flow_delta_trucks": "Change in trucks (scenario - baseline)",
    "cost_delta_usd": "Change in transport cost (scenario - baseline)",
    "shipped_delta_t": "Change in shipped (scenario - baseline)",
    "unserved_delta_t": "Change in not shipped (scenario - baseline)",
    "lost_delta_usd": "Change in value not shipped (scenario - baseline)",
    "recv_delta_t": "Change in received (scenario - baseline)",
    "revenue_delta_usd": "Change in market revenue (scenario - baseline)",
    # crossings_daily (borderflow.present.geopackage.crossings_daily)
    "date": "Date", "time": "Time (noon of the date)", "open": "Open this day",
    "queue": "Trucks waiting at the end of the day",
    "queue_ab": "Trucks waiting, side a to b", "queue_ba": "Trucks waiting, side b to a",
    "value_ab": "Value of extra capacity, side a to b (open days)",
    "value_ba": "Value of extra capacity, side b to a (open days)",
    # levers (borderflow.gis.levers)
    "lever": "Lever kind", "lever_name": "Lever", "detail": "What the lever does",
    "from_date": "In force from", "to_date": "In force to", "cost_usd_day": "Cost per day",
    "cost_src": "Source of the cost", "chosen": "Chosen by respond",
}

#: units with no alias suffix (ids, names, codes)
NO_UNIT = ("", "-")


@dataclass(frozen=True)
class FieldDoc:
    """What a GeoPackage stores about one field.

    Attributes
    ----------
    title : str
        Full name without the unit.
    unit : str
        ``t/day``, ``USD/truck``, ``share``, ``ISO2``, ``-`` ...
    description : str
        Meaning, as in the data dictionary.
    """

    title: str
    unit: str
    description: str

    @property
    def alias(self) -> str:
        """Title and unit: ``"Trucks, side a to b (trucks/day)"``."""
        return self.title if self.unit in NO_UNIT else f"{self.title} ({self.unit})"

    @property
    def comment(self) -> str:
        """Description and unit: ``"trucks per day from side a to side b [trucks/day]"``."""
        return self.description if self.unit in NO_UNIT else \
            f"{self.description} [{self.unit}]"


def title(field: str, product_prefix: str = "t_") -> str:
    """Full name of a field; per-product tonnage fields (``t_durian``) get ``"Tonnes of
    durian"``.

    Raises
    ------
    KeyError
        If the field has no title (add it to :data:`TITLES`).
    """
    if field in TITLES:
        return TITLES[field]
    if field.startswith(product_prefix):
        return f"Tonnes of {field[len(product_prefix):].replace('_', ' ')}"
    raise KeyError(f"field '{field}' has no title in borderflow.present.fields.TITLES")


def field_docs(columns: Iterable[str], info: Callable[[str], tuple[str, str, str]]
               ) -> dict[str, FieldDoc]:
    """:class:`FieldDoc` of each column.

    Parameters
    ----------
    columns : iterable of str
        Field names (a geometry column is skipped).
    info : callable
        Field -> ``(shapefile name, unit, meaning)``, e.g. :func:`borderflow.gis.field_info`
        (extended with :data:`DAILY_FIELDS` for the daily layer).

    Returns
    -------
    dict
        Field -> FieldDoc.
    """
    out = {}
    for col in columns:
        if col in ("geometry", "geom"):
            continue
        _, unit, meaning = info(col)
        out[col] = FieldDoc(title(col), unit, meaning)
    return out


#: fields of the daily crossings layer not in borderflow.gis.FIELDS: (short name, unit, meaning)
DAILY_FIELDS: dict[str, tuple[str, str, str]] = {
    "date": ("date", "date", "day the row describes"),
    "time": ("time", "date-time", ("noon of the date, no time zone: the layer's temporal "
                                   "field (QGIS temporal controller, one-day frames)")),
    "open": ("open", "0/1", "1 when the gate has capacity in some direction this day"),
    "queue": ("queue", "trucks",
              "trucks waiting at the gate at the end of the day, both directions"),
    "queue_ab": ("queue_ab", "trucks",
                 "trucks waiting to cross from side a to side b at the end of the day"),
    "queue_ba": ("queue_ba", "trucks",
                 "trucks waiting to cross from side b to side a at the end of the day"),
    "value_ab": ("value_ab", "USD/truck", ("dual value of one more truck of capacity a to b "
                                           "this day; empty on closed days (no price)")),
    "value_ba": ("value_ba", "USD/truck", ("dual value of one more truck of capacity b to a "
                                           "this day; empty on closed days (no price)")),
}
