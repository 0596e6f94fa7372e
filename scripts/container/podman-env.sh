# shellcheck shell=bash
# Sourced, not run: gives podman a private configuration so the container tests neither read nor
# change /etc/containers or the machine's own image store.
#
#   source scripts/container/podman-env.sh   # needs root; sets CONTAINERS_* and CONTAINER_TEST_PODMAN_*
#
# Inputs (environment, all optional):
#   CONTAINER_TEST_CONTAINER_CACHE  directory kept between runs (images, build layers, base rootfs);
#                           default /var/cache/sip4xx-container. Delete it to start cold.
#   CONTAINER_TEST_STORAGE_DRIVER   overlay | vfs; default: overlay when the kernel allows it, else vfs.
#
# Why each setting:
#   runtime runc            crun fails on this kind of host (hybrid cgroup v1/v2 hierarchy).
#   cgroup_manager cgroupfs there is no systemd to ask for cgroups.
#   default_ulimits         the inherited nofile limit can be too high for runc to apply.
#   events_logger file      journald may be absent.
#   registries: none        nothing is ever pulled; every image is built or imported locally.
#   runroot under /run      podman records it in its database, so it must not change between runs.

CONTAINER_TEST_CONTAINER_CACHE="${CONTAINER_TEST_CONTAINER_CACHE:-/var/cache/sip4xx-container}"
CONTAINER_TEST_PODMAN_CONF_DIR=""

sip4xx_podman_write_conf() {
  local driver="$1"
  [[ -n "$CONTAINER_TEST_PODMAN_CONF_DIR" ]] || CONTAINER_TEST_PODMAN_CONF_DIR="$(mktemp -d /tmp/sip4xx-podman-conf.XXXXXX)"
  mkdir -p "$CONTAINER_TEST_CONTAINER_CACHE/storage-$driver" "/run/sip4xx-container/$driver/tmp"
  cat >"$CONTAINER_TEST_PODMAN_CONF_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "/run/sip4xx-container/$driver/tmp"
EOF
  cat >"$CONTAINER_TEST_PODMAN_CONF_DIR/storage.conf" <<EOF
[storage]
driver = "$driver"
runroot = "/run/sip4xx-container/$driver/run"
graphroot = "$CONTAINER_TEST_CONTAINER_CACHE/storage-$driver"
EOF
  cat >"$CONTAINER_TEST_PODMAN_CONF_DIR/registries.conf" <<'EOF'
unqualified-search-registries = []
short-name-mode = "enforcing"
EOF
  export CONTAINERS_CONF="$CONTAINER_TEST_PODMAN_CONF_DIR/containers.conf"
  export CONTAINERS_STORAGE_CONF="$CONTAINER_TEST_PODMAN_CONF_DIR/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$CONTAINER_TEST_PODMAN_CONF_DIR/registries.conf"
  export CONTAINER_TEST_PODMAN_DRIVER="$driver"
}

# Overlay is many times faster than vfs (no full copy per layer), but needs kernel overlayfs that
# accepts the cache directory's filesystem; `podman info` mounts a test overlay and fails if not.
sip4xx_podman_setup() {
  local driver="${CONTAINER_TEST_STORAGE_DRIVER:-}"
  if [[ -z "$driver" ]]; then
    sip4xx_podman_write_conf overlay
    if podman info >/dev/null 2>&1; then
      driver=overlay
    else
      echo "podman-env: overlay storage unavailable here, falling back to vfs (slower)" >&2
      driver=vfs
    fi
  fi
  sip4xx_podman_write_conf "$driver"
  podman info >/dev/null
}

sip4xx_podman_teardown_conf() {
  [[ -n "$CONTAINER_TEST_PODMAN_CONF_DIR" ]] && rm -rf "$CONTAINER_TEST_PODMAN_CONF_DIR"
  CONTAINER_TEST_PODMAN_CONF_DIR=""
}
