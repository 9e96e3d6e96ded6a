# METADATA
# title: Multi-factor authentication at the identity provider
# description: >-
#   Tailscale delegates sign-in to the identity provider, so whether users must present a
#   second factor is configured there. The Tailscale API cannot show it; it has to be attested
#   with evidence from the identity provider.
# custom:
#   id: TA-USER-005
#   severity: high
#   remediation: >-
#     Require multi-factor authentication for every account that can sign in to the tailnet
#     (preferably phishing-resistant factors) in the identity provider, and keep a screenshot or
#     export of that policy as evidence.
package tailaudit.tailnet.idp_mfa

import data.tailaudit.lib.tailnet as lib

manual contains result if {
	result := {
		"msg": "multi-factor authentication is enforced by the identity provider, which the Tailscale API cannot show: attest it with the provider's sign-in policy",
		"resource": lib.tailnet_resource,
		"path": ["tailnet"],
		"evidence": {"userCount": count(lib.users)},
	}
}
