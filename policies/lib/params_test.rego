package tailaudit.lib.params_test

import data.tailaudit.lib.params

test_defaults_without_params if {
	params.max_check_period == "12h" with input as {}
	params.wide_cidr_prefix == 8 with input as {}
	"tag:prod" in params.sensitive_tags with input as {}
	params.broad_sources == {"*", "autogroup:member", "autogroup:danger-all"} with input as {}
}

test_partial_params_keep_other_defaults if {
	params.max_check_period == "1h" with input as {"params": {"maxCheckPeriod": "1h", "staleDays": 30}}
	params.wide_cidr_prefix == 8 with input as {"params": {"maxCheckPeriod": "1h"}}
	params.sensitive_tags == {"tag:vault"} with input as {"params": {"sensitiveTags": ["tag:vault"]}}
}

test_null_params_fall_back_to_defaults if {
	params.max_check_period == "12h" with input as {"params": null}
}

test_tag_severity if {
	params.tag_severity("tag:db") == "high" with input as {}
	params.tag_severity("tag:web") == "medium" with input as {}
}
