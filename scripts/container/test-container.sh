#!/usr/bin/env bash
# Container tests for sip4xx (npm run test:container): lint the Dockerfiles and the compose file,
# build the image with podman on a locally made Node 24 base, run it, and check it the way an
# operator would — HEALTHCHECK, SIP over published UDP and TCP ports, admin port, SIGTERM stop.
#
# Needs root on Debian/Ubuntu (apt-get installs what is missing). Reaches only the Debian mirror
# and the npm registry: no Docker Hub, no Docker engine. Prints "N passed, N failed" last and
# exits non-zero if anything failed. Everything it starts is removed on exit; what is kept between
# runs (base rootfs, podman storage with build cache) lives in $CONTAINER_TEST_CONTAINER_CACHE
# (default /var/cache/sip4xx-container) and makes a warm run take seconds.
#
# Environment (optional):
#   CONTAINER_TEST_CONTAINER_CACHE   cache directory (see podman-env.sh); delete it for a cold run
#   CONTAINER_TEST_STORAGE_DRIVER    overlay | vfs (default: overlay if the kernel allows it)
#   CONTAINER_TEST_SKIP_INSTALL=1    do not apt-get anything; fail if a tool is missing
#   CONTAINER_TEST_SKIP_COMPOSE=1    skip running docker-compose.yml for real (it is still validated)
#   CONTAINER_TEST_KEEP=1            keep the containers and image for inspection (printed at the end)
#   CONTAINER_TEST_BASE_*            see base-image.sh
#
# shellcheck disable=SC2016 # single-quoted node/sh programs and Go templates expand elsewhere
# shellcheck disable=SC2317 # functions run through `check` and traps look unreachable to it
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/container"
SIPP_CHECK="$ROOT/test/container/sipp/sipp-check.sh"
# shellcheck source=scripts/container/podman-env.sh
source "$HERE/podman-env.sh"
# shellcheck source=scripts/container/base-image.sh
source "$HERE/base-image.sh"
# shellcheck source=scripts/container/harness.sh
source "$HERE/harness.sh"
# shellcheck source=scripts/container/lint.sh
source "$HERE/lint.sh"
# shellcheck source=scripts/container/compose-check.sh
source "$HERE/compose-check.sh"

RUN_ID="$$-$RANDOM"
COMPOSE_PROJECT="sip4xxctest${RUN_ID//-/x}"
# The `image:` names in docker-compose.yml, as podman stores them. The app image is removed after
# the run; the SIPp image is a test tool like the base image and stays in the cache storage, so
# warm runs do not apt-get it again (it is rebuilt from cache every run, so it never goes stale).
COMPOSE_APP_IMAGE="docker.io/library/sip4xx:local"
PODMAN_SERVICE_PID=""
HEALTH_DRIVER_PID=""
IMAGE="localhost/sip4xx-ctest:$RUN_ID"
LABEL="sip4xx-ctest=$RUN_ID"
WORK="$(mktemp -d /tmp/sip4xx-ctest.XXXXXX)"
SIP_CONTAINER_PORT=5060
ADMIN_CONTAINER_PORT=8080
HEALTHY_TIMEOUT_S=30 # from `podman run` to the first healthy probe
NOBIND_WATCH_S=8     # how long a server that could not bind is watched for a false "healthy"
STOP_GRACE_S=15      # SIGTERM → SIGKILL; the server must exit well before

cleanup() {
  local rc=$?
  end_step
  if [[ "${CONTAINER_TEST_KEEP:-}" == 1 ]]; then
    echo "kept: containers labelled $LABEL, image $IMAGE, podman config in $CONTAINER_TEST_PODMAN_CONF_DIR"
  elif [[ -n "${CONTAINERS_CONF:-}" ]]; then
    [[ -n "$HEALTH_DRIVER_PID" ]] && kill "$HEALTH_DRIVER_PID" 2>/dev/null
    if [[ -n "$PODMAN_SERVICE_PID" ]]; then
      compose 120 --profile sipp down --volumes --remove-orphans >/dev/null 2>&1
      kill "$PODMAN_SERVICE_PID" 2>/dev/null
      wait "$PODMAN_SERVICE_PID" 2>/dev/null
      podman image exists "$COMPOSE_APP_IMAGE" 2>/dev/null && timeout 60 podman rmi -f "$COMPOSE_APP_IMAGE" >/dev/null 2>&1
    fi
    timeout 120 bash -c "$(declare -f reap_leftovers); reap_leftovers"
    # Build cache from old source trees is never reused; keep a week of it.
    timeout 60 podman image prune -f --filter until=168h >/dev/null 2>&1
  fi
  [[ "${CONTAINER_TEST_KEEP:-}" == 1 ]] || sip4xx_podman_teardown_conf
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap on_signal INT TERM HUP

# A port free for both TCP and UDP on 127.0.0.1, chosen by the kernel, never 5060.
free_port() {
  node -e '
    const net = require("node:net"), dgram = require("node:dgram");
    const tryOne = () => { const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address(); s.close();
      const u = dgram.createSocket("udp4");
      u.once("error", () => { u.close(); tryOne(); });
      u.bind(port, "127.0.0.1", () => { u.close(); console.log(port); });
    }); };
    tryOne();'
}

