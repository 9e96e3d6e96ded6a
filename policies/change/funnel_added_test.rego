package tailaudit.change.funnel_added_test

import data.tailaudit.change.funnel_added

before := {"nodeAttrs": [{"target": ["tag:public"], "attr": ["funnel"]}]}

test_fires_for_a_new_funnel_target if {
	after := {"nodeAttrs": [{"target": ["tag:public", "group:eng"], "attr": ["funnel"]}]}
	results := funnel_added.deny with input as {"change": {"before": before, "after": after}}
	count(results) == 1
	some result in results
	result.msg == "nodeAttrs[0] newly lets group:eng publish services on the internet with Funnel"
	result.path == ["change", "after", "nodeAttrs", 0, "target", 1]
}

test_silent_for_other_attributes if {
	after := {"nodeAttrs": [
		{"target": ["group:eng"], "attr": ["drive:share"]},
		{"target": ["tag:public"], "attr": ["funnel"]},
	]}
	count(funnel_added.deny) == 0 with input as {"change": {"before": before, "after": after}}
}
