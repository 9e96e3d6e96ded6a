package tailaudit.lib.params_test

import data.tailaudit.lib.params

test_defaults_without_params if {
	params.merged({"maxCheckPeriod": "12h", "wideCidrPrefix": 8}) == {"maxCheckPeriod": "12h", "wideCidrPrefix": 8} with input as {}
}

test_given_params_replace_defaults_key_by_key if {
	p := params.merged({"maxCheckPeriod": "12h", "wideCidrPrefix": 8}) with input as {"params": {"maxCheckPeriod": "1h", "staleDays": 30}}
	p.maxCheckPeriod == "1h"
	p.wideCidrPrefix == 8
}

test_a_given_list_replaces_the_default_list if {
	p := params.merged({"sensitiveTags": params.shared.sensitiveTags}) with input as {"params": {"sensitiveTags": ["tag:vault"]}}
	p.sensitiveTags == ["tag:vault"]
}

test_malformed_params_fall_back_to_defaults if {
	params.merged({"staleDays": 90}) == {"staleDays": 90} with input as {"params": null}
	params.merged({"staleDays": 90}) == {"staleDays": 90} with input as {"params": [1, 2]}
	params.merged({"staleDays": 90}) == {"staleDays": 90} with input as {"params": "staleDays=1"}
}

# Every built-in rule that reads a parameter gives it the same default, so one
# table of defaults in the README holds for all of them.
test_rules_agree_on_defaults if {
	defaults := rule_defaults with input as {}
	every key in {"broadSources", "sensitiveTags", "maxCheckPeriod", "staleDays", "inactiveUserDays"} {
		count(defaults[key]) > 0
	}
	conflicts := {key | some key, values in defaults; count(values) > 1}
	count(conflicts) == 0
}

# rule_defaults maps each parameter to the defaults the rules give it.
rule_defaults[key] contains value if {
	value := data.tailaudit.policy[_].parameters[key]
}

rule_defaults[key] contains value if {
	value := data.tailaudit.tailnet[_].parameters[key]
}