http_get_ok() { # URL [body-regex]
  node -e '
    const [url, want] = process.argv.slice(1);
    fetch(url, { signal: AbortSignal.timeout(3000) }).then(async (r) => {
      const body = await r.text();
      if (!r.ok) { console.error(`${url}: HTTP ${r.status}: ${body.slice(0, 300)}`); process.exit(1); }
      if (want && !new RegExp(want, "m").test(body)) { console.error(`${url}: body lacks /${want}/:\n${body.slice(0, 300)}`); process.exit(1); }
    }, (e) => { console.error(`${url}: ${e.cause?.code ?? e.message}`); process.exit(1); });' "$@"
}

container_logs() { timeout 10 podman logs --tail 25 "$1" 2>&1 | grep -v 'systemd connection'; }

# Why the probe fails, in words: the probe itself only yields an exit code.
probe_diagnosis() {
  timeout 10 podman exec "$1" node -e '
    const port = process.env.SIP4XX_ADMIN_PORT || 8080;
    fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2500) }).then(
      async (r) => console.log(`GET /healthz on ${port}: HTTP ${r.status} ${(await r.text()).slice(0, 200)}`),
      (e) => console.log(`GET /healthz on ${port}: ${e.cause?.code ?? e.message}`));' 2>&1
}

# `podman run` without systemd cannot arm the health timer (it says so on stderr and carries on),
# so these tests run the probe themselves with `podman healthcheck run`, which is what the timer
# would do, and read the status podman records.
probe_health() { timeout 10 podman healthcheck run "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------

install_prerequisites() {
  step "prerequisites"
  local -a want=(podman buildah mmdebstrap runc netavark aardvark-dns iptables sip-tester docker-compose shellcheck)
  local -a missing=()
  local p
  for p in "${want[@]}"; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" == installed ]] || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    pass "tools present (${want[*]})"
  elif [[ "${CONTAINER_TEST_SKIP_INSTALL:-}" == 1 || $EUID -ne 0 ]]; then
    fail "tools present" "missing: ${missing[*]} (run as root, or install them)"
  else
    echo "  installing: ${missing[*]}"
    if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } \
      >"$WORK/apt.log" 2>&1; then
      pass "tools installed (${missing[*]})"
    else
      fail "tools installed" "$(tail -n 20 "$WORK/apt.log")"
    fi
  fi
  command -v node >/dev/null || fail "node on PATH (needed for the port and HTTP helpers)"
}

base_image_to() { sip4xx_ensure_base_image >"$1"; }

# One run per cache directory at a time: runs share its storage, and this makes anything of ours
# found there at start a leftover. Background children do not inherit the lock (9>&-), so a
# stray one cannot hold it after the run is gone.
take_lock() {
  mkdir -p "$CONTAINER_TEST_CONTAINER_CACHE"
  exec 9>"$CONTAINER_TEST_CONTAINER_CACHE/run.lock"
  if ! flock -n 9; then
    echo "  waiting for another container test run using $CONTAINER_TEST_CONTAINER_CACHE ..."
    flock -w 600 9 || return 1
  fi
}

# Leftovers of a run killed before its cleanup (SIGKILL, power loss, CI runner reset).
reap_leftovers() {
  local ids
  ids="$( (podman ps -aq --filter label=sip4xx-ctest
    podman ps -aq --filter label=com.docker.compose.project | while read -r id; do
      [[ "$(podman inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' "$id")" == sip4xxctest* ]] && echo "$id"
    done
    # buildah working containers of an interrupted build (podman ps shows them only with --external)
    podman ps -a --external --format '{{.ID}} {{.Command}} {{.Status}}' | awk '$2 == "buildah" && $3 == "Storage" { print $1 }'
  ) 2>/dev/null | sort -u)"
  # shellcheck disable=SC2086 # one id per word
  [[ -n "$ids" ]] && podman rm -f -t 0 $ids >/dev/null 2>&1
  podman images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null |
    grep -E '^(localhost/sip4xx-ctest:|docker\.io/library/[0-9a-f]{64}-tmp:)' |
    xargs -r podman rmi -f >/dev/null 2>&1
  podman network ls --format '{{.Name}}' 2>/dev/null | grep '^sip4xxctest' |
    xargs -r podman network rm -f >/dev/null 2>&1
  return 0
}

