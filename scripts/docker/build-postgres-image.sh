#!/usr/bin/env bash
# Builds a PostgreSQL 15 image from Debian's packages, for machines that reach no image registry. Never pulls.
#   1. a root filesystem image ($tag-rootfs) made with debootstrap --variant=minbase --include=postgresql-15,
#      from the Debian mirror named in apt's own sources files (slow: about a minute or more; done once);
#   2. the image itself: that rootfs plus postgres-entrypoint.sh, committed with the entrypoint's checksum
#      as a label, so a changed entrypoint rebuilds only this thin layer.
# Idempotent: an image with the current checksum is kept as it is. Usage: build-postgres-image.sh [tag]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
tag=${1:-$TENANCY_POSTGRES_IMAGE}
rootfs_tag="${tag}-rootfs"
entrypoint="$here/postgres-entrypoint.sh"
checksum=$(sha256sum "$entrypoint" | cut -c1-16)
label=org.typeorm-tenancy.entrypoint

if [ "$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$tag" 2>/dev/null || true)" = "$checksum" ]; then
  log "image $tag is up to date (cached)"
  exit 0
fi

mirror() {
  local uri
  # deb822 files first (URIs: lines), then one-line sources.list entries; skip the security archive.
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' | grep -v -- '-security' | head -1 || true)
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; break } }' | grep -v -- '-security' | head -1 || true)
  fi
  [ -n "$uri" ] || { log "no Debian mirror found in apt's sources files"; exit 1; }
  echo "$uri"
}

if ! docker image inspect "$rootfs_tag" >/dev/null 2>&1; then
  need_root "building $rootfs_tag"
  command -v debootstrap >/dev/null 2>&1 || bash "$here/install-engine.sh"
  root=$(mktemp -d "${TMPDIR:-/tmp}/tenancy-pg-rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  started=$(date +%s)
  log "debootstrap bookworm with postgresql-15 into $root (mirror from apt's sources)"
  debootstrap --variant=minbase --include=postgresql-15 bookworm "$root" "$(mirror)" >"$TENANCY_DOCKER_STATE/debootstrap.log" 2>&1 \
    || { tail -30 "$TENANCY_DOCKER_STATE/debootstrap.log" >&2; exit 1; }
  # Trim: apt caches and lists, docs, man pages, locales, and Debian's default cluster.
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/usr/share/info/* "$root"/var/log/*.log "$root"/var/lib/postgresql/15 "$root"/etc/postgresql/15 "$root"/debootstrap
  find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + 2>/dev/null || true
  mkdir -p "$root/docker-entrypoint-initdb.d" "$root/var/lib/postgresql/data"
  tar -C "$root" -c . | docker import - "$rootfs_tag" >/dev/null
  rm -rf "$root"
  trap - EXIT
  log "built $rootfs_tag in $(($(date +%s) - started)) s"
fi

# The thin layer: copy the entrypoint in and commit with the official image's configuration.
cid=$(docker create --network none "$rootfs_tag" /bin/true)
trap 'docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
docker cp "$entrypoint" "$cid:/usr/local/bin/docker-entrypoint.sh"
docker commit \
  --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'EXPOSE 5432' \
  --change "LABEL $label=$checksum" \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  "$cid" "$tag" >/dev/null
log "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%d MB", $1 / 1e6 }'))"
