# METADATA
# title: Exit nodes open to everyone
# description: >-
#   An ACL or grant lets a broad source (the broadSources parameter, default
#   "*", autogroup:member, autogroup:danger-all) use autogroup:internet, so
#   anyone the source covers can send all of their internet traffic out
#   through the organisation's exit nodes and addresses.
# custom:
#   id: TA-ROUTE-002
#   severity: medium
#   remediation: >-
#     Give exit-node access to the groups that need it (for example a
#     group:travel or group:ops) rather than to everyone.
#   params:
#     broadSources: {type: array, items: {type: string}}
package tailaudit.policy.exit_node_open

import data.tailaudit.lib.alias
import data.tailaudit.lib.params
import data.tailaudit.lib.refs

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"broadSources": params.shared.broadSources})

deny contains result if {
	some i, rule in input.policy.acls
	rule.action == "accept"
	broad := [src | some src in rule.src; src in parameters.broadSources]
	count(broad) > 0
	some j, dst in rule.dst
	alias.dst_alias(dst) == "autogroup:internet"
	result := {
		"msg": sprintf("acls[%d] lets %s use any exit node to reach the internet", [i, refs.names(broad)]),
		"path": ["policy", "acls", i, "dst", j],
		"evidence": {"src": rule.src, "dst": dst},
	}
}

deny contains result if {
	some i, grant in input.policy.grants
	broad := [src | some src in grant.src; src in parameters.broadSources]
	count(broad) > 0
	some j, dst in grant.dst
	dst == "autogroup:internet"
	result := {
		"msg": sprintf("grants[%d] lets %s use any exit node to reach the internet", [i, refs.names(broad)]),
		"path": ["policy", "grants", i, "dst", j],
		"evidence": {"src": grant.src, "dst": dst, "ip": object.get(grant, "ip", [])},
	}
}
