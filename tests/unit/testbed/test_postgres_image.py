"""The offline PostgreSQL image (``fogcompute_testbed.pgimage``) agrees with its Dockerfile."""

from __future__ import annotations

import re

from fogcompute_testbed.imagespecs import dockerfile_runtime
from fogcompute_testbed.pgimage import (
    ENTRYPOINT_SOURCE,
    POSTGRES,
    POSTGRES_ACCOUNTS,
    POSTGRES_PACKAGES,
    POSTGRES_UID,
    _hooks,
)
from fogcompute_testbed.toolchain import repo_root

IMAGES = repo_root() / "images"


def test_the_postgres_image_agrees_with_its_dockerfile() -> None:
    assert POSTGRES.dockerfile is not None
    path = IMAGES / POSTGRES.dockerfile
    docker = dockerfile_runtime(path)
    assert docker.user == POSTGRES.user
    assert docker.workdir == POSTGRES.workdir
    assert docker.entrypoint == POSTGRES.entrypoint
    assert docker.cmd == POSTGRES.cmd
    assert docker.env == dict(POSTGRES.env)
    assert docker.labels == dict(POSTGRES.labels)
    assert docker.exposed_ports == POSTGRES.exposed_ports
    assert docker.accounts == POSTGRES_ACCOUNTS
    text = path.read_text()
    (ref,) = POSTGRES.refs
    assert f"-t {ref} ." in text
    assert docker.labels["org.opencontainers.image.version"] == ref.rsplit(":", 1)[1]
    # The same Debian package, the same entrypoint file, the same cleanup and probe link.
    assert f"apt-get install -y --no-install-recommends {' '.join(POSTGRES_PACKAGES)}" in text
    entry = ENTRYPOINT_SOURCE.relative_to(repo_root())
    assert f"COPY --chmod=0755 {entry} {POSTGRES.entrypoint[0]}" in text
    hooks = " ".join(_hooks())
    for step in (
        "/etc/postgresql/15",
        "/var/lib/postgresql/15",
        "for b in pg_isready pg_ctl psql; do",
        'ln -s "/usr/lib/postgresql/15/bin/$b"',
    ):
        assert step in text
        assert step in hooks
    for account in (*POSTGRES_ACCOUNTS, "postgres:*:19000:0:99999:7:::"):
        assert account in hooks
        assert account in text


def test_the_postgres_image_runs_as_a_non_root_user() -> None:
    uid, _, gid = POSTGRES.user.partition(":")
    assert int(uid) == int(gid) == POSTGRES_UID != 0
    assert re.fullmatch(rf"postgres:x:{POSTGRES_UID}:{POSTGRES_UID}:.*", POSTGRES_ACCOUNTS[0])


def test_the_entrypoint_reads_the_password_from_a_file_and_never_echoes_it() -> None:
    script = ENTRYPOINT_SOURCE.read_text()
    assert '--pwfile="$POSTGRES_PASSWORD_FILE"' in script
    assert "POSTGRES_PASSWORD=" not in script
    assert "cat " not in script  # the password file is only handed to initdb
    assert "scram-sha-256" in script
    assert "trust" not in script
