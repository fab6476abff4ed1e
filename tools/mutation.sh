#!/usr/bin/env bash
# Mutation testing with mutmut 3 (issue 16): mutate model/formulation.py, model/queues.py and
# borderflow/verify/, run the fast hand-computed tests against each mutant, report the survivors.
#
#   bash tools/mutation.sh                      # every mutant of the configured files
#   bash tools/mutation.sh 'borderflow.model.formulation.x_define_queue*'   # a selection
#   bash tools/mutation.sh results              # the survivors of the last run
#   bash tools/mutation.sh show <mutant name>   # one mutant's diff
#
# Not part of CI's pytest: a full run is long (docs/testing.md has the numbers).
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
# one worker (the machine is shared).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stage="$root/.mutation"
case "${1:-}" in
  # read the last run's results (no re-staging: safe while a run is going)
  results|show|browse|export-cicd-stats) cd "$stage" && exec mutmut "$@" ;;
esac
rm -rf "$stage/borderflow" "$stage/tests"
mkdir -p "$stage"
cp -a "$root/borderflow" "$root/tests" "$root/pyproject.toml" "$stage/"
for pkg in model data solvers; do cp -a "$root/$pkg" "$stage/borderflow/$pkg"; done
find "$stage/borderflow" "$stage/tests" -name __pycache__ -prune -exec rm -rf {} +
cd "$stage"
exec nice -n 19 mutmut run --max-children "${MUTMUT_CHILDREN:-1}" "$@"
