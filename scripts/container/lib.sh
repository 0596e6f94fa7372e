# shellcheck shell=bash
# Sourced by test-container.sh: counting checks, bounded waits, and helpers that ask the running
# containers. The last line of a run is always "N passed, N failed".
#
#   step NAME                section header
#   check NAME COMMAND...    pass if COMMAND succeeds; its output is shown only on failure
#   pass NAME / fail NAME [DETAIL]
#   in_background LOG CMD... run CMD with output to LOG and wait: a signal then stops it at once
#   finish                   print $FINISH_NOTE if set, then the summary line; exit 0 or 1
#
# shellcheck disable=SC2016 # the single-quoted node programs expand in node, not here
# shellcheck disable=SC2317 # functions run through `check` and traps look unreachable to it

passed=0
failed=0
declare -a failures=()
T_ALL=$SECONDS

step() { printf '\n== %s\n' "$1"; }
pass() {
  passed=$((passed + 1))
  printf '  ok    %s\n' "$1"
}
fail() {
  failed=$((failed + 1))
  failures+=("$1")
  printf '  FAIL  %s\n' "$1"
  [[ -n "${2:-}" ]] && printf '%s\n' "$2" | sed 's/^/        /'
  return 0
}
check() {
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then pass "$name"; else fail "$name" "$(printf '%s\n' "$out" | tail -n 25)"; fi
}
finish() {
  printf '\n%ss in all\n' "$((SECONDS - T_ALL))"
  ((failed > 0)) && printf '  - %s\n' "${failures[@]}"
  [[ -n "${FINISH_NOTE:-}" ]] && printf '%s\n' "$FINISH_NOTE"
  printf '\n%d passed, %d failed\n' "$passed" "$failed"
  exit $((failed == 0 ? 0 : 1))
}

# bash runs a trap only once the foreground command ends, but `wait` returns at once on a signal:
# so ^C or a CI timeout stops a long build now and still leaves time for cleanup. 9>&-: the child
# does not inherit the run lock.
CHILD_PID=""
in_background() { # LOG COMMAND...
  local log="$1" rc
  shift
  "$@" >"$log" 2>&1 9>&- &
  CHILD_PID=$!
  wait "$CHILD_PID"
  rc=$?
  CHILD_PID=""
  return "$rc"
}
# The step's whole process tree, deepest first: mmdebstrap ignores SIGTERM until its children end.
descendants() {
  local c
  for c in $(pgrep -P "$1"); do
    descendants "$c"
    echo "$c"
  done
}
on_signal() {
  echo "interrupted" >&2
  # shellcheck disable=SC2046 # one pid per word
  [[ -n "$CHILD_PID" ]] && kill -TERM $(descendants "$CHILD_PID") "$CHILD_PID" 2>/dev/null
  exit 130
}

# 0 while fewer than LIMIT seconds have passed since START ($SECONDS values).
within() { ((SECONDS - $1 < $2)); }

# A port free for both TCP and UDP on 127.0.0.1, chosen by the kernel; or $1 when it is set.
free_port() {
  [[ -n "${1:-}" ]] && { echo "$1"; return; }
  node -e '
    const net = require("node:net"), dgram = require("node:dgram");
    const tryOne = (n) => { const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address(); s.close();
      const u = dgram.createSocket("udp4");
      u.once("error", () => { u.close(); if (n > 0) tryOne(n - 1); else process.exit(1); });
      u.bind(port, "127.0.0.1", () => { u.close(); console.log(port); });
    }); };
    tryOne(20);'
}

http_get_ok() { # URL [BODY-REGEX]
  node -e '
    const [url, want] = process.argv.slice(1);
    fetch(url, { signal: AbortSignal.timeout(3000) }).then(async (r) => {
      const body = await r.text();
      if (!r.ok) { console.error(`${url}: HTTP ${r.status}: ${body.slice(0, 300)}`); process.exit(1); }
      if (want && !new RegExp(want, "m").test(body)) { console.error(`${url}: body lacks /${want}/:\n${body.slice(0, 300)}`); process.exit(1); }
    }, (e) => { console.error(`${url}: ${e.cause?.code ?? e.message}`); process.exit(1); });' "$@"
}

