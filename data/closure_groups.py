"""Closure groups: named sets of crossings that close together, usable wherever a crossing id
is closed (``--close GROUP``, a scenario's close events, a grid's ``crossings``, N-k sweeps).

Closures rarely come one at a time: in late 2021 several Vietnam-China gates were restricted
at once by one policy. A group names such a set once:

- **built in**, from the dataset: ``border-<a>-<b>`` (every available crossing between two
  countries, e.g. ``border-cn-vn``; the country codes in alphabetical order),
  ``country-<xx>`` (every available crossing of one country) and ``province-<admin1>`` (every
  available crossing whose gate node lies in that province, when the dataset records the
  gate's ``admin1``; the embedded dataset does not);
- **user-defined**, in a scenario or sweep file::

      groups:
        lang-son: [huu-nghi-youyiguan, tan-thanh-puzhai, chi-ma-aidian, coc-nam-nonghuai]

"Available" is the dataset's normal state (open, upgraded, restricted). A group's name may not
be a crossing id or a built-in group's name; its members must be known crossing ids, listed
once, and it may not be empty. A close event naming a group becomes one close event per
member (same window and direction) before anything is solved, so the model only ever sees
crossings; a sweep's tables name the group (``comparison.closed_group``).
"""

from __future__ import annotations

import re

from .schemas import AVAILABLE_STATUSES

BORDER, COUNTRY, PROVINCE = "border-", "country-", "province-"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def builtin_groups(tables) -> dict[str, tuple[str, ...]]:
    """The groups a dataset defines by itself: borders, countries and (if gate nodes record
    ``admin1``) provinces, each listing its available crossings in dataset order.

    Parameters
    ----------
    tables : InputTables
        Checked input tables (``crossings`` and ``nodes``).

    Returns
    -------
    dict of name -> tuple of crossing ids
        Only groups with at least one available crossing.
    """
    cr = tables.crossings
    cr = cr[cr["status"].isin(AVAILABLE_STATUSES)]
    admin = dict(zip(tables.nodes["node_id"], tables.nodes.get("admin1", [None] * len(
        tables.nodes))))
    groups: dict[str, list[str]] = {}
    for row in cr.itertuples(index=False):
        a, b = sorted((str(row.country_a).lower(), str(row.country_b).lower()))
        names = [f"{BORDER}{a}-{b}", f"{COUNTRY}{a}", f"{COUNTRY}{b}"]
        for node in (row.node_a, row.node_b):
            province = admin.get(node)
            if isinstance(province, str) and province.strip():
                names.append(f"{PROVINCE}{_slug(province)}")
        for name in dict.fromkeys(names):
            groups.setdefault(name, []).append(row.crossing_id)
    return {name: tuple(members) for name, members in sorted(groups.items())}


def group_problems(user: dict, crossings, builtin: dict) -> list[tuple[tuple, str]]:
    """What is wrong with a file's ``groups:``: names that clash with a crossing id or a
    built-in group, empty groups, unknown or repeated members.

    Parameters
    ----------
    user : dict of name -> sequence of crossing ids
    crossings : collection of str
        Known crossing ids.
    builtin : dict
        :func:`builtin_groups` of the dataset.

    Returns
    -------
    list of (location, message)
        ``location`` is the path in the file's YAML, e.g. ``("groups", "lang-son", 2)``.
    """
    from .scenario_checks import unknown_id

    found = []
    for name, members in user.items():
        if name in crossings:
            found.append((("groups", name), f"group '{name}' has the name of a crossing; "
                          "give it another name"))
        elif name in builtin:
            found.append((("groups", name), f"group '{name}' is a built-in group ("
                          f"{len(builtin[name])} crossings); give it another name"))
        if not members:
            found.append((("groups", name), f"group '{name}' is empty: list the crossing ids "
                          "it closes"))
        seen = set()
        for k, member in enumerate(members):
            hit = unknown_id(("groups", name, k), "crossing", member, crossings)
            if hit is not None:
                found.append((hit[0], f"group '{name}': {hit[2]}"))
            elif member in seen:
                found.append((("groups", name, k), f"group '{name}': crossing '{member}' is "
                              "listed twice"))
            seen.add(member)
    return found


def expand(names, groups: dict) -> list[str]:
    """Crossing ids of ``names`` with every group name replaced by its members (first
    occurrence kept, order kept)."""
    out: list[str] = []
    for name in names:
        out += list(groups.get(name, (name,)))
    return list(dict.fromkeys(out))
