# METADATA
# title: DNS configuration changed
# description: >-
#   The tailnet's DNS configuration changed: nameservers, split DNS or search domains. A rogue resolver sees every lookup.
# custom:
#   id: TA-ALERT-025
#   severity: medium
#   remediation: >-
#     Confirm each resolver belongs to the organisation.
#   runbook: "Compare old and new configuration in the evidence; restore it if the change is not known."
#   match: {"target.type": ["TAILNET"], "action": ["UPDATE"], "target.property": ["DNS_CONFIG"]}
#   controls: {soc2: [CC6.6, CC7.2], iso27001: ["8.20", "8.16"], pci-dss: ["1.2.2", "10.4.1"], hipaa: ["164.312(e)(1)", "164.312(b)"]}
package tailaudit.alerts.dns_changed

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "UPDATE"
	input.event.target.property == "DNS_CONFIG"
	result := {"msg": sprintf("%s changed the DNS configuration of %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}
