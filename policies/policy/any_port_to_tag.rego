# METADATA
# title: Every port open on a tagged device
# description: >-
#   Someone can reach every port of a tagged device, including admin and database
#   ports nobody meant to expose. This judges effective access, not syntax: for
#   every group with members, every tag and a typical member (autogroup:member) it
#   asks Tailscale's semantics whether a connection to each tag is allowed on
#   ports 1, 1024 and 65535, through any mix of ACLs, grants, groups, hosts and
#   wildcards. Sources opened by the same rule are reported together, at that
#   rule. Results are high for tags in sensitiveTags (default tag:prod,
#   tag:production, tag:db, tag:database, tag:pci, tag:phi, tag:secrets) and
#   medium otherwise.
# custom:
#   id: TA-ACL-005
#   severity: medium
#   remediation: >-
#     List the ports the service uses (for example tag:db:5432, or "ip":
#     ["tcp:5432"]) instead of "*".
#   params:
#     sensitiveTags: {type: array, items: {type: string}}
package tailaudit.policy.any_port_to_tag

import data.tailaudit.lib.params
import data.tailaudit.lib.refs
import data.tailaudit.lib.tag_access

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"sensitiveTags": params.shared.sensitiveTags})

# A connection allowed on the lowest, a middle and the highest port is taken to
# mean every port: rules that open exactly these three and nothing between do
# not occur in practice.
probe_ports := [1, 1024, 65535]

sources contains group if {
	some group, members in input.policy.groups
	count(members) > 0
}

sources contains tag if some tag, _ in input.policy.tagOwners

sources contains "autogroup:member"

# openings holds [rule path, tag, source] for every source that reaches every
# port of a tag, with the first rule that allows it. Pairs that no rule could
# open on port 1, the first probe port, are skipped without asking
# tailscale.reachable (see lib/tag_access.rego).
openings contains [reach.because[0], tag, src] if {
	some tag, _ in input.policy.tagOwners
	some src in sources
	src != tag
	tag_access.may_reach_port_1(src, tag)
	every port in probe_ports {
		tailscale.reachable(input.policy, src, tag, port)
	}
	reach := tailscale.reach(input.policy, src, tag, 65535)
}

deny contains result if {
	some [path, tag] in {[o[0], o[1]] | some o in openings}
	srcs := sort([o[2] | some o in openings; o[0] == path; o[1] == tag])
	result := {
		"msg": sprintf("%s can reach %s on every port through %s", [concat(", ", srcs), tag, refs.label(path)]),
		"path": path,
		"evidence": {"sources": srcs, "tag": tag, "probedPorts": probe_ports},
		"severity": tag_access.severity(parameters.sensitiveTags, tag),
	}
}
