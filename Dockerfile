# syntax=docker/dockerfile:1
# Braid's container image: one binary, every target (`serve --target ...` picks them).
#   docker build -t braid:dev .          (or: podman build -t braid:dev .)
#   docker run --rm -p 4317:4317 -p 4318:4318 -p 16686:16686 -p 8888:8888 braid:dev
# test/infra/image.test.ts reproduces the runtime stage below without a container engine: keep
# its COPY and RUN lines in the simple forms that test parses (one source and one destination per
# COPY, exec-form ENTRYPOINT and CMD).

# Build stage: every dependency, then `npm run build` (tsc into dist/, and the explorer page).
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime stage: production dependencies only, the build output and the deployable data.
FROM node:20.20.2-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="braid" \
      org.opencontainers.image.description="Braid: one correlated record of traces, metrics and logs (OTLP in, Kafka pipeline, Elasticsearch, Jaeger-compatible query)." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.base.name="docker.io/library/node:20.20.2-bookworm-slim"
ENV NODE_ENV=production \
    BRAID_CONFIG=/app/config/container.yaml
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: no production dependency needs one, and none runs as root at build time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY alerts ./alerts
COPY collectors ./collectors
COPY dashboards ./dashboards
COPY config ./config
# The files stay root's and read-only to the process: Braid writes nothing to disk, so the
# container runs with a read-only root filesystem.
# uid 1000 is the base image's `node` user; numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# OTLP gRPC, OTLP HTTP, Zipkin, Elasticsearch-compatible log intake, query (Jaeger, Prometheus,
# Braid APIs and the explorer page), admin (/metrics, /healthz, /readyz). config/container.yaml
# binds them on 0.0.0.0; outside a container the defaults stay on 127.0.0.1.
EXPOSE 4317 4318 9411 9200 16686 8888
# Node runs as PID 1 without an init: Braid handles SIGTERM and SIGINT itself (src/cli/index.ts:
# receivers stop, the ingester drains, exit 0 when drained) and starts no child processes, so
# there are no zombies to reap. No HEALTHCHECK: Kubernetes ignores it and probes /healthz and
# /readyz on the admin port (8888) instead.
ENTRYPOINT ["node", "/app/dist/cli/index.js"]
CMD ["serve"]
