# METADATA
# title: Exit node traffic above the hourly volume
# description: >-
#   An exit node carried more than params.exitTrafficBytes (10 GiB by default),
#   sent and received, within an hour of network flow logs: a bulk transfer to
#   the internet, which can be data leaving. The exit node logs this traffic,
#   so the records are its own (exitTraffic); the bytes are summed by the rule
#   over the hour's records, not counted by the engine, since one record can
#   carry a few bytes or many gigabytes. With exit flow logging off, Tailscale
#   sums each record's exit traffic into one entry without addresses, which
#   counts the same.
# custom:
#   id: TA-FLOW-005
#   severity: high
#   remediation: >-
#     Find the client behind the transfer (the evidence names the top sources
#     when exit flow logging is on) and what it sent; cut its exit node access
#     if it is not expected.
#   runbook: "Look at the sources and destinations in the evidence; ask the client's user; check the destination's reputation; revoke exit node access if data left without reason."
#   match: {"exitTraffic": "*"}
#   window: 1h
#   suppress: 1h
#   params:
#     exitTrafficBytes: {type: integer, minimum: 1}
#   controls: {soc2: [CC6.7, CC7.2], iso27001: ["8.12", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.312(e)(1)", "164.312(b)"]}
package tailaudit.alerts.flow_exit_volume

import data.tailaudit.lib.flows
import data.tailaudit.lib.params

parameters := params.merged({"exitTrafficBytes": 10737418240})

_bytes(ev) := sum([flows.bytes(c) | some c in object.get(ev, "exitTraffic", [])])

# _earlier are the window's records from the same exit node.
_earlier := [e | some e in input.window; e.nodeId == input.event.nodeId]

_before := sum([_bytes(e) | some e in _earlier])

_total := _before + _bytes(input.event)

# The alert fires on the record that takes the hour over the limit; suppress keeps the records
# after it quiet.
alert contains result if {
	_total > parameters.exitTrafficBytes
	_before <= parameters.exitTrafficBytes
	result := {
		"msg": sprintf("exit node %s carried %d MiB within an hour (limit %d MiB)", [_exit_node, round(_total / 1048576), round(parameters.exitTrafficBytes / 1048576)]),
		"dedup": input.event.nodeId,
		"evidence": {
			"exitNode": _exit_node, "nodeId": input.event.nodeId, "bytes": _total, "limit": parameters.exitTrafficBytes,
			"records": count(_earlier) + 1, "from": _from,
			"to": object.get(input.event, "end", ""), "sources": _sources,
		},
	}
}

_from := object.get(_earlier[0], "start", "") if {
	count(_earlier) > 0
} else := object.get(input.event, "start", "")

_exit_node := split(d.name, ".")[0] if {
	d := tailscale.device(input.tailnet, input.event.nodeId)
	d.nodeId == input.event.nodeId
} else := input.event.nodeId

# _sources are the clients behind the traffic with their bytes, when the entries carry addresses.
_sources := {flows.name(src): total |
	some e in array.concat(_earlier, [input.event])
	some c in object.get(e, "exitTraffic", [])
	src := flows.host(object.get(c, "src", ""))
	src != ""
	total := sum([flows.bytes(x) |
		some e2 in array.concat(_earlier, [input.event])
		some x in object.get(e2, "exitTraffic", [])
		flows.host(object.get(x, "src", "")) == src
	])
}
