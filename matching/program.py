"""The program's vocabulary shared by the API, the reports and the command line (no heavy imports)."""

from __future__ import annotations

from typing import Literal

ProjectKind = Literal["cadena_productiva_local", "red_proveedores", "red_empresarial", "cadena_corta"]
PROJECT_KIND_LABELS: dict[str, str] = {
    "cadena_productiva_local": "Cadena productiva local",
    "red_proveedores": "Red de proveedores",
    "red_empresarial": "Red empresarial",
    "cadena_corta": "Cadena corta",
}

# Candidates per need in a batch report: the default and the most a report may ask for.
REPORT_DEFAULT_TOP = 5
REPORT_MAX_TOP = 20

# The program's published figures for 2025 (DESIGN.md, from its public summary): the demo data set is
# calibrated to them, and reports and the indicators page show each figure beside them.
PROGRAM_FIGURES: dict[str, float] = {
    "projects": 147,
    "alliances": 2_000,
    "participating_firms": 2_000,
    "micro_share_min": 0.70,  # "over 70% are micro firms"
    "micro_1_share_of_micro": 0.50,  # "half of those in the smallest bracket"
    "women_share": 0.48,
    "women_share_known": 0.61,
    "unknown_gender_share": 0.21,
    "sessions": 91_000,
    "project_sessions": 8_000,
    "project_hours_min": 9_000,
}