expect_eq() { # WHAT GOT WANT
  [[ "$2" == "$3" ]] || { echo "$1: got '$2', want '$3'"; return 1; }
}

container_logs() { timeout 10 podman logs --tail 25 "$1" 2>&1 | grep -v 'systemd connection'; }
state_of() { podman inspect -f '{{.State.Status}}' "$1" 2>/dev/null; }

# Without systemd `podman run` cannot arm the health timer (it says so and carries on), so the
# tests run the probe as the timer would, and podman records the result.
probe_health() { timeout 10 podman healthcheck run "$1" >/dev/null 2>&1; }

# 0 once CONTAINER's HEALTHCHECK passes within LIMIT seconds of START; else what it saw.
wait_healthy() { # CONTAINER START LIMIT
  while within "$2" "$3"; do
    probe_health "$1" && return 0
    [[ "$(state_of "$1")" == running ]] || break
    sleep 0.3
  done
  echo "not healthy within $3s ($(podman inspect -f '{{.State.Status}}, exit code {{.State.ExitCode}}' "$1" 2>&1)); last probe:"
  podman inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' "$1" 2>&1 | tail -n 3
  container_logs "$1"
  return 1
}

# A raw OPTIONS over TLS (RFC 3261 §26) through openssl s_client, as an operator would type it; the
# server's certificate is self-signed, so s_client's verification result is ignored. 0 when the
# answer on that connection is "SIP/2.0 200" with our Call-ID.
tls_options() { # PORT
  local callid="ctest-tls-$RANDOM$RANDOM" out req
  req="OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK$callid;rport\r\nMax-Forwards: 70\r\nFrom: <sip:ctest@127.0.0.1>;tag=$callid\r\nTo: <sip:127.0.0.1>\r\nCall-ID: $callid\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
  # -quiet implies -ign_eof; -no_ign_eof closes once stdin ends, 2 s after the request.
  out="$({ printf '%b' "$req"; sleep 2; } | timeout 10 openssl s_client -connect "127.0.0.1:$1" -quiet -no_ign_eof 2>/dev/null | tr -d '\r')"
  [[ "$(head -n 1 <<<"$out")" == "SIP/2.0 200 OK" ]] && grep -qxF "Call-ID: $callid" <<<"$out" && return 0
  printf 'openssl s_client -connect 127.0.0.1:%s got:\n%s\n' "$1" "${out:-(nothing)}"
  return 1
}

# An OPTIONS over secure WebSocket (RFC 7118: subprotocol "sip", one message per WebSocket message)
# with the project's own `ws` package from node_modules, the self-signed certificate accepted.
wss_options() { # PORT
  node -e '
    const [root, port] = process.argv.slice(1);
    const WebSocket = require(`${root}/node_modules/ws`);
    const id = `ctest-wss-${process.pid}`;
    const ws = new WebSocket(`wss://127.0.0.1:${port}`, ["sip"], { rejectUnauthorized: false });
    const bail = (why) => { console.error(why); ws.terminate(); process.exit(1); };
    const timer = setTimeout(() => bail("no answer within 5 s"), 5000);
    ws.on("error", (e) => bail(`wss://127.0.0.1:${port}: ${e.message}`));
    ws.on("open", () => {
      if (ws.protocol !== "sip") bail(`subprotocol ${JSON.stringify(ws.protocol)}, not sip`);
      ws.send(`OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WSS ctest.invalid;branch=z9hG4bK${id};rport\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:ctest@127.0.0.1>;tag=${id}\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ${id}\r\n` +
        "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
    });
    ws.on("message", (data) => {
      const msg = data.toString();
      if (!msg.startsWith("SIP/2.0 200 OK\r\n") || !msg.includes(`\r\nCall-ID: ${id}\r\n`)) bail(`got:\n${msg}`);
      clearTimeout(timer);
      ws.close();
    });' "$ROOT" "$1"
}
