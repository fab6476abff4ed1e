"""The run report (borderflow.present.report): self-contained HTML from run folders.

Tiny runs (tests/present_runs.py): closing X1 moves 10 trucks/day to X2 at 16 instead of 11
USD/t, so transport cost rises by 5 x 200 = 1,000 USD/day (2,200 -> 3,200) and net value falls
from 197,800 to 196,800 USD/day; the dated run closes X1 on two days and a queue of about 10
trucks builds on 2024-01-03.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
from borderflow.data.errors import InputError
from present_runs import write_runs

from borderflow.present.report import build_report, write_report, write_report_pdf


class _Page(HTMLParser):
    """Collects what a self-contained page must not have and the text of its cells."""

    def __init__(self):
        super().__init__()
        self.external: list[str] = []
        self.images = 0
        self.cells: list[str] = []
        self.sections: list[str] = []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            v = a.get(key) or ""
            if v and not v.startswith(("data:", "#")):
                self.external.append(f"{tag} {key}={v}")
        if tag == "link":
            self.external.append("link")
        if tag == "img" and (a.get("src") or "").startswith("data:image/png;base64,"):
            self.images += 1
        if tag == "section":
            self.sections.append(a.get("id"))
        if tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join(self._cell.split()))
            self._cell = None


def _parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    return p


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return write_runs(tmp_path_factory.mktemp("report"))


def test_report_against_a_baseline_run(runs, tmp_path):
    out = write_report(runs["no-x1"], tmp_path / "report.html", baseline_dir=runs["base"])
    page = out.read_text(encoding="utf-8")
    p = _parse(page)
    assert p.external == []  # offline: every image and style inside
    assert p.sections == ["summary", "map", "charts", "tables", "verification", "provenance"]
    assert p.images >= 2  # the flow map and the cost chart
    assert "net value USD 196,800 per day (revenue 200,000 minus costs 3,200)" in page
    cells = p.cells
    i = cells.index("transport cost")
    assert cells[i:i + 5] == ["transport cost", "USD/day", "2,200", "3,200", "+1,000"]
    j = cells.index("net value (revenue minus costs)")
    assert cells[j + 4] == "-1,000"
    # names next to ids, one direction notation, signed changes
    k = cells.index("X2", cells.index("before"))  # the change-by-crossing table
    assert cells[k:k + 6] == ["X2", "x2", "VN→CN", "0.0", "10.0", "+10.0"]
    assert "X1 (closed)" in cells
    assert re.search(r"\d[\d,]* independent checks passed", page)
    assert "Durian" in cells  # product name from the dataset


def test_report_of_a_dated_run_uses_its_own_comparison(runs):
    page = build_report(runs["dated"])
    p = _parse(page)
    assert p.external == [] and p.images >= 3  # map, queue chart, cost chart
    assert "over the" in page and "2024-01-01" in page
    cells = p.cells
    assert "Queues that built up" in page
    i = cells.index("X1")
    # trucks/day mean, capacity, utilisation, value of capacity over open days, open days
    row = cells[i:i + 8]
    assert row[2] == "VN→CN" and re.fullmatch(r"\d+ of \d+", row[-1])
    open_days, days = map(int, row[-1].split(" of "))
    assert days - open_days == 2  # closed on 2024-01-02 and 2024-01-03
    assert "the same scenario without its disruptions" in page
    assert page == build_report(runs["dated"])  # same folder, same page


def test_report_without_its_dataset_says_what_it_left_out(runs, tmp_path, monkeypatch):
    moved = tmp_path / "elsewhere" / "base"
    shutil.copytree(runs["base"], moved)
    shutil.move(runs["root"] / "data", tmp_path / "data-gone")
    monkeypatch.chdir(tmp_path)
    try:
        page = build_report(moved)
    finally:
        shutil.move(tmp_path / "data-gone", runs["root"] / "data")
    assert "map and dataset sections left out" in page
    assert _parse(page).external == []


def test_not_a_run_folder(tmp_path):
    with pytest.raises(InputError, match="not a run folder"):
        build_report(tmp_path)


def test_pdf_report(runs, tmp_path):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as err:
        pytest.skip(f"WeasyPrint or Pango missing ({err}); pip install 'borderflow[pdf]'")
    out = write_report_pdf(runs["no-x1"], tmp_path / "report.pdf", baseline_dir=runs["base"])
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 50_000  # the map and charts are in it
