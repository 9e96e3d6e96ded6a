package policyfile

import "strings"

// kind is the JSON type a position in the policy file must hold.
type kind int

const (
	anyKind     kind = iota // not checked: kept as written
	stringKind              // a JSON string
	boolKind                // true or false
	stringOrNum             // a string or a number (proto accepts both)
	arrayKind               // elements of elem's shape
	objectKind              // a struct: known fields, matched case-insensitively
	mapKind                 // user-named keys (group names, tags, routes), values of elem's shape
)

func (k kind) String() string {
	switch k {
	case stringKind:
		return "a string"
	case boolKind:
		return "a boolean"
	case stringOrNum:
		return "a string or a number"
	case arrayKind:
		return "an array"
	case objectKind, mapKind:
		return "an object"
	}
	return "a value"
}

// shape describes what Tailscale accepts at one position of the policy file.
type shape struct {
	kind   kind
	elem   *shape            // arrayKind and mapKind: every element or value
	fields map[string]*field // objectKind: lower-cased spelling (canonical or legacy) → field
}

// field is one known key of a struct-like object.
type field struct {
	name   string // canonical spelling
	legacy string // the deprecated spelling this entry matches, if it is an alias
	shape  *shape
}

func scalar(k kind) *shape    { return &shape{kind: k} }
func arrayOf(s *shape) *shape { return &shape{kind: arrayKind, elem: s} }
func mapOf(s *shape) *shape   { return &shape{kind: mapKind, elem: s} }
func stringList() *shape      { return arrayOf(scalar(stringKind)) }

func objectOf(fields ...*field) *shape {
	s := &shape{kind: objectKind, fields: make(map[string]*field, len(fields))}
	for _, f := range fields {
		spelling := f.name
		if f.legacy != "" {
			spelling = f.legacy
		}
		s.fields[strings.ToLower(spelling)] = f
	}
	return s
}

func known(name string, s *shape) *field { return &field{name: name, shape: s} }

// legacyAlias declares a deprecated spelling that Tailscale still reads as name.
func legacyAlias(spelling, name string, s *shape) *field {
	return &field{name: name, legacy: spelling, shape: s}
}

// policyShape is the structure of a tailnet policy file as Tailscale reads it. Struct keys are
// matched case-insensitively, as Go's encoding/json does for Tailscale's policy types; the keys of
// maps (group names, tags, hosts, routes) are data and are kept exactly as written.
func policyShape() *shape {
	acl := objectOf(
		known("action", scalar(stringKind)),
		known("src", stringList()),
		legacyAlias("users", "src", stringList()),
		known("dst", stringList()),
		legacyAlias("ports", "dst", stringList()),
		known("proto", scalar(stringOrNum)),
		known("srcPosture", stringList()),
	)
	grant := objectOf(
		known("src", stringList()),
		known("dst", stringList()),
		known("ip", stringList()),
		known("app", mapOf(scalar(anyKind))),
		known("via", stringList()),
		known("srcPosture", stringList()),
	)
	ssh := objectOf(
		known("action", scalar(stringKind)),
		known("src", stringList()),
		known("dst", stringList()),
		known("users", stringList()),
		known("checkPeriod", scalar(stringKind)),
		known("acceptEnv", stringList()),
		known("recorder", stringList()),
		known("enforceRecorder", scalar(boolKind)),
	)
	test := objectOf(
		known("src", scalar(stringKind)),
		legacyAlias("user", "src", scalar(stringKind)),
		known("srcPostureAttrs", mapOf(scalar(anyKind))),
		known("proto", scalar(stringOrNum)),
		known("accept", stringList()),
		known("deny", stringList()),
	)
	sshTest := objectOf(
		known("src", scalar(stringKind)),
		known("dst", stringList()),
		known("accept", stringList()),
		known("check", stringList()),
		known("deny", stringList()),
		known("srcPostureAttrs", mapOf(scalar(anyKind))),
	)
	nodeAttr := objectOf(
		known("target", stringList()),
		known("attr", stringList()),
		known("app", mapOf(scalar(anyKind))),
		known("ipPool", stringList()),
	)
	autoApprovers := objectOf(
		known("routes", mapOf(stringList())),
		known("exitNode", stringList()),
		known("services", mapOf(stringList())),
	)
	return objectOf(
		known("acls", arrayOf(acl)),
		known("grants", arrayOf(grant)),
		known("ssh", arrayOf(ssh)),
		known("groups", mapOf(stringList())),
		known("hosts", mapOf(scalar(stringKind))),
		known("tagOwners", mapOf(stringList())),
		known("autoApprovers", autoApprovers),
		known("nodeAttrs", arrayOf(nodeAttr)),
		known("tests", arrayOf(test)),
		known("sshTests", arrayOf(sshTest)),
		known("postures", mapOf(stringList())),
		known("ipsets", mapOf(stringList())),
		known("defaultSrcPosture", stringList()),
		known("derpMap", scalar(anyKind)),
		known("disableIPv4", scalar(boolKind)),
		known("randomizeClientPort", scalar(boolKind)),
		known("OneCGNATRoute", scalar(stringKind)),
	)
}
