# shellcheck shell=bash
# Sourced by test-container.sh: the test harness. Counts checks, times steps, prints
# "N passed, N failed" last, and runs long steps so that a signal can stop them.
#
#   step NAME                 start a timed section
#   check NAME COMMAND...     pass if COMMAND succeeds; its output is shown only on failure
#   pass NAME / fail NAME [DETAIL]
#   interruptible LOG CMD...  run CMD in the background, output to LOG, and wait for it
#   finish                    print timings and the summary line, exit 0 or 1
#
# shellcheck disable=SC2317 # functions run through `check` and traps look unreachable to it

passed=0
failed=0
declare -a failures=() timings=()

now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

T_ALL="$(now)"
T_STEP=""
STEP_NAME=""
step() {
  end_step
  STEP_NAME="$1"
  T_STEP="$(now)"
  printf '\n== %s\n' "$STEP_NAME"
}
end_step() {
  if [[ -n "$STEP_NAME" ]]; then
    local secs
    secs="$(elapsed "$T_STEP")"
    timings+=("$(printf '%6ss  %s' "$secs" "$STEP_NAME")")
    printf -- '-- %s: %ss\n' "$STEP_NAME" "$secs"
    STEP_NAME=""
  fi
}

pass() {
  passed=$((passed + 1))
  printf '  ok    %s\n' "$1"
}
fail() {
  failed=$((failed + 1))
  failures+=("$1")
  printf '  FAIL  %s\n' "$1"
  [[ $# -gt 1 && -n "$2" ]] && printf '%s\n' "$2" | sed 's/^/        /'
  return 0
}
# check NAME COMMAND...: pass if COMMAND succeeds; its output is shown only on failure.
check() {
  local name="$1" out t0
  shift
  t0="$(now)"
  if out="$("$@" 2>&1)"; then
    pass "$name$(took "$t0")"
  else
    fail "$name$(took "$t0")" "$(printf '%s\n' "$out" | tail -n 25)"
  fi
}
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { if (b - a >= 0.3) printf " (%.1fs)", b - a }'; }

# Long steps run in the background and are waited for: bash runs a trap only once the foreground
# command ends, but `wait` returns at once on a signal. So SIGTERM from a CI timeout or ^C stops
# the step now and still leaves time for cleanup. The log redirection belongs to the step alone:
# on the caller it would also swallow what the trap prints.
CHILD_PID=""
interruptible() { # LOG COMMAND...
  local log="$1"
  shift
  "$@" >"$log" 2>&1 9>&- &
  CHILD_PID=$!
  wait "$CHILD_PID"
  local rc=$?
  CHILD_PID=""
  return "$rc"
}
# The step's whole process tree, deepest first: some tools (mmdebstrap during apt) ignore SIGTERM
# themselves and stop only when their children do, as they would on ^C at a terminal.
descendants() {
  local c
  for c in $(pgrep -P "$1"); do
    descendants "$c"
    echo "$c"
  done
}
on_signal() {
  echo "interrupted" >&2
  if [[ -n "$CHILD_PID" ]]; then
    # shellcheck disable=SC2046 # one pid per word
    kill -TERM $(descendants "$CHILD_PID") "$CHILD_PID" 2>/dev/null
    wait "$CHILD_PID" 2>/dev/null
  fi
  exit 130
}

finish() {
  end_step
  printf '\n== timings\n'
  printf '%s\n' "${timings[@]}"
  printf '%6ss  total\n' "$(elapsed "$T_ALL")"
  if ((failed > 0)); then
    printf '\nfailed:\n'
    printf '  - %s\n' "${failures[@]}"
  fi
  printf '\n%d passed, %d failed\n' "$passed" "$failed"
  exit $((failed == 0 ? 0 : 1))
}
