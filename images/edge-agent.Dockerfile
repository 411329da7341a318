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

# ---- runtime: only the installed packages, no build tools, no source tree
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels --compile "fog-compute[edge-agent]" \
 && python -c "import fogcompute_edge_agent, fogcompute_mixnode"
# Numeric uid/gid so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["python", "-m", "fogcompute_edge_agent"]
