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
