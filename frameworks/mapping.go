package frameworks

// Mapping is what a check needs of the embedded catalogs: which controls each rule evidences and
// which control ids each framework has. Embedded returns it without parsing the YAML; a check
// spent about an eighth of its time parsing the catalogues for these two tables alone.
type Mapping struct {
	ByRule   map[string]map[string][]string // ControlsByRule of the catalogs Load returns
	Controls map[string][]string            // framework id → its control ids, in catalogue order
}

// Embedded returns the Mapping of the catalogs Load returns, from mapping_gen.go, which
// TestMappingGenerated keeps equal to them (go generate ./frameworks rewrites it). Each call returns
// new maps, which the caller may change.
func Embedded() Mapping { return embeddedMapping() }

// MappingOf computes the Mapping of cats, as Embedded gives it for the embedded catalogs.
func MappingOf(cats []Catalog) Mapping {
	m := Mapping{ByRule: ControlsByRule(cats), Controls: map[string][]string{}}
	for _, cat := range cats {
		ids := make([]string, len(cat.Controls))
		for i, c := range cat.Controls {
			ids[i] = c.ID
		}
		m.Controls[cat.ID] = ids
	}
	return m
}

// Known reports whether framework fw has a control id.
func (m Mapping) Known(fw, id string) bool {
	for _, c := range m.Controls[fw] {
		if c == id {
			return true
		}
	}
	return false
}
