# The result contract of the tailnet rules, judged over the documents that
# TestResultContract generates in data.tailaudit.contract.documents.
package tailaudit.contract_test

import data.tailaudit.contract.documents

severities := {"critical", "high", "medium", "low", "info"}

# malformed holds [package, kind, result] for every result of a tailnet rule
# that is not a complete finding.
malformed contains [name, kind, result] if {
	some kind in ["deny", "warn", "manual"]
	some result in data.tailaudit.tailnet[name][kind]
	not well_formed(result)
}

well_formed(result) if {
	is_string(result.msg)
	result.msg != ""
	is_string(result.resource.type)
	result.resource.type != ""
	is_string(result.resource.id)
	result.resource.id != ""
	is_string(result.resource.name)
	is_array(result.path)
	count(result.path) > 0
	known_severity(result)
}

known_severity(result) if not "severity" in object.keys(result)

known_severity(result) if result.severity in severities

test_demo_results_are_complete if {
	found := malformed with input as documents.demo
	print(found)
	count(found) == 0
}

test_synthetic_results_are_complete if {
	found := malformed with input as documents.synthetic
	print(found)
	count(found) == 0
}
