"""Read a scenario YAML file safely: bounded in size, depth and alias expansion, no duplicate
keys, plain data only.

PyYAML's safe loading refuses tags that build Python objects, but it still accepts documents
that cost far more than their size (a 506-byte "billion laughs" of nested aliases expands to
10^9 nodes), keys written twice (the second silently replaces the first: ``events:`` twice
drops the first list) and files of any size. :func:`load_yaml` refuses each of them with one
:class:`~borderflow.data.errors.InputError` naming the file, the line and the key:

============================  ==============================================================
limit                         value (and why)
============================  ==============================================================
:data:`MAX_YAML_BYTES`        1 MB. The largest scenario file shipped is 3 KB; a sweep of
                              1,000 written-out scenarios is about 200 KB.
:data:`MAX_YAML_NODES`        200,000 nodes after alias expansion (aliases and ``<<`` merge
                              keys are allowed within it; a billion laughs is not).
:data:`MAX_YAML_DEPTH`        64 levels of nesting (a scenario uses 5; deeper input would
                              exhaust Python's recursion in the YAML parser).
duplicate keys                refused in every mapping, naming both lines.
tags                          only YAML's own (strings, numbers, dates, lists, mappings):
                              ``!!python/...`` and custom tags are refused.
file kind                     a regular file: a folder, FIFO or device is refused (reading a
                              FIFO would wait forever).
============================  ==============================================================
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import InputError, Problem, display_path
from .inputfile import regular_file_size

MAX_YAML_BYTES = 1_000_000
MAX_YAML_NODES = 200_000
MAX_YAML_DEPTH = 64


def _problem(shown: str, node, message: str, field: str | None = None) -> InputError:
    line = node.start_mark.line + 1 if node is not None else None
    return InputError(Problem(shown, line, field, message))


def _key_path(loc: tuple, longest: int = 6) -> str | None:
    """``events[2].close`` for ``("events", 2, "close")``; cut after ``longest`` keys."""
    parts = [f"[{k}]" if isinstance(k, int) else ("." if i else "") + str(k)
             for i, k in enumerate(loc[:longest])]
    return ("".join(parts) + ("..." if len(loc) > longest else "")) or None


def check_node(node, shown: str, *, max_nodes: int = MAX_YAML_NODES,
               max_depth: int = MAX_YAML_DEPTH) -> None:
    """Refuse a composed YAML tree that is too large once aliases are expanded, too deep, has
    a key twice in a mapping, or a tag that safe loading would not construct.

    The walk visits each distinct node once (aliases share nodes), so it is linear in the
    file, and counts the expanded size as the sum over a node's children.

    Raises
    ------
    InputError
        Naming ``shown``, the line and the key path.
    """
    sizes: dict[int, int] = {}
    safe_tags = {*yaml.SafeLoader.yaml_constructors, "tag:yaml.org,2002:merge"}
    # iterative post-order walk: (node, location, depth, children done?)
    stack = [(node, (), 1, False)]
    active: set[int] = set()
    while stack:
        n, loc, depth, done = stack.pop()
        if done:
            active.discard(id(n))
            kids = _children(n)
            sizes[id(n)] = 1 + sum(sizes[id(c)] for _, c in kids)
            if sizes[id(n)] > max_nodes:
                raise _problem(shown, n, f"expands to more than {max_nodes:,} YAML nodes "
                               "through aliases (a 'billion laughs' document?); write the "
                               "values out", _key_path(loc))
            continue
        if id(n) in sizes:
            continue
        if id(n) in active:
            raise _problem(shown, n, "an alias refers to its own parent (a recursive "
                           "document)", _key_path(loc))
        if depth > max_depth:
            raise _problem(shown, n, f"nested more than {max_depth} levels deep",
                           _key_path(loc))
        if n.tag not in safe_tags:
            tag = n.tag.replace("tag:yaml.org,2002:", "!!")
            raise _problem(shown, n, f"YAML tag '{tag}' is not allowed: scenario files are "
                           "plain data (read with YAML safe loading)", _key_path(loc))
        if n.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader("").construct_yaml_timestamp(n)
            except ValueError as err:
                raise _problem(shown, n, f"not a date: {n.value} ({err}; expected "
                               "YYYY-MM-DD)", _key_path(loc)) from None
        if isinstance(n, yaml.MappingNode):
            seen: dict[object, int] = {}
            for k, _ in n.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    line = k.start_mark.line + 1
                    if k.value in seen:
                        raise _problem(shown, k, f"key '{k.value}' appears twice in this "
                                       f"mapping (lines {seen[k.value]} and {line}): the second "
                                       "would silently replace the first; merge them into one",
                                       _key_path(loc + (k.value,)))
                    seen[k.value] = line
        active.add(id(n))
        stack.append((n, loc, depth, True))
        for key, child in _children(n):
            stack.append((child, loc + (key,) if key is not None else loc, depth + 1, False))


def _children(n) -> list[tuple[object, object]]:
    if isinstance(n, yaml.MappingNode):
        out = []
        for k, v in n.value:
            out.append((None, k))
            out.append((getattr(k, "value", "?"), v))
        return out
    if isinstance(n, yaml.SequenceNode):
        return list(enumerate(n.value))
    return []


def read_text(path: Path | str, *, max_bytes: int = MAX_YAML_BYTES) -> str:
    """The text of a scenario file: a regular UTF-8 file of at most ``max_bytes`` bytes.

    Raises
    ------
    InputError
        Not found, a folder, a FIFO or device, too large, or not UTF-8.
    """
    path = Path(path)
    shown = display_path(path)
    size = regular_file_size(path, shown, "YAML")
    if size > max_bytes:
        raise InputError(Problem(shown, None, None, f"the file is {size / 1e6:,.1f} MB, "
                                 f"over the {max_bytes / 1e6:g} MB limit for scenario files"))
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raw = path.read_bytes()
        line = raw[:err.start].count(b"\n") + 1
        raise InputError(Problem(shown, line, None, "not UTF-8 text: save the file as "
                                 "UTF-8")) from None
    except OSError as err:
        raise InputError(Problem(shown, None, None, f"cannot be read: {err.strerror}")) from None


def compose(text: str, shown: str, **limits) -> yaml.Node | None:
    """Compose (parse without constructing) YAML ``text`` and check it (:func:`check_node`).

    Raises
    ------
    InputError
        Malformed YAML, or a document :func:`check_node` refuses.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as err:
        line = text[:err.position].count("\n") + 1
        raise InputError(Problem(shown, line, None, f"character {err.character!r} is not "
                                 "allowed in YAML (a control character?)")) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(Problem(shown, line, None, f"malformed YAML: "
                                 f"{getattr(err, 'problem', None) or err}")) from None
    except RecursionError:
        raise InputError(Problem(shown, None, None, f"nested more than {MAX_YAML_DEPTH} levels "
                                 "deep")) from None
    if node is not None:
        check_node(node, shown, **limits)
    return node


