# shellcheck shell=bash
# Sourced by test-container.sh (uses its ROOT, HERE, WORK and harness): static checks of the
# container files — Dockerfiles, compose file, the shell scripts themselves.
#
# shellcheck disable=SC2016 # the single-quoted node program expands in node, not here

DOCKERFILE_UTILS="dockerfile-utils@0.16.3"

# dockerfile-utils is the Dockerfile validator behind VS Code's Docker support (rcjsuen); hadolint
# is not packaged for Debian 12 and its npm wrappers only call a binary that must already exist.
# Installed once into the cache so warm runs need no registry round trip.
install_dockerfile_utils() {
  local dir="$CONTAINER_TEST_CONTAINER_CACHE/tools/$DOCKERFILE_UTILS"
  DOCKERFILE_UTILS_BIN="$dir/node_modules/.bin/dockerfile-utils"
  [[ -x "$DOCKERFILE_UTILS_BIN" ]] && return 0
  mkdir -p "$dir"
  if ! npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$DOCKERFILE_UTILS" \
    >"$WORK/npm-install.log" 2>&1; then
    cat "$WORK/npm-install.log"
    return 1
  fi
}

lint_dockerfile() { # FILE
  local out
  out="$("$DOCKERFILE_UTILS_BIN" lint --json "$1" 2>&1)"
  # Warnings count too: its exit code reflects errors only.
  node -e '
    let d;
    try { d = JSON.parse(process.argv[1]); } catch { console.log(process.argv[1]); process.exit(1); }
    for (const x of d) console.log(`line ${x.range.start.line + 1}: ${x.severity}: ${x.message}`);
    process.exit(d.length ? 1 : 0);' "$out"
}

run_lints() {
  step "lint"
  if install_dockerfile_utils >"$WORK/lint-install.log" 2>&1; then
    check "Dockerfile passes dockerfile-utils lint" lint_dockerfile "$ROOT/Dockerfile"
    check "test/container/sipp/Dockerfile passes dockerfile-utils lint" lint_dockerfile "$ROOT/test/container/sipp/Dockerfile"
  else
    fail "install $DOCKERFILE_UTILS" "$(tail -n 20 "$WORK/lint-install.log")"
  fi
  if command -v hadolint >/dev/null; then
    check "Dockerfiles pass hadolint" hadolint "$ROOT/Dockerfile" "$ROOT/test/container/sipp/Dockerfile"
  else
    echo "  skip  hadolint (not installed; Debian 12 does not package it)"
  fi
  check "docker-compose.yml is valid (docker-compose config -q)" \
    docker-compose --project-directory "$ROOT" -f "$ROOT/docker-compose.yml" config -q
  if command -v shellcheck >/dev/null; then
    check "container scripts pass shellcheck" shellcheck -x -P "$ROOT" \
      "$HERE"/*.sh "$ROOT"/test/container/sipp/*.sh
  else
    fail "shellcheck available"
  fi
}
