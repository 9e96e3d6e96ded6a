package output

import (
	"bufio"
	"crypto/sha1"
	"fmt"
	"io"

	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// OSCALVersion is the OSCAL release assessment-results.json is written for.
const OSCALVersion = "1.2.1"

// oscalNamespace is the v5 UUID namespace of tailaudit's OSCAL documents (itself a v5 UUID of the
// URL namespace and the project's address).
var oscalNamespace = uuid5([16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}, "https://github.com/tailaudit/tailaudit")

// uuid5 is RFC 9562's name-based UUID (SHA-1, version 5).
func uuid5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

func uuidString(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// oscalToken turns a control id such as 164.312(a)(1) into an OSCAL token (a letter or _ first,
// then letters, digits, '.', '-', '_'): 164.312.a.1 prefixed with _ where it starts with a digit.
func oscalToken(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case r == '(':
			b.WriteByte('.')
		case r == ')':
		default:
			b.WriteByte('_')
		}
	}
	t := strings.Trim(b.String(), ".")
	if t == "" || !(t[0] >= 'a' && t[0] <= 'z' || t[0] >= 'A' && t[0] <= 'Z' || t[0] == '_') {
		t = "_" + t
	}
	return t
}

type oscalDoc struct {
	AR oscalAR `json:"assessment-results"`
}

type oscalAR struct {
	UUID       string          `json:"uuid"`
	Metadata   oscalMetadata   `json:"metadata"`
	ImportAP   oscalHref       `json:"import-ap"`
	Results    []oscalResult   `json:"results"`
	BackMatter oscalBackMatter `json:"back-matter"`
}

type oscalMetadata struct {
	Title        string      `json:"title"`
	LastModified string      `json:"last-modified"`
	Version      string      `json:"version"`
	OSCALVersion string      `json:"oscal-version"`
	Props        []oscalProp `json:"props,omitempty"`
}

type oscalProp struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
}

type oscalHref struct {
	Href    string `json:"href"`
	Remarks string `json:"remarks,omitempty"`
}

type oscalLocalDefs struct {
	InventoryItems []oscalItem `json:"inventory-items,omitempty"`
	Users          []oscalUser `json:"users,omitempty"`
}

type oscalItem struct {
	UUID        string      `json:"uuid"`
	Description string      `json:"description"`
	Props       []oscalProp `json:"props,omitempty"`
}

type oscalUser struct {
	UUID  string      `json:"uuid"`
	Title string      `json:"title,omitempty"`
	Props []oscalProp `json:"props,omitempty"`
}

type oscalResult struct {
	UUID             string             `json:"uuid"`
	Title            string             `json:"title"`
	Description      string             `json:"description"`
	Start            string             `json:"start"`
	End              string             `json:"end,omitempty"`
	Props            []oscalProp        `json:"props,omitempty"`
	LocalDefs        *oscalLocalDefs    `json:"local-definitions,omitempty"`
	ReviewedControls oscalReviewed      `json:"reviewed-controls"`
	Observations     []oscalObservation `json:"observations"`
	Findings         []oscalFinding     `json:"findings,omitempty"`
	Attestations     []oscalAttestation `json:"attestations,omitempty"`
	Remarks          string             `json:"remarks,omitempty"`
}

type oscalReviewed struct {
	ControlSelections []oscalSelection `json:"control-selections"`
}

type oscalSelection struct {
	Description     string           `json:"description,omitempty"`
	IncludeControls []oscalControlID `json:"include-controls"`
}

type oscalControlID struct {
	ControlID string `json:"control-id"`
}

type oscalObservation struct {
	UUID        string         `json:"uuid"`
	Title       string         `json:"title,omitempty"`
	Description string         `json:"description"`
	Props       []oscalProp    `json:"props,omitempty"`
	Methods     []string       `json:"methods"`
	Subjects    []oscalSubject `json:"subjects,omitempty"`
	Collected   string         `json:"collected"`
}

