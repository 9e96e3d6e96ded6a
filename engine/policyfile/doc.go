// Package policyfile parses HuJSON tailnet policy files into Tailscale's canonical spelling and keeps
// the line and column of every value as written.
package policyfile
