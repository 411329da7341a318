// Command pause is the sandbox ("pause") container of the test bed's real node. It holds a
// pod's namespaces for the pod's lifetime, reaps children re-parented to it, and exits 0 on
// SIGINT or SIGTERM. It stands in for registry.k8s.io/pause, which needs a registry to pull.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
