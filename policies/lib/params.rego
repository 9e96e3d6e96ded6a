# METADATA
# title: Rule parameters
# description: >-
#   Thresholds the built-in rules read, with the defaults merged under whatever
#   the caller passed in input.params.
package tailaudit.lib.params

defaults := {
	"maxCheckPeriod": "12h",
	"sensitiveTags": [
		"tag:prod",
		"tag:production",
		"tag:db",
		"tag:database",
		"tag:pci",
		"tag:phi",
		"tag:secrets",
	],
	"broadSources": ["*", "autogroup:member", "autogroup:danger-all"],
	"wideCidrPrefix": 8,
}

raw := object.get(input, "params", {})

given := raw if is_object(raw)

given := {} if not is_object(raw)

params := object.union(defaults, given)

max_check_period := params.maxCheckPeriod

sensitive_tags := {tag | some tag in params.sensitiveTags}

broad_sources := {src | some src in params.broadSources}

wide_cidr_prefix := params.wideCidrPrefix

# sensitive(tag) holds for tags named in sensitiveTags.
sensitive(tag) if tag in sensitive_tags

# tag_severity(tag) is "high" for sensitive tags and "medium" for the rest.
tag_severity(tag) := "high" if sensitive(tag)

tag_severity(tag) := "medium" if not sensitive(tag)
