# METADATA
# title: Tailnet snapshot helpers
# description: >-
#   Shared helpers for the tailnet snapshot rules in tailaudit.tailnet.*: the
#   evaluation clock, tolerant accessors for the snapshot's sections, resource
#   identifiers, route and version arithmetic. It holds no rules of its own;
#   parameters come from tailaudit.lib.params like every other rule's.
package tailaudit.lib.tailnet

ns_per_hour := ((60 * 60) * 1000) * 1000000

ns_per_day := 24 * ns_per_hour

# now_ns is the evaluation clock. Rules never read the wall clock.
now_ns := time.parse_rfc3339_ns(input.now)

# snapshot is the tailnet document, or an empty object when it is absent.
snapshot := t if {
	t := input.tailnet
	is_object(t)
} else := {}

tailnet_name := n if {
	n := snapshot.tailnet
	is_string(n)
	n != ""
} else := "tailnet"

tailnet_resource := {"type": "tailnet", "id": tailnet_name, "name": tailnet_name}

# array_at returns obj[key] when it is an array, and [] otherwise (absent or null).
array_at(obj, key) := a if {
	a := obj[key]
	is_array(a)
} else := []

# object_at returns obj[key] when it is an object, and {} otherwise.
object_at(obj, key) := o if {
	o := obj[key]
	is_object(o)
} else := {}

# string_at returns obj[key] when it is a string, and "" otherwise.
string_at(obj, key) := s if {
	s := obj[key]
	is_string(s)
} else := ""

settings := object_at(snapshot, "settings")

# timestamp_set holds for an RFC 3339 string that records a real instant: the API sends
# "" or Go's zero time for "never".
timestamp_set(ts) if {
	is_string(ts)
	ts != ""
	not startswith(ts, "0001-01-01")
}

# age_days is how many whole and fractional days before input.now the timestamp lies.
age_days(ts) := (now_ns - time.parse_rfc3339_ns(ts)) / ns_per_day if timestamp_set(ts)

age_hours(ts) := (now_ns - time.parse_rfc3339_ns(ts)) / ns_per_hour if timestamp_set(ts)

# span_days is the length of the interval from a to b, in days.
span_days(a, b) := (time.parse_rfc3339_ns(b) - time.parse_rfc3339_ns(a)) / ns_per_day if {
	timestamp_set(a)
	timestamp_set(b)
}

# ---- devices ----

devices := array_at(snapshot, "devices")

# device_names are the distinct device_name of every device, "" left out, sorted: worked out in Go
# by tailscale.device_names, as one pass over the devices.
device_names := tailscale.device_names(snapshot)

# The device helpers below are called for every device by many rules, so they read fields
# directly instead of through string_at and array_at: each user function call has a cost.

# Resource ids. A device is named by its nodeId, falling back to its id; a user
# or key by its id. An id that is a string is taken as it is, a number or a
# boolean is printed, and anything else (absent, null, a list) gives "". The
# engine reads the ids of pass records the same way (resourceID in
# engine/evaluate.go), and TestResourceIDsAgreeWithRego holds the two together.

device_id(d) := id if {
	id := d.nodeId
	is_string(id)
	id != ""
} else := item_id(d)

# item_id is the id field of a snapshot item, as results name it.
item_id(x) := id if {
	id := x.id
	is_string(id)
} else := sprintf("%v", [x.id]) if {
	is_number(x.id)
} else := sprintf("%v", [x.id]) if {
	is_boolean(x.id)
} else := ""

device_name(d) := n if {
	n := d.name
	is_string(n)
	n != ""
} else := n if {
	n := d.hostname
	is_string(n)
} else := ""

# device_resource identifies a device in results. Nearly every device has a node id and a name,
# so the first body takes them as they are; device_id and device_name handle the rest.
device_resource(d) := {"type": "device", "id": id, "name": name} if {
	id := d.nodeId
	is_string(id)
	id != ""
	name := d.name
	is_string(name)
	name != ""
} else := {"type": "device", "id": device_id(d), "name": device_name(d)}

device_tags(d) := t if {
	t := d.tags
	is_array(t)
} else := []

