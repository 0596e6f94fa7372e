#!/usr/bin/env bash
# Interop tests against real SIP peers: every SIPp scenario in test/peers/scenarios over UDP and TCP,
# plus sipsak (OPTIONS pings, REGISTER through the digest challenge), sipvicious svcrack (finds
# alice's password in a short wordlist), sofia-sip's sip-options and twinkle (CLI mode, registers
# alice), all against one sip4xx server on its default configuration on a free port of 127.0.0.1.
#
#   npm run test:peers            (or: bash test/peers/run.sh)
#
# Prints one line per case and, last, exactly one line "N passed, N failed". Exits non-zero if
# anything failed, including a missing sipp/sipsak: a peer test that cannot run is never a pass.
# Env: PEERS_KEEP_LOGS=1 keeps the per-case logs (their directory is printed).
#
# A scenario may carry directives in its XML comments:
#   peers-transports: udp              run it over these transports only (default: udp tcp)
#   peers-check: 2_486_Retrans == 2    after SIPp succeeds, compare a column of its -trace_counts
#                                      CSV (message index_name_counter) with == != >= <= > <
#   peers-args: -au alice -ap secret   extra SIPp arguments (split on blanks, no globbing)
#   peers-server-args: --registrar.minExpires 120
#                                      run it against a second sip4xx started with these extra flags
#                                      (split likewise) on its own free port; scenarios naming the
#                                      same flags share that server
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

passed=0
failed=0
summary() { echo "$passed passed, $failed failed"; }

