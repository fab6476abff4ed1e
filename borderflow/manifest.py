"""Checksum manifest of a run or sweep folder: what was written, byte for byte.

``manifest.json`` lists every file of the folder (sub-folders included) with its SHA-256 and
size. It is written last, just before the folder's marker (:mod:`borderflow.runfolder`), which
records the manifest's own SHA-256. :func:`check_manifest` then tells any file changed, added
or removed since borderflow wrote the folder, and the manifest itself edited.

What it is and is not
---------------------
It catches edits made after the run by anything but borderflow: a spreadsheet saving a CSV, a
script rewriting a parquet file, a table deleted. It is not a signature: someone who edits a
table and recomputes the checksums is not detected by it. That is why the verifier re-derives
what it can from the inputs (flows, capacities, costs, duals) and uses the manifest for the
rest; :func:`column_coverage` says, column by column, which of the two covers it.

Wall-clock fields
-----------------
A JSON document may hold wall-clock times (``summary.json``'s ``solve_seconds`` ...) that differ
between two runs of the same inputs. Listing them in ``volatile`` (a pattern of relative paths
-> keys) hashes that document without those keys, so the manifest itself stays byte-identical
between reruns; those keys are then not covered (they are measurements, not results).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
#: version of the manifest's layout
FORMAT = 1
#: bytes read at a time when hashing a file
_CHUNK = 1 << 20


def sha256_path(path: Path | str) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _canonical_sha256(path: Path, keys: tuple[str, ...]) -> str:
    """SHA-256 of a JSON document without ``keys`` (sorted keys, compact separators)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(doc, dict):
        doc = {k: v for k, v in doc.items() if k not in keys}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _volatile_keys(rel: str, volatile: Mapping[str, Iterable[str]] | None) -> tuple[str, ...]:
    for pattern, keys in (volatile or {}).items():
        if fnmatch.fnmatchcase(rel, pattern):
            return tuple(sorted(keys))
    return ()


def _files(folder: Path, exclude: Iterable[str]) -> list[str]:
    skip = set(exclude)
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not p.is_symlink()
                  and p.relative_to(folder).as_posix() not in skip)


def build_manifest(folder: Path | str, *, volatile: Mapping[str, Iterable[str]] | None = None,
                   exclude: Iterable[str] = (MANIFEST,)) -> dict:
    """The manifest of ``folder``: every regular file's SHA-256 and size.

    Parameters
    ----------
    folder : path
    volatile : mapping, optional
        Pattern of relative paths (``summary.json``, ``scenarios/*/summary.json``) -> keys of
        that JSON document left out of its checksum (wall-clock times).
    exclude : iterable of str
        Relative paths not listed (the manifest itself, the folder's marker).

    Returns
    -------
    dict
        ``{"format": 1, "algorithm": "sha256", "files": {path: {"sha256", "bytes"} or
        {"sha256", "volatile_keys"}}}``, paths relative and ``/``-separated, sorted.
    """
    folder = Path(folder)
    files = {}
    for rel in _files(folder, exclude):
        keys = _volatile_keys(rel, volatile)
        path = folder / rel
        if keys:
            files[rel] = {"sha256": _canonical_sha256(path, keys), "volatile_keys": list(keys)}
        else:
            files[rel] = {"sha256": sha256_path(path), "bytes": path.stat().st_size}
    return {"format": FORMAT, "algorithm": "sha256", "files": files}


def write_manifest(folder: Path | str, *, volatile: Mapping[str, Iterable[str]] | None = None,
                   exclude: Iterable[str] = ()) -> str:
    """Write ``folder/manifest.json`` (see :func:`build_manifest`); return its SHA-256.

    The caller records that checksum in the folder's marker, written after it.
    """
    folder = Path(folder)
    manifest = build_manifest(folder, volatile=volatile, exclude=(MANIFEST, *exclude))
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ManifestProblem:
    """A difference between a folder and its manifest.

    Attributes
    ----------
    file : str
        Relative path of the file concerned (``manifest.json`` for the manifest itself).
    problem : str
        ``changed``, ``missing``, ``added``, ``unreadable`` or ``no-manifest``.
    message : str
        The difference in words.
    """

    file: str
    problem: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


