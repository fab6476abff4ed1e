"""The verifier's oracle: what it reports on fixed tiny runs, correct and tampered, is what it
reported when its golden file was written (``tests/golden/verify_oracle.json``).

The cases (``verify_cases.py``) are the runs of the verifier's own tests -- the solutions of
``test_verify.py`` that must pass, the tamper catalogue of ``test_tamper.py`` (each edit alone,
and re-signed), a realistic dispatch and its summary edits, a dispatch hold, licences, cost
terms, destination shares, congestion lanes and a repaired dated run (fifo_repair) -- solved
once for the module. Each test re-runs only the
verifier on one case and asserts, per check, its rows, its failures, the failures' entities
and amounts (4 significant figures) and a digest of every row's entity, unit, ok and
tolerance. Besides the golden file: a correct run has no failure and a tampered one at least
one (so the golden file cannot hold a verifier that passes everything).

This module is the mutation oracle of ``tools/verify_mutants.py`` (docs/testing.md): a mutant
of ``borderflow/verify/`` that changes any case's outcome fails a test here. After a
deliberate change of the verifier's report, rewrite the golden file with
``python tests/verify_cases.py`` and review its diff.
"""

from __future__ import annotations

import pytest
import verify_cases as vc


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """Every case solved once: name -> a function re-running the verifier on it."""
    return vc.solve_cases(tmp_path_factory.mktemp("oracle"))


@pytest.fixture(scope="module")
def golden():
    return vc.read_golden()


def test_the_golden_file_holds_every_case_and_nothing_else(golden):
    assert sorted(golden) == sorted(vc.NAMES)


@pytest.mark.parametrize("name", vc.NAMES)
def test_the_verifier_reports_on_each_case_what_the_golden_file_says(cases, golden, name):
    got = vc.outcome(cases[name]())
    failing = {check: o["failures"] for check, o in got.items() if o["failing"]}
    if name in vc.CLEAN:
        assert not failing, failing
    else:
        assert failing, "a tampered case passes every check"
    want = golden[name]
    differ = {check: (want.get(check), got.get(check)) for check in set(want) | set(got)
              if want.get(check) != got.get(check)}
    assert not differ, differ
