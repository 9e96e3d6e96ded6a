package tailaudit.lib.alerts_test

import data.tailaudit.lib.alerts as lib

test_actor_prefers_login_name if {
	lib.actor == "eve@acme.example" with input as {"event": {"actor": {"id": "u1", "loginName": "eve@acme.example"}}}
	lib.actor == "AUTOMATED_WORKER" with input as {"event": {"actor": {"id": "", "type": "AUTOMATED_WORKER"}}}
	lib.actor == "an unknown actor" with input as {"event": {}}
}

test_code_with_and_without_property if {
	lib.code == "TAILNET.DISABLE.HTTPS" with input as {"event": {"action": "DISABLE", "target": {"type": "TAILNET", "property": "HTTPS"}}}
	lib.code == "NODE.DELETE" with input as {"event": {"action": "DELETE", "target": {"type": "NODE"}}}
}
