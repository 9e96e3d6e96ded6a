# METADATA
# title: Access to tagged devices, prefiltered
# description: >-
#   A cheap, conservative test of whether an ACL or grant could let a source
#   reach a tagged device, so that rules ask tailscale.reachable only about
#   pairs that some rule could allow. It never rules out a pair that
#   tailscale.reachable(input.policy, src, tag, port) would allow. Also the
#   severity those rules give a result on a tag.
package tailaudit.lib.tag_access

# Why this is safe: the rules call tailscale.reachable with input.policy alone,
# so there is no snapshot and no device has an address. A tagged destination is
# then matched only by a destination alias that is the tag itself, "*",
# autogroup:tagged or autogroup:danger-all. A tag as a source is matched only by
# the same aliases; autogroup:member as a source only by "*", autogroup:member
# (or autogroup:members) and autogroup:danger-all. Groups (and anything else)
# are always kept. Sections and fields are read the way Tailscale reads them (an
# exact key first, else the key in any case; a lone string as a one-element
# list), and anything this cannot read counts as open.

tag_wildcards := {"*", "autogroup:tagged", "autogroup:danger-all"}

member_wildcards := {"*", "autogroup:member", "autogroup:members", "autogroup:danger-all"}

# port_1_openings holds [tag, src] for every source of an ACL or grant with a
# destination that matches tag ("*" for every tag) and may be open on port 1.
port_1_openings := {[port_1_acl_dsts[dst], src] |
	count(port_1_acl_dsts) > 0
	some entry in acls
	some dst in entry.dst
	port_1_acl_dsts[dst]
	some src in entry.src
} | {[tag, src] |
	count(port_1_ips) > 0
	some entry in grants
	some ip in entry.ip
	ip in port_1_ips
	some dst in entry.dst
	tag := grant_dsts[dst]
	some src in entry.src
}

port_1_acl_dsts := {dst: info[0] | some dst, info in acl_dsts; info[1]}

port_1_ips := {ip | some ip, open in ips; open}

# member_openings holds every tag key that an ACL or grant with a source
# matching autogroup:member has a destination for. Such sources are rare, so
# they are looked for first.
member_openings := {info[0] |
	some entry in acls
	some src in entry.src
	src in member_wildcards
	some dst in entry.dst
	info := acl_dsts[dst]
} | {tag |
	some entry in grants
	count(entry.ip) > 0
	some src in entry.src
	src in member_wildcards
	some dst in entry.dst
	tag := grant_dsts[dst]
}

# may_reach(src, tag) is false only when no ACL or grant can let src reach tag.
# Only autogroup:member is supported as src.
may_reach("autogroup:member", tag) if {
	some key in {tag, "*"}
	key in member_openings
}

# may_reach_port_1(src, tag) is false only when no ACL or grant can let src
# reach tag on port 1.
may_reach_port_1(src, tag) if {
	some key in {tag, "*"}
	some s in port_1_sources[key]
	admits(s, src)
}

port_1_sources := {tag: {o[1] | some o in port_1_openings; o[0] == tag} | some [tag, _] in port_1_openings}

# acl_dsts maps each distinct ACL destination that may match a tag to
# [tag key, whether it may be open on port 1]. The alias is the part before the
# last colon.
acl_dsts := {dst: [tag, opens_port_1(parts[count(parts) - 1])] |
	some dst in {dst | some entry in acls; some dst in entry.dst; is_string(dst)}
	parts := split(dst, ":")
	count(parts) > 1
	tag := tag_key(concat(":", array.slice(parts, 0, count(parts) - 1)))
}

# grant_dsts maps each distinct grant destination that may match a tag to its
# tag key. A grant opens what its "ip" entries say on every destination; without
# them it opens no ports.
grant_dsts := {dst: tag_key(dst) | some dst in {dst | some entry in grants; some dst in entry.dst; is_string(dst)}}

# ips maps each distinct grant ip entry to whether it may open port 1.
ips := {ip: opens_port_1(ip_ports(ip)) | some ip in {ip | some entry in grants; some ip in entry.ip; is_string(ip)}}

acls := entries("acls", ["src", "dst"])

grants := entries("grants", ["src", "dst", "ip"])

# entries(name, fields) lists the entries of section name with fields as
# Tailscale reads them: an exact key first, else the key in any case, and a
# lone string as a one-element list. Entries whose fields are all arrays under
# their exact names, nearly all of them, are taken as they are.
entries(name, fields) := list if {
	list := section(name)
	count(irregular(list, fields)) == 0
} else := array.concat(
	[entry | some i, entry in list; not i in odd],
	[normalized(entry, fields) | some i in odd; entry := list[i]],
) if {
	list := section(name)
	odd := irregular(list, fields)
}

# irregular holds the indexes of the entries in list that Tailscale would read
# differently from entry[field]: a field that is not an array, or a key such as
# "Src" that differs from its field only in case.
irregular(list, fields) := {i |
	some i, entry in list
	is_object(entry)
	some field in fields
	not is_array(object.get(entry, field, []))
} | {i |
	some i, entry in list
	is_object(entry)
	some key, _ in entry
	not key in {"action", "src", "dst", "proto", "ip", "app", "via", "srcPosture"}
	upper(key) in {upper(field) | some field in fields}
}

section(name) := input.policy[name] if name in object.keys(input.policy)

section(name) := [entry |
	some key, list in input.policy
	upper(key) == upper(name)
	some entry in list
] if {
	is_object(input.policy)
	not name in object.keys(input.policy)
}

normalized(entry, fields) := {field: field_strings(entry, field) | some field in fields}

field_strings(entry, field) := strings(entry[field]) if field in object.keys(entry)

field_strings(entry, field) := [s |
	some key, value in entry
	upper(key) == upper(field)
	some s in strings(value)
] if not field in object.keys(entry)

strings(value) := [value] if is_string(value)

strings(value) := [s | some s in value; is_string(s)] if not is_string(value)

tag_key(alias) := alias if startswith(alias, "tag:")

tag_key(alias) := "*" if alias in tag_wildcards

# admits(s, src) holds when source alias s may match the source src.
admits(s, src) if s == src

admits(s, src) if {
	startswith(src, "tag:")
	s in tag_wildcards
}

admits(s, "autogroup:member") if s in member_wildcards

admits(_, src) if {
	not startswith(src, "tag:")
	src != "autogroup:member"
}

# opens_port_1 is false only for a port list of numbers and ranges that all
# leave out port 1; anything it cannot read counts as open.
opens_port_1(ports) if {
	some p in split(ports, ",")
	not excludes_port_1(p)
} else := false

excludes_port_1(p) if {
	regex.match(`^[0-9]+$`, p)
	to_number(p) != 1
}

excludes_port_1(p) if {
	regex.match(`^[0-9]+-[0-9]+$`, p)
	bounds := split(p, "-")
	not range_has_1(to_number(bounds[0]), to_number(bounds[1]))
}

range_has_1(first, last) if {
	first <= 1
	last >= 1
}

# ip_ports is the port part of a grant ip entry: "tcp:443" → "443", "22" → "22".
ip_ports(ip) := ip if not contains(ip, ":")

ip_ports(ip) := substring(ip, indexof(ip, ":") + 1, -1) if contains(ip, ":")

# severity(sensitive_tags, tag) is "high" for a tag in sensitive_tags (the
# sensitiveTags parameter) and "medium" for the rest.
severity(sensitive_tags, tag) := "high" if tag in sensitive_tags

severity(sensitive_tags, tag) := "medium" if not tag in sensitive_tags
