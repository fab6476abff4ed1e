"""Samples solved in chunks (borderflow.uncertainty.chunks): an evaluator that can submit
(Dask workers) gets every chunk at once and the rows come back in sample order, the same rows
as one chunk at a time; a resumed run submits only the chunks it lacks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.uncertainty.chunks import CHUNK, TASK_ROWS, solve_in_chunks


def _measures(row: np.ndarray) -> dict:
    return {"scenario": {"cost_usd": float(row.sum()), "unserved_t": float(row[0])}}


class _Local:
    """One chunk at a time, as the in-process evaluator."""

    def many(self, values, on_each=None):
        out = []
        for k, v in enumerate(values):
            out.append(_measures(v))
            if on_each is not None:
                on_each(k + 1)
        return out


class _Pending:
    def __init__(self, log, k, values):
        self.log, self.k, self.values = log, k, values

    def result(self, on_each=None):
        self.log.append(("result", self.k))
        out = [_measures(v) for v in self.values]
        # tasks finish out of order: the last rows first
        for done in range(len(out), 0, -1):
            if on_each is not None:
                on_each(done)
        return out


class _Submitting(_Local):
    """Records when chunks are submitted and collected (as DaskEvaluator.submit)."""

    def __init__(self):
        self.log, self.sizes = [], []

    def submit(self, values, size=None):
        self.sizes.append(size)
        k = len([e for e in self.log if e[0] == "submit"])
        self.log.append(("submit", k))
        return _Pending(self.log, k, values)


def test_submitted_chunks_give_the_rows_of_one_chunk_at_a_time(tmp_path):
    values = np.random.default_rng(0).random((3 * CHUNK + 5, 3))
    quiet = lambda *a: None  # noqa: E731
    want, _, n_want = solve_in_chunks(values, _Local(), None, {}, False, quiet, "t")
    ev = _Submitting()
    got, _, n_got = solve_in_chunks(values, ev, tmp_path / "s", {"a": 1}, False, quiet, "t")
    pd.testing.assert_frame_equal(got, want)
    assert n_got == n_want == len(values)
    assert list(got["sample"].unique()) == list(range(len(values)))
    # every chunk submitted before the first is collected, then collected in order
    assert ev.log == [("submit", k) for k in range(4)] + [("result", k) for k in range(4)]
    assert ev.sizes == [TASK_ROWS] * 4
    # resumed: only the chunk missing is submitted again, the table is the same
    (tmp_path / "s" / "chunk-00002.parquet").unlink()
    again = _Submitting()
    got2, kept, n2 = solve_in_chunks(values, again, tmp_path / "s", {"a": 1}, True, quiet, "t")
    pd.testing.assert_frame_equal(got2, want)
    assert (kept, n2) == (3, CHUNK)
    assert again.log == [("submit", 0), ("result", 0)]
