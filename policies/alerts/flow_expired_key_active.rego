# METADATA
# title: Device with an expired key still active
# description: >-
#   A device whose node key had expired by the time of a flow log, by the snapshot's
#   expiry date, still sent traffic. Key expiry is meant to cut such devices off.
# custom:
#   id: TA-FLOW-003
#   severity: high
#   remediation: >-
#     Check the device's expiry in the admin console; expire it by hand if it is
#     still connected, and have its user log in again.
#   runbook: "Compare the snapshot's expires with the flow time; take a fresh snapshot; expire the key if still active."
#   match: {"nodeId": "*"}
#   controls: {soc2: [CC6.1, CC7.2], iso27001: ["5.17", "8.16"], pci-dss: ["8.6.1", "10.2.1.2"], hipaa: ["164.312(d)", "164.312(b)"]}
package tailaudit.alerts.flow_expired_key_active

import data.tailaudit.lib.alerts as lib

alert contains result if {
	d := lib.device(input.event.nodeId)
	not d.keyExpiryDisabled == true
	d.expires != ""
	time.parse_rfc3339_ns(d.expires) < time.parse_rfc3339_ns(input.event.logged)
	count(object.get(input.event, "virtualTraffic", [])) > 0
	result := {
		"msg": sprintf("device %s sent traffic after its key expired on %s", [d.name, d.expires]),
		"dedup": input.event.nodeId,
		"evidence": {"nodeId": input.event.nodeId, "device": d.name, "expires": d.expires, "logged": input.event.logged},
	}
}
