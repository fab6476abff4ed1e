"""Shared fixtures: tiny hand-checkable datasets and a runner."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every machine, so a run of CI is reproducible and a
# failure it reports is one anyone can rerun; explore new examples with
# `pytest --hypothesis-profile=explore` (random seeds, as a developer does before committing).
settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("default")

sys.path.insert(0, str(Path(__file__).parent))

# A pytest-xdist worker starts with COLUMNS set (80 with no terminal), and borderflow's console,
# created at import, would keep that width for good and ignore the COLUMNS a test gives
# CliRunner (the golden terminal texts of test_cli_outputs.py): a worker runs as a single
# pytest process does, with no COLUMNS of its own.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)

import tiny  # noqa: E402
from helpers import optimum_of  # noqa: E402

from borderflow.data.scenario import Scenario  # noqa: E402
from borderflow.data.dataset import load_dataset  # noqa: E402
from borderflow.pipeline import run_scenario  # noqa: E402


def pytest_collection_finish(session):
    """Once the tests are collected (in each xdist worker too), the objects made so far (the
    modules imported, their functions and tables, the collected items: they live for the whole
    run) are left out of the cyclic garbage collector's passes (``gc.freeze``): each full pass
    walked them all again, about 1.5 of 39 CPU s of `test_tiny_optima.py`, `test_dynamics.py`
    and `test_api.py` run together. Objects the tests make are collected as before."""
    gc.collect()
    gc.freeze()


@pytest.fixture
def tiny_tables():
    """Editable DataFrames of the tiny two-crossing dataset (see tests/tiny.py)."""
    return tiny.base_tables()


@pytest.fixture
def solve_tiny(tmp_path):
    """Write tables to CSV, load them through the real loader and solve a scenario.

    The tests that use it mean the optimum: options whose dispatch is the default ``auto``
    (which runs a dated scenario with a surprise event realistically) are pinned to
    ``foresight``; ``dispatch="realistic"`` runs the policy. The default itself is tested
    through ``run_scenario`` (tests/test_dispatch_auto.py)."""
    counter = {"n": 0}

    def _solve(tables=None, scenario: Scenario | None = None, **kwargs):
        counter["n"] += 1
        folder = tiny.write(tmp_path / f"data{counter['n']}", tables)
        return run_scenario(load_dataset(folder, check_borders=False), scenario,
                            optimum_of(kwargs.pop("options", None)),
                            **kwargs)

    return _solve


@pytest.fixture(scope="module")
def client():
    """One in-process Dask worker, shared by a test module's sweeps
    (``test_sweep``, ``test_nk``)."""
    from distributed import Client, LocalCluster
    from borderflow.sweeps.runner import NO_DASHBOARD

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      **NO_DASHBOARD) as cluster, Client(cluster) as c:
        yield c


#: test files whose one module fixture is far longer than any other item (the shipped
#: scenarios' runs and the validation table, ~750 CPU s): collected before everything else, the
#: notebooks included, so that pytest-xdist (files handed out in collection order, pyproject)
#: starts them at once instead of leaving one process with them at the end
LONGEST_FIRST = ("test_validation_shipped.py",)


def pytest_collection_modifyitems(items):
    """Move the items of :data:`LONGEST_FIRST` to the front, in their own order."""
    first = [item for item in items if item.path.name in LONGEST_FIRST]
    if first:
        items[:] = first + [item for item in items if item.path.name not in LONGEST_FIRST]
