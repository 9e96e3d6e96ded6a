package frameworks

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tailaudit/tailaudit/engine/source"
)

//go:generate go test -run TestRuleIDsGenerated -update .
//go:generate go test -run TestREADMECounts -update .

//go:embed *.yaml
var catalogFS embed.FS

// Load parses the embedded catalogs (hipaa, iso27001, pci-dss, soc2, in that order) and validates
// them against the built-in rule ids of RuleIDs.
func Load() ([]Catalog, error) {
	names, err := fs.Glob(catalogFS, "*.yaml")
	if err != nil {
		return nil, err
	}
	var cats []Catalog
	var errs []error
	for _, name := range names {
		data, err := catalogFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		cat, err := Parse(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if want := strings.TrimSuffix(name, ".yaml"); cat.ID != want {
			errs = append(errs, source.Errorf(name, 1, 0, "framework id %q does not match the file name (want %q)", cat.ID, want))
		}
		cats = append(cats, cat)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := Validate(cats, RuleIDs()); err != nil {
		return nil, err
	}
	return cats, nil
}

// Parse decodes one catalog strictly (unknown fields and duplicate keys are errors) and checks its
// structure. file names the catalog in errors and is kept in Catalog.Source. It does not check rule
// ids; Validate does.
func Parse(file string, data []byte) (Catalog, error) {
	var cat Catalog
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cat); err != nil {
		if errors.Is(err, io.EOF) {
			return Catalog{}, &source.Error{File: file, Msg: "empty catalog"}
		}
		return Catalog{}, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Catalog{}, &source.Error{File: file, Line: extra.Line, Msg: "more than one YAML document"}
	}
	cat.Source = file
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Catalog{}, yamlError(file, err)
	}
	for i, line := range controlLines(&root) {
		if i < len(cat.Controls) {
			cat.Controls[i].Line = line
		}
	}
	if errs := check(cat); len(errs) > 0 {
		return Catalog{}, errors.Join(errs...)
	}
	return cat, nil
}

