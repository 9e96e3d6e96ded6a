// Package events decodes Tailscale configuration audit logs and network flow logs from every wire shape they arrive in, as a stream, into events with the API's field names.
package events
