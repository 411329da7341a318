//go:build tools

// Package tools pins containerd 2.x for the test bed's real node: the daemon (with its CRI
// plugin), the runc v2 shim and ctr.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
