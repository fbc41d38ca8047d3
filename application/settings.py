"""The one settings object of the service, the command line and the job workers, read from the environment.

Names are those Neo4j Aura hands out (``NEO4J_URI``, ``NEO4J_USERNAME``, ``NEO4J_PASSWORD``,
``NEO4J_DATABASE``); ``NEO4J_USER`` is accepted for ``NEO4J_USERNAME``. The README's configuration
table lists exactly these variables (``tests/test_settings.py`` checks it against this class).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# The local Neo4j that `encadena neo4j install` sets up uses this password; anywhere else, set your own.
LOCAL_PASSWORD = "encadena-local"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Encadena's configuration: defaults, then the environment (then, for the web app, a test mapping)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    # -- Neo4j: where the graph is -------------------------------------------------------------
    neo4j_uri: str = Field("bolt://127.0.0.1:7687", validation_alias=_env("NEO4J_URI"),
                           description="Where Neo4j is: `bolt://` for one server, `neo4j://` (`neo4j+s://`) "
                                       "for a cluster or Aura.")
    neo4j_username: str = Field("neo4j", validation_alias=_env("NEO4J_USERNAME", "NEO4J_USER"),
                                description="Neo4j user (`NEO4J_USER` is accepted too).")
    neo4j_password: str = Field(LOCAL_PASSWORD, validation_alias=_env("NEO4J_PASSWORD"),
                                description="Neo4j password; the local server is set up with the default.")
    neo4j_database: str = Field("neo4j", validation_alias=_env("NEO4J_DATABASE"),
                                description="Named on every query and session.")

    # -- the local Neo4j server that `encadena neo4j` runs -------------------------------------
    neo4j_home: Path = Field(REPO_ROOT / ".data" / "neo4j", validation_alias=_env("ENCADENA_NEO4J_HOME"),
                             description="`encadena neo4j`: where the local server keeps data and logs.")
    neo4j_heap: str = Field("2g", validation_alias=_env("NEO4J_HEAP"), description="`encadena neo4j start`: JVM heap.")
    neo4j_pagecache: str = Field("2g", validation_alias=_env("NEO4J_PAGECACHE"),
                                 description="`encadena neo4j start`: page cache.")

    # -- the web service -----------------------------------------------------------------------
    max_content_length: int = Field(1024 * 1024, ge=1024, validation_alias=_env("MAX_CONTENT_LENGTH"),
                                    description="Largest JSON body in bytes (413 above it).")
    max_import_bytes: int = Field(50 * 1024 * 1024, ge=1024, validation_alias=_env("MAX_IMPORT_BYTES"),
                                  description="Largest import file in bytes (413 above it).")
    api_key_cache_seconds: float = Field(1.0, ge=0, le=60, validation_alias=_env("API_KEY_CACHE_SECONDS"),
                                         description="How long a worker trusts a verified key (a revoked key "
                                                     "stops working within it).")
    model_recheck_seconds: float = Field(30.0, ge=0, validation_alias=_env("MODEL_RECHECK_SECONDS"),
                                         description="How often a worker asks which ranker is promoted.")
    planner_counts_seconds: float = Field(600.0, ge=0, validation_alias=_env("PLANNER_COUNTS_SECONDS"),
                                          description="How long a worker keeps the firm counts that plan queries.")
    data_dir: Path = Field(REPO_ROOT / ".data", validation_alias=_env("ENCADENA_DATA_DIR"),
                           description="Local state of one host: rate-limit counters, the job queue, secrets.")
    files_url: str | None = Field(None, validation_alias=_env("FILES_URL"),
                                  description="Where job files live (uploaded imports, report files): a folder, or "
                                              "an fsspec URL such as `s3://bucket/encadena` (with `s3fs` installed) "
                                              "that every host reaches; unset: `<ENCADENA_DATA_DIR>/files`.")
    secret_key: str | None = Field(None, validation_alias=_env("SECRET_KEY"),
                                   description="Signs the pages' sessions and CSRF tokens and the stored models; "
                                               "unset: one is generated into `ENCADENA_DATA_DIR/secret_key`. "
                                               "Hosts behind one address must share the same value.")
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"),
                                  description="Redis for the job queue and the rate limits, shared across hosts; "
                                              "unset: SQLite files in `ENCADENA_DATA_DIR` (one host).")
    rate_limit_storage: str | None = Field(None, validation_alias=_env("RATE_LIMIT_STORAGE"),
                                           description="A limits storage URI instead of the default (Redis or the "
                                                       "host's SQLite file).")
    rate_limit_auth_failures: str = Field("20 per minute", validation_alias=_env("RATE_LIMIT_AUTH_FAILURES"),
                                          description="Failed keys or sign-ins per address.")
    rate_limit_sign_in: str = Field("10 per minute", validation_alias=_env("RATE_LIMIT_SIGN_IN"),
                                    description="Sign-in attempts per account and per address.")
    rate_limit_sign_in_failures: str = Field("5 per 15 minutes", validation_alias=_env("RATE_LIMIT_SIGN_IN_FAILURES"),
                                             description="Wrong passwords per account and per address; beyond "
                                                         "it, sign-in answers 429 until the window ends.")
    rate_limit_matches: str = Field("300 per minute", validation_alias=_env("RATE_LIMIT_MATCHES"),
                                    description="Match requests per key and per address.")
    rate_limit_imports: str = Field("30 per hour", validation_alias=_env("RATE_LIMIT_IMPORTS"),
                                    description="Imports per key and per address.")
    rate_limit_reports: str = Field("30 per hour", validation_alias=_env("RATE_LIMIT_REPORTS"),
                                    description="Reports started per key and per address.")
    rate_limit_training: str = Field("6 per hour", validation_alias=_env("RATE_LIMIT_TRAINING"),
                                     description="Training runs started per key and per address.")
    session_cookie_secure: bool = Field(False, validation_alias=_env("SESSION_COOKIE_SECURE"),
                                        description="Send the session cookie over HTTPS only (`true` behind TLS).")
    report_jobs: int = Field(1, ge=1, le=64, validation_alias=_env("REPORT_JOBS"),
                             description="Processes one report job started from the API may use.")

    # -- jobs (application/jobs.py, `encadena worker`) --------------------------------------------
    job_lease_seconds: float = Field(60.0, ge=2, le=3600, validation_alias=_env("JOB_LEASE_SECONDS"),
                                     description="A running job renews its lease every third of this; a job whose "
                                                 "lease ran out (its worker died) is retried or failed.")
    job_max_attempts: int = Field(3, ge=1, le=20, validation_alias=_env("JOB_MAX_ATTEMPTS"),
                                  description="Times a job is started before it is failed for good.")
    job_retention_days: float = Field(30.0, ge=0, validation_alias=_env("JOB_RETENTION_DAYS"),
                                      description="Days a finished job's files (upload, report files) are kept.")
    max_concurrent_reports: int = Field(2, ge=1, le=64, validation_alias=_env("MAX_CONCURRENT_REPORTS"),
                                        description="Report jobs running at once across every worker (training: "
                                                    "always one).")
    query_timeout_seconds: float = Field(30.0, ge=0.1, le=3600, validation_alias=_env("QUERY_TIMEOUT_SECONDS"),
                                         description="Longest a web request's query may run (driver timeout); "
                                                     "Neo4j's `db.transaction.timeout` caps every transaction.")

    # -- gunicorn (service/gunicorn_conf.py) ---------------------------------------------------
    host: str = Field("127.0.0.1", validation_alias=_env("HOST"), description="Address gunicorn binds.")
    port: int = Field(8000, ge=1, le=65535, validation_alias=_env("PORT"), description="Port gunicorn binds.")
    web_concurrency: int = Field(default_factory=lambda: (os.cpu_count() or 1) + 1, ge=1, le=64,
                                 validation_alias=_env("WEB_CONCURRENCY"), description="gunicorn workers.")
    gunicorn_threads: int = Field(4, ge=1, le=64, validation_alias=_env("GUNICORN_THREADS"),
                                  description="Threads per gunicorn worker (2 and 4 measured alike under 20 users "
                                              "once connections were spread evenly over the workers).")
    log_level: str = Field("info", validation_alias=_env("LOG_LEVEL"), description="gunicorn's log level.")
    warm_workers: bool = Field(True, validation_alias=_env("WARM_WORKERS"),
                               description="Each gunicorn worker plans the candidate queries and ranks a sample "
                                           "of open needs before it accepts connections.")

    # -- page tests ------------------------------------------------------------------------------
    chromium_path: str = Field("/usr/bin/chromium", validation_alias=_env("CHROMIUM_PATH"),
                               description="The browser the page tests drive (Debian's Chromium).")

    @property
    def bolt_port(self) -> int:
        """The port of ``neo4j_uri`` (the local server listens on it)."""
        return urlparse(self.neo4j_uri).port or 7687

    @property
    def files_location(self) -> str:
        """Where job files live: ``FILES_URL``, else the ``files`` folder of ``ENCADENA_DATA_DIR``."""
        return self.files_url or str(Path(self.data_dir) / "files")

    @property
    def neo4j_home_path(self) -> Path:
        """``neo4j_home`` made absolute against the repository (a relative path is relative to it)."""
        home = Path(self.neo4j_home)
        return home if home.is_absolute() else REPO_ROOT / home


def _shown_default(name: str) -> str:
    info = Settings.model_fields[name]
    if name == "web_concurrency":
        return "cores + 1"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, Path):
        value = value.relative_to(REPO_ROOT).as_posix() if value.is_relative_to(REPO_ROOT) else value
    if isinstance(value, int) and value >= 1024 * 1024 and value % (1024 * 1024) == 0:
        return f"{value // (1024 * 1024)} MiB"
    return str(value)


def configuration_table() -> str:
    """The README's configuration table (Markdown), made from this class: ``encadena config`` prints it."""
    rows = ["| Variable | Default | What it sets |", "|---|---|---|"]
    for name, names in environment_names().items():
        description = Settings.model_fields[name].description or ""
        rows.append(f"| `{names[0]}` | `{_shown_default(name)}` | {description} |")
    return "\n".join(rows)


def environment_names() -> dict[str, tuple[str, ...]]:
    """Every setting's environment variable names (the first is the documented one)."""
    out: dict[str, tuple[str, ...]] = {}
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        assert isinstance(alias, AliasChoices), name
        out[name] = tuple(str(choice) for choice in alias.choices)
    return out
