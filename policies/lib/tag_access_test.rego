package tailaudit.lib.tag_access_test

import data.tailaudit.lib.tag_access

test_severity_is_high_on_sensitive_tags if {
	tag_access.severity(["tag:db", "tag:pci"], "tag:db") == "high"
	tag_access.severity(["tag:db", "tag:pci"], "tag:web") == "medium"
	tag_access.severity([], "tag:db") == "medium"
}
