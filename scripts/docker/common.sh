# Shared settings of the scripts in scripts/docker (sourced, not run).
# Every file these scripts create outside the repository lives under $TENANCY_DOCKER_STATE.
TENANCY_DOCKER_STATE=${TENANCY_DOCKER_STATE:-/tmp/typeorm-tenancy-docker}
TENANCY_POSTGRES_IMAGE=${TENANCY_POSTGRES_IMAGE:-typeorm-tenancy/postgres:15-bookworm}
DOCKERD_PIDFILE="$TENANCY_DOCKER_STATE/dockerd.pid"
DOCKERD_LOG="$TENANCY_DOCKER_STATE/dockerd.log"
mkdir -p "$TENANCY_DOCKER_STATE"

log() { echo "[docker-scripts] $*" >&2; }

engine_answers() { command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; }

need_root() {
  if [ "$(id -u)" != 0 ]; then log "$1 needs root (run with sudo)"; exit 1; fi
}