def check_manifest(folder: Path | str, *, expected_sha256: str | None = None,
                   exclude: Iterable[str] = ()) -> list[ManifestProblem]:
    """Every difference between ``folder`` and its ``manifest.json``.

    Parameters
    ----------
    folder : path
    expected_sha256 : str, optional
        The manifest's SHA-256 as recorded in the folder's marker: a manifest edited to match
        edited tables is then told too.
    exclude : iterable of str
        Relative paths not expected in the manifest (the marker).

    Returns
    -------
    list of ManifestProblem
        Empty when every file is as written.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        return [ManifestProblem(MANIFEST, "no-manifest", "missing: the folder's files cannot be "
                                "checked against what borderflow wrote")]
    raw = path.read_bytes()
    problems = []
    if expected_sha256 is not None and hashlib.sha256(raw).hexdigest() != expected_sha256:
        problems.append(ManifestProblem(MANIFEST, "changed", "edited since it was written (its "
                                        "SHA-256 is not the one in the folder's marker)"))
    try:
        manifest = json.loads(raw.decode("utf-8"))
        listed = manifest["files"]
        assert isinstance(listed, dict)
    except (ValueError, KeyError, AssertionError, UnicodeDecodeError):
        return problems + [ManifestProblem(MANIFEST, "unreadable", "not a manifest written by "
                                           "borderflow (unreadable JSON or no 'files')")]
    present = set(_files(folder, (MANIFEST, *exclude)))
    for rel in sorted(set(listed) - present):
        problems.append(ManifestProblem(rel, "missing", "missing: listed in the manifest but "
                                        "deleted since the run"))
    for rel in sorted(present - set(listed)):
        problems.append(ManifestProblem(rel, "added", "not in the manifest: added after the "
                                        "folder was written"))
    for rel in sorted(present & set(listed)):
        entry = listed[rel]
        keys = tuple(entry.get("volatile_keys", ()))
        try:
            actual = _canonical_sha256(folder / rel, keys) if keys else sha256_path(folder / rel)
        except (ValueError, UnicodeDecodeError):
            actual = None
        if actual != entry.get("sha256"):
            what = "" if not keys else f" (wall-clock keys {', '.join(keys)} aside)"
            problems.append(ManifestProblem(rel, "changed", f"changed since the run was "
                                            f"written: its SHA-256 differs from the manifest's"
                                            f"{what}"))
    return problems


def column_coverage(folder: Path | str, rederived: Mapping[str, Iterable[str]]) -> list[dict]:
    """How each column of each result table of a folder is covered by verification.

    Parameters
    ----------
    folder : path
        A run folder with parquet tables and a manifest.
    rederived : mapping
        Table name -> columns the verifier recomputes from the inputs and checks.

    Returns
    -------
    list of dict
        One row per table and column: ``table``, ``column``, ``coverage`` (``re-derived``,
        ``checksum`` when only the manifest covers it, ``none`` when the table's files are not
        in the manifest) and ``files`` (the table's files the manifest lists). A parquet
        file that cannot be read has no rows (the verifier's ``tables`` check fails on it).
    """
    import pyarrow.parquet as pq

    folder = Path(folder)
    try:
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        listed = {}
    rows = []
    for path in sorted(folder.glob("*.parquet")):
        table = path.stem
        files = [f for f in (f"{table}.parquet", f"{table}.csv") if f in listed]
        derived = set(rederived.get(table, ()))
        try:
            names = pq.read_schema(path).names
        except (OSError, ValueError):  # unreadable: verify reports it as a failed check
            names = []
        for column in names:
            coverage = ("re-derived" if column in derived else
                        "checksum" if len(files) == 2 or (files and not
                                                          (folder / f"{table}.csv").exists())
                        else "none")
            rows.append({"table": table, "column": column, "coverage": coverage,
                         "files": ", ".join(files)})
    return rows
