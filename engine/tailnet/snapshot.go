package tailnet

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/source"
)

// SchemaVersion is the only snapshot format version this package reads and writes.
const SchemaVersion = "tailaudit.snapshot/v1"

// Top-level snapshot keys that hold API data. A collection error names the key it would have filled.
const (
	EndpointDevices             = "devices"
	EndpointUsers               = "users"
	EndpointKeys                = "keys"
	EndpointSettings            = "settings"
	EndpointDNS                 = "dns"
	EndpointPolicy              = "policy"
	EndpointLogstream           = "logstream"
	EndpointWebhooks            = "webhooks"
	EndpointPostureIntegrations = "postureIntegrations"
	EndpointContacts            = "contacts"
)

// Endpoints returns the top-level snapshot keys that hold API data, in collection order.
func Endpoints() []string {
	return []string{
		EndpointDevices, EndpointUsers, EndpointKeys, EndpointSettings, EndpointDNS, EndpointPolicy,
		EndpointLogstream, EndpointWebhooks, EndpointPostureIntegrations, EndpointContacts,
	}
}

// Snapshot is a loaded or collected snapshot.
//
// Raw is the whole document as generic JSON values (what Rego sees as input.tailnet): objects are
// map[string]any, arrays []any, and numbers json.Number (the decoder runs with UseNumber), so
// large integers such as IDs keep every digit. API objects keep every field the API sent.
type Snapshot struct {
	// Name is where the snapshot came from (a file name), used in messages.
	Name string
	// Raw is the document. Callers may read it; change it only through Set and AddError.
	Raw map[string]any
	// CollectedAt is the parsed collectedAt, in UTC.
	CollectedAt time.Time
}

// Tool names the program that wrote a snapshot.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// CollectionError records an endpoint that could not be collected, or, with a Pointer, a value of
// it that does not match the snapshot schema and was kept as the API sent it. Rules that depend on
// that endpoint are reported as not assessed: for a value inside one item of a collection (such as
// /devices/1/authorized), only for that item.
type CollectionError struct {
	// Endpoint is the top-level snapshot key the request would have filled, such as "keys".
	Endpoint string `json:"endpoint"`
	// Status is the HTTP status, or 0 when no response arrived.
	Status int `json:"status,omitempty"`
	// Message says what went wrong, as a sentence fragment.
	Message string `json:"message"`
	// Request is the failed request ("GET /api/v2/tailnet/-/keys"), when known.
	Request string `json:"request,omitempty"`
	// Pointer is the JSON pointer of the value at fault, such as /devices/1/authorized, when the
	// endpoint was collected but a value in it is not what the schema says; "" for the whole
	// endpoint. Decode accepts a snapshot whose schema problems are all recorded this way.
	Pointer string `json:"pointer,omitempty"`
}

