"""A seeded, stratified random sample of mutmut's generated mutants, one stratum per module.

A full mutation run of ``borderflow/verify/`` (~7,300 mutants) takes many CPU hours; a sample
spread over its modules in proportion to their mutant counts (at least ``--min`` from each)
estimates the kill rate of each module and finds its gaps in minutes. The same seed gives the
same sample (``random.Random(seed)``, mutants sorted by name first), so a run can be repeated
and extended (a larger ``--n`` keeps none of the smaller sample's guarantees: draw once).

Reads the ``.meta`` files mutmut writes beside each mutated module in ``.mutation/mutants/``
(``bash tools/mutation.sh generate`` makes them, without running anything)::

    python tools/mutation_sample.py borderflow/verify --n 150 --seed 16 > /tmp/sample.txt
    python tools/mutation_sample.py borderflow/verify --n 150 --seed 16 --counts   # per module

Prints one mutant name a line (what ``tools/mutants_in_process.py --names`` reads); with
``--counts``, each module's mutants generated and sampled instead.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generated(package: str, stage: Path = ROOT / ".mutation" / "mutants") -> dict[str, list[str]]:
    """Module path (``borderflow/verify/money.py``) -> its mutant names, sorted, from the
    ``.meta`` files of ``stage``."""
    out = {}
    for meta in sorted((stage / package).glob("*.py.meta")):
        keys = json.loads(meta.read_text())["exit_code_by_key"]
        out[str(meta.relative_to(stage))[:-len(".meta")]] = sorted(keys)
    return out


def allocate(sizes: dict[str, int], n: int, minimum: int) -> dict[str, int]:
    """How many of ``n`` to draw from each stratum: ``minimum`` each (or all it has), the rest
    in proportion to size by largest remainder; ties broken by name."""
    take = {k: min(minimum, s) for k, s in sizes.items()}
    left = n - sum(take.values())
    room = {k: s - take[k] for k, s in sizes.items()}
    total = sum(room.values())
    if left <= 0 or total == 0:
        return take
    share = {k: left * r / total for k, r in room.items()}
    extra = {k: int(v) for k, v in share.items()}
    order = sorted(share, key=lambda k: (-(share[k] - extra[k]), k))
    for k in order[:left - sum(extra.values())]:
        extra[k] += 1
    return {k: take[k] + min(extra[k], room[k]) for k in sizes}


def sample(package: str, n: int, seed: int, minimum: int = 3) -> dict[str, list[str]]:
    """Module -> the mutants drawn from it (sorted by name), stratified as :func:`allocate`."""
    names = generated(package)
    counts = allocate({k: len(v) for k, v in names.items()}, n, minimum)
    rng = random.Random(seed)
    return {k: sorted(rng.sample(names[k], counts[k])) for k in sorted(names)}


def main() -> None:
    """Command line: print the sample (or the counts)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("package", help="folder of the staged copy, e.g. borderflow/verify")
    p.add_argument("--n", type=int, default=150, help="mutants to draw in all")
    p.add_argument("--seed", type=int, default=16)
    p.add_argument("--min", type=int, default=3, dest="minimum", help="at least, per module")
    p.add_argument("--counts", action="store_true", help="per module: generated, sampled")
    a = p.parse_args()
    drawn = sample(a.package, a.n, a.seed, a.minimum)
    if a.counts:
        names = generated(a.package)
        for module, got in drawn.items():
            print(f"{module}\t{len(names[module])}\t{len(got)}")
        print(f"total\t{sum(map(len, names.values()))}\t{sum(map(len, drawn.values()))}")
        return
    for got in drawn.values():
        print("\n".join(got))


if __name__ == "__main__":
    main()
