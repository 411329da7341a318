"""Images for the test bed's real node, built without a container engine or a registry.

``node`` calls ``build_images`` before it starts containerd and imports the OCI archives this
returns (``ctr images import``). Each image is one or two plain (uncompressed) tar layers:

- pause: the ``pause`` program from ``hack/tools/pause``;
- busybox (``ghcr.io/fog-compute/busybox:1.35-debian``): Debian's static busybox with its
  applet links;
- operator and edge-agent: a Debian root filesystem made by ``mmdebstrap`` (python3 from
  Debian's packages) with the project's pinned dependencies installed by pip from wheels built on
  this host (the dependency layer), and the project's own wheel on top (the project layer).

Everything is cached under ``~/.cache/fog-compute/images`` (or ``FOG_CACHE_DIR``): the base root
filesystem and the dependency layer by a hash of pyproject.toml, constraints.txt and the package
list; the project layer and archive by a hash of the source tree. The runtime settings come from
``imagespecs``, which a test compares with ``images/*.Dockerfile``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from fogcompute_testbed.imagespecs import (
    BUSYBOX,
    BUSYBOX_GROUP,
    BUSYBOX_PASSWD,
    BUSYBOX_VERSION,
    EDGE_AGENT,
    NONROOT_GROUP,
    NONROOT_PASSWD,
    OPERATOR,
    PAUSE,
    ImageSpec,
)
from fogcompute_testbed.pgimage import ENTRYPOINT_SOURCE, POSTGRES, postgres_image, recipe
from fogcompute_testbed.processes import TestbedError
from fogcompute_testbed.toolchain import repo_root

__all__ = [
    "BASE_PACKAGES",
    "ImageArchive",
    "build_images",
    "busybox_version_problem",
    "images_cache",
    "write_oci_archive",
]

SUITE = "bookworm"
MIRROR = os.environ.get("FOG_DEBIAN_MIRROR", "http://deb.debian.org/debian")
BASE_PACKAGES = ("python3", "python-is-python3", "ca-certificates", "tzdata", "libstdc++6")
# Bump when the way images are built changes, so cached layers are rebuilt.
_BUILDER = "2"
_SOURCE_DIRS = ("api", "operator", "mixnode", "edge-agent", "testbed")
_STALE_AFTER_S = 3 * 3600
_KEEP_ARCHIVES = 2
_EXCLUDES = ("./dev/*", "./proc/*", "./sys/*", "./run/*", "./tmp/*", "./var/cache/*", "./var/log/*")


@dataclass(frozen=True)
class ImageArchive:
    """An OCI archive on disk and what it holds."""

    spec: ImageSpec
    archive: Path
    size_bytes: int


def images_cache() -> Path:
    base = os.environ.get("FOG_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "fog-compute"
    )
    return Path(base) / "images"


def _sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def _run(argv: Sequence[str], *, log: Path, what: str, timeout: float = 1800) -> None:
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        result = subprocess.run(
            list(argv), stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False
        )
    if result.returncode != 0:
        raise TestbedError(f"{what} failed ({result.returncode}); read {log}")


@contextlib.contextmanager
def _locked(cache: Path) -> Iterator[None]:
    """One image build at a time per cache (``make up`` and the tests may start together)."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tar_layer(rootfs: Path, out: Path, *, excludes: Sequence[str] = _EXCLUDES) -> None:
    partial = out.with_suffix(".partial")
    argv = ["tar", "--numeric-owner", "--xattrs", "-C", str(rootfs)]
    argv += [f"--exclude={e}" for e in excludes]
    subprocess.run([*argv, "-cf", str(partial), "."], check=True, capture_output=True)
    partial.rename(out)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def write_oci_archive(spec: ImageSpec, layers: Sequence[Path], out: Path) -> ImageArchive:
    """Write an OCI image layout tar holding ``layers`` (plain tars) under every name in
    ``spec.refs``; ``ctr images import`` reads it."""
    diff_ids = [_file_digest(layer) for layer in layers]
    config = {
        "created": "2026-01-01T00:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": spec.config(),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": f"fogcompute_testbed.images ({spec.key})"} for _ in layers],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_digest = f"sha256:{hashlib.sha256(config_bytes).hexdigest()}"
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": len(config_bytes),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": digest,
                "size": layer.stat().st_size,
            }
            for layer, digest in zip(layers, diff_ids, strict=True)
        ],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
    manifest_digest = f"sha256:{hashlib.sha256(manifest_bytes).hexdigest()}"
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": len(manifest_bytes),
                "annotations": {
                    "io.containerd.image.name": ref,
                    "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[-1],
                },
            }
            for ref in spec.refs
        ],
    }
    partial = out.with_suffix(".partial")
    with tarfile.open(partial, "w") as tar:

        def add_bytes(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))

        add_bytes("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add_bytes("index.json", json.dumps(index).encode())
        add_bytes(f"blobs/sha256/{config_digest[7:]}", config_bytes)
        add_bytes(f"blobs/sha256/{manifest_digest[7:]}", manifest_bytes)
        for layer, digest in zip(layers, diff_ids, strict=True):
            tar.add(str(layer), arcname=f"blobs/sha256/{digest[7:]}")
    partial.rename(out)
    return ImageArchive(spec=spec, archive=out, size_bytes=sum(p.stat().st_size for p in layers))


# ----------------------------------------------------------------------- small images
def _pause_image(cache: Path, node_bin_dir: Path) -> ImageArchive:
    binary = node_bin_dir / "pause"
    key = _sha(_BUILDER.encode(), binary.read_bytes(), repr(PAUSE).encode())
    out = cache / f"pause-{key}.oci.tar"
    if out.exists():
        return ImageArchive(PAUSE, out, _layers_size(out))
    work = cache / f"pause-{key}.rootfs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copy2(binary, work / "pause")
    layer = cache / f"pause-{key}.layer.tar"
    _tar_layer(work, layer, excludes=())
    archive = write_oci_archive(PAUSE, [layer], out)
    shutil.rmtree(work)
    layer.unlink()
    return archive


def busybox_version_problem(package_version: str) -> str | None:
    """Why Debian's ``busybox-static`` at ``package_version`` (``1:1.35.0-4+deb12u1``) cannot
    be the image tagged ``BUSYBOX_VERSION``-debian, or None when it can."""
    upstream = package_version.partition(":")[2] or package_version
    if upstream.startswith(f"{BUSYBOX_VERSION}."):
        return None
    return (
        f"the busybox image is {BUSYBOX.refs[0]} but this host's busybox-static is "
        f"{package_version or 'not installed'}; install Debian bookworm's busybox-static "
        "(hack/ensure-system.sh) or rename the image in fogcompute_testbed.imagespecs"
    )


def _busybox_binary() -> Path:
    version = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "busybox-static"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    problem = busybox_version_problem(version)
    if problem is not None:
        raise TestbedError(problem)
    found = subprocess.run(
        ["dpkg", "-L", "busybox-static"], capture_output=True, text=True, check=False
    )
    for line in found.stdout.splitlines():
        if line.endswith("/busybox") and Path(line).is_file():
            return Path(line)
    raise TestbedError(
        "the busybox image needs Debian's busybox-static: run hack/ensure-system.sh as root "
        "(or apt-get install busybox-static)"
    )


def _busybox_image(cache: Path) -> ImageArchive:
    binary = _busybox_binary()
    key = _sha(_BUILDER.encode(), binary.read_bytes(), repr(BUSYBOX).encode())
    out = cache / f"busybox-{key}.oci.tar"
    if out.exists():
        return ImageArchive(BUSYBOX, out, _layers_size(out))
    work = cache / f"busybox-{key}.rootfs"
    shutil.rmtree(work, ignore_errors=True)
    for folder in ("bin", "etc", "root", "tmp", "var/tmp", "home"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    (work / "tmp").chmod(0o1777)
    (work / "var/tmp").chmod(0o1777)
    shutil.copy2(binary, work / "bin" / "busybox")
    applets = subprocess.run(
        [str(binary), "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    for applet in applets:
        link = work / "bin" / applet
        if applet != "busybox" and not link.exists():
            link.symlink_to("busybox")
    (work / "etc" / "passwd").write_text("".join(f"{line}\n" for line in BUSYBOX_PASSWD))
    (work / "etc" / "group").write_text("".join(f"{line}\n" for line in BUSYBOX_GROUP))
    layer = cache / f"busybox-{key}.layer.tar"
    _tar_layer(work, layer, excludes=())
    archive = write_oci_archive(BUSYBOX, [layer], out)
    shutil.rmtree(work)
    layer.unlink()
    return archive


def _layers_size(archive: Path) -> int:
    with tarfile.open(archive) as tar:
        return sum(
            m.size for m in tar.getmembers() if m.name.startswith("blobs/") and m.size > 4096
        )


# ----------------------------------------------------------------------- python images
def _deps_key(extra: str) -> str:
    """Changes with the declared dependencies and their pins only, not with the rest of
    pyproject.toml (lint settings and the like)."""
    root = repo_root()
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    declared = {
        "dependencies": project.get("dependencies", []),
        "optional": project.get("optional-dependencies", {}),
    }
    return _sha(
        _BUILDER.encode(),
        f"{SUITE} {MIRROR} {' '.join(BASE_PACKAGES)} {extra}".encode(),
        json.dumps(declared, sort_keys=True).encode(),
        (root / "constraints.txt").read_bytes(),
    )


def _drop_stale(cache: Path, prefix: str, keep: str) -> None:
    """Remove the cached root filesystems and layers of older dependency sets."""
    for path in cache.glob(f"{prefix}-*"):
        if keep not in path.name:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _source_key(native: Path | None) -> str:
    root = repo_root()
    parts: list[bytes] = []
    for folder in _SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if "__pycache__" in path.parts or "target" in path.parts or not path.is_file():
                continue
            if path.suffix in (".py", ".yaml", ".json", ".typed"):
                parts += [str(path.relative_to(root)).encode(), path.read_bytes()]
    if native is not None:
        parts.append(native.read_bytes())
    return _sha(*parts)


def _python() -> str:
    """The project's interpreter (the venv's): builds the wheels on this host."""
    return sys.executable


def _base_rootfs(cache: Path, extra: str, log: Path) -> Path:
    """Debian + python3 + the pinned dependencies of ``fog-compute[extra]``; cached."""
    key = _deps_key(extra)
    rootfs = cache / f"rootfs-{extra}-{key}"
    if (cache / f"rootfs-{extra}-{key}.done").exists():
        return rootfs
    if shutil.which("mmdebstrap") is None:
        raise TestbedError(
            "building images needs mmdebstrap: run hack/ensure-system.sh as root "
            "(or apt-get install mmdebstrap)"
        )
    shutil.rmtree(rootfs, ignore_errors=True)
    nodocs = [f"--dpkgopt=path-exclude=/usr/share/{d}/*" for d in ("doc", "man", "info", "locale")]
    _run(
        [
            "mmdebstrap",
            "--variant=essential",
            f"--include={','.join(BASE_PACKAGES)}",
            *nodocs,
            "--dpkgopt=path-include=/usr/share/doc/*/copyright",
            SUITE,
            str(rootfs),
            MIRROR,
        ],
        log=log,
        what=f"mmdebstrap of the {extra} image's base",
    )
    wheels = rootfs / "tmp" / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    root = repo_root()
    _run(
        [
            *(_python(), "-m", "pip", "wheel", "-q", "--wheel-dir", str(wheels)),
            *("--constraint", str(root / "constraints.txt"), f"{root}[{extra}]"),
        ],
        log=log,
        what=f"building the wheels of fog-compute[{extra}]",
    )
    pip = _pip_wheel(cache, log)
    shutil.copy2(pip, wheels / pip.name)
    # Paths inside the image's root filesystem, not the host's /tmp.
    in_chroot = ["chroot", str(rootfs), "python3", f"/tmp/wheels/{pip.name}/pip"]  # noqa: S108
    quiet = [
        "--disable-pip-version-check",
        "--no-cache-dir",
        "--break-system-packages",
        "--root-user-action=ignore",
    ]
    _run(
        [
            *in_chroot,
            "install",
            *quiet,
            "--no-index",
            "--find-links=/tmp/wheels",
            f"fog-compute[{extra}]",
        ],
        log=log,
        what=f"installing fog-compute[{extra}] into the image",
    )
    _run(
        [*in_chroot, "uninstall", "-y", *quiet, "fog-compute"],
        log=log,
        what="removing the project from the dependency layer",
    )
    shutil.rmtree(wheels)
    with (rootfs / "etc" / "passwd").open("a") as passwd:
        passwd.write(NONROOT_PASSWD + "\n")
    with (rootfs / "etc" / "group").open("a") as group:
        group.write(NONROOT_GROUP + "\n")
    (cache / f"rootfs-{extra}-{key}.done").touch()
    _drop_stale(cache, f"rootfs-{extra}", key)
    _drop_stale(cache, f"layer-{extra}", key)
    return rootfs


def _project_wheel(cache: Path, log: Path) -> Path:
    folder = cache / "project-wheel"
    shutil.rmtree(folder, ignore_errors=True)
    _run(
        [
            *(_python(), "-m", "pip", "wheel", "-q", "--no-deps"),
            *("--wheel-dir", str(folder), str(repo_root())),
        ],
        log=log,
        what="building the project's wheel",
    )
    return next(folder.glob("fog_compute-*.whl"))


def _python_image(cache: Path, spec: ImageSpec, log: Path) -> ImageArchive:
    extra = spec.extra or spec.key
    native: Path | None = None
    if spec.key == "edge-agent":
        found = sorted((repo_root() / "mixnode" / "fogcompute_mixnode").glob("_native*.so"))
        native = found[0] if found else None
    deps_key, source_key = _deps_key(extra), _source_key(native)
    out = cache / f"{spec.key}-{deps_key}-{source_key}.oci.tar"
    if out.exists():
        return ImageArchive(spec, out, _layers_size(out))
    rootfs = _base_rootfs(cache, extra, log)
    deps_layer = cache / f"layer-{extra}-{deps_key}.tar"
    if not deps_layer.exists():
        _tar_layer(rootfs, deps_layer)
    wheel = _project_wheel(cache, log)
    staging = rootfs / "tmp" / "project"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copy2(wheel, staging / wheel.name)
    layer_root = staging / "root"
    pip_wheel = _pip_wheel(cache, log)
    shutil.copy2(pip_wheel, staging / pip_wheel.name)
    inside = "/tmp/project"  # noqa: S108 - the staging folder inside the image's root
    _run(
        [
            *("chroot", str(rootfs), "python3", f"{inside}/{pip_wheel.name}/pip", "install"),
            *(
                "--disable-pip-version-check",
                "--no-cache-dir",
                "--break-system-packages",
                "--root-user-action=ignore",
            ),
            *("--no-deps", "--no-index", f"--root={inside}/root", f"{inside}/{wheel.name}"),
        ],
        log=log,
        what="installing the project into its layer",
    )
    if native is not None:
        site = layer_root / "usr/local/lib/python3.11/dist-packages/fogcompute_mixnode"
        shutil.copy2(native, site / "_native.abi3.so")
    layer = cache / f"{spec.key}-{source_key}.layer.tar"
    _tar_layer(layer_root, layer, excludes=())
    archive = write_oci_archive(spec, [deps_layer, layer], out)
    shutil.rmtree(staging)
    layer.unlink()
    # Older archives go once nobody can still be importing them (another checkout's run may be),
    # and beyond the newest few whatever their age: each is the size of the image.
    others = sorted(
        (p for p in cache.glob(f"{spec.key}-*.oci.tar") if p != out),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for rank, stale in enumerate(others):
        if rank >= _KEEP_ARCHIVES or time.time() - stale.stat().st_mtime > _STALE_AFTER_S:
            stale.unlink(missing_ok=True)
    return archive


def _pip_wheel(cache: Path, log: Path) -> Path:
    folder = cache / "pip-wheel"
    found = sorted(folder.glob("pip-*.whl"))
    if found:
        return found[-1]
    folder.mkdir(parents=True, exist_ok=True)
    _run(
        [_python(), "-m", "pip", "download", "-q", "--no-deps", "--dest", str(folder), "pip"],
        log=log,
        what="downloading pip's wheel",
    )
    return sorted(folder.glob("pip-*.whl"))[-1]


def _postgres_image(cache: Path, log: Path) -> ImageArchive:
    """The chart's bundled ledger database (``pgimage``), with this module's build helpers."""
    key = _sha(
        _BUILDER.encode(),
        f"{SUITE} {MIRROR}".encode(),
        recipe(),
        ENTRYPOINT_SOURCE.read_bytes(),
        repr(POSTGRES).encode(),
    )
    out = postgres_image(
        cache=cache,
        key=key,
        suite=SUITE,
        mirror=MIRROR,
        run=lambda argv, what: _run(argv, log=log, what=what),
        tar_layer=lambda rootfs, layer: _tar_layer(rootfs, layer),
        write_archive=write_oci_archive,
    )
    return ImageArchive(POSTGRES, out, _layers_size(out))


def build_images(*, node_bin_dir: Path) -> tuple[ImageArchive, ...]:
    """Build (or reuse) every image the real node needs and return their archives: pause,
    busybox, the operator, the edge agent (host-0 is an edge node running its DaemonSet) and
    the chart's bundled PostgreSQL."""
    cache = images_cache()
    log = cache / "build.log"
    started = time.monotonic()
    with _locked(cache):
        images = [_pause_image(cache, node_bin_dir), _busybox_image(cache)]
        images.append(_python_image(cache, OPERATOR, log))
        images.append(_python_image(cache, EDGE_AGENT, log))
        images.append(_postgres_image(cache, log))
    elapsed = time.monotonic() - started
    if elapsed > 5:
        sizes = ", ".join(f"{i.spec.key} {i.size_bytes / 1e6:.0f} MB" for i in images)
        print(f"fog-compute: images built in {elapsed:.0f}s ({sizes})", flush=True)
    return tuple(images)


def main() -> int:
    """``python -m fogcompute_testbed.images`` (``make images``): build (or reuse) every image
    and print their sizes."""
    from fogcompute_testbed.node import locate_node_binaries

    try:
        for image in build_images(node_bin_dir=locate_node_binaries()):
            print(f"{image.spec.refs[0]}: {image.size_bytes / 1e6:.0f} MB ({image.archive})")
    except TestbedError as exc:
        print(f"images: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
