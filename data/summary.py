"""Counts that describe a dataset: crossings by country pair, status and mode; provenance mix."""

from __future__ import annotations

from .loaders import InputTables
from .schemas import TABLES


def dataset_summary(tables: InputTables) -> dict[str, dict[str, int | str]]:
    """Tables of counts for ``borderflow data check``.

    Returns
    -------
    dict
        Section title -> {label: count}: crossings by country pair, by status and by mode;
        rows per table; published vs estimated rows across all tables.
    """
    cr = tables.crossings
    pair = (cr[["country_a", "country_b"]].apply(lambda r: "–".join(sorted(r)), axis=1)
            .value_counts().sort_index())
    rows = {spec.name: len(getattr(tables, spec.name)) for spec in TABLES}
    quality = {"published": 0, "estimate": 0}
    for spec in TABLES:
        df = getattr(tables, spec.name)
        if "quality" in df and len(df):
            for k, v in df["quality"].value_counts().items():
                quality[k] = quality.get(k, 0) + int(v)
    total = sum(quality.values()) or 1
    share = {k: f"{v} ({v / total:.0%})" for k, v in quality.items()}
    return {
        "crossings by country pair": {k: int(v) for k, v in pair.items()},
        "crossings by status": {k: int(v) for k, v in cr["status"].value_counts().sort_index()
                                .items()},
        "crossings by mode": {k: int(v) for k, v in cr["mode"].value_counts().sort_index()
                              .items()},
        "rows per table": rows,
        "rows by provenance quality": share,
    }
