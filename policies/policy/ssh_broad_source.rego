# METADATA
# title: SSH open to broad sources
# description: >-
#   An SSH rule lets a broad source (the broadSources parameter, default "*",
#   autogroup:member, autogroup:danger-all) open sessions on machines other
#   than the user's own. Every user in the tailnet can then try to log in to
#   those servers. Rules with "action": "check" are reported as medium, the
#   rest as high.
# custom:
#   id: TA-SSH-003
#   severity: high
#   remediation: >-
#     Limit SSH to tagged servers to the groups that run them, and keep broad
#     sources for "dst": ["autogroup:self"].
#   params:
#     broadSources: {type: array, items: {type: string}}
package tailaudit.policy.ssh_broad_source

import data.tailaudit.lib.params
import data.tailaudit.lib.refs

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"broadSources": params.shared.broadSources})

deny contains result if {
	some i, rule in input.policy.ssh
	some k, src in rule.src
	src in parameters.broadSources
	shared := [dst | some dst in rule.dst; dst != "autogroup:self"]
	count(shared) > 0
	result := {
		"msg": sprintf("ssh[%d] lets %s open SSH sessions on %s", [i, refs.name(src), refs.names(shared)]),
		"path": ["policy", "ssh", i, "src", k],
		"evidence": {"action": rule.action, "src": rule.src, "dst": rule.dst, "users": object.get(rule, "users", [])},
		"severity": severity(rule.action),
	}
}

severity("check") := "medium"

severity(action) := "high" if action != "check"
