"""Benchmarks are not tests: pytest collects nothing here (run ``tests/benchmarks/run.py``)."""

collect_ignore_glob = ["*"]
