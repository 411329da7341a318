# syntax=docker/dockerfile:1
# The fog-compute operator image: `kopf run -m fogcompute_operator.handlers`, installed from the
# project's wheel with the [operator] extra, running as uid 65532 on a read-only root filesystem.
# Build from the repository root:
#   docker build -f images/operator.Dockerfile -t ghcr.io/fog-compute/operator:0.1.0 .

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
RUN pip wheel --wheel-dir /wheels --constraint constraints.txt ".[operator]"

# ---- runtime: only the installed packages, no build tools, no source tree
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels --compile "fog-compute[operator]" \
 && kopf --version \
 && echo "nonroot:x:65532:65532:nonroot:/tmp:/usr/sbin/nologin" >> /etc/passwd \
 && echo "nonroot:x:65532:" >> /etc/group
# Numeric uid/gid so Kubernetes can verify runAsNonRoot without reading /etc/passwd; the passwd
# entry above is for code that asks who it runs as (kopf's peering id calls getpass.getuser()).
USER 65532:65532
WORKDIR /tmp
EXPOSE 8000 8080
ENTRYPOINT ["kopf"]
CMD ["run", "-m", "fogcompute_operator.handlers", "--all-namespaces", "--log-format=json", \
     "--liveness=http://0.0.0.0:8080/healthz"]
