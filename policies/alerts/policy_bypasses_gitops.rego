# METADATA
# title: Policy changed outside GitOps
# description: >-
#   The tailnet says its policy file is managed externally (aclsExternallyManagedOn),
#   yet the policy was changed in the admin console or by a user's own API key
#   rather than by the GitOps pipeline's OAuth client. Needs the snapshot.
# custom:
#   id: TA-ALERT-011
#   severity: high
#   remediation: >-
#     Bring the change into the repository (or revert it), and keep admin console
#     edits for documented emergencies.
#   runbook: "Compare the live policy with the repository; open a pull request with the change or revert it."
#   match: {"target.type": ["TAILNET"], "action": ["UPDATE"], "target.property": ["ACL"]}
#   controls: {soc2: [CC8.1, CC7.2], iso27001: ["8.32", "8.16"], pci-dss: ["6.5.1", "10.4.1"], hipaa: ["164.308(a)(1)(ii)(D)", "164.312(b)"]}
package tailaudit.alerts.policy_bypasses_gitops

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "UPDATE"
	input.event.target.property == "ACL"
	object.get(object.get(input.tailnet, "settings", {}), "aclsExternallyManagedOn", false) == true
	_not_pipeline
	result := {
		"msg": sprintf("%s changed the policy file of %s outside GitOps (%s)", [lib.actor, lib.target, object.get(input.event, "origin", "")]),
		"evidence": object.union(lib.evidence, {"externalLink": object.get(input.tailnet.settings, "aclsExternalLink", "")}),
	}
}

_not_pipeline if input.event.origin == "ADMIN_CONSOLE"

_not_pipeline if input.event.actor.type == "USER"
