// Package tailnet reads, validates, writes and compares tailaudit snapshots: one versioned JSON document holding a tailnet's live state as the Tailscale API v2 returns it.
package tailnet
