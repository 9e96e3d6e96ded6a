# METADATA
# title: No verified security contact
# description: >-
#   The tailnet has no verified security contact, so Tailscale's security notices about this
#   tailnet (incidents, vulnerabilities, suspicious activity) may reach nobody.
# custom:
#   id: TA-CONTACT-001
#   severity: medium
#   remediation: >-
#     Set the security contact (Settings, General, Contact preferences) to a monitored team
#     address, not a person, and complete the verification email.
#   requires: [contacts]
package tailaudit.tailnet.security_contact_unverified

import data.tailaudit.lib.tailnet as lib

_security := lib.object_at(lib.object_at(lib.snapshot, "contacts"), "security")

deny contains result if {
	lib.string_at(_security, "email") == ""
	result := {
		"msg": "no security contact email is set",
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "contacts", "security"],
		"evidence": {"security": _security},
	}
}

deny contains result if {
	email := lib.string_at(_security, "email")
	email != ""
	_security.needsVerification == true
	result := {
		"msg": sprintf("security contact %s has not been verified", [email]),
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "contacts", "security", "needsVerification"],
		"evidence": {"email": email, "needsVerification": true},
	}
}
