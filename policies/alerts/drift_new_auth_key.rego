# METADATA
# title: New auth key since the last snapshot
# description: >-
#   The newer snapshot lists an auth key the older one did not. The evidence
#   shows what devices it can create: reusable, ephemeral, preauthorized, and
#   the tags they get.
# custom:
#   id: TA-DRIFT-008
#   severity: medium
#   remediation: Confirm the key is expected, scoped to the tags it needs, not reusable unless it must be, and expires soon.
#   runbook: "Ask the key's creator what it is for; revoke it in Settings > Keys if nobody owns it."
#   controls: {soc2: [CC6.1, CC7.2], iso27001: ["5.17", "8.16"], pci-dss: ["8.6.1", "10.2.1.2"], hipaa: ["164.312(d)", "164.312(b)"]}
package tailaudit.alerts.drift_new_auth_key

alert contains result if {
	some k in input.change.after.keys
	k.keyType == "auth"
	not _known(k.id)
	create := object.get(k, ["capabilities", "devices", "create"], {})
	result := {
		"msg": sprintf("new auth key %s (%s)", [k.id, object.get(k, "description", "")]),
		"dedup": k.id,
		"evidence": {
			"key": k.id, "description": object.get(k, "description", ""), "userId": object.get(k, "userId", ""),
			"created": object.get(k, "created", ""), "expires": object.get(k, "expires", ""),
			"reusable": object.get(create, "reusable", false), "ephemeral": object.get(create, "ephemeral", false),
			"preauthorized": object.get(create, "preauthorized", false), "tags": object.get(create, "tags", []),
		},
	}
}

_known(id) if {
	some b in input.change.before.keys
	b.id == id
}
