# METADATA
# title: SSH check period too long
# description: >-
#   An SSH rule in check mode re-asks for authentication less often than the
#   maxCheckPeriod parameter allows (default 12h). A rule without checkPeriod
#   uses Tailscale's default of 12h; "always" re-checks every session and is
#   fine. Tailscale itself rejects periods over 168h.
# custom:
#   id: TA-SSH-004
#   severity: medium
#   remediation: >-
#     Set "checkPeriod" to the maxCheckPeriod or shorter (for example "1h"),
#     or "always" for the most sensitive machines.
#   params:
#     maxCheckPeriod: {type: duration, minimum: 1m, maximum: 168h}
package tailaudit.policy.ssh_check_period

import data.tailaudit.lib.params

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"maxCheckPeriod": "12h"})

tailscale_default := "12h"

tailscale_max_ns := duration_ns("168h")

# duration_ns parses a Go duration such as "1h30m"; anything else is undefined
# rather than an evaluation error.
duration_ns(period) := time.parse_duration_ns(period) if {
	is_string(period)
	regex.match(`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`, period)
}

deny contains result if {
	some i, rule in input.policy.ssh
	rule.action == "check"
	period := object.get(rule, "checkPeriod", tailscale_default)
	period != "always"
	ns := duration_ns(period)
	ns > duration_ns(parameters.maxCheckPeriod)
	result := {
		"msg": message(i, rule, period, ns),
		"path": period_path(i, rule),
		"evidence": {"checkPeriod": period, "maxCheckPeriod": parameters.maxCheckPeriod},
	}
}

period_path(i, rule) := ["policy", "ssh", i, "checkPeriod"] if "checkPeriod" in object.keys(rule)

period_path(i, rule) := ["policy", "ssh", i] if not "checkPeriod" in object.keys(rule)

message(i, _, period, ns) := sprintf("ssh[%d] re-checks only every %s, beyond Tailscale's own 168h limit", [i, period]) if {
	ns > tailscale_max_ns
}

message(i, rule, period, ns) := sprintf("ssh[%d] re-checks only every %s, longer than the %s maximum", [i, period, parameters.maxCheckPeriod]) if {
	ns <= tailscale_max_ns
	"checkPeriod" in object.keys(rule)
}

message(i, rule, period, _) := sprintf("ssh[%d] has no checkPeriod, so Tailscale re-checks every %s, longer than the %s maximum", [i, period, parameters.maxCheckPeriod]) if {
	not "checkPeriod" in object.keys(rule)
}