func (e CollectionError) String() string {
	var b strings.Builder
	b.WriteString(e.Endpoint)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// New returns an empty snapshot of tailnetName collected at collectedAt, for a collector to fill.
func New(tailnetName string, collectedAt time.Time, tool Tool) *Snapshot {
	at := collectedAt.UTC()
	return &Snapshot{
		Raw: map[string]any{
			"schemaVersion": SchemaVersion,
			"tailnet":       tailnetName,
			"collectedAt":   at.Format(time.RFC3339Nano),
			"tool":          map[string]any{"name": tool.Name, "version": tool.Version},
		},
		CollectedAt: at,
	}
}

// Tailnet returns the tailnet name the snapshot was taken of.
func (s *Snapshot) Tailnet() string {
	name, _ := s.Raw["tailnet"].(string)
	return name
}

// Set stores v, a JSON value (maps, slices, strings, json.Number, bools, nil), under key.
func (s *Snapshot) Set(key string, v any) {
	s.Raw[key] = v
}

// AddError records an endpoint that could not be collected.
func (s *Snapshot) AddError(e CollectionError) {
	coll, _ := s.Raw["collection"].(map[string]any)
	if coll == nil {
		coll = map[string]any{}
		s.Raw["collection"] = coll
	}
	errs, _ := coll["errors"].([]any)
	m := map[string]any{"endpoint": e.Endpoint, "message": e.Message}
	if e.Status != 0 {
		m["status"] = json.Number(fmt.Sprint(e.Status))
	}
	if e.Request != "" {
		m["request"] = e.Request
	}
	if e.Pointer != "" {
		m["pointer"] = e.Pointer
	}
	coll["errors"] = append(errs, m)
}

// Errors returns the recorded collection errors.
func (s *Snapshot) Errors() []CollectionError {
	coll, _ := s.Raw["collection"].(map[string]any)
	errs, _ := coll["errors"].([]any)
	out := make([]CollectionError, 0, len(errs))
	for _, v := range errs {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		var e CollectionError
		e.Endpoint, _ = m["endpoint"].(string)
		e.Message, _ = m["message"].(string)
		e.Request, _ = m["request"].(string)
		e.Pointer, _ = m["pointer"].(string)
		e.Status = toInt(m["status"])
		out = append(out, e)
	}
	return out
}

// Missing reports whether endpoint (a top-level key such as "keys") is absent from the snapshot or
// has a collection error, and why. Rules that depend on a missing endpoint are not assessed. A bad
// value inside one item of a collection does not make the endpoint missing: see Unassessed.
func (s *Snapshot) Missing(endpoint string) (reason string, missing bool) {
	var reasons []string
	for _, e := range s.Errors() {
		if _, ok := s.item(e); e.Endpoint == endpoint && !ok {
			reasons = append(reasons, e.String())
		}
	}
	if len(reasons) > 0 {
		return strings.Join(reasons, "; "), true
	}
	if _, ok := s.Raw[endpoint]; !ok {
		return endpoint + ": not in snapshot", true
	}
	return "", false
}

// Unassessed returns the items of the collection endpoint (such as "devices") that hold a value the
// snapshot records as not matching the schema, by index, with why. Rules over the collection report
// these items as not assessed, never as passing.
func (s *Snapshot) Unassessed(endpoint string) map[int]string {
	var out map[int]string
	for _, e := range s.Errors() {
		i, ok := s.item(e)
		if !ok || e.Endpoint != endpoint {
			continue
		}
		if out == nil {
			out = map[int]string{}
		}
		if out[i] != "" {
			out[i] += "; "
		}
		out[i] += e.Message
	}
	return out
}

// item returns the index of the collection item a value error points into, such as 1 for
// /devices/1/authorized, when the endpoint's value is an array that has that item.
func (s *Snapshot) item(e CollectionError) (int, bool) {
	toks := source.Tokens(e.Pointer)
	if len(toks) < 2 || toks[0] != e.Endpoint {
		return 0, false
	}
	items, isArray := s.Raw[e.Endpoint].([]any)
	i, err := strconv.Atoi(toks[1])
	if !isArray || err != nil || i < 0 || i >= len(items) || strconv.Itoa(i) != toks[1] {
		return 0, false
	}
	return i, true
}

// excused reports whether the schema problem p is a value the snapshot records, with a collection
// error at its pointer, as kept as the API sent it. Only values of API data can be: not the
// snapshot's own fields (schemaVersion, collectedAt, collection...).
func excused(p *source.Error, recorded []CollectionError) bool {
	toks := source.Tokens(p.Pointer)
	if len(toks) == 0 || !slices.Contains(Endpoints(), toks[0]) {
		return false
	}
	for _, e := range recorded {
		if e.Pointer != "" && e.Endpoint == toks[0] && source.Within(p.Pointer, e.Pointer) {
			return true
		}
	}
	return false
}

// PolicyHuJSON returns the policy file text stored in the snapshot, if any.
func (s *Snapshot) PolicyHuJSON() (string, bool) {
	p, _ := s.Raw[EndpointPolicy].(map[string]any)
	text, ok := p["hujson"].(string)
	return text, ok
}

func toInt(v any) int {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			return 0
		}
		return int(i)
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

// parseTime parses an RFC 3339 date-time, including the forms time.RFC3339 rejects but RFC 3339
// allows: lower-case "t" and "z" and a leap second (":60").
func parseTime(s string) (time.Time, error) {
	norm := []byte(s)
	if len(norm) > 10 && norm[10] == 't' {
		norm[10] = 'T'
	}
	if n := len(norm); n > 0 && norm[n-1] == 'z' {
		norm[n-1] = 'Z'
	}
	leap := false
	if len(norm) >= 19 && string(norm[17:19]) == "60" {
		norm[17], norm[18] = '5', '9'
		leap = true
	}
	t, err := time.Parse(time.RFC3339Nano, string(norm))
	if err != nil {
		return time.Time{}, err
	}
	if leap {
		t = t.Add(time.Second)
	}
	return t.UTC(), nil
}
