#!/bin/sh
# Entrypoint of the PostgreSQL image built by build-postgres-image.sh. It honours the official image's
# contract: POSTGRES_USER (default postgres), POSTGRES_PASSWORD, POSTGRES_DB (default: the user),
# POSTGRES_HOST_AUTH_METHOD, PGDATA, scripts in /docker-entrypoint-initdb.d, initdb on first start with a
# temporary socket-only server for the init scripts. So, as with the official image, "database system is
# ready to accept connections" is logged twice: once by the temporary server, once by the real one.
set -eu
PATH="/usr/lib/postgresql/15/bin:$PATH"
export PATH
PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA
POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-}

if [ "${1:-postgres}" != postgres ] && [ "${1#-}" = "${1:-}" ]; then exec "$@"; fi
if [ "${1:-}" = postgres ]; then shift; fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "$POSTGRES_PASSWORD" ]; then
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host="$auth" --no-sync --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
    rm -f "$pwfile"
  else
    auth=${POSTGRES_HOST_AUTH_METHOD:-trust}
    echo "entrypoint: no POSTGRES_PASSWORD; host connections use '$auth' (test use only)"
    initdb --username="$POSTGRES_USER" --auth-local=trust --auth-host="$auth" --no-sync --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  fi
  printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

  # Temporary server on the socket only, for CREATE DATABASE and the init scripts.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /var/run/postgresql" -w start
  if [ "$POSTGRES_DB" != postgres ]; then
    echo 'CREATE DATABASE :"db" ;' | psql -v ON_ERROR_STOP=1 -h /var/run/postgresql --username "$POSTGRES_USER" \
      --dbname postgres --set db="$POSTGRES_DB" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "entrypoint: running $f"; . "$f" ;;
      *.sql) echo "entrypoint: running $f"; psql -v ON_ERROR_STOP=1 -h /var/run/postgresql --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$f" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "entrypoint: PostgreSQL init process complete; ready for start up."
fi

exec postgres -k /var/run/postgresql "$@"
