// Package builtins provides the tailscale.* Rego built-ins, which answer questions about a policy with Tailscale's own semantics from internal/access.
package builtins
