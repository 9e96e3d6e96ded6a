// Package access implements Tailscale policy semantics offline: validation, per-node packet filters and SSH policies, policy tests, reachability queries, the rules that grant access and the access diff between two policies.
package access
