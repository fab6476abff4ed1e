"""Sweeps: many scenarios solved on one model per worker, in parallel on Dask, resumable.

A sweep turns a list of scenarios (a scenario file, or N-1: every open crossing closed in turn)
into one tidy comparison with their baselines, and into answers that go beyond routing: which
crossings' loss costs most (criticality), what one more truck per day is worth at each gate
(value of capacity) and which proposed crossing is worth most, in a normal year and under
disruptions (investment ranking).

How it runs
-----------
Scenarios are grouped by *structure*: those with the same horizon, priority rules and initial
queues share one Pyomo model and one HiGHS instance, since they differ only in bounds
(capacities, closures, builds, supply). Each Dask worker builds a structure's model once
(:class:`ModelCache`, a worker plugin), solves its reference (the undisrupted baseline) cold and
keeps that basis; every scenario then applies its bound updates
(:func:`borderflow.model.formulation.bound_updates`) and is re-solved warm from that basis.
Restarting from the same basis makes each result independent of which scenarios a worker
solved before, so a sweep gives the same numbers on 1 or 8 workers and when resumed.

Each scenario's results are written as soon as they are solved, by the worker that solved it
(on a LocalCluster; by the client for a cluster given by the caller), as a run folder
``<out>/scenarios/scenario=<name>/`` (parquet and CSV tables, ``summary.json``, ``run.json``),
built in a temporary folder and renamed into place: an interrupted sweep leaves whole folders
only, and ``resume`` skips those whose fingerprint (scenario, model structure, input checksums)
still matches. The tables at the top of ``<out>`` are rebuilt from the folders at the end, so a
resumed sweep writes the same tables as an uninterrupted one (all but the ``solve_seconds``
column, which is wall-clock time).

Modules, one job each
---------------------
- :mod:`~borderflow.sweeps.plan`: scenarios, baselines, structures, fingerprints, investments;
- :mod:`~borderflow.sweeps.worker`: what a Dask worker keeps and solves;
- :mod:`~borderflow.sweeps.runner`: the Dask client, submitting, recording, :func:`run_sweep`;
- :mod:`~borderflow.sweeps.partitions`: the sweep folder on disk (plan, scenario folders),
  read back by :func:`read_sweep`;
- :mod:`~borderflow.sweeps.analysis`: the comparison, criticality, capacity-value and
  investment tables (no Dask needed);
- :mod:`~borderflow.sweeps.nk` and :mod:`~borderflow.sweeps.nk_bounds`: N-k sweeps, brute
  force or the guided search for the K costliest sets of closures, and its bounds
  (``docs/n-k.md``).
"""

from .analysis import (TABLES, capacity_value_table, comparison_table, criticality_tables,
                       investment_tables, sweep_tables, write_sweep_tables)
from .partitions import (PARTITIONS, PLAN, partition, read_results, read_sweep,
                         read_sweep_table, solved_partitions)
from .plan import (InvestmentProject, PlannedScenario, Structure, SweepPlan,
                   investment_candidates, n_minus_1_scenarios, plan_file, plan_n_minus_1,
                   plan_scenarios, plan_sweep)
from .nk import NKSearch, combination_name, plan_n_k, run_n_k
from .runner import SweepResult, dask_client, run_sweep
from .worker import Job, ModelCache, Outcome, solve_job

__all__ = ["NKSearch", "combination_name", "plan_n_k", "run_n_k",
           "PARTITIONS", "PLAN", "TABLES", "InvestmentProject", "Job", "ModelCache", "Outcome",
           "PlannedScenario", "Structure", "SweepPlan", "SweepResult", "capacity_value_table",
           "comparison_table", "criticality_tables", "dask_client", "investment_candidates",
           "investment_tables", "n_minus_1_scenarios", "partition", "plan_file",
           "plan_n_minus_1", "plan_scenarios", "plan_sweep", "read_results", "read_sweep",
           "read_sweep_table", "run_sweep", "solve_job", "solved_partitions", "sweep_tables",
           "write_sweep_tables"]
