package tailnet

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// ChangeSet is what changed between two snapshots.
type ChangeSet struct {
	Devices  ResourceChanges `json:"devices"`
	Users    ResourceChanges `json:"users"`
	Keys     ResourceChanges `json:"keys"`
	Settings []FieldChange   `json:"settings,omitempty"`
}

// ResourceChanges lists the resources of one kind that were added, removed or changed, by id.
type ResourceChanges struct {
	Added   []Resource       `json:"added,omitempty"`
	Removed []Resource       `json:"removed,omitempty"`
	Changed []ResourceChange `json:"changed,omitempty"`
}

// Resource names one device, user or key.
type Resource struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// ResourceChange is a resource present in both snapshots with different fields.
type ResourceChange struct {
	Resource
	Fields []FieldChange `json:"fields"`
}

// FieldChange is one top-level field of an object that differs. Old or New is nil when the field
// is absent on that side.
type FieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// Empty reports whether nothing changed.
func (c *ChangeSet) Empty() bool {
	return c.Devices.empty() && c.Users.empty() && c.Keys.empty() && len(c.Settings) == 0
}

func (r ResourceChanges) empty() bool {
	return len(r.Added) == 0 && len(r.Removed) == 0 && len(r.Changed) == 0
}

// volatile lists fields that change on every poll without anyone changing anything; Diff ignores
// them so that drift reports show configuration changes only.
var volatile = map[string]map[string]bool{
	EndpointDevices: {"lastSeen": true, "clientConnectivity": true, "connectedToControl": true},
	EndpointUsers:   {"lastSeen": true, "currentlyConnected": true, "deviceCount": true},
	EndpointKeys:    {},
}

// Diff compares two snapshots: devices (by nodeId, else id), users and keys (by id) added,
// removed or changed, and changed tailnet settings. Output is sorted by id and field name.
func Diff(old, new *Snapshot) *ChangeSet {
	return &ChangeSet{
		Devices:  diffResources(old, new, EndpointDevices, []string{"nodeId", "id"}, []string{"name", "hostname"}),
		Users:    diffResources(old, new, EndpointUsers, []string{"id"}, []string{"loginName", "displayName"}),
		Keys:     diffResources(old, new, EndpointKeys, []string{"id"}, []string{"description"}),
		Settings: diffFields(object(old, EndpointSettings), object(new, EndpointSettings), nil),
	}
}

func object(s *Snapshot, key string) map[string]any {
	if s == nil {
		return nil
	}
	m, _ := s.Raw[key].(map[string]any)
	return m
}

func diffResources(old, new *Snapshot, key string, idFields, nameFields []string) ResourceChanges {
	before, after := index(old, key, idFields), index(new, key, idFields)
	var rc ResourceChanges
	for id, o := range before {
		n, ok := after[id]
		if !ok {
			rc.Removed = append(rc.Removed, Resource{ID: id, Name: firstString(o, nameFields)})
			continue
		}
		if fields := diffFields(o, n, volatile[key]); len(fields) > 0 {
			rc.Changed = append(rc.Changed, ResourceChange{Resource{ID: id, Name: firstString(n, nameFields)}, fields})
		}
	}
	for id, n := range after {
		if _, ok := before[id]; !ok {
			rc.Added = append(rc.Added, Resource{ID: id, Name: firstString(n, nameFields)})
		}
	}
	byID := func(a, b Resource) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(rc.Added, byID)
	slices.SortFunc(rc.Removed, byID)
	slices.SortFunc(rc.Changed, func(a, b ResourceChange) int { return byID(a.Resource, b.Resource) })
	return rc
}

func index(s *Snapshot, key string, idFields []string) map[string]map[string]any {
	out := map[string]map[string]any{}
	if s == nil {
		return out
	}
	arr, _ := s.Raw[key].([]any)
	for _, v := range arr {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if id := firstString(m, idFields); id != "" {
			out[id] = m
		}
	}
	return out
}

func firstString(m map[string]any, fields []string) string {
	for _, f := range fields {
		if s, ok := m[f].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func diffFields(o, n map[string]any, ignore map[string]bool) []FieldChange {
	var out []FieldChange
	for k, ov := range o {
		if ignore[k] {
			continue
		}
		nv, ok := n[k]
		if !ok || !equal(ov, nv) {
			out = append(out, FieldChange{Field: k, Old: ov, New: nv})
		}
	}
	for k, nv := range n {
		if _, ok := o[k]; !ok && !ignore[k] {
			out = append(out, FieldChange{Field: k, New: nv})
		}
	}
	slices.SortFunc(out, func(a, b FieldChange) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// equal compares JSON values; numbers compare by value whatever their spelling.
func equal(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		if an == bn {
			return true
		}
		af, aerr := an.Float64()
		bf, berr := bn.Float64()
		return aerr == nil && berr == nil && af == bf && an.String() != "" && sameInt(an, bn)
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		if len(am) != len(bm) {
			return false
		}
		for k, v := range am {
			w, ok := bm[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	}
	aa, aok := a.([]any)
	ba, bok := b.([]any)
	if aok && bok {
		return slices.EqualFunc(aa, ba, equal)
	}
	return reflect.DeepEqual(a, b)
}

// sameInt guards against float rounding making distinct large integers look equal.
func sameInt(a, b json.Number) bool {
	ai, aerr := a.Int64()
	bi, berr := b.Int64()
	if aerr == nil && berr == nil {
		return ai == bi
	}
	return true
}
