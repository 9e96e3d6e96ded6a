package tailaudit.lib.tailnet_test

import data.tailaudit.lib.tailnet as lib

test_version_less_compares_numbers if {
	lib.version_less("1.9.0", "1.80.0")
	lib.version_less("1.80.2-t1234abcd-gdeadbeef", "1.80.10")
	lib.version_less("v1.79", "1.80.0")
	not lib.version_less("1.80.0", "1.80.0")
	not lib.version_less("1.82.0", "1.80.5")
}

test_device_id_and_name_fall_back if {
	lib.device_id({"nodeId": "nA", "id": "1"}) == "nA"
	lib.device_id({"id": 12345}) == "12345"
	lib.device_id({}) == ""
	lib.device_name({"name": "db-1.tail.ts.net", "hostname": "db-1"}) == "db-1.tail.ts.net"
	lib.device_name({"hostname": "db-1"}) == "db-1"
	lib.device_resource({"id": 7, "hostname": "h"}) == {"type": "device", "id": "7", "name": "h"}
}

test_tags if {
	lib.is_tagged({"tags": ["tag:prod"]})
	not lib.is_tagged({"tags": []})
	not lib.is_tagged({"tags": "tag:prod"})
	lib.device_tags({}) == []
}

test_routes if {
	lib.is_exit_route("::/0")
	not lib.is_exit_route("10.0.0.0/8")
	lib.route_prefix_len("10.20.0.0/16") == 16
}

test_ages_use_the_evaluation_clock if {
	lib.age_days("2026-11-14T12:00:00Z") == 10 with input as {"now": "2026-11-24T12:00:00Z"}
	lib.age_hours("2026-11-24T06:00:00Z") == 6 with input as {"now": "2026-11-24T12:00:00Z"}
	not lib.timestamp_set("")
}

test_key_states if {
	now := {"now": "2026-11-24T12:00:00Z"}
	lib.key_active({"expires": "2027-01-01T00:00:00Z"}) with input as now
	not lib.key_active({"expires": "2026-01-01T00:00:00Z"}) with input as now
	not lib.key_active({"revoked": "2026-02-01T00:00:00Z"}) with input as now
	not lib.key_active({"invalid": true}) with input as now
}

test_snapshot_accessors_tolerate_missing_sections if {
	lib.devices == [] with input as {"tailnet": {}}
	lib.settings == {} with input as {"tailnet": {"settings": "oops"}}
	lib.string_at({"a": 1}, "a") == ""
}
