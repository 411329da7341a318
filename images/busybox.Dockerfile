# syntax=docker/dockerfile:1
# The samples' busybox: Debian bookworm's busybox-static (BusyBox 1.35) with its applet links, a
# root and a nobody account, and nothing else. Named for what it is, not as Docker Hub's
# busybox. The test bed builds the same image offline from the host's busybox-static
# (fogcompute_testbed.images). Build from the repository root:
#   docker build -f images/busybox.Dockerfile -t ghcr.io/fog-compute/busybox:1.35-debian .

# ---- build: the static binary from Debian's package, its applet links and two accounts
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends busybox-static \
 && /bin/busybox --help 2>&1 | head -n 1 | grep -q "^BusyBox v1\.35\." \
 && mkdir -p /rootfs/bin /rootfs/etc /rootfs/root /rootfs/home /rootfs/tmp /rootfs/var/tmp \
 && chmod 1777 /rootfs/tmp /rootfs/var/tmp \
 && cp /bin/busybox /rootfs/bin/busybox \
 && for applet in $(/rootfs/bin/busybox --list); do \
      [ -e "/rootfs/bin/$applet" ] || ln -s busybox "/rootfs/bin/$applet"; \
    done \
 && printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' \
      > /rootfs/etc/passwd \
 && printf 'root:x:0:\nnogroup:x:65534:\n' > /rootfs/etc/group

# ---- runtime: only that tree
FROM scratch AS runtime
COPY --from=build /rootfs/ /
LABEL org.opencontainers.image.title=busybox \
      org.opencontainers.image.version=1.35-debian \
      org.opencontainers.image.source="debian:bookworm busybox-static"
USER 0:0
WORKDIR /
CMD ["sh"]
