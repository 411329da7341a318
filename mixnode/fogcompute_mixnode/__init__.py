"""The Sphinx mix network: packet format, mixnode daemon and client. No Kubernetes here."""
