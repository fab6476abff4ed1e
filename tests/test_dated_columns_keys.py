"""Which rows of a dated pricing pass are kept: those of an (origin, product, day) with
supply (model/dated_columns.py, ``_KeySet``, session 25): a set of key tuples, the same mask
as the left merge with an indicator it replaces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderflow.model.dated_columns import _KeySet

KEYS = ["origin", "product_id", "period"]


def _merged(table, supplied):
    return (table.merge(supplied, on=KEYS, how="left", indicator=True)["_merge"]
            == "both").to_numpy()


SUPPLIED = pd.DataFrame({"origin": ["a", "a", "b", "c"], "product_id": ["x", "y", "x", "x"],
                         "period": [0, 1, 2, 0]})


@pytest.mark.parametrize("table", [
    pd.DataFrame({"origin": ["a", "b", "a", "c", "a", "d"],
                  "product_id": ["x", "x", "y", "x", "x", "x"],
                  "period": [0, 2, 1, 1, 0, 0], "value": np.arange(6.0)}),
    pd.DataFrame({"origin": ["b"], "product_id": ["x"], "period": [2.0]}),  # float days
    pd.DataFrame({"origin": pd.array(["a", "c"], dtype="string"), "product_id": ["x", "x"],
                  "period": np.array([0, 0], dtype=np.int32)}),
    pd.DataFrame({"origin": ["a", None], "product_id": ["x", "x"], "period": [0, 0]}),
    pd.DataFrame(columns=["origin", "product_id", "period", "value"]),
])
def test_the_mask_is_the_merges(table):
    on = _KeySet(SUPPLIED, KEYS)
    got = on.mask(table)
    assert got.dtype == bool and len(got) == len(table)
    if len(table):
        np.testing.assert_array_equal(got, _merged(table, SUPPLIED))
    pd.testing.assert_frame_equal(table[got].reset_index(drop=True),
                                  table[_merged(table, SUPPLIED)].reset_index(drop=True)
                                  if len(table) else table[got].reset_index(drop=True))


def test_a_missing_key_in_supply_takes_the_merge():
    supplied = pd.concat([SUPPLIED, pd.DataFrame({"origin": [None], "product_id": ["x"],
                                                  "period": [0]})], ignore_index=True)
    on = _KeySet(supplied, KEYS)
    assert not on.exact
    table = pd.DataFrame({"origin": ["a", None, "z"], "product_id": ["x", "x", "x"],
                          "period": [0, 0, 0]})
    np.testing.assert_array_equal(on.mask(table), _merged(table, supplied))
