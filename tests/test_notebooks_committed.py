"""The notebooks are committed with their outputs, so GitHub shows what they compute (issue 22).

nbmake executes them on every test run (``pytest notebooks/``) without writing; the outputs in
the repository are refreshed by ``pytest --overwrite notebooks/`` (docs/testing.md). This test
fails when a notebook is committed unexecuted or half executed, or with a warning in its
output (notebook 02 once printed Dask's "Port 8787 is already in use").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_executed_with_its_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: run it top to bottom"
    assert sum(bool(c.get("outputs")) for c in code) >= len(code) - 1, path.name
    for c in code:
        for out in c.get("outputs", []):
            text = "".join(out.get("text", ""))
            assert out.get("output_type") != "error", f"{path.name}: {out.get('ename')}"
            assert "warning" not in text.lower(), f"{path.name}: {text[:200]}"
