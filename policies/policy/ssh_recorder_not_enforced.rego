# METADATA
# title: SSH session recording not enforced
# description: >-
#   An SSH rule sends sessions to a recorder but does not set enforceRecorder,
#   so when no recorder is reachable the session goes ahead unrecorded and the
#   audit trail has a gap.
# custom:
#   id: TA-SSH-005
#   severity: low
#   remediation: >-
#     Set "enforceRecorder": true on rules whose sessions must always be
#     recorded, and run more than one recorder node.
package tailaudit.policy.ssh_recorder_not_enforced

import data.tailaudit.lib.refs

warn contains result if {
	some i, rule in input.policy.ssh
	count(object.get(rule, "recorder", [])) > 0
	object.get(rule, "enforceRecorder", false) != true
	result := {
		"msg": sprintf("ssh[%d] records sessions to %s but lets them run when no recorder is reachable", [i, refs.names(rule.recorder)]),
		"path": ["policy", "ssh", i, "recorder"],
		"evidence": {"recorder": rule.recorder, "enforceRecorder": object.get(rule, "enforceRecorder", false)},
	}
}
