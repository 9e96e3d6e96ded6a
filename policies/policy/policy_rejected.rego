# METADATA
# title: Tailscale would reject the policy file
# description: >-
#   The policy file breaks one of the rules Tailscale's control plane enforces when a policy is saved:
#   an undefined group, tag or host, a malformed port or address, an autogroup used where it is not
#   allowed, an SSH rule Tailscale does not accept, and the like. Tailscale refuses the whole file, so
#   the change cannot be applied (or a GitOps sync fails). Each error is reported at the value it is
#   about, with Tailscale's own wording where it is known. "user:*@domain" and "localpart:*@domain"
#   must name one of the tailnet's own domains: they are taken from the tailnetDomains parameter, else
#   from the snapshot (the tailnet's name and its members' logins); without either that check is not
#   made, and a warning says so at each value concerned. A value using a feature Tailscale accepts and
#   tailaudit does not model (IP sets) is not reported as rejected: a warning says tailaudit cannot
#   evaluate it, and the rules that judge what the policy allows report an error instead of a result.
# custom:
#   id: TA-VALID-001
#   severity: critical
#   remediation: >-
#     Fix the value the finding points at. The message says what Tailscale expects; for example define
#     the group in "groups", add the tag to "tagOwners", or write ports as 22, 80-443 or *.
#   params:
#     tailnetDomains: {type: array, items: {type: string}}
package tailaudit.policy.policy_rejected

import data.tailaudit.lib.params

# parameters hold tailnetDomains, the tailnet's own domains; tailscale.validate(input) reads them
# from input.params, and without them from the snapshot.
parameters := params.merged({"tailnetDomains": []})

deny contains result if {
	input.policy
	some e in tailscale.validate(input)
	result := {
		"msg": sprintf("Tailscale would reject the policy: %s", [e.message]),
		"path": e.path,
		"evidence": {"error": e.message},
	}
}

warn contains result if {
	input.policy
	some e in tailscale.unchecked(input)
	not e.notModelled
	result := {
		"msg": sprintf("Not checked whether Tailscale would accept this: %s", [e.message]),
		"path": e.path,
		"evidence": {"unchecked": e.message, "tailnetDomains": parameters.tailnetDomains},
	}
}

# A value using a feature Tailscale accepts and tailaudit does not model (an "ipset:" selector) is
# not something Tailscale would reject: it is reported as what tailaudit cannot evaluate, and the
# rules that judge what the policy allows report an error instead of a result on the rest of it.
warn contains result if {
	input.policy
	some e in tailscale.unchecked(input)
	e.notModelled
	result := {
		"msg": sprintf("tailaudit cannot evaluate this entry, %s are not modelled: %s", [e.notModelled, e.message]),
		"path": e.path,
		"evidence": {"notModelled": e.notModelled, "unchecked": e.message},
	}
}
