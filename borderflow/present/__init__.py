"""How results are shown: numbers one can quote, names and directions, the JSON envelope of
every command, GeoPackages QGIS opens styled, labelled maps and the run report.

Nothing here computes a result: every function takes tables or summaries the model wrote and
returns how to show them. The conventions are documented in ``docs/outputs.md``.

- :mod:`.numbers`: rounding by unit, no negative zeros, JSON-safe cleaning, per-day and
  per-horizon labels, net value, bands;
- :mod:`.names`: display names next to ids, one direction notation (``VN→CN``), the value of
  capacity over open days (``closed`` when there is none);
- :mod:`.envelope`: the ``--json`` envelope (schema ``docs/schema/borderflow-output.schema.json``);
- :mod:`.fields`, :mod:`.qgis` and :mod:`.geopackage`: full field names with units, QGIS styles
  (QML) and GeoPackages with aliases, descriptions, styles and a dated layer;
- :mod:`.labels`: map labels that do not overlap, the frame, crossing symbols;
- :mod:`.imagediff`: a tolerant image comparison for screenshot tests;
- :mod:`.report`: the self-contained HTML (and PDF) run report.
"""
