// Command coredns is the test bed's cluster DNS: CoreDNS with only the plugins a single-node
// test cluster needs (bind, errors, health, ready, cache, kubernetes, forward), so the build
// pulls no cloud-provider SDKs. The directive order is CoreDNS's own (core/dnsserver), cut down.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
)

func init() {
	dnsserver.Directives = []string{
		"bind", "ready", "health", "errors", "cache", "kubernetes", "forward",
	}
}

func main() {
	coremain.Run()
}
