package tailaudit.change.broad_access_sensitive_test

import data.tailaudit.change.broad_access_sensitive

before := {
	"groups": {"group:ops": ["olga@example.com"]},
	"tagOwners": {"tag:db": ["group:ops"], "tag:web": ["group:ops"]},
	"acls": [{"action": "accept", "src": ["group:ops"], "dst": ["tag:db:5432"]}],
}

test_fires_when_members_reach_a_database if {
	after := object.union(before, {"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:db:5432"]},
		{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:db:5432"]},
	]})
	results := broad_access_sensitive.deny with input as {"change": {"before": before, "after": after}}
	count(results) == 1
	some result in results
	result.msg == "autogroup:member can now reach tag:db on port 5432, which it could not before"
	result.path == ["change", "after", "acls", 1]
}

test_fires_for_a_big_group if {
	big := {"groups": {"group:ops": ["olga@example.com"], "group:all": ["a@x.com", "b@x.com", "c@x.com"]}}
	after := object.union(before, object.union(big, {"acls": [{"action": "accept", "src": ["group:all"], "dst": ["tag:web:22"]}]}))
	results := broad_access_sensitive.deny with input as {"change": {"before": before, "after": after}, "params": {"broadGroupSize": 2}}
	{r.evidence.src | some r in results} == {"group:all"}
}

test_silent_for_access_already_there_or_harmless if {
	after := object.union(before, {"acls": [
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:db:5432"]},
		{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web:80"]},
	]})
	count(broad_access_sensitive.deny) == 0 with input as {"change": {"before": after, "after": after}}
	count(broad_access_sensitive.deny) == 0 with input as {"change": {"before": before, "after": after}}
}
