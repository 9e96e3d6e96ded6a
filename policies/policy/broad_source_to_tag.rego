# METADATA
# title: Broad source reaches a tagged device
# description: >-
#   An ACL or grant lets a broad source reach a tagged device. Tagged devices are
#   usually servers, so a rule like this exposes them to every user (or, for "*",
#   to every device, shared user and tagged machine). Broad sources come from the
#   broadSources parameter (default "*", autogroup:member, autogroup:danger-all).
#   Results are high for tags in sensitiveTags (default tag:prod, tag:production,
#   tag:db, tag:database, tag:pci, tag:phi, tag:secrets) and medium otherwise.
# custom:
#   id: TA-ACL-004
#   severity: medium
#   remediation: >-
#     Replace the broad source with the groups or tags that need the service, and
#     limit the rule to the ports it uses.
package tailaudit.policy.broad_source_to_tag

import data.tailaudit.lib.alias
import data.tailaudit.lib.params
import data.tailaudit.lib.refs

deny contains result if {
	some i, rule in input.policy.acls
	rule.action == "accept"
	broad := broad_in(rule.src)
	count(broad) > 0
	some j, dst in rule.dst
	tag := alias.dst_alias(dst)
	alias.is_tag(tag)
	result := {
		"msg": sprintf("acls[%d] lets %s reach %s", [i, refs.names(broad), dst]),
		"path": ["policy", "acls", i, "dst", j],
		"evidence": {"src": rule.src, "dst": dst, "tag": tag},
		"severity": params.tag_severity(tag),
	}
}

deny contains result if {
	some i, grant in input.policy.grants
	broad := broad_in(grant.src)
	count(broad) > 0
	some j, tag in grant.dst
	alias.is_tag(tag)
	result := {
		"msg": sprintf("grants[%d] lets %s reach %s", [i, refs.names(broad), tag]),
		"path": ["policy", "grants", i, "dst", j],
		"evidence": {"src": grant.src, "dst": tag, "ip": object.get(grant, "ip", [])},
		"severity": params.tag_severity(tag),
	}
}

broad_in(sources) := [src | some src in sources; src in params.broad_sources]
