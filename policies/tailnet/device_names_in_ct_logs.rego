# METADATA
# title: Device names published in certificate transparency logs
# description: >-
#   HTTPS certificates are enabled, so every certificate issued for a device records its
#   MagicDNS name, including the tailnet name, in public certificate transparency logs.
#   Machine names can reveal products, customers or people.
# custom:
#   id: TA-DEV-013
#   severity: info
#   remediation: >-
#     Accept the exposure knowingly, or rename devices whose names say too much before
#     requesting certificates for them. Disable HTTPS certificates if they are not used.
#   requires: [settings, devices]
package tailaudit.tailnet.device_names_in_ct_logs

import data.tailaudit.lib.tailnet as lib

warn contains result if {
	lib.settings.httpsEnabled == true
	names := lib.device_names
	count(names) > 0
	result := {
		"msg": sprintf("HTTPS certificates are on: the names of up to %d devices may appear in public certificate transparency logs", [count(names)]),
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "settings", "httpsEnabled"],
		"evidence": {
			"httpsEnabled": true,
			"deviceCount": count(names),
			"exampleNames": array.slice(names, 0, 10),
		},
	}
}