type oscalSubject struct {
	SubjectUUID string `json:"subject-uuid"`
	Type        string `json:"type"`
	Title       string `json:"title,omitempty"`
}

type oscalFinding struct {
	UUID                string            `json:"uuid"`
	Title               string            `json:"title"`
	Description         string            `json:"description"`
	Props               []oscalProp       `json:"props,omitempty"`
	Target              oscalTarget       `json:"target"`
	RelatedObservations []oscalRelatedObs `json:"related-observations,omitempty"`
}

type oscalTarget struct {
	Type     string      `json:"type"`
	TargetID string      `json:"target-id"`
	Title    string      `json:"title,omitempty"`
	Props    []oscalProp `json:"props,omitempty"`
	Status   oscalStatus `json:"status"`
}

type oscalStatus struct {
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

type oscalRelatedObs struct {
	ObservationUUID string `json:"observation-uuid"`
}

type oscalAttestation struct {
	Parts []oscalPart `json:"parts"`
}

type oscalPart struct {
	Name  string      `json:"name"`
	Title string      `json:"title,omitempty"`
	Prose string      `json:"prose,omitempty"`
	Props []oscalProp `json:"props,omitempty"`
}

type oscalBackMatter struct {
	Resources []oscalResource `json:"resources"`
}

type oscalResource struct {
	UUID        string `json:"uuid"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

const oscalNS = "https://github.com/tailaudit/tailaudit/ns/oscal"

func oscalTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// RenderPackOSCAL writes assessment-results.json: OSCAL 1.2.1 assessment results with one result
// for the run. Every resource a check examined is a subject (devices and other resources as
// inventory items, users as users); each check has one observation per resource it did not pass and
// one for the population it passed (method TEST), and each control one finding, satisfied when it
// passed or was attested and not satisfied otherwise, its tailaudit status in a prop. Control ids
// become OSCAL tokens (framework_id), with the catalogue's label in a prop. There is no assessment
// plan document: import-ap points at a back-matter resource saying the assessment is automated.
// UUIDs are version 5, derived from the run's time and inputs, so the same run gives the same file.
func RenderPackOSCAL(w io.Writer, p *Pack) error {
	r := p.Report
	seed := oscalTime(r.GeneratedAt)
	for _, in := range r.Inputs {
		seed += "\x00" + in.Kind + "\x00" + in.SHA256
	}
	run := uuid5(oscalNamespace, seed)
	id := func(kind string, parts ...string) string {
		return uuidString(uuid5(run, kind+"\x00"+strings.Join(parts, "\x00")))
	}
	collected := r.CollectedAt
	if collected.IsZero() {
		collected = r.GeneratedAt
	}
	planUUID := id("assessment-plan")
	var fwNames []string
	for _, a := range r.Assessments {
		fwNames = append(fwNames, a.Framework.Name+" "+a.Framework.Version)
	}
	doc := oscalDoc{AR: oscalAR{
		UUID: id("document"),
		Metadata: oscalMetadata{
			Title:        "tailaudit assessment results: " + strings.Join(fwNames, ", "),
			LastModified: oscalTime(r.GeneratedAt),
			Version:      r.Tool.Version,
			OSCALVersion: OSCALVersion,
			Props:        []oscalProp{{Name: "rule-bundle-sha256", NS: oscalNS, Value: orText(p.RuleBundle, "unknown")}},
		},
		ImportAP: oscalHref{Href: "#" + planUUID, Remarks: "No separate assessment plan: the plan is the rule bundle, described in the back-matter resource."},
		BackMatter: oscalBackMatter{Resources: []oscalResource{{
			UUID:  planUUID,
			Title: "Automated assessment by tailaudit",
			Description: "This assessment was performed automatically by tailaudit " + r.Tool.Version +
				", which evaluated the Rego rules of the bundle sha256:" + p.RuleBundle +
				" against the tailnet snapshot and policy file listed as inputs, testing every resource of each population. " +
				"Controls that tailnet data cannot show are reported as needing attestation.",
		}}},
	}}
	res := oscalResult{
		UUID:        id("result"),
		Title:       "tailaudit run at " + oscalTime(r.GeneratedAt),
		Description: "Automated tests of the tailnet's configuration and policy, control by control.",
		Start:       oscalTime(collected),
		End:         oscalTime(r.GeneratedAt),
	}
	if r.Period != nil {
		res.Start, res.End = oscalTime(r.Period.From), oscalTime(r.Period.To)
	}
	if r.Tailnet != "" {
		res.Props = append(res.Props, oscalProp{Name: "tailnet", NS: oscalNS, Value: r.Tailnet})
	}
	for _, in := range r.Inputs {
		if in.SHA256 != "" {
			res.Props = append(res.Props, oscalProp{Name: "input-sha256", NS: oscalNS, Value: in.Kind + " " + in.Path + " " + in.SHA256})
		}
	}
	subjects := map[string]oscalSubject{}
	var items []oscalItem
	var users []oscalUser
	subject := func(typ, rid string) oscalSubject {
		key := typ + "\x00" + rid
		if s, ok := subjects[key]; ok {
			return s
		}
		s := oscalSubject{SubjectUUID: id("subject", typ, rid), Title: typ + " " + rid}
		if typ == "user" {
			s.Type = "user"
			users = append(users, oscalUser{UUID: s.SubjectUUID, Title: rid, Props: []oscalProp{{Name: "tailnet-id", NS: oscalNS, Value: rid}}})
		} else {
			s.Type = "inventory-item"
			items = append(items, oscalItem{UUID: s.SubjectUUID, Description: typ + " " + rid, Props: []oscalProp{
				{Name: "asset-type", NS: oscalNS, Value: typ}, {Name: "tailnet-id", NS: oscalNS, Value: rid}}})
		}
		subjects[key] = s
		return s
	}
	observed := map[string][]string{} // rule id → its observations' uuids
	for _, a := range r.Assessments {
		sel := oscalSelection{Description: a.Framework.Name + " " + a.Framework.Version}
		for _, c := range a.Controls {
			token := oscalToken(a.Framework.ID + "_" + c.ID)
			sel.IncludeControls = append(sel.IncludeControls, oscalControlID{ControlID: token})
			var related []oscalRelatedObs
			for _, ch := range c.Checks {
				obs, ok := observed[ch.Rule.ID]
				if !ok {
					obs = observe(&res, ch, id, subject, oscalTime(collected))
					observed[ch.Rule.ID] = obs
				}
				for _, o := range obs {
					related = append(related, oscalRelatedObs{ObservationUUID: o})
				}
			}
			state, reason := "not-satisfied", "other"
			switch c.Status {
			case finding.ControlPass, finding.ControlAttested:
				state, reason = "satisfied", "pass"
			case finding.ControlFail:
				reason = "fail"
			}
			res.Findings = append(res.Findings, oscalFinding{
				UUID:        id("finding", a.Framework.ID, c.ID),
				Title:       c.ID + " " + c.Title,
				Description: orText(c.Reason, c.Title),
				Props: []oscalProp{{Name: "framework", NS: oscalNS, Value: a.Framework.ID},
					{Name: "label", Value: c.ID}, {Name: "tailaudit-status", NS: oscalNS, Value: string(c.Status)}},
				Target: oscalTarget{Type: "objective-id", TargetID: token, Title: c.Title,
					Props:  []oscalProp{{Name: "label", Value: c.ID}},
					Status: oscalStatus{State: state, Reason: reason, Remarks: orText(c.Reason, statusLabel(c.Status))}},
				RelatedObservations: related,
			})
			if at := c.Attestation; at != nil {
				res.Attestations = append(res.Attestations, oscalAttestation{Parts: []oscalPart{{
					Name: "attestation", Title: a.Framework.ID + " " + c.ID + " attested by " + at.By,
					Prose: at.Statement,
					Props: []oscalProp{{Name: "label", Value: c.ID}, {Name: "status", NS: oscalNS, Value: string(at.Status)},
						{Name: "date", NS: oscalNS, Value: at.Date}, {Name: "expires", NS: oscalNS, Value: at.Expires}},
				}}})
			}
		}
		if len(sel.IncludeControls) > 0 {
			res.ReviewedControls.ControlSelections = append(res.ReviewedControls.ControlSelections, sel)
		}
	}
	if len(res.ReviewedControls.ControlSelections) == 0 {
		return fmt.Errorf("oscal: no controls to report")
	}
	if len(items)+len(users) > 0 {
		res.LocalDefs = &oscalLocalDefs{InventoryItems: items, Users: users}
	}
	// The observations are most of the file: they are streamed one per line into the skeleton
	// of the rest, so that the document is never held in memory whole.
	observations := res.Observations
	res.Observations = []oscalObservation{}
	doc.AR.Results = []oscalResult{res}
	bw := bufio.NewWriterSize(w, 1<<16)
	err := splice(bw, doc, `"observations":[]`, func(bw *bufio.Writer) error {
		for i, o := range observations {
			if i > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
			if err := encodeCompact(bw, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n")
	return bw.Flush()
}

// observe adds a check's observations to res: one per resource it did not pass, one for the
// resources it passed, one for findings about no resource, or one saying why it was not assessed.
func observe(res *oscalResult, ch finding.CheckResult, id func(string, ...string) string, subject func(typ, rid string) oscalSubject, collected string) []string {
	var out []string
	add := func(o oscalObservation) {
		o.Methods = []string{"TEST"}
		o.Collected = collected
		o.Props = append([]oscalProp{{Name: "rule", NS: oscalNS, Value: ch.Rule.ID}}, o.Props...)
		res.Observations = append(res.Observations, o)
		out = append(out, o.UUID)
	}
	byRes := findingsByResource(ch)
	for _, o := range outcomes(ch.Population) {
		if o.result == finding.Pass {
			subs := make([]oscalSubject, 0, len(o.ids))
			for _, rid := range o.ids {
				subs = append(subs, subject(ch.Population.Type, rid))
			}
			add(oscalObservation{UUID: id("observation", ch.Rule.ID, "pass"), Title: ch.Rule.ID + " passed",
				Description: fmt.Sprintf("%s passed %d of %d %s examined.", ch.Rule.Title, len(o.ids), ch.Population.Size, nounPlural(ch.Population.Type)),
				Props:       []oscalProp{{Name: "result", NS: oscalNS, Value: "pass"}}, Subjects: subs})
			continue
		}
		for _, rid := range o.ids {
			desc := ch.Rule.Title + ": " + string(o.result)
			if f, ok := byRes[rid]; ok && f.Message != "" {
				desc = f.Message
			}
			add(oscalObservation{UUID: id("observation", ch.Rule.ID, rid), Title: ch.Rule.ID + " " + string(o.result) + ": " + rid,
				Description: desc, Props: []oscalProp{{Name: "result", NS: oscalNS, Value: string(o.result)}},
				Subjects: []oscalSubject{subject(ch.Population.Type, rid)}})
		}
	}
	for i, f := range ch.Findings {
		if f.Resource != nil && ch.Population != nil {
			continue
		}
		desc := f.Message
		if f.Location != nil {
			desc = f.Location.String() + ": " + desc
		}
		add(oscalObservation{UUID: id("observation", ch.Rule.ID, "finding", fmt.Sprint(i)), Title: ch.Rule.ID + " " + string(f.Result),
			Description: orText(desc, ch.Rule.Title), Props: []oscalProp{{Name: "result", NS: oscalNS, Value: string(f.Result)}}})
	}
	if len(out) == 0 {
		add(oscalObservation{UUID: id("observation", ch.Rule.ID, "result"), Title: ch.Rule.ID + " " + string(ch.Result),
			Description: orText(ch.Reason, ch.Rule.Title+": "+string(ch.Result)), Props: []oscalProp{{Name: "result", NS: oscalNS, Value: string(ch.Result)}}})
	}
	return out
}
