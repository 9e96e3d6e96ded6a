package tailaudit.lib.flows_test

import data.tailaudit.lib.flows

test_ipv4_endpoint if {
	flows.host("100.68.113.155:443") == "100.68.113.155"
	flows.port("100.68.113.155:443") == 443
}

test_ipv6_endpoint if {
	flows.host("[fd7a:115c:a1e0::fa76:fa44]:22") == "fd7a:115c:a1e0::fa76:fa44"
	flows.port("[fd7a:115c:a1e0::fa76:fa44]:22") == 22
}

test_no_port if {
	flows.port("100.68.113.155") == 0
}

test_device_and_name if {
	snap := {"devices": [{"nodeId": "n1", "name": "web-1.tail4f2a.ts.net", "addresses": ["100.68.113.155"]}]}
	flows.name("100.68.113.155") == "web-1" with input.tailnet as snap
	flows.name("100.99.1.1") == "100.99.1.1" with input.tailnet as snap
}

test_proto_and_bytes if {
	flows.proto_name(6) == "tcp"
	flows.proto_name(47) == "proto 47"
	flows.bytes({"txBytes": 10}) == 10
	flows.bytes({"txBytes": 10, "rxBytes": 5}) == 15
}
