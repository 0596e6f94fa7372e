#!/usr/bin/env bash
# One SIPp smoke check against a running sip4xx, or all of them.
#
#   sipp-check.sh CHECK HOST PORT
#     CHECK: options-udp | options-tcp | invite-486-udp | invite-486-tcp | all
#
# Prints "PASS <check>" or "FAIL <check>" per check and exits non-zero if any failed. Used by the
# `sipp` service of docker-compose.yml and, from the host, by scripts/container/test-container.sh.
# Environment (optional):
#   SIPP_LOCAL_IP    address SIPp binds and puts in Via/Contact (default: SIPp's choice)
#   SIPP_TRACE_DIR   keep each check's SIPp messages and screen there (<check>.msg, <check>.screen)
#   SIPP_TIMEOUT     overall limit per check, SIPp syntax (default 10s)
#   SIPP_MAX_RETRANS UDP retransmissions before giving up (default: SIPp's, 5 to 7); 0 makes
#                    a single lost datagram fail the check
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

run_check() {
  local check="$1" host="$2" port="$3"
  local scenario service="" transport
  case "$check" in
    options-udp) scenario=options.xml transport=u1 ;;
    options-tcp) scenario=options.xml transport=t1 ;;
    invite-486-udp) scenario=invite-486.xml transport=u1 service=486 ;;
    invite-486-tcp) scenario=invite-486.xml transport=t1 service=486 ;;
    *) echo "sipp-check: unknown check '$check'" >&2; return 2 ;;
  esac
  local work trace_dir
  work="$(mktemp -d)"
  trace_dir="${SIPP_TRACE_DIR:-$work}"
  local -a args=(-sf "$here/$scenario" -m 1 -t "$transport" -nostdin
    -timeout "${SIPP_TIMEOUT:-10s}" -timeout_error
    -trace_msg -message_file "$trace_dir/$check.msg")
  [[ -n "$service" ]] && args+=(-s "$service")
  [[ -n "${SIPP_LOCAL_IP:-}" ]] && args+=(-i "$SIPP_LOCAL_IP")
  [[ -n "${SIPP_MAX_RETRANS:-}" ]] && args+=(-max_retrans "$SIPP_MAX_RETRANS")
  local attempt rc=0
  # SIPp's local port defaults to 5060, which must stay free for servers: pick a random high one,
  # and pick again if it happens to be taken (exit code 254: could not bind).
  for attempt in 1 2 3; do
    : "$attempt"
    local lport=$((20000 + RANDOM % 40000))
    sipp "${args[@]}" -p "$lport" "$host:$port" >"$trace_dir/$check.screen" 2>&1
    rc=$?
    [[ $rc -eq 254 ]] || break
  done
  if [[ $rc -eq 0 ]]; then
    echo "PASS $check"
  else
    echo "FAIL $check (sipp exit $rc)"
    sed -n '/Messages  Retrans/,/Test Terminated/p' "$trace_dir/$check.screen" | sed 's/^/    /'
    grep -v '^ *$' "$trace_dir/$check.screen" | grep -iE 'error|unexpected|refused|aborted' | head -5 | sed 's/^/    /'
  fi
  [[ -z "${SIPP_TRACE_DIR:-}" ]] && rm -rf "$work"
  return $((rc == 0 ? 0 : 1))
}

main() {
  if [[ $# -ne 3 ]]; then
    sed -n '2,4p' "${BASH_SOURCE[0]}" >&2
    return 2
  fi
  local check="$1" host="$2" port="$3" failed=0 c
  if [[ "$check" == all ]]; then
    for c in options-udp options-tcp invite-486-udp invite-486-tcp; do
      run_check "$c" "$host" "$port" || failed=$((failed + 1))
    done
  else
    run_check "$check" "$host" "$port" || failed=1
  fi
  return $((failed == 0 ? 0 : 1))
}

main "$@"
