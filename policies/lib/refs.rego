# METADATA
# title: Policy references
# description: >-
#   Every place in a policy file that names a user, group, tag, host or other
#   alias, with the JSON path to it (read through tailscale.references, the one
#   reference table), and a renderer for those paths.
package tailaudit.lib.refs

# label renders a path into input the way a reader of the policy file would
# write it: ["policy", "acls", 3, "dst", 0] becomes acls[3].dst[0].
label(path) := "the policy" if count(path) < 2

label(path) := concat("", [segment(n, p) | some n, p in path; n > 0]) if count(path) >= 2

segment(_, p) := sprintf("[%d]", [p]) if is_number(p)

segment(n, p) := p if {
	is_string(p)
	n == 1
}

segment(n, p) := sprintf(".%s", [p]) if {
	is_string(p)
	n > 1
	regex.match(`^[A-Za-z_][A-Za-z0-9_]*$`, p)
}

segment(n, p) := sprintf("[%q]", [p]) if {
	is_string(p)
	n > 1
	not regex.match(`^[A-Za-z_][A-Za-z0-9_]*$`, p)
}

# table is every place the policy names a selector, a posture or an SSH login user, from the one
# reference table of internal/access (tailscale.references): acls src/dst/srcPosture, grants
# src/dst/via/srcPosture, ssh src/dst/recorder/users/srcPosture, tagOwners, autoApprovers
# routes/services/exitNode, nodeAttrs target, defaultSrcPosture, ipsets, hosts, tests
# src/accept/deny and sshTests src/dst/accept/check/deny. Values are trimmed as Tailscale reads
# them and a destination stands for its alias, without its ports.
table := tailscale.references(input)

# refs holds {"path": [...], "alias": "...", "section", "field", "kind"} for every reference;
# kind is "selector", "posture", "user" (an SSH login user) or "address" (a host's value).
refs contains ref if some ref in table.refs

# named maps each section to the distinct names it refers to: the aliases of refs, without their
# paths. Rules check every name here and ask at(name) for the paths of the few they report.
named := {section: {name | some name in names} | some section, names in table.named}

# aliases holds every name the policy refers to: the aliases of refs.
aliases := {name | some names in table.named; some name in names}

# at(alias) lists the refs that name alias, in the order of refs (table.at indexes them by alias,
# so that a rule reporting many names does not read every ref for each).
at(name) := object.get(table.at, name, [])

# name renders one alias for a message: "*" is quoted so it reads as a value,
# everything else is written as it is.
name(alias) := sprintf("%q", [alias]) if alias == "*"

name(alias) := alias if alias != "*"

# names renders a list of aliases for a message, separated by commas.
names(aliases) := concat(", ", [name(a) | some a in aliases])
