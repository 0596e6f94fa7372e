# shellcheck shell=bash
# Sourced by test-container.sh (uses its ROOT, WORK, BASE_IMAGE, COMPOSE_PROJECT, harness and
# probe helpers): runs docker-compose.yml for real, not just `config`, so that its build args,
# mount, inherited healthcheck, depends_on: service_healthy and the sipp profile are exercised.

# docker-compose (v1, Debian's) speaks the Docker API; podman serves the same API on a socket,
# so the real compose file is built, started and torn down without a Docker engine.
compose() { # TIMEOUT_S ARGS...
  local limit="$1"
  shift
  DOCKER_HOST="unix://$WORK/podman.sock" timeout "$limit" docker-compose \
    --project-directory "$ROOT" -f "$ROOT/docker-compose.yml" -p "$COMPOSE_PROJECT" "$@"
}

start_podman_service() {
  podman system service --time=0 "unix://$WORK/podman.sock" >"$WORK/podman-service.log" 2>&1 9>&- &
  # shellcheck disable=SC2034 # read by cleanup in test-container.sh
  PODMAN_SERVICE_PID=$!
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -S "$WORK/podman.sock" ]] && return 0
    sleep 0.2
  done
  cat "$WORK/podman-service.log"
  return 1
}

compose_stop_exit_code() {
  local c="${COMPOSE_PROJECT}_sip4xx_1" code
  compose $((STOP_GRACE_S + 30)) stop sip4xx >/dev/null 2>&1
  code="$(podman inspect -f '{{.State.ExitCode}}' "$c" 2>&1)"
  [[ "$code" == 0 ]] || { echo "exit code $code"; container_logs "$c"; return 1; }
}

check_compose() {
  step "docker-compose.yml for real (docker-compose → podman API)"
  if [[ "${CONTAINER_TEST_SKIP_COMPOSE:-}" == 1 ]]; then
    echo "  skip  CONTAINER_TEST_SKIP_COMPOSE=1"
    return
  fi
  if ! start_podman_service >"$WORK/service-start.log" 2>&1; then
    fail "podman API service starts" "$(cat "$WORK/service-start.log")"
    return
  fi
  local sip_port admin_port
  if ! sip_port="$(free_port)" || ! admin_port="$(free_port)"; then
    fail "free local ports"
    return
  fi
  export NODE_BASE_IMAGE="$BASE_IMAGE" SIPP_BASE_IMAGE="$BASE_IMAGE" \
    HOST_PUBLISH_IP=127.0.0.1 HOST_SIP_PORT="$sip_port" HOST_ADMIN_PORT="$admin_port"
  local t0
  t0="$(now)"
  if ! interruptible "$WORK/compose-up.log" compose 900 up -d --build sip4xx; then
    fail "compose up --build sip4xx" "$(grep -v '^\(--> \|STEP\|\[\)' "$WORK/compose-up.log" | tail -n 30)"
    return
  fi
  pass "compose up --build sip4xx (config/container.yaml mounted)$(took "$t0")"
  # No systemd, so nothing runs the health probe on its schedule; do it, or `depends_on:
  # condition: service_healthy` would wait forever.
  (
    for ((i = 0; i < 300; i++)); do
      probe_health "${COMPOSE_PROJECT}_sip4xx_1"
      sleep 1
    done
  ) 9>&- &
  HEALTH_DRIVER_PID=$!
  t0="$(now)"
  if interruptible "$WORK/compose-build-sipp.log" compose 900 --profile sipp build sipp; then
    pass "compose --profile sipp build sipp (SIPp from Debian's sip-tester)$(took "$t0")"
    check "compose --profile sipp run sipp: SIPp in its own container reaches service sip4xx (4 checks)" \
      compose 900 --profile sipp run --rm -T sipp
  else
    fail "compose --profile sipp build sipp" "$(tail -n 30 "$WORK/compose-build-sipp.log")"
  fi
  kill "$HEALTH_DRIVER_PID" 2>/dev/null
  HEALTH_DRIVER_PID=""
  check "compose stop: sip4xx exits 0" compose_stop_exit_code
  check "compose down removes containers and network" \
    compose 120 --profile sipp down --volumes --remove-orphans
}
