# METADATA
# title: Broad source gains exit-node access
# description: >-
#   The change lets a broad source (one of broadSources, or a group with more
#   than broadGroupSize members) use exit nodes, through an ACL or grant with
#   autogroup:internet as a destination, where it could not before. Traffic to
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

import data.tailaudit.lib.alias
import data.tailaudit.lib.change
import data.tailaudit.lib.params
import data.tailaudit.lib.refs

parameters := params.merged({"broadSources": params.shared.broadSources, "broadGroupSize": params.shared.broadGroupSize})

# internet(doc) holds [section, index, src] for every ACL and grant of doc that
# lets src use exit nodes.
internet(doc) := {[section, i, src] |
	some section in ["acls", "grants"]
	some i, entry in change.section(doc, section)
	some dst in change.list(entry.dst)
	internet_dst(section, dst)
	some src in change.list(entry.src)
}

internet_dst("acls", dst) if alias.dst_alias(dst) == "autogroup:internet"

internet_dst("grants", "autogroup:internet")

old := {src | some [_, _, src] in internet(change.before)}

deny contains result if {
	broad := change.broad_sources(change.after, parameters.broadSources, parameters.broadGroupSize)
	some [section, i, src] in internet(change.after)
	src in broad
	not src in old
	result := {
		"msg": sprintf("%s[%d] newly lets %s use exit nodes (autogroup:internet)", [section, i, refs.name(src)]),
		"path": ["change", "after", section, i],
		"evidence": {"src": src},
	}
}