prepare_podman() {
  step "podman storage and base image"
  if ! sip4xx_podman_setup >"$WORK/podman-setup.log" 2>&1; then
    fail "podman works with the private configuration" "$(tail -n 20 "$WORK/podman-setup.log")"
    return 1
  fi
  pass "podman ready (storage driver $CONTAINER_TEST_PODMAN_DRIVER, cache $CONTAINER_TEST_CONTAINER_CACHE)"
  reap_leftovers
  if interruptible "$WORK/base.log" base_image_to "$WORK/base.ref"; then
    BASE_IMAGE="$(cat "$WORK/base.ref")"
    sed 's/^/        /' "$WORK/base.log"
    pass "base image $BASE_IMAGE"
  else
    fail "base image (Debian bookworm + Node 24)" "$(tail -n 30 "$WORK/base.log")"
    return 1
  fi
}

build_image() {
  step "build"
  # docker format: OCI image configs cannot carry HEALTHCHECK. --pull=never: nothing from a registry.
  if interruptible "$WORK/build.log" timeout 900 podman build --pull=never --format docker --layers \
    --build-arg BASE_IMAGE="$BASE_IMAGE" --label "$LABEL" -t "$IMAGE" "$ROOT"; then
    pass "image builds from the Dockerfile ($(podman image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
  else
    fail "image builds from the Dockerfile" "$(grep -v '^\(--> \|STEP\)' "$WORK/build.log" | tail -n 30)"
    return 1
  fi
}

image_field() { podman image inspect -f "$1" "$IMAGE"; }

expect_eq() { # WHAT GOT WANT
  [[ "$2" == "$3" ]] || { echo "$1: got '$2', want '$3'"; return 1; }
}

healthcheck_is_node_healthcheck_js() {
  expect_eq Healthcheck.Test "$(image_field '{{json .Config.Healthcheck.Test}}')" '["CMD","node","dist/healthcheck.js"]'
}

image_env_has() { # NAME=VALUE
  local env
  env="$(image_field '{{range .Config.Env}}{{println .}}{{end}}')"
  grep -qxF "$1" <<<"$env" || { printf 'Env:\n%s\n' "$env"; return 1; }
}