// Validate checks the structure of every catalog, that framework ids are unique, and that every
// check names one of ruleIDs. It reports every problem it finds, each naming the file, line and
// control.
func Validate(cats []Catalog, ruleIDs []string) error {
	known := make(map[string]bool, len(ruleIDs))
	for _, id := range ruleIDs {
		known[id] = true
	}
	var errs []error
	seen := map[string]string{}
	for _, cat := range cats {
		if prev, ok := seen[cat.ID]; ok && cat.ID != "" {
			errs = append(errs, source.Errorf(cat.file(), 0, 0, "framework id %q is also used by %s", cat.ID, prev))
		}
		seen[cat.ID] = cat.file()
		errs = append(errs, check(cat)...)
		for _, c := range cat.Controls {
			for _, rule := range c.Checks {
				if rule != "" && !known[rule] {
					errs = append(errs, controlError(cat.file(), c.Line, c.ID, "check %s names no known rule", rule))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// ControlsByRule inverts the catalogs: rule id → framework id → the sorted ids of the controls that
// the rule evidences. It is what findings carry in their controls field.
func ControlsByRule(cats []Catalog) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, cat := range cats {
		for _, c := range cat.Controls {
			for _, rule := range c.Checks {
				if out[rule] == nil {
					out[rule] = map[string][]string{}
				}
				out[rule][cat.ID] = append(out[rule][cat.ID], c.ID)
			}
		}
	}
	for _, byFramework := range out {
		for fw, ids := range byFramework {
			slices.SortFunc(ids, CompareControlIDs)
			byFramework[fw] = slices.Compact(ids)
		}
	}
	return out
}

// CompareControlIDs orders control ids the way the frameworks number them: runs of digits compare as
// numbers, so 8.2 sorts before 8.15 and CC6.8 before CC7.1.
func CompareControlIDs(a, b string) int {
	as, bs := splitDigits(a), splitDigits(b)
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, y := as[i], bs[i]
		xn, xerr := strconv.Atoi(x)
		yn, yerr := strconv.Atoi(y)
		switch {
		case xerr == nil && yerr == nil && xn != yn:
			if xn < yn {
				return -1
			}
			return 1
		case x != y:
			return strings.Compare(x, y)
		}
	}
	return len(as) - len(bs)
}

var digitRuns = regexp.MustCompile(`[0-9]+|[^0-9]+`)

func splitDigits(s string) []string { return digitRuns.FindAllString(s, -1) }

// Assess computes the status of every control of cat, in catalog order, from rule results: rule id →
// the one result that rule reached over all its findings (its worst). "pass", "warn" and "waived"
// count as passing, with warn and waived listed as exceptions; "fail" fails; "manual" needs a person
// to attest; anything else, or no entry, leaves the rule not assessed.
//
// A control fails when any mapped check fails, else is not assessed when any check is not assessed,
// else is manual when any check asks for attestation, else passes. A control marked manual is
// always manual.
func Assess(cat Catalog, results map[string]string) []ControlResult {
	out := make([]ControlResult, 0, len(cat.Controls))
	for _, c := range cat.Controls {
		r := ControlResult{ID: c.ID, Title: c.Title, Checks: slices.Clone(c.Checks), Guidance: c.Guidance}
		if c.Manual {
			r.Status = StatusManual
			out = append(out, r)
			continue
		}
		attest := false
		for _, rule := range c.Checks {
			switch results[rule] {
			case "pass":
			case "warn", "waived":
				r.Exceptions = append(r.Exceptions, rule)
			case "fail":
				r.Failing = append(r.Failing, rule)
			case "manual":
				attest = true
			default:
				r.NotAssessed = append(r.NotAssessed, rule)
			}
		}
		switch {
		case len(r.Failing) > 0:
			r.Status = StatusFail
		case len(r.NotAssessed) > 0:
			r.Status = StatusNotAssessed
		case attest:
			r.Status = StatusManual
		default:
			r.Status = StatusPass
		}
		out = append(out, r)
	}
	return out
}

// Summarize counts control results by status and by how they are assessed.
func Summarize(results []ControlResult) Summary {
	s := Summary{Controls: len(results), Status: map[ControlStatus]int{}}
	for _, r := range results {
		s.Status[r.Status]++
		if len(r.Checks) > 0 {
			s.Automated++
		} else {
			s.Manual++
		}
	}
	return s
}

// AutomatedShare is the fraction of controls mapped to at least one rule, between 0 and 1.
func (s Summary) AutomatedShare() float64 {
	if s.Controls == 0 {
		return 0
	}
	return float64(s.Automated) / float64(s.Controls)
}

// check reports what is structurally wrong with cat.
func check(cat Catalog) []error {
	var errs []error
	file := cat.file()
	bad := func(line int, control, format string, args ...any) {
		errs = append(errs, controlError(file, line, control, format, args...))
	}
	if cat.ID == "" {
		bad(0, "", "missing id")
	}
	if cat.Name == "" {
		bad(0, "", "missing name")
	}
	if cat.Version == "" {
		bad(0, "", "missing version")
	}
	r := cat.Retention
	switch {
	case r.Description == "":
		bad(0, "", "retention: missing description")
	case r.MinimumDays <= 0:
		bad(0, "", "retention: minimumDays must be positive")
	case r.ImmediatelyAvailableDays < 0 || r.ImmediatelyAvailableDays > r.MinimumDays:
		bad(0, "", "retention: immediatelyAvailableDays must be between 0 and minimumDays")
	}
	if len(cat.Controls) == 0 {
		bad(0, "", "no controls")
	}
	firstLine := map[string]int{}
	for _, c := range cat.Controls {
		if c.ID == "" {
			bad(c.Line, "", "control without an id")
		} else if prev, ok := firstLine[c.ID]; ok {
			bad(c.Line, c.ID, "duplicate control id (first defined at line %d)", prev)
		} else {
			firstLine[c.ID] = c.Line
		}
		if strings.TrimSpace(c.Title) == "" {
			bad(c.Line, c.ID, "missing title")
		}
		switch {
		case c.Manual && len(c.Checks) > 0:
			bad(c.Line, c.ID, "a manual control lists no checks")
		case c.Manual && strings.TrimSpace(c.Guidance) == "":
			bad(c.Line, c.ID, "a manual control needs guidance on the evidence to request")
		case !c.Manual && len(c.Checks) == 0:
			bad(c.Line, c.ID, "no checks: map a rule, or mark the control manual with guidance")
		}
		seen := map[string]bool{}
		for _, rule := range c.Checks {
			switch {
			case strings.TrimSpace(rule) == "":
				bad(c.Line, c.ID, "empty check id")
			case seen[rule]:
				bad(c.Line, c.ID, "check %s listed twice", rule)
			}
			seen[rule] = true
		}
	}
	return errs
}

// controlLines returns the line of each item of the top-level controls sequence.
func controlLines(doc *yaml.Node) []int {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "controls" || m.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		var lines []int
		for _, item := range m.Content[i+1].Content {
			lines = append(lines, item.Line)
		}
		return lines
	}
	return nil
}

var (
	lineMsg      = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlError turns a yaml.v3 error into one *source.Error per problem, each with file and line.
func yamlError(file string, err error) error {
	msgs := []string{err.Error()}
	if te, ok := errors.AsType[*yaml.TypeError](err); ok {
		msgs = te.Errors
	}
	errs := make([]error, 0, len(msgs))
	for _, msg := range msgs {
		e := &source.Error{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
		if m := lineMsg.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		if m := unknownField.FindStringSubmatch(e.Msg); m != nil {
			e.Msg = fmt.Sprintf("unknown field %q", m[1])
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

func (c Catalog) file() string {
	if c.Source != "" {
		return c.Source
	}
	if c.ID != "" {
		return c.ID + ".yaml"
	}
	return "catalog"
}

// controlError is a problem with a catalog at a line of its file (0 when unknown), within the
// control of the given id when it is not "".
func controlError(file string, line int, control, format string, args ...any) *source.Error {
	msg := fmt.Sprintf(format, args...)
	if control != "" {
		msg = "control " + control + ": " + msg
	}
	return &source.Error{File: file, Line: line, Msg: msg}
}

// Catalog is one framework's controls, as declared in frameworks/<id>.yaml.
type Catalog struct {
	ID        string    `yaml:"id" json:"id"`
	Name      string    `yaml:"name" json:"name"`
	Version   string    `yaml:"version" json:"version"`
	Retention Retention `yaml:"retention" json:"retention"`
	Controls  []Control `yaml:"controls" json:"controls"`
	Source    string    `yaml:"-" json:"-"` // the file the catalog was parsed from
}

// Retention is how long a framework expects evidence and logs to be kept.
type Retention struct {
	Description string `yaml:"description" json:"description"`
	MinimumDays int    `yaml:"minimumDays" json:"minimumDays"`
	// ImmediatelyAvailableDays is how much of the most recent history must be at hand for analysis
	// without a restore; 0 when the framework sets no such period.
	ImmediatelyAvailableDays int `yaml:"immediatelyAvailableDays,omitempty" json:"immediatelyAvailableDays,omitempty"`
	// Configurable reports whether the organisation sets the period itself. When false the days are
	// a regulatory minimum: a configuration may raise them but not lower them.
	Configurable bool `yaml:"configurable" json:"configurable"`
}

// Control is one control of a framework. It is either evidenced by rules (Checks) or manual: no
// tailnet data can show it, and Guidance says what an auditor should ask for instead. Guidance on a
// control with checks says what the checks leave to attestation.
type Control struct {
	ID       string   `yaml:"id" json:"id"`
	Title    string   `yaml:"title" json:"title"` // a paraphrase in our own words
	Checks   []string `yaml:"checks,omitempty" json:"checks,omitempty"`
	Manual   bool     `yaml:"manual,omitempty" json:"manual,omitempty"`
	Guidance string   `yaml:"guidance,omitempty" json:"guidance,omitempty"`
	Line     int      `yaml:"-" json:"-"` // where the control starts in its file
}

// ControlStatus is the outcome of a control in a report.
type ControlStatus string

// The statuses Assess gives a control.
const (
	StatusPass        ControlStatus = "pass"         // every mapped check was assessed and passed
	StatusFail        ControlStatus = "fail"         // at least one mapped check failed
	StatusNotAssessed ControlStatus = "not_assessed" // a mapped check had no result, e.g. its input was not given
	StatusManual      ControlStatus = "manual"       // a person must attest it
)

// ControlResult is a control's status and the checks behind it.
type ControlResult struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Status      ControlStatus `json:"status"`
	Checks      []string      `json:"checks,omitempty"`
	Failing     []string      `json:"failing,omitempty"`     // checks that failed
	NotAssessed []string      `json:"notAssessed,omitempty"` // checks without a usable result
	Exceptions  []string      `json:"exceptions,omitempty"`  // checks that passed only by a warning or waiver
	Guidance    string        `json:"guidance,omitempty"`
}

// Summary counts a framework's control results.
type Summary struct {
	Controls  int                   `json:"controls"`
	Automated int                   `json:"automated"` // controls mapped to at least one rule
	Manual    int                   `json:"manual"`    // controls only a person can attest
	Status    map[ControlStatus]int `json:"status"`
}
