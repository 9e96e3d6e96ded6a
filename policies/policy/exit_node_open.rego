# METADATA
# title: Exit nodes open to everyone
# description: >-
#   An ACL or grant lets a broad source (the broadSources parameter, default
#   "*", autogroup:member, autogroup:danger-all, or any sources that name every
#   user's device in the snapshot) use exit nodes: its destination is
#   autogroup:internet, or "*", which includes the internet. Anyone the source
#   covers can send all of their internet traffic out through the
#   organisation's exit nodes and addresses.
# custom:
#   id: TA-ROUTE-002
#   severity: medium
#   remediation: >-
#     Give exit-node access to the groups that need it (for example a
#     group:travel or group:ops) rather than to everyone.
#   params:
#     broadSources: {type: array, items: {type: string}}
package tailaudit.policy.exit_node_open

import data.tailaudit.lib.params
import data.tailaudit.lib.refs

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"broadSources": params.shared.broadSources})

deny contains result if {
	some r in tailscale.internet_rules(input)
	r.path != null
	who := open_to(r)
	[_, kind, i, dkey, j] := r.dstPath
	rule := input.policy[kind][i]
	result := {
		"msg": sprintf("%s[%d] lets %s use any exit node to reach the internet", [kind, i, refs.names(who)]),
		"path": r.dstPath,
		"evidence": evidence(rule, rule[dkey][j]),
	}
}

# open_to is who a rule from tailscale.internet_rules lets use exit nodes, when that is everyone:
# its broad sources, or all its sources when together they name every user's device.
open_to(r) := broad if {
	broad := [src | some src in r.src; src in parameters.broadSources]
	count(broad) > 0
}

open_to(r) := r.src if {
	count([src | some src in r.src; src in parameters.broadSources]) == 0
	r.everyMember
}

evidence(rule, dst) := {"src": rule.src, "dst": dst} if not "ip" in object.keys(rule)

evidence(rule, dst) := {"src": rule.src, "dst": dst, "ip": rule.ip} if "ip" in object.keys(rule)
