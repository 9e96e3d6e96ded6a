# METADATA
# title: Flow log helpers
# description: >-
#   What flow log alert rules say about a connection: the address and port of
#   each end as the API writes them ("100.64.0.1:443", "[fd7a:115c:a1e0::1]:443"),
#   the snapshot's device at an address, the protocol's name and the bytes moved.
package tailaudit.lib.flows

# host is the address of an endpoint, without its port or the brackets of IPv6.
host(ep) := trim_prefix(split(ep, "]:")[0], "[") if startswith(ep, "[")

host(ep) := split(ep, ":")[0] if not startswith(ep, "[")

# port is the port of an endpoint; 0 when it has none (ICMP, or an aggregate entry).
port(ep) := to_number(parts[1]) if {
	startswith(ep, "[")
	parts := split(ep, "]:")
	count(parts) == 2
} else := to_number(parts[1]) if {
	not startswith(ep, "[")
	parts := split(ep, ":")
	count(parts) == 2
} else := 0

# device is the snapshot's device that holds address addr, when a snapshot was
# given and knows it (tailscale.device: an index, not a scan per call).
device(addr) := d if {
	d := tailscale.device(input.tailnet, addr)
	addr in object.get(d, "addresses", [])
}

# name is how an alert names the end at addr: its device's short name, else the address.
name(addr) := split(device(addr).name, ".")[0] if {
	device(addr).name != ""
} else := addr

# proto_name is the IANA protocol number as a name where it has a common one.
proto_name(n) := _protocols[n] if _protocols[n]

proto_name(n) := sprintf("proto %d", [n]) if not _protocols[n]

_protocols := {1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp", 132: "sctp"}

# bytes is what one traffic entry moved, both ways; the API leaves out zero counts.
bytes(c) := object.get(c, "txBytes", 0) + object.get(c, "rxBytes", 0)
