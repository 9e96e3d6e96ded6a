# METADATA
# title: Policy changed outside a change window
# description: >-
#   The tailnet policy file was changed at a time no change window allows.
#   Windows are params.changeWindows, in UTC, each "DAYS HH:MM-HH:MM" where DAYS
#   is a range (mon-fri) or a list (sat,sun). A window that does not parse
#   allows nothing, so a typo raises alerts rather than hiding them.
# custom:
#   id: TA-ALERT-010
#   severity: critical
#   remediation: >-
#     Review the change with its author; revert it if it was not approved, and
#     move emergency changes into a documented break-glass process.
#   runbook: "Diff the policy at the event's old and new versions; confirm the change ticket; revert if none exists."
#   match: {"target.type": ["TAILNET"], "action": ["UPDATE"], "target.property": ["ACL"]}
#   params:
#     changeWindows: {type: array, items: {type: string}}
#   controls: {soc2: [CC8.1, CC7.2], iso27001: ["8.32", "8.16"], pci-dss: ["6.5.1", "10.4.1"], hipaa: ["164.308(a)(1)(ii)(D)", "164.312(b)"]}
package tailaudit.alerts.policy_outside_change_window

import data.tailaudit.lib.alerts as lib
import data.tailaudit.lib.params

parameters := params.merged({"changeWindows": ["mon-fri 08:00-18:00"]})

_days := {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

_weekday := {"Monday": 0, "Tuesday": 1, "Wednesday": 2, "Thursday": 3, "Friday": 4, "Saturday": 5, "Sunday": 6}

_ns := time.parse_rfc3339_ns(input.event.eventTime)

_day := _weekday[time.weekday(_ns)]

_minute := (c[0] * 60) + c[1] if c := time.clock(_ns)

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "UPDATE"
	input.event.target.property == "ACL"
	not _in_window
	result := {
		"msg": sprintf("%s changed the policy file of %s outside every change window", [lib.actor, lib.target]),
		"evidence": object.union(lib.evidence, {"changeWindows": parameters.changeWindows}),
	}
}

_in_window if {
	some w in parameters.changeWindows
	parts := split(lower(trim_space(w)), " ")
	count(parts) == 2
	_day_in(parts[0])
	hours := split(parts[1], "-")
	count(hours) == 2
	_minutes(hours[0]) <= _minute
	_minute < _minutes(hours[1])
}

_day_in(spec) if {
	ends := split(spec, "-")
	count(ends) == 2
	first := _days[ends[0]]
	last := _days[ends[1]]
	first <= _day
	_day <= last
}

_day_in(spec) if {
	not contains(spec, "-")
	some d in split(spec, ",")
	_days[d] == _day
}

_minutes(hhmm) := (to_number(p[0]) * 60) + to_number(p[1]) if {
	p := split(hhmm, ":")
	count(p) == 2
}
