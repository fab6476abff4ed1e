"""Run named mutants of mutmut's last generation against a few tests, all in one process.

mutmut 3's trampoline reads ``MUTANT_UNDER_TEST`` at every call of a mutated function, so one
Python process can import the package and the tests once and switch mutants between
``pytest.main`` calls. On a loaded machine this is several times faster than ``mutmut run``
(a fresh worker and its test statistics per run) or ``tools/mutation.sh against`` (one pytest
process, and its imports, per mutant). No state is shared between mutants: the model code
keeps no cache of built models, and each ``pytest.main`` is a new session (new fixtures).

Run from ``.mutation/mutants`` (``bash tools/mutation.sh inprocess FUNCTION IDS TESTS...``)::

    python ../../tools/mutants_in_process.py define_priority_constraints none,23,24 \\
        tests/test_dynamics.py::test_priority_lane_lets_fruit_pass_while_other_goods_wait

``IDS``: mutant numbers of ``borderflow.model.formulation.x_FUNCTION__mutmut_N``, comma
separated; ``none`` runs the tests with no mutant (they must pass). Prints one line a mutant:
``RESULT function N killed|survived rc=... cpu=...s`` (any non-zero pytest exit is a kill;
the first failing test is shown).

Mutants of any module (e.g. a sample of ``borderflow/verify/`` drawn by
``tools/mutation_sample.py``), by their full names, one a line in a file::

    python ../../tools/mutants_in_process.py --names /tmp/sample.txt tests/test_verify.py

prints ``RESULT <module>.<function> N killed|survived ...`` a mutant, after one run with no
mutant (``none``: the tests must pass, else every mutant would count as killed).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import time

sys.path.insert(0, os.getcwd())

import pytest  # noqa: E402  (after the staged package is put first on the path)


def main(function: str, ids: str, tests: list[str]) -> None:
    """Run each mutant of ``function`` in ``ids`` against ``tests`` (pytest -x) and print a
    RESULT line for it."""
    run([("none" if i == "none" else f"borderflow.model.formulation.x_{function}__mutmut_{i}",
          function, i) for i in ids.split(",")], tests)


def run_names(path: str, tests: list[str]) -> None:
    """Run the mutants named in the file ``path`` (one full mutmut name a line), after a run
    with none, against ``tests``."""
    names = [line.strip() for line in open(path) if line.strip()]
    todo = [("none", "none", "none")]
    for name in names:
        head, _, i = name.rpartition("__mutmut_")
        module, _, function = head.rpartition(".")
        # mutmut's mangled names: x_<function>, xǁ<Class>ǁ<method>
        todo.append((name, f"{module}.{function[1:].strip('_ǁ').replace('ǁ', '.')}", i))
    run(todo, tests)


#: CPU seconds one mutant's tests may take (``MUTANT_TIMEOUT``; 0: no limit): each mutant then
#: runs in a forked child under RLIMIT_CPU, so a mutant that leaves HiGHS solving a broken
#: model (no Python signal reaches it) is stopped and counted as a timeout
TIMEOUT = int(os.environ.get("MUTANT_TIMEOUT", "0"))


def run(todo: list[tuple[str, str, str]], tests: list[str]) -> None:
    """Each (mutant name, label, id) of ``todo`` against ``tests``: one RESULT line each."""
    for name, function, i in todo:
        os.environ["MUTANT_UNDER_TEST"] = name
        cpu, wall = time.process_time(), time.time()
        if TIMEOUT and name != "none":  # the run with none imports everything first
            rc, first, used = _forked(tests)
        else:
            rc, first = _pytest(tests)
            used = time.process_time() - cpu
        verdict = "timeout" if rc == "timeout" else "survived" if rc == 0 else "killed"
        print(f"RESULT {function} {i} {verdict} rc={rc} cpu={used:.1f}s "
              f"wall={time.time() - wall:.0f}s {first}", flush=True)


def _pytest(tests: list[str]) -> tuple[int, list[str]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = pytest.main(["-x", "-q", "-o", "addopts=", "-p", "no:cacheprovider",
                          "-W", "ignore", *tests])
    first = [line for line in out.getvalue().splitlines()
             if line.startswith(("FAILED", "ERROR"))][:1]
    return int(rc), first


def _forked(tests: list[str]) -> tuple[int | str, list[str], float]:
    """The tests in a forked child limited to :data:`TIMEOUT` CPU seconds; its exit code
    (``"timeout"`` if the limit killed it), first failure and CPU seconds."""
    import resource
    import tempfile

    with tempfile.TemporaryFile("w+") as note:
        pid = os.fork()
        if pid == 0:  # the child: run, write the first failure, exit with pytest's code
            try:
                resource.setrlimit(resource.RLIMIT_CPU, (TIMEOUT, TIMEOUT + 5))
                rc, first = _pytest(tests)
                note.write("\n".join(first))
                note.flush()
            finally:
                os._exit(locals().get("rc", 99))
        _, status, usage = os.wait4(pid, 0)
        note.seek(0)
        first = [x for x in note.read().splitlines() if x]
    used = usage.ru_utime + usage.ru_stime
    if os.WIFSIGNALED(status):
        return ("timeout" if os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL)
                else f"signal{os.WTERMSIG(status)}"), first, used
    return os.WEXITSTATUS(status), first, used


if __name__ == "__main__":
    if sys.argv[1] == "--names":
        run_names(sys.argv[2], sys.argv[3:])
    else:
        main(sys.argv[1], sys.argv[2], sys.argv[3:])
