"""``borderflow solve --samples``: the run's bands in summary.json, its story and its map.

Tiny network on the border, both gates open, road rate r ~ U[0.8, 1.2] (the only ranged
number): closing x1 moves 10 trucks/day from the 200 km route to the 300 km one, so the
closure costs 10 x 100 km x r = 1,000 r USD/day: P10/P50/P90 = 840 / 1,000 / 1,160 (a Latin
hypercube of 20 samples: within one stratum, 1,000 x 0.4 / 20 = 20 USD/day).
"""

from __future__ import annotations

import json

import pytest
from helpers import border_data
from typer.testing import CliRunner

from borderflow.cli import app

RANGES = "table,key,field,low,high\nparameters,road_cost_usd_per_truck_km,value,0.8,1.2\n"


def test_solve_with_samples_writes_bands_story_and_map(tmp_path):
    data = border_data(tmp_path, "ds")
    (data / "ranges.csv").write_text(RANGES)
    out = tmp_path / "run"
    cli = CliRunner().invoke(app, ["solve", "--data", str(data), "--close", "x1", "--samples",
                                   "20", "--seed", "3", "--out", str(out), "--json"])
    assert cli.exit_code == 0, cli.output
    env = json.loads(cli.stdout)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    b = summary["bands"]["measures"]["cost_increase_usd"]
    assert b["point"] == pytest.approx(1000.0, abs=1e-6)
    assert [b["p10"], b["p50"], b["p90"]] == pytest.approx([840, 1000, 1160], abs=20)
    assert summary["bands"]["samples"] == 20
    assert summary["bands"]["routing"]["certified"] == 20
    assert any("(P10\u2013P90: " in s for s in env["narrative"])
    html = tmp_path / "map.html"
    png = tmp_path / "map.png"
    cli = CliRunner().invoke(app, ["map", str(out), "--html", str(html), "--out", str(png)])
    assert cli.exit_code == 0, cli.output
    page = html.read_text(encoding="utf-8")
    from borderflow.uncertainty.format import quote

    assert "bf-bands" in page and png.stat().st_size > 10_000
    assert f"P10\u2013P90: {quote(b['p10'])}\u2013{quote(b['p90'])}" in page


def test_short_line_for_the_static_map():
    from borderflow.uncertainty.run_bands import short_line

    bands = {"samples": 30, "measures": {"cost_increase_usd": {
        "point": 1000.0, "p10": 840.0, "p50": 1000.0, "p90": 1160.0, "unit": "USD/day"}},
        "routing": {"samples": 30, "certified": 30}}
    assert short_line(bands) == ("cost of the disruption +1,000 USD/day (P10\u2013P90: "
                                 "840\u20131,160), 30 samples (all certified)")
    bands["routing"] = {"samples": 30, "certified": 28, "max_gap_bound_usd": 1234.0}
    assert short_line(bands).endswith("30 samples (28 certified, 2 restricted, gap <= 1,230 "
                                      "USD/day)")
    assert short_line(None) == ""


def test_seed_without_samples_is_refused_in_one_line(tmp_path):
    out = tmp_path / "run"
    cli = CliRunner().invoke(app, ["solve", "--seed", "3", "--out", str(out)])
    assert cli.exit_code == 2 and len(cli.output.strip().splitlines()) == 1
    assert "--seed" in cli.output and not out.exists()
