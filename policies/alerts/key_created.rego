# METADATA
# title: API key, auth key or OAuth client created
# description: >-
#   A credential was created: an API access token, an auth key or an OAuth client. The evidence shows its type, scopes, capabilities (tags, reusable, preauthorized) and expiry.
# custom:
#   id: TA-ALERT-007
#   severity: medium
#   remediation: >-
#     Confirm the key is expected, scoped as narrowly as it can be, and expires.
#   runbook: "Ask the actor what the key is for; revoke it in Settings > Keys if nobody owns it."
#   match: {"target.type": ["API_KEY"], "action": ["CREATE"]}
#   controls: {soc2: [CC6.1, CC7.2], iso27001: ["5.17", "8.16"], pci-dss: ["8.6.1", "10.2.1.2"], hipaa: ["164.312(d)", "164.312(b)"]}
package tailaudit.alerts.key_created

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "API_KEY"
	input.event.action == "CREATE"
	result := {"msg": sprintf("%s created the key %s", [lib.actor, lib.target]), "evidence": object.union(lib.evidence, {"keyType": object.get(_new, "keyType", ""), "scopes": object.get(_new, "scopes", []), "capabilities": object.get(_new, "capabilities", {})})}
}

# _new is the created key's details, when the event has them as an object.
_new := n if {
	n := input.event.new
	is_object(n)
} else := {}
