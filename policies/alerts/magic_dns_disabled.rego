# METADATA
# title: MagicDNS turned off
# description: >-
#   Someone turned off MagicDNS; devices stop resolving tailnet names, and users may reach services by address or through other resolvers instead.
# custom:
#   id: TA-ALERT-004
#   severity: low
#   remediation: >-
#     Turn MagicDNS back on unless the change was planned.
#   runbook: "Confirm with the actor; re-enable MagicDNS in the DNS settings."
#   match: {"target.type": ["TAILNET"], "action": ["DISABLE"], "target.property": ["MAGIC_DNS"]}
#   controls: {soc2: [CC6.6, CC7.2], iso27001: ["8.20", "8.16"], pci-dss: ["1.2.2", "10.4.1"], hipaa: ["164.312(e)(1)", "164.312(b)"]}
package tailaudit.alerts.magic_dns_disabled

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "DISABLE"
	input.event.target.property == "MAGIC_DNS"
	result := {"msg": sprintf("%s turned off MagicDNS for %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}
