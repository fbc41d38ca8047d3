# The Encadena API image (used by docker-compose.yml). Neo4j runs in its own official container.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8

# Dependencies first (cached layer), pinned by the lock file; then the code.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY service ./service
COPY matching ./matching
COPY graph_schema ./graph_schema
COPY scripts ./scripts
RUN uv sync --locked --no-dev

ENV PATH=/opt/venv/bin:$PATH HOST=0.0.0.0 PORT=8000
EXPOSE 8000
USER nobody
CMD ["gunicorn", "--config", "service/gunicorn_conf.py", "service:create_app()"]
