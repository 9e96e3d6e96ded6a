# METADATA
# title: OAuth client or federated identity with write access
# description: >-
#   An OAuth client or workload identity federation credential holds scopes that can change the
#   tailnet. These credentials never expire and are not tied to a person, so write scopes on
#   them deserve a named owner and a review; the "all" scope can change everything.
# custom:
#   id: TA-KEY-004
#   severity: medium
#   remediation: >-
#     Give each client only the scopes its job needs (":read" where it only reads), never "all",
#     and restrict the tags it may assign. Rotate the secret and delete unused clients.
#   resources: keys
#   aggregate: [writeScopes]
#   requires: [keys]
package tailaudit.tailnet.oauth_write_scopes

import data.tailaudit.lib.tailnet as lib

_client_types := {"client", "federated"}

deny contains result if {
	some i, k in lib.keys
	lib.key_type(k) in _client_types
	lib.key_active(k)
	"all" in lib.array_at(k, "scopes")
	result := _result(i, k, "high")
}

warn contains result if {
	some i, k in lib.keys
	lib.key_type(k) in _client_types
	lib.key_active(k)
	not "all" in lib.array_at(k, "scopes")
	count(_write_scopes(k)) > 0
	result := _result(i, k, "medium")
}

_write_scopes(k) := sort([s | some s in lib.array_at(k, "scopes"); not endswith(s, ":read")])

_result(i, k, severity) := {
	"msg": sprintf("%s credential %s can change the tailnet through scopes %v", [lib.key_type(k), lib.key_name(k), _write_scopes(k)]),
	"resource": lib.key_resource(k),
	"path": ["tailnet", "keys", i],
	"evidence": {
		"keyType": lib.key_type(k),
		"scopes": lib.array_at(k, "scopes"),
		"writeScopes": _write_scopes(k),
		"tags": lib.array_at(k, "tags"),
	},
	"severity": severity,
}
