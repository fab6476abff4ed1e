"""Answers with error bars: ranges of the estimated numbers, samples, warm re-solves, summaries,
global sensitivity and tornado charts (issue 19). See docs/uncertainty.md."""
