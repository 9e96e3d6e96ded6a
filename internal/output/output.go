package output

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/atomicfile"
)

// Renderer writes a report in one format. It reads the report and never changes it.
type Renderer interface {
	Render(w io.Writer, r *finding.Report) error
}

// Options tune the renderers. Each renderer reads only the fields that concern it.
type Options struct {
	Color       bool      // text: ANSI colour (the caller decides, e.g. when stdout is a terminal)
	Verbose     bool      // text: list each pass result, not only the count per rule
	StepSummary io.Writer // github: where the Markdown job summary goes; nil writes none
	Root        string    // sarif, github: base directory that absolute file paths are made relative to
}

// renderers is the registry of formats.
func renderers(opts Options) map[string]Renderer {
	return map[string]Renderer{
		"text":     textRenderer{opts},
		"json":     jsonRenderer{},
		"sarif":    sarifRenderer{opts},
		"junit":    junitRenderer{},
		"github":   githubRenderer{opts},
		"markdown": markdownRenderer{},
	}
}

// Formats lists the format names New accepts, sorted.
func Formats() []string {
	return slices.Sorted(maps.Keys(renderers(Options{})))
}

// New returns the renderer for format.
func New(format string, opts Options) (Renderer, error) {
	if r, ok := renderers(opts)[format]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("unknown output format %q (valid formats: %s)", format, strings.Join(Formats(), ", "))
}

// Target is one requested output: a format, and a file path or "" for stdout.
type Target struct {
	Format string
	Path   string
}

// ParseTarget splits a --format value such as "sarif=results.sarif" into its format and path.
// A spec without "=" (or with the path "-") means stdout, returned as an empty path.
func ParseTarget(spec string) (format, path string, err error) {
	format, path, hasPath := strings.Cut(spec, "=")
	format = strings.ToLower(strings.TrimSpace(format))
	if format == "" {
		return "", "", fmt.Errorf("output %q: missing format before %q (valid formats: %s)", spec, "=", strings.Join(Formats(), ", "))
	}
	if _, err := New(format, Options{}); err != nil {
		return "", "", err
	}
	if hasPath && path == "" {
		return "", "", fmt.Errorf("output %q: missing file name after %q (use %s=- for stdout)", spec, "=", format)
	}
	if path == "-" {
		path = ""
	}
	return format, path, nil
}

// WriteAll renders r once per target. Targets with a path are written atomically: every output is
// first rendered to a temporary file beside its destination, and only when all of them (and the stdout
// one, kept in memory) rendered without error are they renamed into place and stdout written. On error
// no existing file is replaced and no temporary file is left behind. At most one target may use stdout.
func WriteAll(targets []Target, r *finding.Report, stdout io.Writer, opts Options) error {
	var toStdout *Target
	seen := map[string]bool{}
	for i, t := range targets {
		if _, err := New(t.Format, opts); err != nil {
			return err
		}
		if t.Path == "" {
			if toStdout != nil {
				return fmt.Errorf("outputs %q and %q both write to stdout; give one of them a file (format=path)", toStdout.Format, t.Format)
			}
			toStdout = &targets[i]
			continue
		}
		key := filepath.Clean(t.Path)
		if seen[key] {
			return fmt.Errorf("two outputs write to %s", t.Path)
		}
		seen[key] = true
	}

	var files []*atomicfile.Pending // rendered, not yet renamed into place
	defer func() {
		for _, f := range files {
			f.Discard() // only after an error: committed files are removed from the list
		}
	}()
	for _, t := range targets {
		if t.Path == "" {
			continue
		}
		f, err := atomicfile.Create(t.Path, func(w io.Writer) error { return render(w, t, r, opts) })
		if err != nil {
			return fmt.Errorf("write %s output: %w (%s left unchanged)", t.Format, err, t.Path)
		}
		files = append(files, f)
	}
	var buf bytes.Buffer
	if toStdout != nil {
		if err := render(&buf, *toStdout, r, opts); err != nil {
			return err
		}
	}
	for i := range targets {
		if targets[i].Path == "" {
			continue
		}
		if err := files[0].Commit(); err != nil {
			return fmt.Errorf("write %s output: %w", targets[i].Format, err)
		}
		files = files[1:]
	}
	if toStdout != nil {
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write %s output: %w", toStdout.Format, err)
		}
	}
	return nil
}

func render(w io.Writer, t Target, r *finding.Report, opts Options) error {
	rr, err := New(t.Format, opts)
	if err != nil {
		return err
	}
	if err := rr.Render(w, r); err != nil {
		return fmt.Errorf("render %s output: %w", t.Format, err)
	}
	return nil
}

// sorted returns the report's findings in the order finding.Sort gives, without changing the report.
func sorted(r *finding.Report) []finding.Finding {
	fs := slices.Clone(r.Findings)
	finding.Sort(fs)
	return fs
}

// ruleOf rebuilds rule metadata from the part a finding carries, for a rule the report does not list.
func ruleOf(ref finding.RuleRef) finding.Rule {
	return finding.Rule{ID: ref.ID, Title: ref.Title, Severity: ref.Severity, Remediation: ref.Remediation}
}

