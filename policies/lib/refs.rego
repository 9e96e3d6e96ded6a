# METADATA
# title: Policy references
# description: >-
#   Every place in a policy file that names a user, group, tag, host or other
#   alias, with the JSON path to it, and a renderer for those paths.
package tailaudit.lib.refs

import data.tailaudit.lib.alias

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

# refs holds {"path": [...], "alias": "..."} for every alias the policy names as
# a source, destination, owner, approver or target.
refs contains {"path": ["policy", "acls", i, "src", j], "alias": name} if {
	some i, rule in input.policy.acls
	some j, name in rule.src
}

refs contains {"path": ["policy", "acls", i, "dst", j], "alias": dst_aliases[dst]} if {
	some i, rule in input.policy.acls
	some j, dst in rule.dst
}

refs contains {"path": ["policy", "grants", i, field, j], "alias": name} if {
	some i, grant in input.policy.grants
	some field in ["src", "dst", "via"]
	some j, name in grant[field]
}

refs contains {"path": ["policy", "ssh", i, field, j], "alias": name} if {
	some i, rule in input.policy.ssh
	some field in ssh_fields
	some j, name in rule[field]
}

refs contains {"path": ["policy", "tests", i, "src"], "alias": test.src} if {
	some i, test in input.policy.tests
	is_string(test.src)
}

refs contains {"path": ["policy", "tests", i, field, j], "alias": dst_aliases[dst]} if {
	some i, test in input.policy.tests
	some field in ["accept", "deny"]
	some j, dst in test[field]
}

refs contains {"path": ["policy", "sshTests", i, "src"], "alias": test.src} if {
	some i, test in input.policy.sshTests
	is_string(test.src)
}

refs contains {"path": ["policy", "sshTests", i, "dst", j], "alias": name} if {
	some i, test in input.policy.sshTests
	some j, name in test.dst
}

refs contains {"path": ["policy", "autoApprovers", kind, key, j], "alias": name} if {
	some kind in ["routes", "services"]
	some key, approvers in input.policy.autoApprovers[kind]
	some j, name in approvers
}

refs contains {"path": ["policy", "autoApprovers", "exitNode", j], "alias": name} if {
	some j, name in input.policy.autoApprovers.exitNode
}

refs contains {"path": ["policy", "nodeAttrs", i, "target", j], "alias": name} if {
	some i, attr in input.policy.nodeAttrs
	some j, name in attr.target
}

refs contains {"path": ["policy", "ipsets", set, j], "alias": name} if {
	some set, members in input.policy.ipsets
	some j, name in members
}

refs contains {"path": ["policy", "tagOwners", tag, j], "alias": name} if {
	some tag, owners in input.policy.tagOwners
	some j, name in owners
}

# named maps each section to the distinct aliases it names: the aliases of refs,
# without their paths. It is much cheaper to build than refs, so rules check
# every alias here and ask at(alias) for the paths of the few they report.
named := {
	"acls": ({name | some rule in input.policy.acls; some name in rule.src} | {dst_aliases[dst] |
		some rule in input.policy.acls
		some dst in rule.dst
	}),
	"grants": {name |
		some grant in input.policy.grants
		some field in ["src", "dst", "via"]
		some name in grant[field]
	},
	"ssh": {name | some rule in input.policy.ssh; some field in ssh_fields; some name in rule[field]},
	"ipsets": {name | some members in input.policy.ipsets; some name in members},
	"tests": ({test.src | some test in input.policy.tests; is_string(test.src)} | {dst_aliases[dst] |
		some test in input.policy.tests
		some field in ["accept", "deny"]
		some dst in test[field]
	}),
	"sshTests": ({test.src | some test in input.policy.sshTests; is_string(test.src)} | {name |
		some test in input.policy.sshTests
		some name in test.dst
	}),
	"autoApprovers": ({name |
		some kind in ["routes", "services"]
		some approvers in input.policy.autoApprovers[kind]
		some name in approvers
	} | {name | some name in input.policy.autoApprovers.exitNode}),
	"nodeAttrs": {name | some attr in input.policy.nodeAttrs; some name in attr.target},
	"tagOwners": {name | some owners in input.policy.tagOwners; some name in owners},
}

# ssh_fields are the fields of an SSH rule that name aliases: its sources, destinations and the
# session recorders (tags) it sends sessions to.
ssh_fields := ["src", "dst", "recorder"]

# aliases holds every alias the policy names: the aliases of refs.
aliases := {name | some section in named; some name in section}

# at(alias) lists the refs that name alias.
at(name) := [ref | some ref in refs; ref.alias == name]

# dst_aliases maps each ACL destination and test target to its alias. Each
# distinct string is split once.
dst_aliases := {dst: alias.dst_alias(dst) | some dst in dsts}

dsts := {dst | some rule in input.policy.acls; some dst in rule.dst} | {dst |
	some test in input.policy.tests
	some field in ["accept", "deny"]
	some dst in test[field]
}

# name renders one alias for a message: "*" is quoted so it reads as a value,
# everything else is written as it is.
name(alias) := sprintf("%q", [alias]) if alias == "*"

name(alias) := alias if alias != "*"

# names renders a list of aliases for a message, separated by commas.
names(aliases) := concat(", ", [name(a) | some a in aliases])
