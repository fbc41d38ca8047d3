# The Encadena image: the API (gunicorn) and the job worker (`encadena worker`) run from it;
# Neo4j and Redis run in their own official containers (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1

# WeasyPrint lays out report PDFs with pango (and harfbuzz's subsetter for fonts); DejaVu and
# Liberation carry Spanish accents. The same list as scripts/ensure_system_packages.sh installs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8

# Dependencies first (a cached layer), pinned by the lock file, without the dev group; then the code.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY service ./service
COPY application ./application
COPY matching ./matching
COPY graph_schema ./graph_schema
COPY scripts ./scripts
RUN uv sync --locked --no-dev

# A user of its own that owns the data folder (rate-limit counters, the SQLite queue when there is no
# Redis, job files when FILES_URL is not a bucket). Nothing else in the image is writable by it. A
# named volume mounted on /data starts as a copy of this folder, owner included.
RUN groupadd --system --gid 10001 encadena \
 && useradd --system --uid 10001 --gid encadena --home-dir /app --no-create-home encadena \
 && mkdir -p /data \
 && chown encadena:encadena /data
VOLUME ["/data"]

# The data folder is also where matplotlib and fontconfig keep their caches (the home is not writable).
ENV PATH=/opt/venv/bin:$PATH HOST=0.0.0.0 PORT=8000 ENCADENA_DATA_DIR=/data \
    MPLCONFIGDIR=/data/.cache/matplotlib XDG_CACHE_HOME=/data/.cache
EXPOSE 8000
USER encadena
CMD ["gunicorn", "--config", "service/gunicorn_conf.py", "service:create_app()"]