def load_yaml(path: Path | str, *, max_bytes: int = MAX_YAML_BYTES,
              max_nodes: int = MAX_YAML_NODES,
              max_depth: int = MAX_YAML_DEPTH) -> tuple[object, yaml.Node | None]:
    """Read a scenario file: its data and its composed tree (for line numbers).

    Parameters
    ----------
    path : path
    max_bytes, max_nodes, max_depth : int
        Limits (module constants by default).

    Returns
    -------
    tuple
        ``(data, node)``: the document as Python objects (``None`` for an empty file) and
        its YAML node tree.

    Raises
    ------
    InputError
        One line naming the file, the line and the key of the first problem.
    """
    text = read_text(path, max_bytes=max_bytes)
    return load_yaml_text(text, display_path(path), max_bytes=max_bytes, max_nodes=max_nodes,
                          max_depth=max_depth)


def load_yaml_text(text: str, shown: str, *, max_bytes: int = MAX_YAML_BYTES,
                   max_nodes: int = MAX_YAML_NODES,
                   max_depth: int = MAX_YAML_DEPTH) -> tuple[object, yaml.Node | None]:
    """:func:`load_yaml` for text already read (an upload), held to the same limits; messages
    name it as ``shown``.

    Raises
    ------
    InputError
        One line naming ``shown``, the line and the key of the first problem.
    """
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise InputError(Problem(shown, None, None, f"the file is {size / 1e6:,.1f} MB, "
                                 f"over the {max_bytes / 1e6:g} MB limit for scenario files"))
    node = compose(text, shown, max_nodes=max_nodes, max_depth=max_depth)
    if node is None:
        return None, None
    try:  # constructed from the checked tree: the text is parsed once
        return yaml.SafeLoader("").construct_document(node), node
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        raise InputError(Problem(shown, mark.line + 1 if mark else None, None,
                                 f"cannot be read: {getattr(err, 'problem', None) or err}")
                         ) from None
    except ValueError as err:
        raise InputError(Problem(shown, None, None, f"cannot be read: {err} (dates are "
                                 "YYYY-MM-DD)")) from None
