package assess

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tailscale/hujson"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/frameworks"
)

// MaxAttestationsSize is the largest attestations file ParseAttestations reads.
const MaxAttestationsSize = 1 << 20

// maxDepth bounds nesting so that hostile input cannot exhaust the parser's stack.
const maxDepth = 16

// attestationFields are the keys of an attestation, in the order errors list them.
var attestationFields = []string{"framework", "control", "statement", "by", "date", "expires", "evidence"}

// ParseAttestations reads an attestations file (HuJSON):
//
//	{"attestations": [
//	  {"framework": "soc2", "control": "CC7.4", "statement": "...", "by": "...",
//	   "date": "2026-10-01", "expires": "2027-09-30", "evidence": "https://..."},
//	]}
//
// Every field is required. The file passes the guard every input file passes (source.Check: size,
// UTF-8, nesting, keys written twice, numbers in range). Problems are *source.Error at the line and
// column of the value: a syntax error, an unknown or repeated key, a missing field, a date that is not a real YYYY-MM-DD day, an
// expiry before the date, a framework or control that the catalogues do not hold. Whether an
// attestation is in force is decided by Assess against the run's clock.
func ParseAttestations(name string, src []byte, cats []frameworks.Catalog) ([]finding.Attestation, error) {
	p := &attParser{name: name, src: src}
	if err := source.Check(name, src, source.Limits{
		Kind: "attestations file", MaxSize: MaxAttestationsSize, MaxDepth: maxDepth,
		Empty: `the attestations file is empty; write {"attestations": [...]}`,
	}); err != nil {
		return nil, err
	}
	root, err := hujson.Parse(src)
	if err != nil {
		return nil, policyfile.SyntaxError(name, src, err)
	}
	obj, ok := root.Value.(*hujson.Object)
	if !ok {
		return nil, p.errAt(root.StartOffset, `an attestations file is an object {"attestations": [...]}`)
	}
	var list *hujson.Array
	listAt := root.StartOffset
	if err := p.members(obj, func(key string, keyAt int, v *hujson.Value) error {
		if key != "attestations" {
			return p.errAt(keyAt, "unknown key %q (known: attestations)", key)
		}
		arr, isArr := v.Value.(*hujson.Array)
		if !isArr {
			return p.errAt(v.StartOffset, "attestations must be an array")
		}
		list, listAt = arr, v.StartOffset
		return nil
	}); err != nil {
		return nil, err
	}
	if list == nil {
		return nil, p.errAt(listAt, `no "attestations" array`)
	}
	var out []finding.Attestation
	var errs []error
	for i := range list.Elements {
		a, err := p.attestation(i, &list.Elements[i], cats)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, a)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

type attParser struct {
	name string
	src  []byte
}

func (p *attParser) errAt(offset int, format string, args ...any) *source.Error {
	line, col := lineCol(p.src, offset)
	return source.Errorf(p.name, line, col, format, args...)
}

// members calls f for each member of obj, failing on a repeated key.
func (p *attParser) members(obj *hujson.Object, f func(key string, keyAt int, v *hujson.Value) error) error {
	seen := map[string]bool{}
	for i := range obj.Members {
		m := &obj.Members[i]
		lit, _ := m.Name.Value.(hujson.Literal)
		key := lit.String()
		if seen[key] {
			return p.errAt(m.Name.StartOffset, "key %q repeated", key)
		}
		seen[key] = true
		if err := f(key, m.Name.StartOffset, &m.Value); err != nil {
			return err
		}
	}
	return nil
}

// attestation reads and checks the i-th entry.
func (p *attParser) attestation(i int, v *hujson.Value, cats []frameworks.Catalog) (finding.Attestation, error) {
	at := v.StartOffset
	obj, ok := v.Value.(*hujson.Object)
	if !ok {
		return finding.Attestation{}, p.errAt(at, "attestations[%d] must be an object", i)
	}
	fields := map[string]string{}
	offsets := map[string]int{}
	err := p.members(obj, func(key string, keyAt int, val *hujson.Value) error {
		if !slices.Contains(attestationFields, key) {
			return p.errAt(keyAt, "attestations[%d]: unknown key %q (known: %s)", i, key, strings.Join(attestationFields, ", "))
		}
		lit, isLit := val.Value.(hujson.Literal)
		if !isLit || lit.Kind() != '"' {
			return p.errAt(val.StartOffset, "attestations[%d].%s must be a string", i, key)
		}
		fields[key] = strings.TrimSpace(lit.String())
		offsets[key] = val.StartOffset
		return nil
	})
	if err != nil {
		return finding.Attestation{}, err
	}
	var missing []string
	for _, k := range attestationFields {
		if fields[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return finding.Attestation{}, p.errAt(at, "attestations[%d]: missing %s", i, strings.Join(missing, ", "))
	}
	a := finding.Attestation{
		Framework: fields["framework"], Control: fields["control"], Statement: fields["statement"], By: fields["by"],
		Date: fields["date"], Expires: fields["expires"], Evidence: fields["evidence"],
	}
	line, _ := lineCol(p.src, at)
	a.Source = fmt.Sprintf("%s:%d", p.name, line)
	date, err := time.Parse(time.DateOnly, a.Date)
	if err != nil {
		return a, p.errAt(offsets["date"], "attestations[%d].date %q is not a day YYYY-MM-DD", i, a.Date)
	}
	expires, err := time.Parse(time.DateOnly, a.Expires)
	if err != nil {
		return a, p.errAt(offsets["expires"], "attestations[%d].expires %q is not a day YYYY-MM-DD", i, a.Expires)
	}
	if expires.Before(date) {
		return a, p.errAt(offsets["expires"], "attestations[%d].expires %s is before its date %s", i, a.Expires, a.Date)
	}
	cat, ok := catalog(cats, a.Framework)
	if !ok {
		return a, p.errAt(offsets["framework"], "attestations[%d]: unknown framework %q (known: %s)", i, a.Framework, strings.Join(catalogIDs(cats), ", "))
	}
	a.Framework = cat.ID
	id, ok := controlID(cat, a.Control)
	if !ok {
		return a, p.errAt(offsets["control"], "attestations[%d]: %s has no control %q", i, cat.ID, a.Control)
	}
	a.Control = id
	return a, nil
}

// lineCol turns a byte offset into a 1-based line and byte column.
func lineCol(src []byte, offset int) (int, int) {
	offset = min(max(offset, 0), len(src))
	line := 1 + bytes.Count(src[:offset], []byte("\n"))
	col := offset - bytes.LastIndexByte(src[:offset], '\n')
	return line, col
}

func catalog(cats []frameworks.Catalog, id string) (frameworks.Catalog, bool) {
	for _, c := range cats {
		if strings.EqualFold(c.ID, id) {
			return c, true
		}
	}
	return frameworks.Catalog{}, false
}

func catalogIDs(cats []frameworks.Catalog) []string {
	ids := make([]string, len(cats))
	for i, c := range cats {
		ids[i] = c.ID
	}
	return ids
}

// controlID finds a control by id regardless of case, and returns its id as the catalogue spells it.
func controlID(cat frameworks.Catalog, id string) (string, bool) {
	for _, c := range cat.Controls {
		if strings.EqualFold(c.ID, id) {
			return c.ID, true
		}
	}
	return "", false
}

// checkAttestations holds attestations built by other means than ParseAttestations to the same
// names.
func checkAttestations(atts []finding.Attestation, cats []frameworks.Catalog) error {
	var errs []error
	for _, a := range atts {
		cat, ok := catalog(cats, a.Framework)
		if !ok {
			errs = append(errs, fmt.Errorf("attestation %s: unknown framework %q", a.Source, a.Framework))
			continue
		}
		if _, ok := controlID(cat, a.Control); !ok {
			errs = append(errs, fmt.Errorf("attestation %s: %s has no control %q", a.Source, cat.ID, a.Control))
		}
	}
	return errors.Join(errs...)
}

// attestationsFor returns the attestations of one framework by control id (as the catalogue spells
// it), each with its status on now's day in UTC.
func attestationsFor(atts []finding.Attestation, framework string, now time.Time) map[string][]finding.Attestation {
	today := now.UTC().Format(time.DateOnly)
	out := map[string][]finding.Attestation{}
	for _, a := range atts {
		if !strings.EqualFold(a.Framework, framework) {
			continue
		}
		switch {
		case today > a.Expires:
			a.Status = finding.AttestationExpired
		case today < a.Date:
			a.Status = finding.AttestationNotYetValid
		default:
			a.Status = finding.AttestationValid
		}
		out[a.Control] = append(out[a.Control], a)
	}
	return out
}

// pickAttestation returns the latest-dated valid attestation, or else the latest-dated one that
// does not count, or nil.
func pickAttestation(atts []finding.Attestation) *finding.Attestation {
	var best *finding.Attestation
	for i := range atts {
		a := &atts[i]
		switch {
		case best == nil:
			best = a
		case (a.Status == finding.AttestationValid) != (best.Status == finding.AttestationValid):
			if a.Status == finding.AttestationValid {
				best = a
			}
		case a.Date > best.Date:
			best = a
		}
	}
	if best == nil {
		return nil
	}
	c := *best
	return &c
}
