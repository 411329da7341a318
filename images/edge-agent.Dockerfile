# syntax=docker/dockerfile:1
# The fog-compute edge-agent image (it also hosts the node's mixnode): installed from the
# project's wheel with the [edge-agent] extra, running as uid 65532 on a read-only root
# filesystem. The DaemonSet mounts /sys and /proc read-only for the probes and, for BLE, the
# host's D-Bus socket. Build from the repository root:
#   docker build -f images/edge-agent.Dockerfile -t ghcr.io/fog-compute/edge-agent:0.1.0 .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: the project's wheel plus pinned wheels of every dependency
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY api/ api/
COPY operator/ operator/
COPY mixnode/ mixnode/
COPY edge-agent/ edge-agent/
COPY testbed/ testbed/
RUN pip wheel --wheel-dir /wheels --constraint constraints.txt ".[edge-agent]"

# ---- native: the Rust Sphinx extension (fogcompute_mixnode._native), abi3 for CPython >= 3.11.
# Without it the mixnode runs its pure-Python reference, about 3x slower per hop.
FROM rust:1-slim-bookworm AS native
RUN apt-get update && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src/mixnode/native
COPY mixnode/native/ ./
RUN PYO3_PYTHON=python3 cargo build --release --locked \
 && cp target/release/lib_native.so /_native.abi3.so

# ---- runtime: only the installed packages, no build tools, no source tree
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    --mount=type=bind,from=native,source=/_native.abi3.so,target=/tmp/_native.abi3.so \
    pip install --no-index --find-links=/wheels --compile "fog-compute[edge-agent]" \
 && python -c "import pathlib, shutil, fogcompute_mixnode as m; \
shutil.copy('/tmp/_native.abi3.so', pathlib.Path(m.__file__).parent / '_native.abi3.so')" \
 && FOG_SPHINX_IMPL=native python -c "import fogcompute_edge_agent, fogcompute_mixnode.sphinx" \
 && echo "nonroot:x:65532:65532:nonroot:/tmp:/usr/sbin/nologin" >> /etc/passwd \
 && echo "nonroot:x:65532:" >> /etc/group
# Numeric uid/gid so Kubernetes can verify runAsNonRoot without reading /etc/passwd; the passwd
# entry above is for code that asks who it runs as (kopf's peering id calls getpass.getuser()).
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["python", "-m", "fogcompute_edge_agent"]