check_image_config() {
  step "image configuration"
  check "runs as non-root 1000:1000" expect_eq User "$(image_field '{{.Config.User}}')" "1000:1000"
  check "entrypoint is node --initial-old-space-size=64 dist/main.js (exec form, signals reach node)" \
    expect_eq Entrypoint "$(image_field '{{json .Config.Entrypoint}}')" '["node","--initial-old-space-size=64","dist/main.js"]'
  check "exposes 5060/udp 5060/tcp 8080/tcp" expect_eq ExposedPorts \
    "$(image_field '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}')" "5060/tcp 5060/udp 8080/tcp "
  check "stop signal is SIGTERM" expect_eq StopSignal "$(image_field '{{.Config.StopSignal}}')" SIGTERM
  check "HEALTHCHECK is node dist/healthcheck.js (the server's own config loader)" healthcheck_is_node_healthcheck_js
  check "env NODE_ENV=production" image_env_has NODE_ENV=production
  check "env SIP4XX_ADMIN_HOST=0.0.0.0 (admin port reachable when published)" image_env_has SIP4XX_ADMIN_HOST=0.0.0.0
  # Only runtime files: compiled code, production dependencies, embedded defaults.
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

# The server must not look healthy while its SIP sockets are not bound. An address that exists on
# no interface of the container (TEST-NET-1) makes the bind fail for certain; whatever the server
# then does — exit, or keep the admin port up — the probe must never pass.
check_not_healthy_without_bind() {
  step "HEALTHCHECK is not healthy without a SIP bind"
  local c="sip4xx-ctest-$RUN_ID-nobind"
  if ! timeout 60 podman run -d --name "$c" --label "$LABEL" "$IMAGE" --host 192.0.2.1 >"$WORK/nobind.log" 2>&1; then
    fail "container starts (bind address 192.0.2.1)" "$(cat "$WORK/nobind.log")"
    return
  fi
  local t0 healthy=0 state=running
  t0="$(now)"
  while awk -v a="$t0" -v b="$(now)" -v l="$NOBIND_WATCH_S" 'BEGIN { exit !(b - a < l) }'; do
    if probe_health "$c"; then healthy=1; break; fi
    state="$(podman inspect -f '{{.State.Status}}' "$c" 2>/dev/null)"
    [[ "$state" == running ]] || break
    sleep 0.3
  done
  local how
  if [[ "$state" == running ]]; then
    how="still running, unhealthy after ${NOBIND_WATCH_S}s"
  else
    how="server exited with code $(podman inspect -f '{{.State.ExitCode}}' "$c") after $(elapsed "$t0")s"
  fi
  if ((healthy)); then
    fail "never healthy when SIP cannot bind" "reported healthy; logs:
$(container_logs "$c")"
  else
    pass "never healthy when SIP cannot bind ($how)"
  fi
  timeout 30 podman rm -f -t 0 "$c" >/dev/null 2>&1
}

start_server() {
  step "start the server container"
  MAIN="sip4xx-ctest-$RUN_ID-main"
  if ! SIP_PORT="$(free_port)" || ! ADMIN_PORT="$(free_port)"; then
    fail "free local ports"
    return 1
  fi
  echo "  SIP on 127.0.0.1:$SIP_PORT (udp+tcp), admin on 127.0.0.1:$ADMIN_PORT"
  # Published on loopback only, on random high ports: the machine's own 5060 stays untouched.
  if ! timeout 60 podman run -d --name "$MAIN" --label "$LABEL" \
    -p "127.0.0.1:$SIP_PORT:$SIP_CONTAINER_PORT/udp" \
    -p "127.0.0.1:$SIP_PORT:$SIP_CONTAINER_PORT/tcp" \
    -p "127.0.0.1:$ADMIN_PORT:$ADMIN_CONTAINER_PORT/tcp" \
    -v "$ROOT/config/container.yaml:/etc/sip4xx/config.yaml:ro" \
    -e SIP4XX_CONFIG=/etc/sip4xx/config.yaml \
    "$IMAGE" >"$WORK/run.log" 2>&1; then
    fail "server container starts" "$(grep -v 'systemd connection' "$WORK/run.log")"
    return 1
  fi
  T_STARTED="$(now)"
  pass "server container starts"
}

# From the first moment the probe passes, SIP must already answer: a single UDP datagram (no
# retransmission) and a TCP connection, each right away.
check_healthy_implies_bound() {
  step "HEALTHCHECK becomes healthy, and only once SIP answers"
  local healthy=0 state
  while awk -v a="$T_STARTED" -v b="$(now)" -v l="$HEALTHY_TIMEOUT_S" 'BEGIN { exit !(b - a < l) }'; do
    if probe_health "$MAIN"; then healthy=1; break; fi
    state="$(podman inspect -f '{{.State.Status}}' "$MAIN" 2>/dev/null)"
    [[ "$state" == running ]] || break
    sleep 0.2
  done
  if ((!healthy)); then
    fail "healthy within ${HEALTHY_TIMEOUT_S}s" "container $(podman inspect -f '{{.State.Status}} (exit code {{.State.ExitCode}}), health {{.State.Health.Status}}' "$MAIN" 2>&1)
$(probe_diagnosis "$MAIN")
logs:
$(container_logs "$MAIN")"
    return 1
  fi
  pass "healthy $(elapsed "$T_STARTED")s after start"
  local trace="$WORK/at-healthy"
  mkdir -p "$trace"
  check "at first healthy: OPTIONS over TCP answered at once" \
    env SIPP_LOCAL_IP=127.0.0.1 SIPP_TRACE_DIR="$trace" SIPP_TIMEOUT=3s "$SIPP_CHECK" options-tcp 127.0.0.1 "$SIP_PORT"
  check "at first healthy: one UDP OPTIONS, no retransmission, answered" \
    env SIPP_LOCAL_IP=127.0.0.1 SIPP_TRACE_DIR="$trace" SIPP_TIMEOUT=3s SIPP_MAX_RETRANS=0 "$SIPP_CHECK" options-udp 127.0.0.1 "$SIP_PORT"
  check "podman records the container as healthy" \
    expect_eq Health "$(podman inspect -f '{{.State.Health.Status}}' "$MAIN")" healthy
}

# 0 once the container's HEALTHCHECK passes, within HEALTHY_TIMEOUT_S of now; else what it saw.
wait_healthy() { # CONTAINER
  local t0
  t0="$(now)"
  while awk -v a="$t0" -v b="$(now)" -v l="$HEALTHY_TIMEOUT_S" 'BEGIN { exit !(b - a < l) }'; do
    probe_health "$1" && return 0
    [[ "$(podman inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" == running ]] || break
    sleep 0.3
  done
  echo "not healthy within ${HEALTHY_TIMEOUT_S}s; last probe:"
  podman inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' "$1" 2>&1 | tail -n 3
  container_logs "$1"
  return 1
}

# The HEALTHCHECK follows the admin port however it is given, as the server does: container
# arguments, a mounted file; with the admin endpoint off it probes SIP with OPTIONS.
check_health_follows_config() {
  step "HEALTHCHECK follows the configuration"
  local yaml="$WORK/admin-8082.yaml" name c
  printf 'admin:\n  port: 8082\n' >"$yaml"
  chmod 644 "$yaml"
  local -A args=(
    [args]="--admin-port 8081"
    [dotted]="--admin.port 8083"
    [file]="--config /etc/sip4xx/config.yaml"
    [off]="--admin-port 0"
  )
  local -A what=(
    [args]="--admin-port 8081 as container arguments"
    [dotted]="--admin.port 8083 as container arguments"
    [file]="admin.port 8082 in a mounted config file"
    [off]="--admin-port 0 (OPTIONS to the SIP port)"
  )
  for name in args dotted file off; do
    c="sip4xx-ctest-$RUN_ID-health-$name"
    # shellcheck disable=SC2086 # the arguments are meant to split
    if ! timeout 60 podman run -d --name "$c" --label "$LABEL" -v "$yaml:/etc/sip4xx/config.yaml:ro" "$IMAGE" ${args[$name]} >"$WORK/health-$name.log" 2>&1; then
      fail "container starts with ${what[$name]}" "$(grep -v 'systemd connection' "$WORK/health-$name.log")"
      continue
    fi
    check "healthy with ${what[$name]}" wait_healthy "$c"
    timeout 60 podman rm -f -t 0 "$c" >/dev/null 2>&1
  done
}

check_sip() {
  step "SIP through the published ports"
  local trace="$WORK/sip" c
  mkdir -p "$trace"
  local -A what=(
    [options-udp]="OPTIONS over UDP → 200"
    [options-tcp]="OPTIONS over TCP → 200"
    [invite-486-udp]="INVITE sip:486@127.0.0.1 over UDP → 486, ACK"
    [invite-486-tcp]="INVITE sip:486@127.0.0.1 over TCP → 486, ACK"
  )
  for c in options-udp options-tcp invite-486-udp invite-486-tcp; do
    check "${what[$c]} (SIPp)" \
      env SIPP_LOCAL_IP=127.0.0.1 SIPP_TRACE_DIR="$trace" "$SIPP_CHECK" "$c" 127.0.0.1 "$SIP_PORT"
  done
  # config/container.yaml sets this Server header: seeing it proves the mounted file was read.
  check "mounted /etc/sip4xx/config.yaml is in effect (Server: sip4xx (container))" \
    grep -q '^Server: sip4xx (container)' "$trace/options-udp.msg"
}

check_admin() {
  step "admin port"
  check "GET /healthz through the published admin port → 200" http_get_ok "http://127.0.0.1:$ADMIN_PORT/healthz"
  check "GET /metrics through the published admin port → 200 with metrics" \
    http_get_ok "http://127.0.0.1:$ADMIN_PORT/metrics" '^[a-z_:][a-z0-9_:]*(\{[^}]*\})? '
}

check_stop() {
  step "stop with SIGTERM"
  local t0 secs code
  t0="$(now)"
  timeout $((STOP_GRACE_S + 30)) podman stop -t "$STOP_GRACE_S" "$MAIN" >"$WORK/stop.log" 2>&1
  secs="$(elapsed "$t0")"
  code="$(podman inspect -f '{{.State.ExitCode}}' "$MAIN" 2>&1)"
  if [[ "$code" == 0 ]] && awk -v s="$secs" -v l="$STOP_GRACE_S" 'BEGIN { exit !(s < l) }'; then
    pass "exits 0 on SIGTERM in ${secs}s"
  else
    fail "exits 0 on SIGTERM before the ${STOP_GRACE_S}s grace period" "exit code $code after ${secs}s
$(grep -v 'systemd connection' "$WORK/stop.log")
logs:
$(container_logs "$MAIN")"
  fi
}

main() {
  echo "sip4xx container tests (run $RUN_ID)"
  install_prerequisites
  if ! take_lock; then
    fail "lock $CONTAINER_TEST_CONTAINER_CACHE/run.lock within 600s (another run holds it)"
    finish
  fi
  run_lints
  if prepare_podman && build_image; then
    check_image_config
    check_not_healthy_without_bind
    if start_server; then
      check_healthy_implies_bound
      check_health_follows_config
      check_sip
      check_admin
      check_stop
    fi
    check_compose
  fi
  finish
}

main "$@"
