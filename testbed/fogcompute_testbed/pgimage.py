"""The offline PostgreSQL image of the test bed's real node: the chart's bundled ledger database.

``images.build_images`` calls ``postgres_image`` beside the other images. The image is Debian
bookworm's ``postgresql-15`` server package in a root filesystem made by ``mmdebstrap``, the
``postgres`` account at uid/gid 999 created before the package so the package keeps it, the
package's default cluster removed, and ``images/postgres-entrypoint.sh`` (the same file the
Dockerfile copies) as its entrypoint. One plain tar layer, written as an OCI archive and cached
under the images cache by a hash of the package list, the entrypoint and the spec: a warm run
only reads the archive. ``images/postgres.Dockerfile`` is the recipe for registries; a unit test
checks both agree (``POSTGRES`` here against the Dockerfile's final stage).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from fogcompute_testbed.imagespecs import ImageSpec
from fogcompute_testbed.processes import TestbedError
from fogcompute_testbed.toolchain import repo_root

__all__ = [
    "ENTRYPOINT_SOURCE",
    "POSTGRES",
    "POSTGRES_ACCOUNTS",
    "POSTGRES_PACKAGES",
    "POSTGRES_UID",
    "postgres_image",
    "recipe",
]

POSTGRES_UID = 999
_STALE_AFTER_S = 3 * 3600
POSTGRES_PACKAGES = ("postgresql-15",)
# Written before the package installs, so postgresql-common finds the account and keeps 999.
POSTGRES_ACCOUNTS = (
    "postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/sh",
    "postgres:x:999:",
)
ENTRYPOINT_SOURCE = repo_root() / "images" / "postgres-entrypoint.sh"
POSTGRES = ImageSpec(
    key="postgres",
    refs=("ghcr.io/fog-compute/postgres:15-debian",),
    user=f"{POSTGRES_UID}:{POSTGRES_UID}",
    entrypoint=("/usr/local/bin/fog-postgres",),
    workdir="/var/lib/postgresql",
    env=(("PGDATA", "/var/lib/postgresql/data/pgdata"),),
    exposed_ports=("5432/tcp",),
    dockerfile="postgres.Dockerfile",
    labels=(
        ("org.opencontainers.image.title", "postgres"),
        ("org.opencontainers.image.version", "15-debian"),
        ("org.opencontainers.image.source", "debian:bookworm postgresql-15"),
    ),
)

# (rootfs, layer tar) -> None; (spec, layers, out) -> archive: the shared helpers of ``images``.
TarLayer = Callable[[Path, Path], None]
WriteArchive = Callable[[ImageSpec, Sequence[Path], Path], object]
Run = Callable[[Sequence[str], str], None]


def _hooks() -> list[str]:
    passwd, group = POSTGRES_ACCOUNTS
    essential = (
        f"echo '{passwd}' >> \"$1/etc/passwd\"; echo '{group}' >> \"$1/etc/group\"; "
        "echo 'postgres:*:19000:0:99999:7:::' >> \"$1/etc/shadow\""
    )
    customize = (
        'rm -rf "$1/etc/postgresql/15" "$1/var/lib/postgresql/15" "$1/var/lib/apt/lists"/*; '
        "for b in pg_isready pg_ctl psql; do "
        'ln -s "/usr/lib/postgresql/15/bin/$b" "$1/usr/local/bin/"; done; '
        'mkdir -p "$1/var/lib/postgresql/data" "$1/var/run/postgresql"; '
        f'chown {POSTGRES_UID}:{POSTGRES_UID} "$1/var/lib/postgresql/data" '
        '"$1/var/run/postgresql"'
    )
    return [f"--essential-hook={essential}", f"--customize-hook={customize}"]


def recipe() -> bytes:
    """Everything the build does besides the entrypoint and the spec: part of the cache key."""
    return " ".join([*POSTGRES_PACKAGES, *_hooks()]).encode()


def postgres_image(
    *,
    cache: Path,
    key: str,
    suite: str,
    mirror: str,
    run: Run,
    tar_layer: TarLayer,
    write_archive: WriteArchive,
) -> Path:
    """Build (or reuse) the PostgreSQL image's OCI archive under ``cache``; returns its path.

    ``key`` names this build (a hash the caller makes of the builder, suite, mirror, packages,
    entrypoint and spec); ``run(argv, what)`` runs a logged build step."""
    out = cache / f"postgres-{key}.oci.tar"
    if out.exists():
        return out
    if shutil.which("mmdebstrap") is None:
        raise TestbedError(
            "building the PostgreSQL image needs mmdebstrap: run hack/ensure-system.sh as root "
            "(or apt-get install mmdebstrap)"
        )
    rootfs = cache / f"postgres-{key}.rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    nodocs = [f"--dpkgopt=path-exclude=/usr/share/{d}/*" for d in ("doc", "man", "info", "locale")]
    run(
        [
            "mmdebstrap",
            "--variant=essential",
            f"--include={','.join(POSTGRES_PACKAGES)}",
            *nodocs,
            "--dpkgopt=path-include=/usr/share/doc/*/copyright",
            *_hooks(),
            suite,
            str(rootfs),
            mirror,
        ],
        "mmdebstrap of the PostgreSQL image",
    )
    target = rootfs / "usr" / "local" / "bin" / "fog-postgres"
    shutil.copyfile(ENTRYPOINT_SOURCE, target)
    target.chmod(0o755)
    layer = cache / f"postgres-{key}.layer.tar"
    tar_layer(rootfs, layer)
    write_archive(POSTGRES, [layer], out)
    shutil.rmtree(rootfs, ignore_errors=True)
    layer.unlink()
    # Older archives go once no other run can still be importing them.
    for stale in cache.glob("postgres-*.oci.tar"):
        if stale != out and time.time() - stale.stat().st_mtime > _STALE_AFTER_S:
            stale.unlink(missing_ok=True)
    return out
