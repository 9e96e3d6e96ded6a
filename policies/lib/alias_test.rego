package tailaudit.lib.alias_test

import data.tailaudit.lib.alias

test_split_dst_on_last_colon if {
	alias.split_dst("tag:prod:22") == {"alias": "tag:prod", "ports": "22"}
	alias.split_dst("*:*") == {"alias": "*", "ports": "*"}
	alias.split_dst("[fd7a:115c:a1e0::1]:80,443") == {"alias": "[fd7a:115c:a1e0::1]", "ports": "80,443"}
	alias.split_dst("fd7a:115c:a1e0::/48:*") == {"alias": "fd7a:115c:a1e0::/48", "ports": "*"}
	alias.split_dst("10.0.0.0/8:8000-8999") == {"alias": "10.0.0.0/8", "ports": "8000-8999"}
}

test_dst_alias_without_port if {
	alias.dst_alias("autogroup:internet") == "autogroup"
	alias.dst_alias("db-primary") == "db-primary"
}

test_host_names if {
	alias.is_host_name("db-primary")
	alias.is_host_name("corp.example")
	not alias.is_host_name("10.0.0.1")
	not alias.is_host_name("10.0.0.0/8")
	not alias.is_host_name("alice@example.com")
	not alias.is_host_name("tag:prod")
	not alias.is_host_name("*")
	not alias.is_host_name("[fd7a::1]")
}

test_any_ports if {
	alias.any_ports("*")
	alias.any_ports("22,*")
	alias.any_ports("0-65535")
	not alias.any_ports("22")
	not alias.any_ports("8000-8999")
}
