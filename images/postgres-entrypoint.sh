#!/bin/sh
# Entrypoint of the fog-compute PostgreSQL image (images/postgres.Dockerfile, and the test bed's
# offline build of the same image, which copies this file): Debian's PostgreSQL 15 server as a
# non-root user. The first start initialises $PGDATA with the superuser $POSTGRES_USER, whose
# password is read from $POSTGRES_PASSWORD_FILE (never from the environment or a command line),
# and creates $POSTGRES_DB; later starts reuse the data. Then the server runs in the foreground,
# listening on every address with password (SCRAM) authentication only. It writes nothing
# outside $PGDATA and /var/run/postgresql, so the root filesystem can be read-only.
set -eu

: "${PGDATA:?set PGDATA to a folder on the data volume}"
: "${POSTGRES_PASSWORD_FILE:?set POSTGRES_PASSWORD_FILE to a file holding the superuser password}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
bin=/usr/lib/postgresql/15/bin

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ ! -s "$POSTGRES_PASSWORD_FILE" ]; then
    echo "fog-postgres: $POSTGRES_PASSWORD_FILE is empty or missing; mount the password Secret there" >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  "$bin/initdb" --pgdata="$PGDATA" --username="$user" --pwfile="$POSTGRES_PASSWORD_FILE" \
    --auth=scram-sha-256 --encoding=UTF8 --no-locale --no-instructions >/dev/null
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "host all all ::/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\" OWNER \"$user\";" \
      | "$bin/postgres" --single -D "$PGDATA" -j postgres >/dev/null
  fi
  echo "fog-postgres: initialised $PGDATA (superuser $user, database $db)" >&2
fi

# PostgreSQL refuses a data directory others may write; a volume's fsGroup handling may have
# made it group-writable since the last start.
chmod 0700 "$PGDATA"
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' \
  -c unix_socket_directories=/var/run/postgresql "$@"
