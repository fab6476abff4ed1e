"""Turn ``tools/mutants_in_process.py`` output for ``model/formulation.py`` into the verdict
file of docs/testing.md (``docs/mutation/formulation-session<N>.tsv``: mutant, result, first
failing test, CPU s, verdict).

    python tools/formulation_results.py OUT_TSV VERDICTS_TSV RUN_OUTPUT...

``RUN_OUTPUT``: the runner's RESULT lines (a mutant's line may repeat, in one file or a later
one: the last one counts);
``VERDICTS_TSV``: ``mutant<TAB>verdict`` for the survivors and timeouts judged by hand (a kill's
verdict is ``killed``; a survivor without one is written with an empty verdict: unjudged).
Prints the counts (killed, timeout, survived, of them equivalent / gap killed / gap open /
unjudged) and the CPU s a mutant.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

LINE = re.compile(r"RESULT borderflow\.model\.formulation\.(\S+) (\d+) (killed|survived|timeout) "
                  r"rc=\S+ cpu=([\d.]+)s wall=\d+s (.*)$")


def read_run(paths: list[str]) -> dict[str, tuple[str, str, float]]:
    """Mutant (``function__mutmut_N``) -> (result, first failing test, CPU s)."""
    source = open("model/formulation.py").read()
    out = {}
    for line in (x for path in paths for x in open(path)):
        m = LINE.match(line.strip())
        if m:
            fn, i, verdict, cpu, first = m.groups()
            test = re.sub(r"^\['(FAILED|ERROR) ([^ ]+).*$", r"\2", first) if first != "[]" else ""
            # the runner prints a private function's name without its leading underscore
            fn = f"_{fn}" if f"def _{fn}(" in source else fn
            out[f"{fn}__mutmut_{i}"] = (verdict, test, float(cpu))
    return out


def _kind(verdict: str) -> str:
    for start, kind in (("killed", "killed"), ("equivalent", "equivalent"),
                        ("gap, left open", "gap open"), ("gap", "gap killed")):
        if verdict.startswith(start):
            return kind
    return "unjudged"


def main(target: str, verdicts: str, runs: list[str]) -> None:
    """Write ``target`` and print the counts."""
    judged = dict(line.rstrip("\n").split("\t", 1) for line in open(verdicts) if line.strip())
    results = read_run(runs)
    kinds: Counter = Counter()
    with open(target, "w") as out:
        out.write("mutant\tresult\tfirst failing test\tCPU s\tverdict\n")
        for name, (result, test, cpu) in results.items():
            verdict = "killed" if result == "killed" else judged.get(name, "")
            out.write(f"{name}\t{result}\t{test}\t{cpu:.1f}\t{verdict}\n")
            kinds[_kind(verdict)] += 1
    cpu = sum(c for _, _, c in results.values())
    print(f"{len(results)} run: {dict(kinds)}; {cpu:.0f} CPU s, "
          f"{cpu / max(len(results), 1):.2f} CPU s a mutant")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
