# METADATA
# title: Rule parameters
# description: >-
#   The one way rules read their thresholds: each rule names its defaults and
#   merged lays whatever the caller passed in input.params over them.
package tailaudit.lib.params

# merged(defaults) is defaults with input.params laid over them key by key, so
# a parameter the caller leaves out keeps its default and a list the caller
# passes replaces the default list whole. A missing or malformed input.params
# leaves the defaults as they are. A rule calls it once, in a rule of its own
# (parameters := params.merged({...})), so the merge is done once per
# evaluation, not once per item the rule examines.
merged(defaults) := object.union(defaults, given)

# given is input.params when it is an object, and {} otherwise.
given := p if {
	p := input.params
	is_object(p)
} else := {}

# shared holds the defaults of the parameters that more than one rule reads, so
# that those rules cannot disagree about them. A rule still names each one it
# reads in its own defaults: {"broadSources": params.shared.broadSources}.
shared := {
	"broadSources": ["*", "autogroup:member", "autogroup:danger-all"],
	"sensitiveTags": [
		"tag:prod",
		"tag:production",
		"tag:db",
		"tag:database",
		"tag:pci",
		"tag:phi",
		"tag:secrets",
	],
	"inactiveUserDays": 90,
	"broadGroupSize": 25,
}
