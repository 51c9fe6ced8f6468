# procountor-loader: extract + dbt build in one container (`sync` by default).
#   docker build -t procountor-loader .
#   docker run --rm -v "$PWD/data:/data" -e PROCOUNTOR_CLIENT_ID -e PROCOUNTOR_CLIENT_SECRET \
#       -e PROCOUNTOR_API_KEY procountor-loader sync
# See docs/scheduling.md for cron and Cloud Run recipes.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1

RUN useradd --create-home --uid 10001 procountor

# The dbt project must sit next to the package (loader/dbt_runner.py finds it there), so the
# package is installed in editable mode from /app instead of being copied into site-packages.
WORKDIR /app
COPY pyproject.toml README.md ./
COPY loader ./loader
RUN pip install -e .

COPY dbt_project.yml selectors.yml profiles.yml.example ./
COPY models ./models
COPY macros ./macros
COPY seeds ./seeds
COPY tests/dbt ./tests/dbt
# (analyses/ is empty in git, so it is not copied; dbt does not need it to exist)

# dbt writes target/ and logs/ into the project; the warehouse, spool and state live in /data.
RUN mkdir -p /data && chown -R procountor /app /data
USER procountor
WORKDIR /data
VOLUME ["/data"]

ENTRYPOINT ["procountor-loader"]
CMD ["sync"]
