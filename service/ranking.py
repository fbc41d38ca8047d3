"""This worker's ranker and planner counts (``application.matching``), kept in ``app.extensions``.

Every worker serves the promoted model, re-checked at most every ``MODEL_RECHECK_SECONDS`` (one
index lookup), and keeps the firm counts that plan candidate queries for
``PLANNER_COUNTS_SECONDS``. Nothing else is kept between requests, so workers on any number of
machines converge on the same model within that interval.
"""

from __future__ import annotations

from flask import current_app

from application.duplicates import serving_pair_model as _serving_pair_model
from application.matching import PlannerCountsCache, ServedRanker
from application.secrets import model_signing_key, pair_model_signing_key
from matching.candidates import PlannerCounts
from matching.ranker import Ranker
from service.db import get_driver
from service.settings import current_settings

_RANKER = "encadena.ranker"
_COUNTS = "encadena.planner_counts"


def signing_key() -> bytes:
    """The key models are signed with (``SECRET_KEY``, or the host's own key file)."""
    return model_signing_key(current_settings())


def _served() -> ServedRanker:
    served = current_app.extensions.get(_RANKER)
    if served is None:
        served = current_app.extensions.setdefault(_RANKER, ServedRanker(signing_key()))
    # Read at every call, so a changed setting (or a test) takes effect at once.
    served.recheck_seconds = float(current_app.config["MODEL_RECHECK_SECONDS"])
    return served


def current_ranker() -> Ranker:
    """The promoted ranker (or the prior), as this worker serves it."""
    return _served().get(get_driver())


def forget_served_ranker() -> None:
    """Make this worker re-check the promoted version on its next request (after training here)."""
    _served().forget()


def served_model_version() -> str:
    """The version this worker serves (``/readyz`` reports it)."""
    return current_ranker().version


def planner_counts() -> PlannerCounts:
    """Firms per (ISIC class, comuna) and per comuna, and holders per certification, for this worker."""
    cache = current_app.extensions.get(_COUNTS)
    if cache is None:
        cache = current_app.extensions.setdefault(_COUNTS, PlannerCountsCache())
    cache.max_age_seconds = float(current_app.config["PLANNER_COUNTS_SECONDS"])
    return cache.get(get_driver())


def serving_pair_model():
    """The promoted pair model of duplicate detection (or the prior), read for each import."""
    return _serving_pair_model(get_driver(), pair_model_signing_key(current_settings()))