# ---- prerequisites ---------------------------------------------------------------------------
missing=()
command -v sipp >/dev/null 2>&1 || missing+=(sipp)
command -v sipsak >/dev/null 2>&1 || missing+=(sipsak)
command -v svcrack >/dev/null 2>&1 || missing+=(svcrack)
command -v sip-options >/dev/null 2>&1 || missing+=(sip-options)
command -v twinkle >/dev/null 2>&1 || missing+=(twinkle)
if ((${#missing[@]})); then
  if [[ "${CI:-}" == "true" ]]; then
    echo "FATAL: ${missing[*]} not installed, but CI=true: the CI job must install them" \
      "(apt-get install -y sip-tester sipsak sipvicious sofia-sip-bin twinkle-console) before running the peer tests." >&2
  else
    echo "ERROR: ${missing[*]} not installed; the peer tests need them all. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y sip-tester sipsak sipvicious sofia-sip-bin twinkle-console" >&2
  fi
  echo "FAIL  setup  peer tools present (missing: ${missing[*]})"
  failed=1
  summary
  exit 1
fi
if [[ ! -e node_modules/tsx ]]; then
  echo "ERROR: node_modules/tsx missing; run 'npm ci' first." >&2
  echo "FAIL  setup  node_modules installed"
  failed=1
  summary
  exit 1
fi

# ---- server ------------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/sip4xx-peers.XXXXXX")
server_pid=""
declare -A alt_pid=() alt_port=() alt_log=() # per peers-server-args: the extra servers
tw_pid="" # a twinkle run under way (run_twinkle)
cleanup() {
  local pid
  [[ -n "$tw_pid" ]] && kill -TERM "$tw_pid" 2>/dev/null
  for pid in "${alt_pid[@]}"; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null
  fi
  if [[ "${PEERS_KEEP_LOGS:-}" == "1" ]]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ports=$(node "$here/net.mjs" free-ports 2); then
  echo "FAIL  setup  could not find free ports"
  failed=1
  summary
  exit 1
fi
port=$(sed -n 1p <<<"$ports")     # the server's UDP+TCP port
sipp_port=$(sed -n 2p <<<"$ports") # SIPp's local port (-p), reused by the sequential runs

# One process (node --import tsx), so its pid is the server's pid and the trap can stop it.
# calls.slowMs: the `slow` user's 408 comes after 1 s, so invite-slow-100-408 stays quick.
node --import tsx src/main.ts --host 127.0.0.1 --port "$port" --admin.port 0 --log-level info --calls.slowMs 1000 \
  >"$work/server.log" 2>&1 </dev/null &
server_pid=$!

if ! node "$here/net.mjs" wait-ready "$port" 20000 "$server_pid"; then
  echo "server did not answer OPTIONS on 127.0.0.1:$port within 20s (or exited); its log:" >&2
  tail -n 40 "$work/server.log" | sed 's/^/  | /' >&2
  echo "FAIL  setup  server starts and answers"
  failed=1
  summary
  exit 1
fi
echo "sip4xx listening on 127.0.0.1:$port (UDP+TCP); sipp local port $sipp_port"

# ---- cases -----------------------------------------------------------------------------------
# record NAME STATUS [LOGFILE...]: one result line; on failure the logs are shown indented.
record() {
  local name=$1 status=$2
  shift 2
  if [[ "$status" == 0 ]]; then
    passed=$((passed + 1))
    echo "PASS  $name"
  else
    failed=$((failed + 1))
    echo "FAIL  $name (exit $status)"
    local f
    for f in "$@"; do
      [[ -s "$f" ]] || continue
      echo "  --- $(basename "$f") (last 60 lines)"
      tail -n 60 "$f" | sed 's/^/  | /'
    done
  fi
}

server_alive() { kill -0 "$server_pid" 2>/dev/null; }

# directive SCENARIO NAME: the rest of the scenario's first "NAME:" line (empty if none).
directive() {
  sed -n "s/.*$2: *\(.*[^ ]\) *\$/\1/p" "$1" | sed 's/ *-->.*//' | head -n 1
}

# server_for SCENARIO: set target_port / target_pid / target_log to the server the scenario runs
# against: the main one, or (peers-server-args) a second one started on first use. Returns 1 if
# that server cannot be started.
server_for() {
  local extra ports p flags=()
  extra=$(directive "$1" peers-server-args)
  if [[ -z "$extra" ]]; then
    target_port=$port target_pid=$server_pid target_log="$work/server.log"
    return 0
  fi
  if [[ -z "${alt_pid[$extra]:-}" ]]; then
    read -r -a flags <<<"$extra"
    ports=$(node "$here/net.mjs" free-ports 3) || return 1
    for p in $ports; do [[ "$p" != "$port" && "$p" != "$sipp_port" ]] && break; done
    alt_port[$extra]=$p
    alt_log[$extra]="$work/server-${#alt_pid[@]}.log"
    # --admin.port 0: the main server may hold the admin port.
    node --import tsx src/main.ts --host 127.0.0.1 --port "$p" --log-level warn --admin.port 0 \
      --calls.slowMs 1000 "${flags[@]}" >"${alt_log[$extra]}" 2>&1 </dev/null &
    alt_pid[$extra]=$!
    if ! node "$here/net.mjs" wait-ready "$p" 20000 "${alt_pid[$extra]}"; then
      echo "server with '$extra' did not answer on 127.0.0.1:$p within 20s (or exited)" >&2
      return 1
    fi
    echo "sip4xx with '$extra' listening on 127.0.0.1:$p (UDP+TCP)"
  fi
  target_port=${alt_port[$extra]} target_pid=${alt_pid[$extra]} target_log=${alt_log[$extra]}
  kill -0 "$target_pid" 2>/dev/null
}

run_sipp() { # run_sipp SCENARIO_FILE TRANSPORT(udp|tcp)
  local scenario=$1 transport=$2 flag name dir status target_port target_pid target_log extra_args=()
  name="sipp  $transport  $(basename "$scenario" .xml)"
  case "$transport" in udp) flag=u1 ;; tcp) flag=t1 ;; esac
  if ! server_alive; then record "$name" "server-died"; return; fi
  if ! server_for "$scenario"; then record "$name" "server-for-scenario" "${target_log:-}"; return; fi
  read -r -a extra_args <<<"$(directive "$scenario" peers-args)"
  dir="$work/$(basename "$scenario" .xml)-$transport"
  mkdir -p "$dir"
  # -m 1: one call; -timeout 20s -timeout_error: a hung run fails instead of waiting;
  # SIPp's exit status is 0 only when every call succeeded (all <recv> and check_it ereg passed).
  (cd "$dir" && timeout 30 sipp "127.0.0.1:$target_port" -sf "$scenario" -t "$flag" \
    -i 127.0.0.1 -p "$sipp_port" -m 1 -timeout 20s -timeout_error -nostdin \
    -trace_msg -message_file messages.log -trace_err -error_file errors.log \
    -trace_logs -log_file actions.log -trace_counts "${extra_args[@]}" >screen.log 2>&1 </dev/null)
  status=$?
  if [[ "$status" == 0 ]]; then check_counts "$scenario" "$dir" || status=count-check; fi
  record "$name" "$status" "$dir/errors.log" "$dir/counts-check.log" "$dir/actions.log" "$dir/messages.log"
}

# check_counts SCENARIO DIR: apply the scenario's "peers-check: COLUMN OP N" lines to the last row
# of SIPp's counts CSV (written by -trace_counts as <name>_<pid>_counts.csv).
check_counts() {
  local scenario=$1 dir=$2 csv column op want got ok=0
  grep -q 'peers-check:' "$scenario" || return 0
  csv=$(ls "$dir"/*_counts.csv 2>/dev/null | head -n 1)
  while read -r column op want; do
    got=""
    [[ -n "$csv" ]] && got=$(awk -F';' -v col="$column" '
      NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
      c { v = $c } END { if (c) print v }' "$csv")
    case "$op" in ==|!=|'>='|'<='|'>'|'<') ;; *) got="" ;; esac
    if [[ -z "$got" ]]; then
      echo "peers-check: $column $op $want: no such column/operator in ${csv:-(no counts CSV)}" >>"$dir/counts-check.log"
      ok=1
    elif ! (( got $op want )); then
      echo "peers-check: expected $column $op $want, got $got" >>"$dir/counts-check.log"
      ok=1
    fi
  done < <(sed -n 's/.*peers-check: *\([A-Za-z0-9_]*\) *\([=!<>]=\{0,1\}\) *\([0-9][0-9]*\).*/\1 \2 \3/p' "$scenario")
  return $ok
}

# Transports a scenario runs over: its "peers-transports:" line, else both.
transports_of() {
  local t
  t=$(sed -n 's/.*peers-transports: *\([a-z ]*[a-z]\).*/\1/p' "$1" | head -n 1)
  echo "${t:-udp tcp}"
}

run_sipsak() { # run_sipsak TRANSPORT(udp|tcp): OPTIONS ping must get 200 OK
  local transport=$1 name out status
  name="sipsak  $transport  options-200"
  if ! server_alive; then record "$name" "server-died"; return; fi
  out="$work/sipsak-$transport.log"
  local args=(-vv -s "sip:127.0.0.1:$port")
  [[ "$transport" == tcp ]] && args+=(-E tcp)
  timeout 20 sipsak "${args[@]}" >"$out" 2>&1 </dev/null
  status=$?
  # sipsak exits 0 for a 2xx final response; also insist that it was a 200 to OPTIONS.
  if [[ "$status" == 0 ]] && ! grep -q '^SIP/2.0 200 ' "$out"; then status=no-200; fi
  record "$name" "$status" "$out"
}

# The digest users of the default configuration (config/default.yaml): alice / secret.
run_sipsak_register() { # run_sipsak_register TRANSPORT(udp|tcp): REGISTER alice -> 401 -> 200
  local transport=$1 name out status callid codes
  name="sipsak  $transport  register-401-auth-200"
  if ! server_alive; then record "$name" "server-died"; return; fi
  out="$work/sipsak-register-$transport.log"
  # -U -C: register this Contact only (usrloc mode); -x 600: above registrar.minExpires (sipsak's
  # default 15 would get 423, which sipsak does not retry); -i: no Via-insertion warning.
  local args=(-U -C "sip:alice@127.0.0.1:9" -s "sip:alice@127.0.0.1:$port" -a secret -u alice -x 600 -i -vvv)
  [[ "$transport" == tcp ]] && args+=(-E tcp)
  timeout 20 sipsak "${args[@]}" >"$out" 2>&1 </dev/null
  status=$?
  if [[ "$status" == 0 ]]; then
    if ! grep -q '^WWW-Authenticate: Digest .*algorithm=MD5' "$out"; then status=no-md5-challenge
    elif ! grep -q '^Authorization: Digest username="alice"' "$out"; then status=no-authorization
    elif ! grep -q '^SIP/2.0 200 OK' "$out"; then status=no-200
    elif ! grep -q 'All usrloc tests completed successful' "$out"; then status=not-successful
    fi
  fi
  # The server's side: this Call-ID answered 401 (auth) then 200 (registrar), over this transport.
  callid=$(sed -n 's/^Call-ID: *\([^[:space:]]*\).*/\1/p' "$out" | head -n 1)
  if [[ "$status" == 0 ]]; then
    codes=$(server_codes "$callid" "$transport")
    [[ "$codes" == "401/auth 200/registrar" ]] || { status=server-logged; echo "sip4xx logged: ${codes:-nothing}" >>"$out"; }
  fi
  record "$name" "$status" "$out"
}

# server_codes CALL-ID TRANSPORT: "code/rule ..." of the main server's answered lines for a Call-ID
# that came over TRANSPORT (it logs at info level for these cases).
server_codes() {
  [[ -n "$1" ]] || return 0
  grep -F "\"callId\":\"$1\"" "$work/server.log" | grep -F "\"transport\":\"$2\"" \
    | sed -n 's/.*"code":\([0-9]*\),"rule":"\([^"]*\)".*/\1\/\2/p' | tr '\n' ' ' | sed 's/ $//'
}

run_svcrack() { # sipvicious svcrack (UDP only; never -R): must find alice's password in a wordlist
  local name="svcrack  udp  finds-alice-password" out status dir
  if ! server_alive; then record "$name" "server-died"; return; fi
  dir="$work/svcrack"
  mkdir -p "$dir"
  out="$dir/svcrack.log"
  printf '%s\n' password 123456 alice letmein secret qwerty >"$dir/words.txt"
  # HOME: sipvicious keeps its session files under ~/.sipvicious. --maximumtime bounds a server
  # that stops answering; timeout bounds everything else.
  (cd "$dir" && HOME="$dir" timeout 60 svcrack -u alice -d words.txt -b 127.0.0.1 -x 127.0.0.1 \
    --maximumtime=10 "udp://127.0.0.1:$port" >"$out" 2>&1 </dev/null)
  status=$?
  if [[ "$status" == 0 ]]; then
    if grep -q 'Traceback' "$out"; then status=crashed
    elif ! grep -Eq '^\| *alice *\| *secret *\|' "$out"; then status=password-not-found
    fi
  fi
  record "$name" "$status" "$out"
}

run_sip_options() { # run_sip_options TRANSPORT: sofia-sip's sip-options prints the 200 and exits 0
  local transport=$1 name out status uri
  name="sip-options  $transport  options-200"
  if ! server_alive; then record "$name" "server-died"; return; fi
  out="$work/sip-options-$transport.log"
  uri="sip:127.0.0.1:$port"
  [[ "$transport" == tcp ]] && uri+=";transport=tcp"
  timeout 20 sip-options "--bind=sip:127.0.0.1:*" "$uri" >"$out" 2>&1 </dev/null
  status=$?
  if [[ "$status" == 0 ]]; then
    if ! grep -q '^SIP/2.0 200 OK' "$out"; then status=no-200
    elif ! grep -q '^Allow: .*OPTIONS' "$out"; then status=no-allow
    fi
  fi
  record "$name" "$status" "$out"
}

run_twinkle() { # run_twinkle TRANSPORT: twinkle -c registers alice through the 401, then quits
  local transport=$1 name out status dir tport callid codes
  name="twinkle  $transport  register-401-auth-200"
  if ! server_alive; then record "$name" "server-died"; return; fi
  dir="$work/twinkle-$transport"
  mkdir -p "$dir/.twinkle"
  out="$dir/stdout.log"
  tport=$(node "$here/net.mjs" free-ports 1) || { record "$name" "no-free-port"; return; }
  # A profile and system settings in a HOME of its own: account alice/secret at our server.
  printf '%s\n' user_name=alice user_domain=127.0.0.1 auth_name=alice auth_pass=secret \
    "registrar=127.0.0.1:$port" register_at_startup=yes registration_time=600 "sip_transport=$transport" \
    >"$dir/.twinkle/alice.cfg"
  printf '%s\n' ip_address=127.0.0.1 "sip_udp_port=$tport" >"$dir/.twinkle/twinkle.sys"
  mkfifo "$dir/stdin"
  # No subshell: $! is timeout's pid, and timeout passes a TERM from cleanup on to twinkle.
  HOME="$dir" timeout 30 twinkle -c -f alice --sip-port "$tport" <"$dir/stdin" >"$out" 2>&1 &
  tw_pid=$!
  exec {tw_in}>"$dir/stdin"
  # Registered within 10 s (50 x 0.2 s), or a failure line, or twinkle gone.
  for _ in $(seq 50); do
    grep -Eq 'registration (succeeded|failed)' "$out" && break
    kill -0 "$tw_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo quit >&"$tw_in"
  exec {tw_in}>&-
  wait "$tw_pid"
  status=$?
  tw_pid=""
  if [[ "$status" == 0 ]] && ! grep -q 'alice: registration succeeded' "$out"; then status=not-registered; fi
  # The server's side, by the Call-ID in twinkle's own log: 401 (auth, MD5) then 200 (registrar).
  callid=$(sed -n 's/^Call-ID: *\([^[:space:]]*\).*/\1/p' "$dir/.twinkle/twinkle.log" 2>/dev/null | head -n 1)
  if [[ "$status" == 0 ]]; then
    codes=$(server_codes "$callid" "$transport")
    [[ "$codes" == "401/auth 200/registrar"* ]] || { status=server-logged; echo "sip4xx logged: ${codes:-nothing}" >>"$out"; }
  fi
  if [[ "$status" == 0 ]] && ! grep -q '^Authorization: Digest username="alice",.*algorithm=MD5' "$dir/.twinkle/twinkle.log"; then
    status=no-md5-authorization
  fi
  record "$name" "$status" "$out" "$dir/.twinkle/twinkle.log"
}

shopt -s nullglob
scenarios=("$here"/scenarios/*.xml)
if ((${#scenarios[@]} == 0)); then record "sipp  scenarios present" "none-found"; fi
for scenario in "${scenarios[@]}"; do
  for transport in $(transports_of "$scenario"); do run_sipp "$scenario" "$transport"; done
done
run_sipsak udp
run_sipsak tcp
run_sipsak_register udp
run_sipsak_register tcp
run_svcrack
run_sip_options udp
run_sip_options tcp
run_twinkle udp
run_twinkle tcp

if ! server_alive; then
  echo "server exited during the run; its log:" >&2
  tail -n 40 "$work/server.log" | sed 's/^/  | /' >&2
  record "server  still running after all cases" "died"
fi
for extra in "${!alt_pid[@]}"; do
  kill -0 "${alt_pid[$extra]}" 2>/dev/null && continue
  record "server ($extra)  still running after all cases" "died" "${alt_log[$extra]}"
done

summary
((failed == 0))
