"""tools/build_ranges.py regenerates the committed ``data/default/ranges.csv`` byte for byte
(the rule-derived rows from the prior tables, then the congestion tiers' ranges of
``tools/congestion_prior/ranges.csv`` at their calibrated values), so an edit of a table, a
rule or the prior shows as a diff of that file; no solve."""

from __future__ import annotations

from pathlib import Path

from helpers import tool

ROOT = Path(__file__).parents[1]


def test_build_ranges_reproduces_the_committed_file(tmp_path):
    """Written into a temporary folder, the tool's file equals data/default/ranges.csv, whose
    congestion rows keep their prior ranges (breakpoint 1 at 0.4-0.6, not a rule's 0.5x-2x,
    which would let the tiers overlap) and has no row for congestion_fifo (a switch)."""
    tool("build_ranges").main(["--out", str(tmp_path)])
    got = (tmp_path / "ranges.csv").read_bytes()
    assert got == (ROOT / "data" / "default" / "ranges.csv").read_bytes()
    text = got.decode("utf-8")
    assert "parameters,congestion_breakpoint_1,value,0.4576,0.4,0.6,triangular," in text
    assert "congestion_fifo" not in text
