package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// trafficKeys are the arrays of a flow log entry, each a list of connections.
var trafficKeys = []string{"virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic"}

// protocols maps the protocol names log pipelines write to IANA protocol numbers, which the API uses.
var protocols = map[string]int{
	"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51,
	"icmpv6": 58, "ipv6-icmp": 58, "sctp": 132,
}

// datadogUser maps the user attributes Datadog's Tailscale pipeline writes back to the API's actor
// fields.
var datadogUser = map[string]string{"name": "displayName", "id": "id", "email": "loginName", "type": "type"}

// normalise turns one decoded entry, in any shape, into an event with the API's field names, or
// says what is wrong with it.
func normalise(v any) (*Event, string) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Sprintf("an entry must be a JSON object, not %s", jsonType(v))
	}
	var fallbackTime any
	switch {
	case isObject(m["event"]) && (has(m, "fields") || has(m, "time")):
		m = m["event"].(map[string]any) // log streaming: {"time", "event", "fields"}
	case isObject(m["attributes"]):
		fallbackTime = m["timestamp"]
		m = fromDatadog(m["attributes"].(map[string]any))
	}
	switch {
	case has(m, "eventTime") || has(m, "action") || has(m, "actor"):
		return audit(m)
	case has(m, "nodeId") || has(m, "logged") || hasAny(m, trafficKeys):
		if !has(m, "logged") && fallbackTime != nil {
			m["logged"] = fallbackTime
		}
		return flow(m)
	}
	return nil, "neither a configuration audit log entry (eventTime, action, actor, target) nor a network flow log entry (logged, nodeId, virtualTraffic...); understood shapes: " + Shapes
}

func audit(m map[string]any) (*Event, string) {
	t, msg := timeField(m, "eventTime")
	if msg != "" {
		return nil, msg
	}
	for _, k := range []string{"actor", "target"} {
		if v, ok := m[k]; ok && !isObject(v) {
			return nil, fmt.Sprintf("%s must be an object, not %s", k, jsonType(v))
		}
	}
	if v, ok := m["action"]; ok {
		if _, isStr := v.(string); !isStr {
			return nil, fmt.Sprintf("action must be a string, not %s", jsonType(v))
		}
	}
	return &Event{Kind: Audit, Time: t, Doc: m}, ""
}

func flow(m map[string]any) (*Event, string) {
	t, msg := timeField(m, "logged")
	if msg != "" {
		return nil, msg
	}
	for _, k := range []string{"start", "end"} {
		if has(m, k) {
			if _, msg := timeField(m, k); msg != "" {
				return nil, msg
			}
		}
	}
	for _, k := range trafficKeys {
		v, ok := m[k]
		if !ok || v == nil {
			continue
		}
		conns, isList := v.([]any)
		if !isList {
			return nil, fmt.Sprintf("%s must be an array, not %s", k, jsonType(v))
		}
		for i, c := range conns {
			cm, isObj := c.(map[string]any)
			if !isObj {
				return nil, fmt.Sprintf("%s[%d] must be an object, not %s", k, i, jsonType(c))
			}
			if p, has := cm["proto"]; has {
				n, msg := protocol(p)
				if msg != "" {
					return nil, fmt.Sprintf("%s[%d].proto: %s", k, i, msg)
				}
				cm["proto"] = json.Number(strconv.Itoa(n))
			}
		}
	}
	return &Event{Kind: Flow, Time: t, Doc: m}, ""
}

// protocol reads proto as an IANA number or a protocol name.
func protocol(v any) (int, string) {
	switch p := v.(type) {
	case json.Number:
		n, err := strconv.Atoi(p.String())
		if err != nil || n < 0 || n > 255 {
			return 0, fmt.Sprintf("%s is not an IANA protocol number (0 to 255)", p)
		}
		return n, ""
	case string:
		if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 255 {
			return n, ""
		}
		if n, ok := protocols[strings.ToLower(p)]; ok {
			return n, ""
		}
		return 0, fmt.Sprintf("unknown protocol %q (a number or one of icmp, igmp, tcp, udp, gre, esp, ah, icmpv6, sctp)", p)
	}
	return 0, fmt.Sprintf("must be a number or a protocol name, not %s", jsonType(v))
}

// timeField parses m[key] as an RFC 3339 time.
func timeField(m map[string]any, key string) (time.Time, string) {
	v, ok := m[key]
	if !ok || v == nil {
		return time.Time{}, fmt.Sprintf("the entry has no %s", key)
	}
	s, isStr := v.(string)
	if !isStr {
		return time.Time{}, fmt.Sprintf("%s must be an RFC 3339 time string, not %s", key, jsonType(v))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !rfc3339Shape(s) || t.IsZero() {
		// Go's parser takes a one-digit hour, which RFC 3339 does not; the zero time is no event's.
		return time.Time{}, fmt.Sprintf("%s %q is not an RFC 3339 time", key, s)
	}
	return t.UTC(), ""
}

// rfc3339Shape reports whether s has the shape RFC 3339 gives a date-time, two digits for each
// field but the year: YYYY-MM-DDTHH:MM:SS, an optional fraction, then Z or an offset ±HH:MM (T and
// Z in either case).
func rfc3339Shape(s string) bool {
	const head = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(head)+1 {
		return false
	}
	for i := range len(head) {
		switch c := s[i]; head[i] {
		case 'd':
			if c < '0' || c > '9' {
				return false
			}
		case 'T':
			if c != 'T' && c != 't' {
				return false
			}
		default:
			if c != head[i] {
				return false
			}
		}
	}
	rest := s[len(head):]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 {
			return false
		}
		rest = rest[n:]
	}
	switch {
	case rest == "Z" || rest == "z":
		return true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		return isDigits(rest[1:3]) && isDigits(rest[4:6])
	}
	return false
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// fromDatadog undoes what Datadog's log pipeline does to an entry: attributes flattened into
// dotted names ("target.id"), and the remapping of action to evt.name, nodeId to host and the
// actor to usr.*.
func fromDatadog(attrs map[string]any) map[string]any {
	m := map[string]any{}
	for k, v := range attrs {
		if !strings.Contains(k, ".") {
			if old, ok := m[k].(map[string]any); ok && isObject(v) {
				for kk, vv := range v.(map[string]any) {
					old[kk] = vv
				}
				continue
			}
			m[k] = v
			continue
		}
		setPath(m, strings.Split(k, "."), v)
	}
	if evt, ok := m["evt"].(map[string]any); ok {
		if name, ok := evt["name"]; ok && !has(m, "action") {
			m["action"] = name
		}
		delete(m, "evt")
	}
	if usr, ok := m["usr"].(map[string]any); ok {
		actor, _ := m["actor"].(map[string]any)
		if actor == nil {
			actor = map[string]any{}
		}
		for from, to := range datadogUser {
			if v, ok := usr[from]; ok && !has(actor, to) {
				actor[to] = v
			}
		}
		m["actor"] = actor
		delete(m, "usr")
	}
	if host, ok := m["host"]; ok {
		if !has(m, "nodeId") && (has(m, "logged") || hasAny(m, trafficKeys)) {
			m["nodeId"] = host
		}
		delete(m, "host")
	}
	if s, ok := m["service"].(string); ok && strings.HasPrefix(s, "logstream") {
		delete(m, "service")
	}
	return m
}

func setPath(m map[string]any, path []string, v any) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func hasAny(m map[string]any, keys []string) bool {
	for _, k := range keys {
		if has(m, k) {
			return true
		}
	}
	return false
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
