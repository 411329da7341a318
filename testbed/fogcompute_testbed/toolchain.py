"""Where the control plane's binaries come from.

``FOG_BIN_DIR`` names a folder that already holds them; otherwise ``hack/build-tools.sh`` builds
them from the pinned Go modules (or finds them in its cache) and prints the folder.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from fogcompute_testbed.processes import TestbedError

__all__ = ["REQUIRED", "locate_binaries", "repo_root"]

REQUIRED = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kwok",
    "helm",
)


def repo_root() -> Path:
    """The checkout this package runs from (it is installed editable)."""
    return Path(__file__).resolve().parents[2]


def _missing(folder: Path) -> list[str]:
    return [b for b in REQUIRED if not os.access(folder / b, os.X_OK)]


def locate_binaries() -> Path:
    """Return the folder with every binary in REQUIRED, building them when needed."""
    explicit = os.environ.get("FOG_BIN_DIR")
    if explicit:
        folder = Path(explicit)
        if missing := _missing(folder):
            raise TestbedError(f"FOG_BIN_DIR={folder} lacks {', '.join(missing)}")
        return folder
    script = repo_root() / "hack" / "build-tools.sh"
    if not script.exists():
        raise TestbedError(f"{script} not found: set FOG_BIN_DIR to a folder with {REQUIRED}")
    result = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, check=False, timeout=3600
    )
    if result.returncode != 0:
        raise TestbedError(f"building the control plane failed:\n{result.stderr.strip()}")
    folder = Path(result.stdout.strip().splitlines()[-1])
    if missing := _missing(folder):
        raise TestbedError(f"{script} finished but {folder} lacks {', '.join(missing)}")
    return folder
