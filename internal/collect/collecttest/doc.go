// Package collecttest serves the collector's recorded Tailscale API responses from an httptest server, for tests of collect and of the CLI.
package collecttest
