# syntax=docker/dockerfile:1
# The bundled ledger database of the chart (economics.database.bundled): Debian bookworm's
# PostgreSQL 15 server package, run as uid 999 (postgres) by images/postgres-entrypoint.sh, which
# takes the official image's POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD_FILE and PGDATA. For
# trying fog-compute out only: use a managed or CloudNativePG database in production. The test
# bed builds the same image offline (fogcompute_testbed.pgimage). Build from the repository root:
#   docker build -f images/postgres.Dockerfile -t ghcr.io/fog-compute/postgres:15-debian .

FROM debian:bookworm-slim AS runtime
# The account exists before the package so postgresql-common keeps uid/gid 999; the package's
# default cluster is dropped (the entrypoint makes its own in $PGDATA).
RUN echo "postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/sh" >> /etc/passwd \
 && echo "postgres:x:999:" >> /etc/group \
 && echo "postgres:*:19000:0:99999:7:::" >> /etc/shadow \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* /etc/postgresql/15 /var/lib/postgresql/15 \
 && for b in pg_isready pg_ctl psql; do ln -s "/usr/lib/postgresql/15/bin/$b" /usr/local/bin/; done \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown 999:999 /var/lib/postgresql/data /var/run/postgresql
COPY --chmod=0755 images/postgres-entrypoint.sh /usr/local/bin/fog-postgres
LABEL org.opencontainers.image.title=postgres \
      org.opencontainers.image.version=15-debian \
      org.opencontainers.image.source="debian:bookworm postgresql-15"
ENV PGDATA=/var/lib/postgresql/data/pgdata
USER 999:999
WORKDIR /var/lib/postgresql
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/fog-postgres"]
