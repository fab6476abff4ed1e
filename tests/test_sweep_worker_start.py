"""How a sweep's LocalCluster starts its worker processes (``runner._worker_start``): forked
from a forkserver of the cluster's own that imported borderflow once, stopped with the
cluster, so that workers see the caller's environment as spawned ones would and their CPU is
the caller's children's; spawned where another forkserver runs or Dask is told otherwise."""

from __future__ import annotations

import multiprocessing
import os
import resource
from multiprocessing import forkserver

import dask
import pytest

from borderflow.sweeps import runner

pytestmark = pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                                reason="no forkserver on this platform: workers are spawned")

KEY = "distributed.worker.multiprocessing-method"
SERVER = forkserver._forkserver


@pytest.fixture
def no_forkserver():
    """No forkserver running before the test (another test's is stopped) nor after it."""
    SERVER._stop()
    yield
    SERVER._stop()


def test_the_block_forks_then_stops_its_forkserver(no_forkserver):
    with runner._worker_start() as how:
        assert (how, dask.config.get(KEY)) == ("forkserver", "forkserver")
        assert SERVER._forkserver_pid is None  # started by the cluster's first worker
    assert dask.config.get(KEY) == "spawn"  # only within the block


def test_another_forkserver_or_another_method_is_left_alone(monkeypatch, no_forkserver):
    monkeypatch.setattr(SERVER, "_forkserver_pid", 12345)  # someone else's, running
    with runner._worker_start() as how:
        assert (how, dask.config.get(KEY)) == ("spawn", "spawn")
    assert SERVER._forkserver_pid == 12345  # not stopped
    monkeypatch.setattr(SERVER, "_forkserver_pid", None)
    with dask.config.set({KEY: "fork"}), runner._worker_start() as how:
        assert (how, dask.config.get(KEY)) == ("fork", "fork")


def _seen(_):
    """A task: the variable as the worker sees it, and the worker process's parent."""
    return os.environ.get("BF_TEST_SEEN"), os.getppid()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_workers_see_the_callers_environment_and_their_cpu_is_counted(monkeypatch,
                                                                      no_forkserver):
    for value in ("first", "second", None):
        if value is None:
            monkeypatch.delenv("BF_TEST_SEEN")
        else:
            monkeypatch.setenv("BF_TEST_SEEN", value)
        before = _children_cpu()
        with runner.dask_client(workers=1) as c:
            seen, parent = c.submit(_seen, value).result()
            assert SERVER._forkserver_pid == parent != os.getpid()  # forked by the server
        assert seen == value
        assert SERVER._forkserver_pid is None  # stopped and reaped with the cluster
        # the forkserver imported borderflow: its CPU, and its worker's, are counted
        assert _children_cpu() - before > 0.3
