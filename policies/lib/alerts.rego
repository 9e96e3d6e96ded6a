# METADATA
# title: Alert rule helpers
# description: >-
#   What alert rules say about the event they judge: who acted, on what, the
#   event's code as the API names it, and the evidence every alert carries.
package tailaudit.lib.alerts

# actor names who made the change: a login name, else a display name, else an
# id, else the kind of actor (an automated worker, say).
actor := _first(
	[n |
		some k in ["loginName", "displayName", "id", "type"]
		n := object.get(object.get(input.event, "actor", {}), k, "")
		is_string(n)
		n != ""
	],
	"an unknown actor",
)

# target names what was changed: its name, else its id.
target := _first(
	[n |
		some k in ["name", "id"]
		n := object.get(object.get(input.event, "target", {}), k, "")
		is_string(n)
		n != ""
	],
	"an unnamed target",
)

# code is the event's code as the API's event filter spells it:
# TARGET_TYPE.ACTION, with .PROPERTY when the event changed one.
code := concat(".", [object.get(t, "type", ""), object.get(input.event, "action", ""), p]) if {
	t := object.get(input.event, "target", {})
	p := object.get(t, "property", "")
	p != ""
} else := concat(".", [object.get(object.get(input.event, "target", {}), "type", ""), object.get(input.event, "action", "")])

# evidence is what every audit log alert shows: the event code, where the
# change came from (admin console, API, node), and the values before and after.
evidence := {
	"event": code,
	"origin": object.get(input.event, "origin", ""),
	"actorType": object.get(object.get(input.event, "actor", {}), "type", ""),
	"old": object.get(input.event, "old", null),
	"new": object.get(input.event, "new", null),
}

# device is the snapshot's device with the event's node id, when a snapshot
# was given and knows it (tailscale.device: an index, not a scan per call).
device(node_id) := d if {
	d := tailscale.device(input.tailnet, node_id)
	d.nodeId == node_id
}

_first(xs, _) := xs[0] if count(xs) > 0

_first(xs, fallback) := fallback if count(xs) == 0
