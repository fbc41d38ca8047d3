"""The demo data set behind ``encadena demo-data``: calibrated to DESIGN.md's program figures.

- ``calibration``: the figures and knobs (sizes, quotas, calendar, territory weights).
- ``industries``: buyer industries, supplier ISIC classes and their Spanish vocabulary.
- ``names``: Chilean names, phones and emails from Faker's es_CL data.
- ``generator`` and ``history``: the pure, deterministic generation (no database).
- ``simulated_buyer``: the noisy utility that decides on proposals (docs/demo-data.md).
- ``writer``: batched ``UNWIND ... MERGE`` writes and the reset; ``keys``: the demo API keys.
"""
