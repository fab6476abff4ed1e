"""The key figure of the first-come-first-served replay never says "costs more by" a
negative amount (a realistic dispatch is a policy, not an optimum: its replay can be
cheaper; seen in the winter 2021 realistic run, session 19)."""
from borderflow.present.views import _replay_label


def test_an_optimum_replay_costs_more_by_a_bound():
    assert _replay_label(2_050_000.0, True) == \
        "first come, first served replay costs more by (a bound)"


def test_a_cheaper_replay_is_named_as_a_signed_difference():
    label = _replay_label(-2_050_000.0, True)
    assert "costs more" not in label and "differs by" in label and "cheaper" in label
    assert "(a bound)" not in label


def test_a_replay_that_breaks_demand_says_so_either_way():
    assert _replay_label(5.0, False).endswith("(breaks market demand)")
    assert _replay_label(-5.0, False).endswith("(breaks market demand)")
