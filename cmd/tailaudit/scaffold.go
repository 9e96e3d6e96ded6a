package main

import (
	"fmt"
	"strings"
)

// scaffoldTemplate is a new rule's body and tests for one namespace. In the texts, ID, PKG and
// NS are replaced by the rule id, the last package name and the namespace.
type scaffoldTemplate struct {
	title, description, remediation, severity string
	meta                                      string // more METADATA lines under custom:, each "#   key: value\n"
	rule, test                                string
}

var scaffoldTemplates = map[string]scaffoldTemplate{
	"policy": {
		title:       "Every port of a production tag opened to a group",
		description: "An ACL entry gives a source every port on a tag:prod destination, where only the ports the service needs should be open.",
		remediation: "Name the ports the service listens on, such as tag:prod:443, instead of tag:prod:*.",
		severity:    "high",
		rule: `deny contains result if {
	some i, acl in input.policy.acls
	some dst in acl.dst
	startswith(dst, "tag:prod:")
	endswith(dst, ":*")
	result := {
		"msg": sprintf("acls[%d] gives %v every port on %s", [i, acl.src, dst]),
		"path": ["policy", "acls", i],
		"evidence": {"src": acl.src, "dst": dst},
	}
}
`,
		test: `_policy(dst) := {"policy": {
	"groups": {"group:eng": ["alice@example.com"]},
	"tagOwners": {"tag:prod": ["group:eng"]},
	"acls": [{"action": "accept", "src": ["group:eng"], "dst": [dst]}],
}}

test_every_port_fires if {
	some r in rule.deny with input as _policy("tag:prod:*")
	r.path == ["policy", "acls", 0]
}

test_named_port_silent if {
	count(rule.deny) == 0 with input as _policy("tag:prod:443")
}
`,
	},
	"tailnet": {
		title:       "Untagged device with key expiry disabled",
		description: "A device owned by a user has key expiry turned off, so it keeps its access even if the user leaves or the device is lost.",
		remediation: "Turn key expiry back on for the device in the admin console, or tag it if it is a server.",
		severity:    "medium",
		rule: `deny contains result if {
	some i, d in input.tailnet.devices
	d.keyExpiryDisabled == true
	count(object.get(d, "tags", [])) == 0
	result := {
		"msg": sprintf("device %s has key expiry disabled", [d.name]),
		"path": ["tailnet", "devices", i],
		"resource": {"type": "device", "id": d.nodeId, "name": d.name},
		"evidence": {"keyExpiryDisabled": true, "user": d.user},
	}
}
`,
		test: `_snapshot(expiry_disabled) := {"now": "2026-11-24T12:00:00Z", "tailnet": {"devices": [{
	"nodeId": "nLAPTOP1CNTRL",
	"name": "alice-laptop.example.ts.net",
	"user": "alice@example.com",
	"os": "macOS",
	"lastSeen": "2026-11-24T11:00:00Z",
	"keyExpiryDisabled": expiry_disabled,
	"tags": [],
}]}}

test_expiry_disabled_fires if {
	some r in rule.deny with input as _snapshot(true)
	r.resource.id == "nLAPTOP1CNTRL"
}

test_expiry_enabled_silent if {
	count(rule.deny) == 0 with input as _snapshot(false)
}
`,
	},
	"alerts": {
		title:       "API access token created",
		description: "Someone created an API access token: a credential that can change the tailnet without the admin console, which should be rare and expected.",
		remediation: "Ask the person who created it what it is for; revoke it if nobody expected it, and prefer an OAuth client with narrow scopes.",
		severity:    "medium",
		meta:        "#   match: {action: [CREATE], target.type: [API_KEY]}\n#   suppress: 1h\n",
		rule: `alert contains result if {
	input.event.action == "CREATE"
	input.event.target.type == "API_KEY"
	result := {
		"msg": sprintf("%s created API access token %s", [input.event.actor.loginName, input.event.target.name]),
		"dedup": input.event.target.id,
		"evidence": {"actor": input.event.actor.loginName, "target": input.event.target},
	}
}
`,
		test: `_event(target_type) := {"event": {
	"eventGroupID": "f5d3c7a0e1b24c0c9d1e7a3b5c6d7e8f",
	"origin": "ADMIN_CONSOLE",
	"type": "CONFIG",
	"action": "CREATE",
	"eventTime": "2026-11-24T11:58:00Z",
	"actor": {"id": "uALICE11CNTRL", "type": "USER", "loginName": "alice@example.com"},
	"target": {"id": "kAPI123CNTRL", "name": "ci-deploy", "type": target_type},
}}

test_api_key_created_fires if {
	some r in rule.alert with input as _event("API_KEY")
	r.dedup == "kAPI123CNTRL"
}

test_auth_key_created_silent if {
	count(rule.alert) == 0 with input as _event("AUTH_KEY")
}
`,
	},
	"change": {
		title:       "A change opens access to every source",
		description: "A pull request adds an ACL entry whose source is \"*\": every user and device of the tailnet (and shared-in ones) gains the access it grants.",
		remediation: "Name the groups or tags that need the access instead of \"*\".",
		severity:    "high",
		rule: `deny contains result if {
	before := object.get(input.change.before, "acls", [])
	some i, acl in input.change.after.acls
	"*" in acl.src
	not acl in before
	result := {
		"msg": sprintf("acls[%d] is new and lets every source reach %v", [i, acl.dst]),
		"path": ["change", "after", "acls", i],
		"evidence": {"dst": acl.dst},
	}
}
`,
		test: `_base := {"acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:web:443"]}]}

_change(added) := {"change": {
	"before": _base,
	"after": {"acls": array.concat(_base.acls, [added])},
}}

test_new_wildcard_source_fires if {
	some r in rule.deny with input as _change({"action": "accept", "src": ["*"], "dst": ["tag:web:443"]})
	r.path == ["change", "after", "acls", 1]
}

test_new_named_source_silent if {
	count(rule.deny) == 0 with input as _change({"action": "accept", "src": ["group:ops"], "dst": ["tag:web:443"]})
}
`,
	},
}

// scaffold returns a new rule's module and its test module.
func scaffold(namespace, id, name string) (rule, test string) {
	t := scaffoldTemplates[namespace]
	pkg := "tailaudit." + namespace + "." + name
	var b strings.Builder
	fmt.Fprintf(&b, "# METADATA\n# title: %s\n# description: >-\n#   %s\n", t.title, t.description)
	fmt.Fprintf(&b, "# custom:\n#   id: %s\n#   severity: %s\n#   remediation: >-\n#     %s\n", id, t.severity, t.remediation)
	b.WriteString(t.meta)
	b.WriteString("#   # The framework controls this rule evidences, such as {soc2: [CC6.1], iso27001: [\"8.3\"]}:\n")
	b.WriteString("#   # fill them in ('tailaudit frameworks show soc2' lists the ids).\n")
	b.WriteString("#   controls: {}\n")
	fmt.Fprintf(&b, "package %s\n\n%s", pkg, t.rule)
	rule = b.String()
	test = fmt.Sprintf("package %s_test\n\nimport data.%s as rule\n\n%s", pkg, pkg, t.test)
	return rule, test
}
