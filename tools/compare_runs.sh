#!/usr/bin/env bash
# Byte-identity check of a refactoring: run the README's example commands into a folder, then
# compare two such folders.
#
#   bash tools/compare_runs.sh run  /tmp/before     # with the old code installed
#   bash tools/compare_runs.sh run  /tmp/before dated map-dated   # only these commands
#   bash tools/compare_runs.sh run  /tmp/after      # with the new code installed
#   bash tools/compare_runs.sh diff /tmp/before /tmp/after
#
# `run` works inside the given folder (run folders under R/, stdout of every command under
# stdout/) so that the paths printed and recorded are the same strings in both runs. `diff`
# compares every file byte for byte, except where two runs of the same code differ too:
# summary.json (and sweep partitions' summary.json) compared as JSON without the wall-clock fields
# of borderflow.io.TIMING_KEYS (and a sweep's wall_seconds); the sweep comparison tables without
# their solve_seconds column; stdout with the printed timings masked; GeoPackages layer by layer
# (GDAL stamps the time of writing into the file); HTML maps with folium's random element ids
# masked; stderr without Dask's "worker process still alive" shutdown warnings.
# Exit status 1 if anything else differs.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

run() {  # run DIR [NAME...]: every command, or only those named (into an existing DIR)
  local dir="$1"; shift
  local only=" $* "
  mkdir -p "$dir" && cd "$dir"
  if [ $# -eq 0 ]; then rm -rf R stdout; fi
  mkdir -p R stdout
  export COLUMNS=160 TERM=dumb NO_COLOR=1
  # short copies of the Boten 2021 scenario: 12 days (its throttle then lies outside the
  # horizon: refused with exit 2), and 14 days from 24 October (closure and throttle inside)
  sed -e 's/days: 45/days: 12/' -e 's/^name: boten-2021/name: boten-2021-12d/' \
    "$here/data/scenarios/boten-2021.yaml" > R/boten-12d.yaml
  sed -e 's/start: 2021-10-20, days: 45/start: 2021-10-24, days: 14/' \
    -e 's/^name: boten-2021/name: boten-2021-14d/' \
    "$here/data/scenarios/boten-2021.yaml" > R/boten-14d.yaml
  bf() {  # bf NAME ARGS...: run borderflow, keep stdout and the exit code
    local name="$1"; shift
    local rc=0
    if [ "$only" != "  " ] && [[ "$only" != *" $name "* ]]; then return 0; fi
    nice -n 10 borderflow "$@" > "stdout/$name.txt" 2> "stdout/$name.err" || rc=$?
    echo "exit $rc" >> "stdout/$name.txt"
    echo "$name: exit $rc"
  }
  bf solve-base solve --out R/base
  bf solve-m6 solve --month 6 --out R/m6
  bf solve-m6-json solve --month 6 --json --out R/m6-json
  bf solve-close-gis solve --close boten-mohan --gis --out R/close-gis
  bf reroute-boten reroute --close boten-mohan --out R/boten
  bf reroute-lang-son reroute --close huu-nghi-youyiguan --close tan-thanh-puzhai --json \
    --out R/lang-son
  bf reroute-baseline reroute --close boten-mohan --baseline R/base --out R/boten-vs-base
  bf dated-refused solve --scenario R/boten-12d.yaml --out R/dated-refused
  bf dated solve --scenario R/boten-14d.yaml --out R/dated
  bf dated-rolling solve --scenario R/boten-14d.yaml --window-days 4 --out R/dated-rolling
  bf robust robust --close boten-mohan --close huu-nghi-youyiguan --out R/robust
  bf robust-json robust --close boten-mohan --month 6 --json --out R/robust-json
  bf sweep-n1 sweep --n-1 --no-progress --out R/n1
  bf sweep-example sweep "$here/data/scenarios/sweep-example.yaml" --no-progress --out R/example
  bf verify-base verify R/base
  bf verify-dated-json verify R/dated --json
  bf export-base export R/base --out R/gis/base.gpkg
  bf export-boten export R/boten --baseline R/base --out R/gis/boten.gpkg
  bf export-dated export R/dated --format geoparquet --out R/gis/dated-parquet
  bf export-n1 export R/n1 --out R/gis/n1.gpkg
  bf export-example export R/example --format geojson --out R/gis/example-geojson
  bf map-boten map R/boten --baseline R/base --out R/maps/boten.png --html R/maps/boten.html
  bf map-dated map R/dated --out R/maps/dated.png
  bf data-map data map --out R/maps/network.png
  bf data-check data check
}

diff_runs() {
  local a="$1" b="$2"
  python3 - "$a" "$b" <<'EOF'
import json, re, sys
from pathlib import Path
import pandas as pd

a, b = Path(sys.argv[1]), Path(sys.argv[2])
TIMING = ("solve_seconds", "translate_seconds", "verify_seconds", "wall_seconds",
          "total_seconds")
files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
bad = [f"only in {a}: {p}" for p in sorted(files_a - files_b)]
bad += [f"only in {b}: {p}" for p in sorted(files_b - files_a)]
same = masked = 0


def mask_stdout(text):
    text = re.sub(r"│ solve \(s\)\s+│\s+[0-9.,]+ │", "│ solve (s) │ <t> │", text)
    text = re.sub(r'"(solve_seconds|translate_seconds|verify_seconds|total_seconds|'
                  r'wall_seconds)": [0-9.e+-]+',
                  r'"\1": <t>', text)
    return re.sub(r"kept from before; (\d+) model\(s\) built; [0-9.,]+ s",
                  r"kept from before; \1 model(s) built; <t> s", text)


def same_gpkg(pa, pb):
    import pyogrio
    import geopandas as gpd
    la, lb = pyogrio.list_layers(pa).tolist(), pyogrio.list_layers(pb).tolist()
    if la != lb:
        return False
    for name, _ in la:
        da, db = gpd.read_file(pa, layer=name), gpd.read_file(pb, layer=name)
        if not da.equals(db):
            return False
    return True


def mask_html(text):
    return re.sub(r"_[0-9a-f]{32}(?![0-9a-f])", "_<id>", text)


def mask_stderr(text):
    return "".join(line for line in text.splitlines(True)
                   if "Worker process still alive" not in line)


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in TIMING}
    return obj


for rel in sorted(files_a & files_b):
    pa, pb = a / rel, b / rel
    ba, bb = pa.read_bytes(), pb.read_bytes()
    if ba == bb:
        same += 1
        continue
    if rel.name in ("summary.json", "run.json") or (rel.parts[0] == "stdout"
                                                   and rel.suffix == ".txt"):
        if rel.suffix == ".json":
            equal = strip(json.loads(ba)) == strip(json.loads(bb))
        else:
            equal = mask_stdout(ba.decode()) == mask_stdout(bb.decode())
    elif rel.suffix == ".gpkg":
        equal = same_gpkg(pa, pb)
    elif rel.suffix == ".html":
        equal = mask_html(ba.decode()) == mask_html(bb.decode())
    elif rel.parts[0] == "stdout" and rel.suffix == ".err":
        equal = mask_stderr(ba.decode()) == mask_stderr(bb.decode())
    elif rel.name in ("comparison.csv", "comparison.parquet"):
        read = pd.read_csv if rel.suffix == ".csv" else pd.read_parquet
        da, db = read(pa), read(pb)
        equal = da.drop(columns="solve_seconds").equals(db.drop(columns="solve_seconds"))
    else:
        equal = False
    if equal:
        masked += 1
    else:
        bad.append(f"differs: {rel}")
print(f"{len(files_a & files_b)} files in both: {same} byte-identical, {masked} identical "
      "but for wall-clock fields, GDAL write times, folium ids or Dask shutdown warnings")
for line in bad:
    print(line)
sys.exit(1 if bad else 0)
EOF
}

case "${1:-}" in
  run) shift; run "$@" ;;
  diff) diff_runs "$2" "$3" ;;
  *) echo "usage: $0 run DIR | diff DIR_A DIR_B" >&2; exit 2 ;;
esac