is_tagged(d) if {
	t := d.tags
	is_array(t)
	count(t) > 0
}

# tagged_owner is the user the API reports for devices owned by tags.
tagged_owner := "tagged-devices"

exit_routes := {"0.0.0.0/0", "::/0"}

is_exit_route(r) if r in exit_routes

is_ipv6_route(r) if contains(r, ":")

route_prefix_len(r) := to_number(split(r, "/")[1]) if contains(r, "/")

# ---- versions ----

# version_triplet reads "1.80.2-t1234abcd-gdeadbeef" or "v1.80" as [major, minor, patch];
# missing parts count as zero and build suffixes are ignored.
version_triplet(v) := array.slice(array.concat(nums, [0, 0, 0]), 0, 3) if {
	core := regex.find_n(`[0-9]+(\.[0-9]+)*`, v, 1)[0]
	nums := [to_number(p) | some p in split(core, ".")]
}

# version_less holds when version a sorts before version b, compared numerically.
version_less(a, b) if {
	pa := version_triplet(a)
	pb := version_triplet(b)
	some i in numbers.range(0, 2)
	pa[i] < pb[i]
	array.slice(pa, 0, i) == array.slice(pb, 0, i)
}

# ---- users ----

users := array_at(snapshot, "users")

privileged_roles := {"owner", "admin", "it-admin", "network-admin"}

is_privileged(u) if u.role in privileged_roles

user_resource(u) := {"type": "user", "id": item_id(u), "name": user_name(u)}

user_name(u) := n if {
	n := string_at(u, "loginName")
	n != ""
} else := string_at(u, "displayName")

# user_last_active is when the user was last seen, or when they joined if never seen.
user_last_active(u) := u.lastSeen if {
	timestamp_set(u.lastSeen)
} else := u.created if {
	timestamp_set(u.created)
}

# user_inactive_days is undefined for users who are connected now or have no dates at all.
user_inactive_days(u) := age_days(user_last_active(u)) if {
	not u.currentlyConnected == true
}

users_by_id := {sprintf("%v", [u.id]): u | some u in users; u.id != null}

# ---- keys ----

keys := array_at(snapshot, "keys")

key_type(k) := t if {
	t := string_at(k, "keyType")
	t != ""
} else := "auth"

key_resource(k) := {"type": "key", "id": item_id(k), "name": key_name(k)}

key_name(k) := n if {
	n := string_at(k, "description")
	n != ""
} else := sprintf("%v", [object.get(k, "id", "")])

key_create_caps(k) := object_at(object_at(object_at(k, "capabilities"), "devices"), "create")

key_revoked(k) if k.revoked == true

key_revoked(k) if timestamp_set(k.revoked)

key_expired(k) if {
	timestamp_set(k.expires)
	time.parse_rfc3339_ns(k.expires) <= now_ns
}

# key_active holds for a key that could still be used: not revoked, invalid or expired.
key_active(k) if {
	not key_revoked(k)
	not k.invalid == true
	not key_expired(k)
}

# ---- log streams ----

logstream := object_at(snapshot, "logstream")

log_types := ["configuration", "network"]

# stream_config is the endpoint configuration for a log type, whether the snapshot nests it
# under "config" or stores it directly.
stream_config(lt) := c if {
	c := object_at(object_at(logstream, lt), "config")
	c != {}
} else := c if {
	c := object_at(logstream, lt)
	c.destinationType
}

stream_status(lt) := object_at(object_at(logstream, lt), "status")

# stream_configured holds when a destination is set for the log type.
stream_configured(lt) if string_at(stream_config(lt), "destinationType") != ""

stream_configured(lt) if string_at(stream_config(lt), "url") != ""

stream_configured(lt) if string_at(stream_config(lt), "s3Bucket") != ""

# ---- webhooks ----

# webhook_resource identifies a webhook in results: by its endpointId, falling
# back to its id.
webhook_resource(w) := {"type": "webhook", "id": webhook_id(w), "name": string_at(w, "endpointUrl")}

webhook_id(w) := id if {
	id := w.endpointId
	is_string(id)
	id != ""
} else := item_id(w)
