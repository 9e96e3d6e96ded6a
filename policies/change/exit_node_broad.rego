# METADATA
# title: Broad source gains exit-node access
# description: >-
#   The change lets a broad source (one of broadSources, or a group with more
#   than broadGroupSize members) use exit nodes, through an ACL or grant with
#   autogroup:internet as a destination, where it could not before (as the
#   access diff, input.change.access, computes it). Traffic to
#   the internet then leaves from the tailnet's exit nodes, under the
#   organisation's addresses, for everyone in that source.
# custom:
#   id: TA-CHG-008
#   severity: high
#   remediation: >-
#     Give exit-node access to the groups that travel or need the egress
#     address, or confirm in the review that everyone should have it.
#   params:
#     broadSources: {type: array, items: {type: string}}
#     broadGroupSize: {type: integer, minimum: 1, maximum: 100000}
package tailaudit.change.exit_node_broad

import data.tailaudit.lib.change
import data.tailaudit.lib.params

parameters := params.merged({"broadSources": params.shared.broadSources, "broadGroupSize": params.shared.broadGroupSize})

deny contains result if {
	broad := change.testable(change.broad_sources(change.after, parameters.broadSources, parameters.broadGroupSize))
	some src in {change.principal(gain.src) |
		some gain in change.added
		gain.dst == "autogroup:internet"
	}
	src in broad
	gains := [gain | some gain in change.added; gain.dst == "autogroup:internet"; change.principal(gain.src) == src]
	rule := gains[0].rules[0]
	path := change.rule_path(rule)
	result := {
		"msg": sprintf("%s newly lets %s use exit nodes (autogroup:internet)", [change.label(path), src]),
		"path": path,
		"evidence": {"src": src, "protocols": sort({gain.proto | some gain in gains}), "rules": {r | some gain in gains; some r in gain.rules}},
	}
}
