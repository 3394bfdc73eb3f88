# newsbot: a slim, non-root image. Rules, seeds and feeds.yaml are mounted as volumes.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY --from=build /install /usr/local
RUN useradd --create-home --uid 10001 newsbot && mkdir -p /app/data && chown newsbot /app/data
WORKDIR /app
COPY --chown=newsbot rules ./rules
COPY --chown=newsbot seeds ./seeds
COPY --chown=newsbot feeds.yaml ./feeds.yaml
USER newsbot
ENV NEWSBOT_DATABASE_URL=sqlite:////app/data/newsbot.db \
    NEWSBOT_METRICS_LISTEN=0.0.0.0:9464
# Prometheus scrapes /metrics here (publish the port only to your monitoring network).
EXPOSE 9464
# Healthy while /healthz answers 200: the database answers, the scheduler runs, the sender
# moves (docs/operations.md, "Metrics and health"). A 503 or no answer fails the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys,urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:9464/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["newsbot"]
CMD ["run"]
