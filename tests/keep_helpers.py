"""What the keep-coming checks of the verifier read of a solved tiny run
(tests/test_keep_coming*.py)."""

from __future__ import annotations

from types import SimpleNamespace


def keep_view(res, scenario, **tables):
    """What :func:`borderflow.verify.dispatch.keep_coming_checks` reads of a solved ``res``
    (its summary, ``keep_coming``, ``route_flows``, ``route_arcs``; ``tables`` replace
    some) and of its facts (the scenario, the modelled days' labels): ``(res, facts)``."""
    view = {name: res.tables[name] for name in ("keep_coming", "route_flows", "route_arcs")}
    return (SimpleNamespace(summary=dict(res.summary), **{**view, **tables}),
            SimpleNamespace(scenario=scenario,
                            labels=res.network.periods["label"].astype(str).tolist()))
