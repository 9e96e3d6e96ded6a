# METADATA
# title: Policy aliases
# description: >-
#   Helpers that take apart the strings a policy file uses to name sources,
#   destinations and ports.
package tailaudit.lib.alias

# split_dst splits an ACL destination or test target of the form alias:ports
# on its last colon, so IPv6 addresses and CIDRs keep their own colons.
split_dst(dst) := {"alias": parts[1], "ports": parts[2]} if {
	parts := regex.find_all_string_submatch_n(`^(.*):([^:]*)$`, dst, 1)[0]
}

# dst_alias is the alias part of a destination; a string without a colon is
# returned as it is.
dst_alias(dst) := split_dst(dst).alias

dst_alias(dst) := dst if not contains(dst, ":")

# dst_ports is the port part of a destination.
dst_ports(dst) := split_dst(dst).ports

is_tag(name) if startswith(name, "tag:")

is_group(name) if startswith(name, "group:")

# is_host_name holds for bare names that can only refer to an entry in hosts:
# not a user (user@domain), not a prefixed alias, not an address or CIDR.
is_host_name(name) if {
	not contains(name, ":")
	not contains(name, "@")
	not regex.match(`^[0-9./]+$`, name)
	regex.match(`^[A-Za-z0-9][A-Za-z0-9._-]*$`, name)
}

# any_ports holds for an ACL port list that opens every port.
any_ports(ports) if {
	some p in split(ports, ",")
	p in {"*", "0-65535", "1-65535"}
}

# any_ip holds for a grant ip entry that opens every protocol and port.
any_ip(ip) if ip in {"*", "0-65535", "1-65535"}

# icmp_only holds for an ACL whose proto limits it to ICMP, where ports mean nothing.
icmp_only(rule) if {
	proto := object.get(rule, "proto", "")
	is_string(proto)
	lower(proto) in {"icmp", "ipv6-icmp", "1", "58"}
}
