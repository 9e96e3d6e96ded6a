# METADATA
# title: autogroup:nonroot on machines other than the user's own
# description: >-
#   autogroup:nonroot lets a person log in as any local account except root.
#   On their own devices (autogroup:self) that is convenient; on tagged servers
#   or other people's devices it opens service accounts and other users' home
#   directories.
# custom:
#   id: TA-SSH-002
#   severity: medium
#   remediation: >-
#     Keep autogroup:nonroot for "dst": ["autogroup:self"] and name the accounts
#     (for example "ubuntu" or "deploy") for tagged destinations.
package tailaudit.policy.ssh_nonroot_shared

import data.tailaudit.lib.refs

deny contains result if {
	some i, rule in input.policy.ssh
	some k, user in rule.users
	user == "autogroup:nonroot"
	shared := [dst | some dst in rule.dst; dst != "autogroup:self"]
	count(shared) > 0
	result := {
		"msg": sprintf("ssh[%d] lets %s log in as any non-root account on %s", [i, refs.names(rule.src), refs.names(shared)]),
		"path": ["policy", "ssh", i, "users", k],
		"evidence": {"src": rule.src, "dst": rule.dst, "users": rule.users},
	}
}
