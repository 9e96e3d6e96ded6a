// Package collect pulls a read-only snapshot and recent audit and flow logs from the Tailscale API v2.
package collect
