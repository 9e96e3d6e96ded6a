package tailaudit.lib.change_test

import data.tailaudit.lib.change

test_after_path if {
	change.after_path(["policy", "acls", 3]) == ["change", "after", "acls", 3]
}

test_broad_sources_counts_big_groups if {
	doc := {"groups": {"group:all": ["a@x", "b@x", "c@x"], "group:two": ["a@x", "b@x"]}}
	change.broad_sources(doc, ["*"], 2) == {"*", "group:all"}
}

test_list if {
	change.list("a") == ["a"]
	change.list(["a", "b"]) == ["a", "b"]
	change.list(3) == []
}

test_ssh_grants if {
	doc := {"ssh": [{"action": "check", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root", "ubuntu"]}]}
	change.ssh_grants(doc) == {["group:ops", "tag:prod", "root", "check"], ["group:ops", "tag:prod", "ubuntu", "check"]}
}
