//go:build tools

// Package tools pins the CNI plugins the test bed's real node chains: bridge and host-local give
// each pod an address on a private bridge, loopback brings up lo, portmap serves hostPort.
package tools

import (
	_ "github.com/containernetworking/plugins/plugins/ipam/host-local"
	_ "github.com/containernetworking/plugins/plugins/main/bridge"
	_ "github.com/containernetworking/plugins/plugins/main/loopback"
	_ "github.com/containernetworking/plugins/plugins/meta/portmap"
)
