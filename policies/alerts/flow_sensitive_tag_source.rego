# METADATA
# title: Traffic to a sensitive tag from a source outside the allowed set
# description: >-
#   The network flow logs show a connection between a device carrying one of
#   params.sensitiveTags and a source that is neither a sensitive device itself
#   nor in params.sensitiveTagSources (tags, user login names, or groups of the
#   policy file). The rule judges only when sensitiveTagSources is set: it is
#   the list of who may reach sensitive machines, which only you can write.
#   A source the snapshot does not know is outside the set.
# custom:
#   id: TA-FLOW-004
#   severity: high
#   remediation: >-
#     Find out why the source reached the sensitive machine; narrow the policy
#     if it should not, or add the source to sensitiveTagSources if it should.
#   runbook: "Identify the source device and its user; check what it reached in the flow logs; cut its access if nobody expected it."
#   match: {"virtualTraffic": "*"}
#   suppress: 1h
#   params:
#     sensitiveTags: {type: array, items: {type: string}}
#     sensitiveTagSources: {type: array, items: {type: string}}
#   controls: {soc2: [CC6.1, CC6.6, CC7.2], iso27001: ["8.20", "8.22", "8.16"], pci-dss: ["1.3.1", "10.4.1"], hipaa: ["164.312(a)(1)", "164.312(b)"]}
package tailaudit.alerts.flow_sensitive_tag_source

import data.tailaudit.lib.flows
import data.tailaudit.lib.params

parameters := params.merged({"sensitiveTags": params.shared.sensitiveTags, "sensitiveTagSources": []})

alert contains result if {
	count(parameters.sensitiveTagSources) > 0
	some c in input.event.virtualTraffic
	some ends in [[c.src, c.dst], [c.dst, c.src]]
	inside := flows.device(flows.host(ends[1]))
	tags := sort({t | some t in object.get(inside, "tags", []); t in parameters.sensitiveTags})
	count(tags) > 0
	source := flows.host(ends[0])
	not _inside(source)
	not _allowed(source)
	port := flows.port(ends[1])
	proto := flows.proto_name(object.get(c, "proto", 0))
	result := {
		"msg": sprintf("%s sent traffic to %s (%s) on %s %d; it is not in sensitiveTagSources", [_who(source), flows.name(flows.host(ends[1])), concat(", ", tags), proto, port]),
		"dedup": concat("|", [source, inside.nodeId]),
		"evidence": {
			"source": source, "sourceDevice": flows.name(source), "sourceUser": _user(source),
			"destination": flows.host(ends[1]), "destinationDevice": flows.name(flows.host(ends[1])), "tags": tags,
			"proto": proto, "port": port, "bytes": flows.bytes(c), "loggedBy": input.event.nodeId,
			"start": object.get(input.event, "start", ""), "end": object.get(input.event, "end", ""),
		},
	}
}

# _inside: the source carries a sensitive tag itself, as a database replica or an API server does.
_inside(addr) if {
	some t in object.get(flows.device(addr), "tags", [])
	t in parameters.sensitiveTags
}

_allowed(addr) if {
	some s in parameters.sensitiveTagSources
	startswith(s, "tag:")
	s in object.get(flows.device(addr), "tags", [])
}

_allowed(addr) if {
	some s in parameters.sensitiveTagSources
	s == flows.device(addr).user
}

_allowed(addr) if {
	some s in parameters.sensitiveTagSources
	startswith(s, "group:")
	flows.device(addr).user in object.get(object.get(input, ["policy", "groups"], {}), s, [])
}

_user(addr) := object.get(flows.device(addr), "user", "") if flows.device(addr)

_user(addr) := "" if not flows.device(addr)

_who(addr) := sprintf("%s (%s)", [flows.name(addr), flows.device(addr).user]) if {
	flows.device(addr).user != "tagged-devices"
} else := flows.name(addr) if {
	flows.device(addr)
} else := sprintf("%s, which the snapshot does not know,", [addr])
