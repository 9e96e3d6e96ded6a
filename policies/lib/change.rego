# METADATA
# title: Change helpers
# description: >-
#   Helpers for the rules on a change to the policy file (tailaudit.change.*):
#   the two versions of the policy, paths into the changed one, and the broad
#   sources of a policy.
package tailaudit.lib.change

import data.tailaudit.lib.refs

# before and after are the policy file before and after the change.
before := object.get(input, ["change", "before"], {})

after := object.get(input, ["change", "after"], {})

# after_path turns a path into input.policy, as the tailscale.* built-ins give
# it, into the same path in the changed policy, so that a finding is located in
# the changed file: ["policy", "acls", 3] becomes ["change", "after", "acls", 3].
after_path(path) := array.concat(["change", "after"], array.slice(path, 1, count(path)))

# list is a field as Tailscale reads it: a lone string as a one-element list,
# an array as it is, anything else as no entries.
list(value) := [value] if is_string(value)

list(value) := value if is_array(value)

list(value) := [] if {
	not is_string(value)
	not is_array(value)
}

# section(doc, name) is a top-level array of a policy, or [] when it has none.
section(doc, name) := list(object.get(doc, name, []))

# broad_sources(doc, sources, size) holds the sources of doc that stand for
# many people: each of sources (the broadSources parameter) and every group of
# doc with more than size members.
broad_sources(doc, sources, size) := {s | some s in sources} | {name |
	some name, members in object.get(doc, "groups", {})
	count(list(members)) > size
}

# ssh_grants(doc) holds [src, dst, user, action] for every login an SSH rule
# of doc names.
ssh_grants(doc) := {[src, dst, user, rule.action] |
	some rule in section(doc, "ssh")
	some src in list(rule.src)
	some dst in list(rule.dst)
	some user in list(rule.users)
}

# testable turns a set of sources into those tailscale.reachable can judge:
# "*" and autogroup:danger-all stand for every user, so autogroup:member is
# asked about in their place.
testable(sources) := {s | some s in sources; not s in everyone} | {"autogroup:member" |
	some s in sources
	s in everyone
}

everyone := {"*", "autogroup:member", "autogroup:danger-all"}

# reachable_before(src, dst, port) holds when the policy before the change let
# src reach dst on port. A group or tag the old policy did not define reached
# nothing.
reachable_before(src, dst, port) if {
	defined(before, src)
	defined(before, dst)
	tailscale.reachable(before, src, dst, port)
}

# defined(doc, name) holds for a group or tag doc defines, and for any other
# name.
defined(doc, name) if {
	startswith(name, "group:")
	name in object.keys(object.get(doc, "groups", {}))
}

defined(doc, name) if {
	startswith(name, "tag:")
	name in object.keys(object.get(doc, "tagOwners", {}))
}

defined(_, name) if {
	not startswith(name, "group:")
	not startswith(name, "tag:")
}

# label renders a path into the changed policy as its reader would write it:
# ["change", "after", "acls", 3] becomes acls[3].
label(path) := refs.label(array.concat(["policy"], array.slice(path, 2, count(path))))

# reachable_after(src, dst, port) is reachable_before for the changed policy.
reachable_after(src, dst, port) if {
	defined(after, src)
	defined(after, dst)
	tailscale.reachable(after, src, dst, port)
}

# first_port is the first port of an ACL port list or grant ip entry ("tcp:443",
# "80,443", "8000-8999"), 1 for "*", and undefined for anything else.
first_port(ports) := 1 if ports in {"*", "tcp:*", "udp:*"}

first_port(ports) := to_number(m[1]) if {
	m := regex.find_all_string_submatch_n(`^(?:[a-z]+:)?([0-9]+)`, ports, 1)[0]
}

# added and removed are the access changes of input.change.access: what the
# change lets a source reach that it could not before, and the reverse, each
# {src, dst, proto, ports, portRanges, rules} as tailaudit diff -f json writes
# them. A source written "autogroup:member (others)" stands for the members no
# policy names.
added := object.get(input, ["change", "access", "added"], [])

removed := object.get(input, ["change", "access", "removed"], [])

# principal is a source of an access change without the " (others)" mark.
principal(src) := trim_suffix(src, " (others)")

# rule_path turns a responsible rule of an access change ({file, line, column,
# path}, path a JSON pointer such as /acls/3) into a path into the changed
# policy: ["change", "after", "acls", 3].
rule_path(rule) := array.concat(["change", "after"], [segment(s) | some s in array.slice(split(rule.path, "/"), 1, 100)])

segment(s) := to_number(s) if regex.match(`^[0-9]+$`, s)

segment(s) := replace(replace(s, "~1", "/"), "~0", "~") if not regex.match(`^[0-9]+$`, s)
