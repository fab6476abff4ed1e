"""data/default/supply_evidence.csv (issue 18, item 8): the published figures found for the
supply rows, each with its page. The shipped table passes its schema (``SIDE_TABLES``) and the
cross-table check of ``tools/check_side_tables.py``; hand-made bad rows (a page that is no
address, a row that supply.csv does not have, a stale dataset value, an unknown ``measures``)
are each caught."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors as pe
import pytest
from helpers import tool

from borderflow.data.schemas import SIDE_TABLES

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = next(s for s in SIDE_TABLES if s.name == "supply_evidence")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def _supply() -> pd.DataFrame:
    """Two supply rows (t/year)."""
    return pd.DataFrame([{"node_id": "o1", "product_id": "durian", "supply_t_per_year": 1000.0},
                         {"node_id": "o2", "product_id": "rice", "supply_t_per_year": 250.4}])


def _row(**edit) -> dict:
    row = {"evidence_id": "e1", "node_id": "o1", "product_id": "durian", "figure": "2000",
           "unit": "t", "period": "2023", "measures": "production",
           "page": "https://example.org/a", "derivation": "2,000 t x 0.5 = 1,000 t",
           "derived_t_per_year": "1000", "dataset_t_per_year": "1000", "source": "X 2024",
           "source_year": "2024", "quality": "estimate", "notes": ""}
    row.update(edit)
    return row


def test_the_shipped_table_passes_schema_and_cross_checks():
    df = EVIDENCE.schema.validate(_read(ROOT / "data" / "default" / "supply_evidence.csv"))
    supply = pd.read_csv(ROOT / "data" / "default" / "supply.csv")
    assert tool("check_side_tables").check_evidence(df, supply) == []
    assert df["evidence_id"].is_unique
    assert df["page"].str.match(r"^https?://\S+$").all()
    keys = set(zip(supply["node_id"], supply["product_id"]))
    assert set(zip(df["node_id"], df["product_id"])) <= keys


def test_a_good_hand_made_row_passes():
    df = EVIDENCE.schema.validate(pd.DataFrame([_row(), _row(evidence_id="e2", node_id="o2",
                                                          product_id="rice",
                                                          dataset_t_per_year="250",
                                                          derived_t_per_year=None)]))
    assert tool("check_side_tables").check_evidence(df, _supply()) == []


def test_each_bad_row_is_named_with_its_row_and_field():
    check = tool("check_side_tables").check_evidence
    bad = pd.DataFrame([_row(page="VNA 2023, no address"),
                        _row(evidence_id="e2", node_id="o9"),
                        _row(evidence_id="e3", dataset_t_per_year="1200")])
    bad["dataset_t_per_year"] = bad["dataset_t_per_year"].astype(float)
    assert check(bad, _supply()) == [
        "supply_evidence.csv, row 2, page: not an http(s) address: 'VNA 2023, no address'",
        "supply_evidence.csv, row 3, node_id: no supply.csv row 'o9|durian'",
        "supply_evidence.csv, row 4, dataset_t_per_year: 1200.0 but supply.csv has 1000.0"]


@pytest.mark.parametrize("edit", [{"page": "www.example.org/a"}, {"measures": "guess"},
                                  {"source_year": None}, {"dataset_t_per_year": "-5"}])
def test_the_schema_refuses(edit):
    with pytest.raises((pe.SchemaError, pe.SchemaErrors)):
        EVIDENCE.schema.validate(pd.DataFrame([_row(**edit)]))
