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

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
)

//go:generate go test -run TestRuleIDsGenerated -update .
//go:generate go test -run TestREADMECounts -update .
//go:generate go test -run TestMappingGenerated -update .

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
			for _, rule := range c.Rules() {
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
			for _, rule := range c.Rules() {
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

// Count counts cat's controls by what can decide them: automated controls have a check that covers
// them fully, partial ones only checks that cover them in part or support them, and manual ones are
// marked manual (they may still list supporting checks).
func Count(cat Catalog) Counts {
	n := Counts{Controls: len(cat.Controls)}
	for _, c := range cat.Controls {
		switch {
		case c.Manual:
			n.Manual++
		case c.Coverage() == finding.CoverageFull:
			n.Automated++
		default:
			n.Partial++
		}
	}
	return n
}

// Counts is what Count returns.
type Counts struct {
	Controls  int `json:"controls"`
	Automated int `json:"automated"` // a check covers the control fully
	Partial   int `json:"partial"`   // checks cover part of it; an attestation must complete it
	Manual    int `json:"manual"`    // only a person can show it
}

// AutomatedShare is the fraction of controls that tailnet data alone can decide, between 0 and 1.
func (n Counts) AutomatedShare() float64 {
	if n.Controls == 0 {
		return 0
	}
	return float64(n.Automated) / float64(n.Controls)
}

// Coverage is how far the control's checks can decide it: full when one check covers it fully,
// partial when checks cover part of it, supporting when they only corroborate it or the control is
// manual.
func (c Control) Coverage() finding.Coverage {
	if c.Manual {
		return finding.CoverageSupporting
	}
	best := finding.CoverageSupporting
	for _, ch := range c.Checks {
		switch ch.Coverage {
		case finding.CoverageFull:
			return finding.CoverageFull
		case finding.CoveragePartial:
			best = finding.CoveragePartial
		}
	}
	return best
}

// Rules returns the ids of the rules mapped to the control, in catalogue order.
func (c Control) Rules() []string {
	ids := make([]string, len(c.Checks))
	for i, ch := range c.Checks {
		ids[i] = ch.Rule
	}
	return ids
}

// Family is the group a control id belongs to: the part before the first parenthesis for HIPAA
// sections (164.312(a)(1) → 164.312), otherwise the part before the first dot (CC6.1 → CC6,
// 8.12 → 8, 10.2.1.5 → 10).
func Family(id string) string {
	if i := strings.IndexByte(id, '('); i > 0 {
		return id[:i]
	}
	if i := strings.IndexByte(id, '.'); i > 0 {
		return id[:i]
	}
	return id
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
	case r.Description == "" || r.Basis == "" || r.Scope == "":
		bad(0, "", "retention: description, basis and scope are required")
	case r.MinimumMonths <= 0:
		bad(0, "", "retention: minimumMonths must be positive")
	case r.ImmediatelyAvailableMonths < 0 || r.ImmediatelyAvailableMonths > r.MinimumMonths:
		bad(0, "", "retention: immediatelyAvailableMonths must be between 0 and minimumMonths")
	case r.PeriodPlusMonths < 0:
		bad(0, "", "retention: periodPlusMonths must not be negative")
	}
	for _, x := range cat.Excluded {
		if x.ID == "" || strings.TrimSpace(x.Reason) == "" {
			bad(0, x.ID, "excluded: each entry needs an id and a reason")
		}
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
		case c.Manual && strings.TrimSpace(c.Guidance) == "":
			bad(c.Line, c.ID, "a manual control needs guidance on the evidence to request")
		case !c.Manual && len(c.Checks) == 0:
			bad(c.Line, c.ID, "no checks: map a rule, or mark the control manual with guidance")
		}
		switch c.Requirement {
		case "", "required", "addressable":
		default:
			bad(c.Line, c.ID, "requirement %q: want required or addressable", c.Requirement)
		}
		seen := map[string]bool{}
		for _, ch := range c.Checks {
			switch {
			case strings.TrimSpace(ch.Rule) == "":
				bad(c.Line, c.ID, "a check without a rule")
			case seen[ch.Rule]:
				bad(c.Line, c.ID, "check %s listed twice", ch.Rule)
			}
			seen[ch.Rule] = true
			switch ch.Coverage {
			case finding.CoverageFull, finding.CoveragePartial, finding.CoverageSupporting:
			case "":
				bad(c.Line, c.ID, "check %s: missing coverage (full, partial or supporting)", ch.Rule)
			default:
				bad(c.Line, c.ID, "check %s: coverage %q: want full, partial or supporting", ch.Rule, ch.Coverage)
			}
			if c.Manual && ch.Coverage != finding.CoverageSupporting {
				bad(c.Line, c.ID, "check %s: a manual control lists only supporting checks", ch.Rule)
			}
			for name, limit := range ch.Limits {
				if limit <= 0 {
					bad(c.Line, c.ID, "check %s: limit %s must be positive", ch.Rule, name)
				}
			}
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
	// Excluded lists controls of the standard left out of the catalogue, each with why, for the
	// Statement of Applicability.
	Excluded []Exclusion `yaml:"excluded,omitempty" json:"excluded,omitempty"`
	Source   string      `yaml:"-" json:"-"` // the file the catalog was parsed from
}

// Exclusion is a control of the standard that the catalogue leaves out, and why.
type Exclusion struct {
	ID     string `yaml:"id" json:"id"`
	Title  string `yaml:"title" json:"title"`
	Reason string `yaml:"reason" json:"reason"`
}

// Retention is how long a framework expects evidence or logs to be kept, in calendar months.
type Retention struct {
	Description string `yaml:"description" json:"description"`
	// Basis is where the period comes from: a clause of the standard, or the organisation's policy.
	Basis string `yaml:"basis" json:"basis"`
	// Scope is what must be kept: "logs" (audit logs) or "documentation" (policies, assessments,
	// records of actions), as the standard means it.
	Scope         string `yaml:"scope" json:"scope"`
	MinimumMonths int    `yaml:"minimumMonths" json:"minimumMonths"`
	// ImmediatelyAvailableMonths is how much of the most recent history must be at hand for analysis
	// without a restore; 0 when the framework sets no such period.
	ImmediatelyAvailableMonths int `yaml:"immediatelyAvailableMonths,omitempty" json:"immediatelyAvailableMonths,omitempty"`
	// PeriodPlusMonths, when positive, raises the minimum to the length of the audit period plus
	// this many months (the time to fieldwork), so the start of the period is still kept when the
	// auditor asks for it.
	PeriodPlusMonths int `yaml:"periodPlusMonths,omitempty" json:"periodPlusMonths,omitempty"`
	// Configurable reports whether the organisation sets the period itself. When false the months
	// are a minimum: a configuration may raise them but not lower them.
	Configurable bool `yaml:"configurable" json:"configurable"`
}

// Control is one control of a framework, described in our own words. It is either evidenced by
// rules (Checks) or manual: no tailnet data can decide it, and Guidance says what an auditor should
// ask for instead (a manual control may list supporting checks that corroborate it). Guidance on a
// control with checks says what the checks leave to attestation.
type Control struct {
	ID        string `yaml:"id" json:"id"`
	Title     string `yaml:"title" json:"title"`                             // a paraphrase in our own words
	Objective string `yaml:"objective,omitempty" json:"objective,omitempty"` // what the control is for
	// Frequency is how often the framework expects the control performed ("daily", "every six
	// months"), when it says.
	Frequency string `yaml:"frequency,omitempty" json:"frequency,omitempty"`
	// PointInTime marks a control that must hold over the whole period: one snapshot shows it only
	// at the moment of collection.
	PointInTime bool `yaml:"pointInTime,omitempty" json:"pointInTime,omitempty"`
	// Requirement is HIPAA's "required" or "addressable" implementation specification status.
	Requirement string `yaml:"requirement,omitempty" json:"requirement,omitempty"`
	// Population says what the checks examine and how its completeness is shown.
	Population string  `yaml:"population,omitempty" json:"population,omitempty"`
	Checks     []Check `yaml:"checks,omitempty" json:"checks,omitempty"`
	Manual     bool    `yaml:"manual,omitempty" json:"manual,omitempty"`
	Guidance   string  `yaml:"guidance,omitempty" json:"guidance,omitempty"`
	Line       int     `yaml:"-" json:"-"` // where the control starts in its file
}

// Check maps one rule to a control.
type Check struct {
	Rule     string           `yaml:"rule" json:"rule"`
	Coverage finding.Coverage `yaml:"coverage" json:"coverage"` // how much of the control the rule decides
	// Procedure is how the rule tests the control, and Pass what it takes to pass.
	Procedure string `yaml:"procedure,omitempty" json:"procedure,omitempty"`
	Pass      string `yaml:"pass,omitempty" json:"pass,omitempty"`
	// Limits are the loosest values of the rule's parameters that still test the control as the
	// framework sets it (inactiveUserDays: 90): a run with a larger value does not assess it.
	Limits map[string]float64 `yaml:"limits,omitempty" json:"limits,omitempty"`
}
