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
    NEWSBOT_HEARTBEAT_FILE=/tmp/newsbot.heartbeat
# Healthy while the running bot keeps touching its heartbeat file (every 15 s).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os,sys,time; sys.exit(time.time() - os.path.getmtime('/tmp/newsbot.heartbeat') > 90)"]
ENTRYPOINT ["newsbot"]
CMD ["run"]
