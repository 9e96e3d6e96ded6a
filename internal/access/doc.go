// Package access implements Tailscale policy semantics offline: validation, per-node packet filters and SSH policies, policy tests, reachability queries and the rules that grant access.
package access
