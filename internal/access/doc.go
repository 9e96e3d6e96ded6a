// Package access implements Tailscale policy semantics offline: validation, per-node packet filters and SSH policies, policy tests and reachability queries.
package access
