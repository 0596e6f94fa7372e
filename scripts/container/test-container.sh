#!/usr/bin/env bash
# npm run test:container: builds the image from the Dockerfile, runs it, and checks it as an
# operator would — HEALTHCHECK (also with the admin port moved or off), SIP over the published UDP,
# TCP, TLS and WSS ports, the admin port, SIGTERM, docker-compose.yml for real, and lints of the Dockerfiles
# and compose file. Needs root and podman (scripts/container/README.md). Everything it starts is
# removed on exit, the podman API service included; the last line is "N passed, N failed".
#
# shellcheck disable=SC2016 # Go templates and the container's sh program expand elsewhere
# shellcheck disable=SC2317 # functions run through `check` and traps look unreachable to it
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/container"
SIPP_CHECK="$ROOT/test/container/sipp/sipp-check.sh"
# shellcheck source=scripts/container/lib.sh
source "$HERE/lib.sh"
# shellcheck source=scripts/container/podman-local.sh
source "$HERE/podman-local.sh"

RUN_ID="$$-$RANDOM"
LABEL="sip4xx-ctest=$RUN_ID"
IMAGE="localhost/sip4xx-ctest:$RUN_ID"
COMPOSE_PROJECT="sip4xxctest${RUN_ID//-/x}"
COMPOSE_APP_IMAGE="docker.io/library/sip4xx:local" # `image:` of docker-compose.yml, as podman names it
WORK="$(mktemp -d /tmp/sip4xx-ctest.XXXXXX)"
ALT_ADMIN_PORT="${CONTAINER_TEST_ALT_ADMIN_PORT:-8081}" # inside containers: this one and the next two
DOCKERFILE_UTILS="dockerfile-utils@0.16.3"
HEALTHY_TIMEOUT_S=30
NOBIND_WATCH_S=8
STOP_GRACE_S=15
SERVICE_PID=""
HEALTH_DRIVER_PID=""

cleanup() {
  local rc=$?
  [[ -n "$HEALTH_DRIVER_PID" ]] && kill "$HEALTH_DRIVER_PID" 2>/dev/null
  if [[ -n "$SERVICE_PID" ]]; then
    [[ "${CONTAINER_TEST_KEEP:-}" == 1 ]] || compose 120 --profile sipp --profile dispatcher down --volumes --remove-orphans >/dev/null 2>&1
    kill "$SERVICE_PID" 2>/dev/null
    wait "$SERVICE_PID" 2>/dev/null
  fi
  if [[ "${CONTAINER_TEST_KEEP:-}" != 1 && -n "${CONTAINERS_CONF:-}" ]]; then
    timeout 120 bash -c "$(declare -f reap); reap"
    timeout 60 podman rmi -f "$COMPOSE_APP_IMAGE" >/dev/null 2>&1
    # Build cache of old source trees is never reused; keep a week of it.
    timeout 60 podman image prune -f --filter until=168h >/dev/null 2>&1
  fi
  [[ "${CONTAINER_TEST_KEEP:-}" == 1 ]] || podman_teardown_conf
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap on_signal INT TERM HUP

# Our containers, images and networks, this run's or a killed run's (the lock makes them leftovers).
reap() {
  local ids
  ids="$( (podman ps -aq --filter label=sip4xx-ctest
    podman ps -a --format '{{.ID}} {{index .Labels "com.docker.compose.project"}}' | awk '$2 ~ /^sip4xxctest/ { print $1 }'
    # buildah working containers of an interrupted build
    podman ps -a --external --format '{{.ID}} {{.Command}} {{.Status}}' | awk '$2 == "buildah" && $3 == "Storage" { print $1 }'
  ) 2>/dev/null | sort -u)"
  # shellcheck disable=SC2086 # one id per word
  [[ -n "$ids" ]] && podman rm -f -t 0 $ids >/dev/null 2>&1
  podman images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -E '^(localhost/sip4xx-ctest:|docker\.io/library/[0-9a-f]{64}-tmp:)' |
    xargs -r podman rmi -f >/dev/null 2>&1
  podman network ls --format '{{.Name}}' 2>/dev/null | grep '^sip4xxctest' | xargs -r podman network rm -f >/dev/null 2>&1
  return 0
}

# docker-compose (v1, Debian's) speaks the Docker API, which podman serves on a socket.
compose() { # TIMEOUT_S ARGS...
  local limit="$1"
  shift
  DOCKER_HOST="unix://$WORK/podman.sock" timeout "$limit" docker-compose \
    --project-directory "$ROOT" -f "$ROOT/docker-compose.yml" -p "$COMPOSE_PROJECT" "$@"
}