// byResult groups findings by result, keeping their order.
func byResult(fs []finding.Finding) map[finding.Result][]finding.Finding {
	m := map[finding.Result][]finding.Finding{}
	for _, f := range fs {
		m[f.Result] = append(m[f.Result], f)
	}
	return m
}

// withSeverity returns the findings of severity sev, keeping their order.
func withSeverity(fs []finding.Finding, sev finding.Severity) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Severity == sev {
			out = append(out, f)
		}
	}
	return out
}

// byRule groups findings by rule, in the order each rule first appears.
func byRule(fs []finding.Finding) [][]finding.Finding {
	var groups [][]finding.Finding
	index := map[string]int{}
	for _, f := range fs {
		i, ok := index[f.Rule.ID]
		if !ok {
			i = len(groups)
			index[f.Rule.ID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], f)
	}
	return groups
}

// where names what a finding points at: its file position, else its resource, else "".
func where(f finding.Finding) string {
	if s := f.Location.String(); s != "" {
		return s
	}
	return resourceText(f.Resource)
}

// relativePath makes an absolute file path under root relative to it, leaving other paths alone.
func relativePath(root, file string) string {
	if root == "" || !filepath.IsAbs(file) {
		return file
	}
	if rel, err := filepath.Rel(root, file); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return file
}

// hasFileLocation reports whether f points at a line of a file.
func hasFileLocation(f finding.Finding) bool {
	return f.Location != nil && f.Location.File != ""
}

// resourceText renders a resource as "device db-1 (n123CNTRL)".
func resourceText(r *finding.Resource) string {
	if r == nil {
		return ""
	}
	s := r.Type
	switch {
	case r.Name != "" && r.ID != "" && r.Name != r.ID:
		s += " " + r.Name + " (" + r.ID + ")"
	case r.Name != "":
		s += " " + r.Name
	case r.ID != "":
		s += " " + r.ID
	}
	return s
}

// frameworks returns the framework ids of controls, the frameworks tailaudit ships first.
func frameworks(controls map[string][]string) []string {
	known := []string{"soc2", "iso27001", "hipaa", "pci-dss"}
	rank := func(id string) int {
		if i := slices.Index(known, id); i >= 0 {
			return i
		}
		return len(known)
	}
	ids := slices.Collect(maps.Keys(controls))
	slices.SortFunc(ids, func(a, b string) int {
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ids
}

// controlsText renders controls compactly: "soc2 CC6.1, CC6.6 · pci-dss 7.2.2".
func controlsText(controls map[string][]string) string {
	var parts []string
	for _, fw := range frameworks(controls) {
		if len(controls[fw]) > 0 {
			parts = append(parts, fw+" "+strings.Join(controls[fw], ", "))
		}
	}
	return strings.Join(parts, " · ")
}

// controlTags renders controls as tags: "soc2/CC6.1".
func controlTags(controls map[string][]string) []string {
	var tags []string
	for _, fw := range frameworks(controls) {
		for _, c := range controls[fw] {
			tags = append(tags, fw+"/"+c)
		}
	}
	return tags
}

// waiverText describes a waiver: its reason, who granted it, and until when.
func waiverText(w *finding.Waiver) string {
	if w == nil {
		return ""
	}
	s := w.Reason
	if w.By != "" {
		s += " — by " + w.By
	}
	switch {
	case w.Expired:
		s += " — " + strings.TrimSpace("EXPIRED "+w.Expires) + ", no longer applies"
	case w.Expires != "":
		s += " — until " + w.Expires
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// summaryLine renders the report's summary on one line:
// "12 rules · 3 failed (1 high, 2 medium) · 1 warning · 1 waived · 40 passed · 2 not assessed — gate failed at high".
func summaryLine(r *finding.Report) string {
	s := r.Summary
	parts := []string{plural(s.RulesCount, "rule", "rules")}
	failed := fmt.Sprintf("%d failed", s.Results[finding.Fail])
	var bySev []string
	for _, sev := range finding.Severities {
		if n := s.Failures[sev]; n > 0 {
			bySev = append(bySev, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(bySev) > 0 {
		failed += " (" + strings.Join(bySev, ", ") + ")"
	}
	parts = append(parts, failed)
	for _, c := range []struct {
		result    finding.Result
		one, many string
	}{
		{finding.Warn, "warning", "warnings"},
		{finding.Waived, "waived", "waived"},
		{finding.Error, "error", "errors"},
		{finding.Pass, "passed", "passed"},
		{finding.NotAssessed, "not assessed", "not assessed"},
		{finding.Manual, "manual", "manual"},
	} {
		if n := s.Results[c.result]; n > 0 {
			parts = append(parts, plural(n, c.one, c.many))
		}
	}
	line := strings.Join(parts, " · ")
	if s.Gate != "" {
		line += " — gate " + s.Gate
		if r.FailOn != "" {
			line += " at " + string(r.FailOn)
		}
	}
	return line
}

// errWriter remembers the first write error so renderers can write freely and check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
