#!/usr/bin/env bash
# Mutation testing with mutmut 3 (issue 16): mutate model/formulation.py, model/queues.py and
# borderflow/verify/, run the fast hand-computed tests against each mutant, report the survivors.
#
#   bash tools/mutation.sh                      # every mutant of the configured files
#   bash tools/mutation.sh 'borderflow.model.formulation.x_define_queue*'   # a selection
#   bash tools/mutation.sh results              # the survivors of the last run
#   bash tools/mutation.sh show <mutant name>   # one mutant's diff
#   bash tools/mutation.sh focused              # the constraint families' run of docs/notes/testing-log.md
#   bash tools/mutation.sh against 'TESTS' <mutant name>...   # named mutants vs other tests
#   bash tools/mutation.sh inprocess FUNCTION none,3,7 TESTS...  # the same, in one process
#   bash tools/mutation.sh generate             # stage and generate the mutants only (no run)
#   python tools/verify_mutants.py --module terms --out /tmp/v.tsv   # borderflow/verify/ mutants
#                                               # against the verifier's oracle, no solves
#
# Not part of CI's pytest: a full run is long (docs/notes/testing-log.md has the numbers).
#
# Why a staged copy: pyproject maps the top-level folders model/, data/, solvers/ to
# borderflow.model, .data, .solvers (package-dir). mutmut 3 names a mutant after its file path
# (model/formulation.py -> "model.formulation") and only switches mutants on in the module of
# that name, and its mutants/ copy is imported from sys.path, not through the editable install;
# so it cannot mutate the mapped folders in place. This script copies the tree into
# .mutation/ as an ordinary package (borderflow/model/... etc.), where file paths and module
# names agree, and runs mutmut there ([tool.mutmut] in pyproject.toml; its paths are paths in
# that staged copy). The copy keeps mtimes (cp -a), so mutmut's cache in
# .mutation/mutants/ is reused until a source file changes. Runs at the lowest CPU priority,
# one worker (the machine is shared); MUTMUT_NICE sets another priority (e.g. 10).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stage="$root/.mutation"
case "${1:-}" in
  # read the last run's results (no re-staging: safe while a run is going)
  results|show|browse|export-cicd-stats) cd "$stage" && exec mutmut "$@" ;;
  # named mutants of the last run against other tests (e.g. the slower tiny tests of one family
  # that the run's test selection leaves out): the mutant is switched on the way mutmut does it
  # (MUTANT_UNDER_TEST), one pytest per mutant, at nice 19; prints "<name> killed|survived"
  against)
    shift; tests="$1"; shift
    cd "$stage/mutants"
    for m in "$@"; do
      # shellcheck disable=SC2086  # $tests: several pytest arguments
      if MUTANT_UNDER_TEST="$m" nice -n "${MUTMUT_NICE:-19}" python -m pytest -x -q -o addopts= \
          -p no:cacheprovider $tests > /dev/null 2>&1; then
        echo "$m survived"
      else
        echo "$m killed"
      fi
    done
    exit 0 ;;
  # named mutants of one formulation function against a few tests, all in one process
  # (tools/mutants_in_process.py; much faster than `against` on a loaded machine)
  inprocess)
    shift
    cd "$stage/mutants"
    exec nice -n "${MUTMUT_NICE:-19}" python "$root/tools/mutants_in_process.py" "$@" ;;
  # the focused run of docs/notes/testing-log.md: every mutant of the constraint families (capacity, supply
  # balance, demand, destination shares, priority lanes, queues, initial queues, closures,
  # delivery requirements) against the configured tiny tests
  focused)
    f=borderflow.model.formulation.x_
    set -- "${f}define_supply_balance_constraints__mutmut_*" \
      "${f}define_crossing_capacity_constraints__mutmut_*" "${f}_var_terms__mutmut_*" \
      "${f}define_priority_constraints__mutmut_*" "${f}define_market_demand_constraints__mutmut_*" \
      "${f}define_destination_share_constraints__mutmut_*" \
      "${f}define_queue_balance_constraints__mutmut_*" \
      "${f}define_initial_queue_constraints__mutmut_*" "${f}define_closure_bounds__mutmut_*" \
      "${f}closed_variables__mutmut_*" "${f}define_delivery_requirements__mutmut_*" \
      "${f}_repeat_days__mutmut_*" ;;
esac
generate=0
if [ "${1:-}" = generate ]; then generate=1; shift; fi
rm -rf "$stage/borderflow" "$stage/tests"
mkdir -p "$stage"
cp -a "$root/borderflow" "$root/tests" "$root/pyproject.toml" "$stage/"
for pkg in model data solvers; do cp -a "$root/$pkg" "$stage/borderflow/$pkg"; done
find "$stage/borderflow" "$stage/tests" -name __pycache__ -prune -exec rm -rf {} +
cd "$stage"
if [ "$generate" = 1 ]; then
  # mutmut's own generation steps (what `mutmut run` does before it collects test statistics):
  # writes mutants/ and its .meta files, which tools/mutation_sample.py and `inprocess` read
  exec nice -n "${MUTMUT_NICE:-19}" python -c '
import mutmut.__main__ as m
from mutmut.mutation.trampoline import set_mutant_under_test
set_mutant_under_test("mutant_generation")
import os; os.makedirs("mutants", exist_ok=True)
m.copy_src_dir(); m.copy_also_copy_files(); m.setup_source_paths()
print(m.create_mutants(int(os.environ.get("MUTMUT_CHILDREN", "1"))))'
fi
exec nice -n "${MUTMUT_NICE:-19}" mutmut run --max-children "${MUTMUT_CHILDREN:-1}" "$@"