setup() {
  step "prerequisites, podman, base image"
  local p missing=()
  for p in podman buildah mmdebstrap runc netavark aardvark-dns iptables sip-tester docker-compose shellcheck openssl; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" == installed ]] || missing+=("$p")
  done
  if ((${#missing[@]} > 0)); then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$WORK/apt.log" 2>&1 ||
      { fail "tools installed (${missing[*]})" "$(tail -n 20 "$WORK/apt.log")"; return 1; }
  fi
  pass "tools present"
  # One run per cache at a time: runs share its storage.
  mkdir -p "$CONTAINER_TEST_CACHE"
  exec 9>"$CONTAINER_TEST_CACHE/run.lock"
  flock -w 600 9 || { fail "lock $CONTAINER_TEST_CACHE/run.lock within 600s"; return 1; }
  podman_setup >"$WORK/podman.log" 2>&1 || { fail "podman works with a private configuration" "$(tail -n 20 "$WORK/podman.log")"; return 1; }
  reap
  [[ "${CONTAINER_TEST_KEEP:-}" == 1 ]] && FINISH_NOTE="kept: containers labelled $LABEL and image $IMAGE; list them with
  CONTAINERS_CONF=$CONTAINERS_CONF CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF podman ps -a"
  in_background "$WORK/base.log" ensure_base_image || { fail "base image (Debian + Node 24)" "$(tail -n 30 "$WORK/base.log")"; return 1; }
  BASE_IMAGE="$(tail -n 1 "$WORK/base.log")"
  pass "podman ready ($PODMAN_DRIVER storage in $CONTAINER_TEST_CACHE), base image $BASE_IMAGE"
}

lint_dockerfile() { # FILE (dockerfile-utils exits non-zero on errors only; warnings count too)
  node -e '
    let d;
    try { d = JSON.parse(process.argv[1]); } catch { console.log(process.argv[1]); process.exit(1); }
    for (const x of d) console.log(`line ${x.range.start.line + 1}: ${x.severity}: ${x.message}`);
    process.exit(d.length ? 1 : 0);' "$("$LINT_BIN" lint --json "$1" 2>&1)"
}

# dockerfile-utils is the validator behind VS Code's Docker support; hadolint is not packaged for Debian 12.
lints() {
  step "lint"
  local dir="$CONTAINER_TEST_CACHE/tools/$DOCKERFILE_UTILS" f
  LINT_BIN="$dir/node_modules/.bin/dockerfile-utils"
  if [[ -x "$LINT_BIN" ]] || npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$DOCKERFILE_UTILS" >"$WORK/npm.log" 2>&1; then
    for f in Dockerfile test/container/sipp/Dockerfile test/container/kamailio/Dockerfile; do check "$f passes dockerfile-utils lint" lint_dockerfile "$ROOT/$f"; done
  else
    fail "install $DOCKERFILE_UTILS" "$(tail -n 20 "$WORK/npm.log")"
  fi
  if command -v hadolint >/dev/null; then
    check "Dockerfiles pass hadolint" hadolint "$ROOT/Dockerfile" "$ROOT/test/container/sipp/Dockerfile"
  else
    echo "  skip  hadolint (not installed; Debian 12 does not package it)"
  fi
  check "docker-compose.yml is valid (docker-compose config -q)" docker-compose --project-directory "$ROOT" -f "$ROOT/docker-compose.yml" config -q
  check "container scripts pass shellcheck" shellcheck -x -P "$ROOT" "$HERE"/*.sh "$ROOT"/test/container/sipp/*.sh
}

build_image() {
  step "build"
  # docker format: OCI image configs cannot carry HEALTHCHECK. --pull=never: nothing from a registry.
  in_background "$WORK/build.log" timeout 900 podman build --pull=never --format docker --layers \
    --build-arg BASE_IMAGE="$BASE_IMAGE" --label "$LABEL" -t "$IMAGE" "$ROOT" ||
    { fail "image builds from the Dockerfile" "$(grep -v '^\(--> \|STEP\)' "$WORK/build.log" | tail -n 30)"; return 1; }
  pass "image builds from the Dockerfile ($(podman image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}

field() { podman image inspect -f "$1" "$IMAGE"; }
env_has() { # NAME=VALUE (not `| grep -q`: under pipefail its early exit can fail the pipe)
  local env
  env="$(field '{{range .Config.Env}}{{println .}}{{end}}')"
  grep -qxF "$1" <<<"$env" || { printf 'Env:\n%s\n' "$env"; return 1; }
}

check_image_config() {
  step "image configuration"
  check "runs as non-root 1000:1000" expect_eq User "$(field '{{.Config.User}}')" "1000:1000"
  check "entrypoint is node --initial-old-space-size=64 --max-semi-space-size=8 dist/main.js (exec form, signals reach node)" \
    expect_eq Entrypoint "$(field '{{json .Config.Entrypoint}}')" '["node","--initial-old-space-size=64","--max-semi-space-size=8","dist/main.js"]'
  check "exposes 5060/udp 5060/tcp, 5061/tcp (TLS), 8088/tcp (WS), 8089/tcp (WSS), 8080/tcp" expect_eq ExposedPorts \
    "$(field '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}')" "5060/tcp 5060/udp 5061/tcp 8080/tcp 8088/tcp 8089/tcp "
  check "stop signal is SIGTERM" expect_eq StopSignal "$(field '{{.Config.StopSignal}}')" SIGTERM
  check "HEALTHCHECK is node dist/healthcheck.js (the server's own config loader)" \
    expect_eq Healthcheck "$(field '{{json .Config.Healthcheck.Test}}')" '["CMD","node","dist/healthcheck.js"]'
  check "env NODE_ENV=production" env_has NODE_ENV=production
  check "env SIP4XX_ADMIN_HOST=0.0.0.0 (admin port reachable when published)" env_has SIP4XX_ADMIN_HOST=0.0.0.0
  check "env GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0:glibc.malloc.mmap_threshold=131072 (freed memory goes back)" env_has GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0:glibc.malloc.mmap_threshold=131072
  check "image holds dist/, config/default.yaml and production node_modules only" \
    timeout 60 podman run --rm --label "$LABEL" --entrypoint sh "$IMAGE" -c '
      set -e
      [ "$(id -u)" = 1000 ] || { echo "uid $(id -u)"; exit 1; }
      test -f dist/main.js && test -f dist/healthcheck.js && test -f config/default.yaml && test -f package.json
      for d in node_modules/pino node_modules/yaml node_modules/zod; do test -d "$d" || { echo "missing $d"; exit 1; }; done
      for d in src test node_modules/typescript node_modules/tsx node_modules/vitest node_modules/eslint; do
        if [ -e "$d" ]; then echo "unexpected $d"; exit 1; fi
      done
      if touch dist/x 2>/dev/null; then echo "app files are writable by the server user"; exit 1; fi'
}

# Bound to TEST-NET-1, which no interface of the container has, the server cannot bind SIP;
# whatever it then does, the probe must never pass.
check_not_healthy_without_bind() {
  step "HEALTHCHECK is not healthy without a SIP bind"
  local c="sip4xx-ctest-$RUN_ID-nobind" t0=$SECONDS
  timeout 60 podman run -d --name "$c" --label "$LABEL" "$IMAGE" --host 192.0.2.1 >"$WORK/nobind.log" 2>&1 ||
    { fail "container starts (bind address 192.0.2.1)" "$(cat "$WORK/nobind.log")"; return; }
  while within "$t0" "$NOBIND_WATCH_S" && [[ "$(state_of "$c")" == running ]]; do
    if probe_health "$c"; then
      fail "never healthy when SIP cannot bind" "reported healthy; logs:
$(container_logs "$c")"
      timeout 30 podman rm -f -t 0 "$c" >/dev/null 2>&1
      return
    fi
    sleep 0.3
  done
  pass "never healthy when SIP cannot bind ($(state_of "$c") after $((SECONDS - t0))s)"
  timeout 30 podman rm -f -t 0 "$c" >/dev/null 2>&1
}

# Published on loopback only: the machine's own 5060 stays untouched.
start_server() {
  step "the server container"
  MAIN="sip4xx-ctest-$RUN_ID-main"
  if ! SIP_PORT="$(free_port "${CONTAINER_TEST_SIP_PORT:-}")" || ! ADMIN_PORT="$(free_port "${CONTAINER_TEST_ADMIN_PORT:-}")" ||
    ! TLS_PORT="$(free_port "${CONTAINER_TEST_TLS_PORT:-}")" || ! WSS_PORT="$(free_port "${CONTAINER_TEST_WSS_PORT:-}")"; then
    fail "free local ports"
    return 1
  fi
  echo "  SIP on 127.0.0.1:$SIP_PORT (udp+tcp), TLS on $TLS_PORT, WSS on $WSS_PORT, admin on 127.0.0.1:$ADMIN_PORT"
  T_STARTED=$SECONDS
  timeout 60 podman run -d --name "$MAIN" --label "$LABEL" \
    -p "127.0.0.1:$SIP_PORT:5060/udp" -p "127.0.0.1:$SIP_PORT:5060/tcp" -p "127.0.0.1:$ADMIN_PORT:8080/tcp" \
    -p "127.0.0.1:$TLS_PORT:5061/tcp" -p "127.0.0.1:$WSS_PORT:8089/tcp" \
    -v "$ROOT/config/container.yaml:/etc/sip4xx/config.yaml:ro" -e SIP4XX_CONFIG=/etc/sip4xx/config.yaml \
    "$IMAGE" >"$WORK/run.log" 2>&1 || { fail "server container starts" "$(grep -v 'systemd connection' "$WORK/run.log")"; return 1; }
  pass "server container starts"
}

sipp() { # CHECK [ENV...]: one SIPp check against the published SIP port
  local c="$1"
  shift
  env SIPP_LOCAL_IP=127.0.0.1 SIPP_TRACE_DIR="$WORK" "$@" "$SIPP_CHECK" "$c" 127.0.0.1 "$SIP_PORT"
}

# From the first moment the probe passes, SIP must already answer: one UDP datagram (no
# retransmission) and a TCP connection, each at once.
check_healthy_implies_bound() {
  check "HEALTHCHECK healthy within ${HEALTHY_TIMEOUT_S}s of start" wait_healthy "$MAIN" "$T_STARTED" "$HEALTHY_TIMEOUT_S" || return 1
  check "at first healthy: OPTIONS over TCP answered at once" sipp options-tcp SIPP_TIMEOUT=3s
  check "at first healthy: one UDP OPTIONS, no retransmission, answered" sipp options-udp SIPP_TIMEOUT=3s SIPP_MAX_RETRANS=0
  check "podman records the container as healthy" expect_eq Health "$(podman inspect -f '{{.State.Health.Status}}' "$MAIN")" healthy
}

# The HEALTHCHECK follows the admin port however it is given, as the server does; with the admin
# endpoint off it probes SIP with OPTIONS.
check_health_follows_config() {
  step "HEALTHCHECK follows the configuration"
  local yaml="$WORK/admin.yaml" p="$ALT_ADMIN_PORT" c how args n=0 name
  printf 'admin:\n  port: %s\n' "$((p + 1))" >"$yaml"
  chmod 644 "$yaml"
  local -a cases=(
    "--admin-port $p|--admin-port $p as container arguments"
    "--admin.port $((p + 2))|--admin.port $((p + 2)) as container arguments"
    "--config /etc/sip4xx/config.yaml|admin.port $((p + 1)) in a mounted config file"
    "--admin-port 0|--admin-port 0 (OPTIONS to the SIP port)"
  )
  for c in "${cases[@]}"; do
    args="${c%%|*}" how="${c#*|}" name="sip4xx-ctest-$RUN_ID-health-$((++n))"
    # shellcheck disable=SC2086 # the arguments are meant to split
    if timeout 60 podman run -d --name "$name" --label "$LABEL" -v "$yaml:/etc/sip4xx/config.yaml:ro" "$IMAGE" $args >"$WORK/h.log" 2>&1; then
      check "healthy with $how" wait_healthy "$name" "$SECONDS" "$HEALTHY_TIMEOUT_S"
      timeout 60 podman rm -f -t 0 "$name" >/dev/null 2>&1
    else
      fail "container starts with $how" "$(grep -v 'systemd connection' "$WORK/h.log")"
    fi
  done
}

check_sip_and_admin() {
  step "SIP and admin through the published ports"
  check "OPTIONS over UDP → 200 (SIPp)" sipp options-udp
  check "OPTIONS over TCP → 200 (SIPp)" sipp options-tcp
  check "INVITE sip:486@127.0.0.1 over UDP → 486, ACK (SIPp)" sipp invite-486-udp
  check "INVITE sip:486@127.0.0.1 over TCP → 486, ACK (SIPp)" sipp invite-486-tcp
  # config/container.yaml sets this Server header: seeing it proves the mounted file was read.
  check "mounted /etc/sip4xx/config.yaml is in effect (Server: sip4xx (container))" grep -q '^Server: sip4xx (container)' "$WORK/options-udp.msg"
  check "OPTIONS over TLS → 200 (openssl s_client, self-signed certificate generated at start)" tls_options "$TLS_PORT"
  check "OPTIONS over WSS → 200 (ws package, subprotocol sip)" wss_options "$WSS_PORT"
  check "GET /healthz through the published admin port → 200" http_get_ok "http://127.0.0.1:$ADMIN_PORT/healthz"
  check "GET /metrics through the published admin port → 200 with metrics" \
    http_get_ok "http://127.0.0.1:$ADMIN_PORT/metrics" '^[a-z_:][a-z0-9_:]*(\{[^}]*\})? '
}

# Processes of the container running the server's entry point: the primary and its workers
# ([n]: this sh's own command line must not match).
main_processes() { # CONTAINER
  timeout 10 podman exec "$1" sh -c 'n=0; for f in /proc/[0-9]*/cmdline; do
    case "$(tr "\0" " " <"$f" 2>/dev/null)" in *dist/mai[n].js*) n=$((n + 1)) ;; esac; done; echo "$n"'
}

# server.workers auto (README, "Workers") in a container given two CPUs: one worker per CPU,
# reachable as one server through the published ports.
check_workers() {
  step "SIP4XX_SERVER__WORKERS=auto on 2 CPUs"
  local c="sip4xx-ctest-$RUN_ID-workers" sip admin t0=$SECONDS
  if ! sip="$(free_port)" || ! admin="$(free_port)"; then fail "free local ports"; return; fi
  timeout 60 podman run -d --name "$c" --label "$LABEL" --cpuset-cpus 0-1 -e SIP4XX_SERVER__WORKERS=auto \
    -p "127.0.0.1:$sip:5060/udp" -p "127.0.0.1:$sip:5060/tcp" -p "127.0.0.1:$admin:8080/tcp" "$IMAGE" >"$WORK/workers.log" 2>&1 ||
    { fail "container starts with SIP4XX_SERVER__WORKERS=auto" "$(grep -v 'systemd connection' "$WORK/workers.log")"; return; }
  check "HEALTHCHECK healthy within ${HEALTHY_TIMEOUT_S}s" wait_healthy "$c" "$t0" "$HEALTHY_TIMEOUT_S"
  check "GET /healthz through the published admin port → 200" http_get_ok "http://127.0.0.1:$admin/healthz"
  SIP_PORT="$sip" check "OPTIONS over UDP → 200 (SIPp)" sipp options-udp
  SIP_PORT="$sip" check "OPTIONS over TCP → 200 (SIPp)" sipp options-tcp
  check "a primary and two workers run dist/main.js" expect_eq processes "$(main_processes "$c")" 3
  check "the primary (PID 1) drains its workers and exits 0 on SIGTERM within ${STOP_GRACE_S}s" \
    stops_with_0 "$c" timeout $((STOP_GRACE_S + 30)) podman stop -t "$STOP_GRACE_S" "$c"
  timeout 60 podman rm -f -t 0 "$c" >/dev/null 2>&1
}

stops_with_0() { # CONTAINER STOP-COMMAND...: exit code 0 within STOP_GRACE_S
  local c="$1" t0=$SECONDS code
  shift
  "$@" >/dev/null 2>&1
  code="$(podman inspect -f '{{.State.ExitCode}}' "$c" 2>&1)"
  [[ "$code" == 0 ]] && within "$t0" "$STOP_GRACE_S" && return 0
  echo "exit code $code after $((SECONDS - t0))s"
  container_logs "$c"
  return 1
}

# What replica $1 (a or b) of the dispatcher profile journaled: its OPTIONS, as JSON.
replica_journal() {
  timeout 10 podman exec "${COMPOSE_PROJECT}_sip4xx-$1_1" node -e '
    fetch("http://127.0.0.1:8080/api/requests?method=OPTIONS", { headers: { authorization: `Bearer ${process.env.SIP4XX_ADMIN_TOKEN}` } })
      .then(async (r) => { if (!r.ok) { console.error(`HTTP ${r.status}`); process.exit(1); } process.stdout.write(await r.text()); })'
}

lb_spread() { # LB-PORT
  local a b
  node "$ROOT/test/container/kamailio/spread.js" send 127.0.0.1 "$1" && a="$(replica_journal a)" && b="$(replica_journal b)" &&
    node "$ROOT/test/container/kamailio/spread.js" check "$a" "$b"
}

# The dispatcher profile: Kamailio in front of two replicas, hashing the To URI
# (docs/ARCHITECTURE.md, "Past one machine").
check_dispatcher() {
  local r
  in_background "$WORK/lb.log" compose 900 --profile dispatcher up -d --build kamailio-lb ||
    { fail "compose --profile dispatcher up: Kamailio's dispatcher and two replicas" "$(grep -v '^\(--> \|STEP\|\[\)' "$WORK/lb.log" | tail -n 30)"; return; }
  pass "compose --profile dispatcher up: Kamailio's dispatcher and two replicas"
  for r in a b; do check "replica sip4xx-$r healthy" wait_healthy "${COMPOSE_PROJECT}_sip4xx-${r}_1" "$SECONDS" "$HEALTHY_TIMEOUT_S"; done
  SIP_PORT="$HOST_LB_PORT" check "OPTIONS through the balancer → 200 (SIPp)" sipp options-udp
  SIP_PORT="$HOST_LB_PORT" check "INVITE sip:486@ through the balancer → 486, ACK (SIPp)" sipp invite-486-udp
  check "the To URI picks the replica: 16 users on both replicas, each user's requests on one" lb_spread "$HOST_LB_PORT"
}

check_compose() {
  step "docker-compose.yml for real (docker-compose → podman API)"
  podman system service --time=0 "unix://$WORK/podman.sock" >"$WORK/service.log" 2>&1 9>&- &
  SERVICE_PID=$!
  local i sip admin lb
  for ((i = 0; i < 50; i++)); do [[ -S "$WORK/podman.sock" ]] && break; sleep 0.2; done
  [[ -S "$WORK/podman.sock" ]] || { fail "podman API service starts" "$(cat "$WORK/service.log")"; return; }
  if ! sip="$(free_port "${CONTAINER_TEST_COMPOSE_SIP_PORT:-}")" || ! admin="$(free_port "${CONTAINER_TEST_COMPOSE_ADMIN_PORT:-}")" ||
    ! lb="$(free_port "${CONTAINER_TEST_COMPOSE_LB_PORT:-}")"; then
    fail "free local ports"
    return
  fi
  export NODE_BASE_IMAGE="$BASE_IMAGE" SIPP_BASE_IMAGE="$BASE_IMAGE" KAMAILIO_BASE_IMAGE="$BASE_IMAGE" HOST_PUBLISH_IP=127.0.0.1 \
    HOST_SIP_PORT="$sip" HOST_ADMIN_PORT="$admin" HOST_LB_PORT="$lb" REPLICA_ADMIN_TOKEN="ctest-$RUN_ID"
  in_background "$WORK/up.log" compose 900 up -d --build sip4xx ||
    { fail "compose up --build sip4xx" "$(grep -v '^\(--> \|STEP\|\[\)' "$WORK/up.log" | tail -n 30)"; return; }
  pass "compose up --build sip4xx (config/container.yaml mounted)"
  # Nothing runs the probe on its schedule without systemd; `depends_on: service_healthy` needs it.
  (for ((i = 0; i < 300; i++)); do probe_health "${COMPOSE_PROJECT}_sip4xx_1"; sleep 1; done) 9>&- &
  HEALTH_DRIVER_PID=$!
  if in_background "$WORK/sipp.log" compose 900 --profile sipp build sipp; then
    pass "compose --profile sipp build sipp (SIPp from Debian's sip-tester)"
    check "compose --profile sipp run sipp: SIPp in its own container reaches service sip4xx (4 checks)" \
      compose 900 --profile sipp run --rm -T sipp
  else
    fail "compose --profile sipp build sipp" "$(tail -n 30 "$WORK/sipp.log")"
  fi
  kill "$HEALTH_DRIVER_PID" 2>/dev/null
  HEALTH_DRIVER_PID=""
  check_dispatcher
  check "compose stop: sip4xx exits 0" stops_with_0 "${COMPOSE_PROJECT}_sip4xx_1" compose $((STOP_GRACE_S + 30)) stop sip4xx
  check "compose down removes containers and network" compose 120 --profile sipp --profile dispatcher down --volumes --remove-orphans
}

echo "sip4xx container tests (run $RUN_ID)"
setup || finish
lints
if build_image; then
  check_image_config
  check_not_healthy_without_bind
  if start_server; then
    check_healthy_implies_bound
    check_health_follows_config
    check_sip_and_admin
    check_workers
    step "stop with SIGTERM"
    check "exits 0 on SIGTERM before the ${STOP_GRACE_S}s grace period" \
      stops_with_0 "$MAIN" timeout $((STOP_GRACE_S + 30)) podman stop -t "$STOP_GRACE_S" "$MAIN"
  fi
  check_compose
fi
finish
