package output

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
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

// Settings are what a command knows when it asks for outputs. They are not given to renderers: the
// registry builds each format's renderer (Text, SARIF, GitHub...) from the part its format uses.
type Settings struct {
	Color      bool     // stdout shows ANSI colour (a terminal, and NO_COLOR unset); files never get colour
	Verbose    bool     // the user asked for detail (-v)
	Root       string   // base directory that absolute file paths are made relative to
	Frameworks []string // framework ids in the order controls are listed; others follow, sorted
	Sources    *Sources // the text of the input files, to count columns as each format does

	// Compact: the JSON formats (json, sarif) on stdout are written without indentation;
	// CompactFiles: in files. Commands write compact JSON unless it is for a person to read on a
	// terminal, or --indent asks for it.
	Compact, CompactFiles bool

	// Aggregate: the findings of one cause, of a rule that declares custom.aggregate, are listed as
	// one entry naming their resources once there are at least this many (AggregateMin for the
	// commands); 0 lists every finding on its own. Only the listing changes: the findings, their
	// count and the summary stay as they are.
	Aggregate int
}

// format is one entry of the registry.
type format struct {
	name string
	new  func(s Settings) Renderer
	// appends: the output is added to the end of a file (never stdout), after every other output was
	// written, so that what earlier steps wrote there stays.
	appends bool
}

// registry lists the formats, sorted by name, and how each renderer is built from the settings.
func registry() []format {
	return []format{
		{name: "github", new: func(s Settings) Renderer {
			return GitHub{Root: s.Root, Frameworks: s.Frameworks, Sources: s.Sources, Aggregate: s.Aggregate}
		}},
		{name: "github-summary", appends: true, new: func(s Settings) Renderer {
			return GitHubSummary{Frameworks: s.Frameworks, Aggregate: s.Aggregate}
		}},
		{name: "json", new: func(s Settings) Renderer { return JSON{Compact: s.Compact, Aggregate: s.Aggregate} }},
		{name: "junit", new: func(s Settings) Renderer { return JUnit{Frameworks: s.Frameworks, Aggregate: s.Aggregate} }},
		{name: "markdown", new: func(s Settings) Renderer { return Markdown{Frameworks: s.Frameworks, Aggregate: s.Aggregate} }},
		{name: "sarif", new: func(s Settings) Renderer {
			return SARIF{Root: s.Root, Frameworks: s.Frameworks, Sources: s.Sources, Compact: s.Compact, Aggregate: s.Aggregate}
		}},
		{name: "text", new: func(s Settings) Renderer {
			return Text{Color: s.Color, Verbose: s.Verbose, Frameworks: s.Frameworks, Aggregate: s.Aggregate}
		}},
	}
}

func lookup(name string) (format, error) {
	for _, f := range registry() {
		if f.name == name {
			return f, nil
		}
	}
	return format{}, fmt.Errorf("unknown output format %q (valid formats: %s)", name, strings.Join(Formats(), ", "))
}

// Formats lists the format names New accepts, sorted.
func Formats() []string {
	var names []string
	for _, f := range registry() {
		names = append(names, f.name)
	}
	return names
}

// New returns the renderer for format, built from the settings that format uses.
func New(format string, s Settings) (Renderer, error) {
	f, err := lookup(format)
	if err != nil {
		return nil, err
	}
	return f.new(s), nil
}

// Appends reports whether format adds to the end of a file instead of replacing it, as the GitHub job
// summary does. Such an output needs a file; it never goes to stdout.
func Appends(format string) bool {
	f, err := lookup(format)
	return err == nil && f.appends
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
	if _, err := lookup(format); err != nil {
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
// Outputs that append (the GitHub job summary) are rendered with the others but written last, once
// everything else was written, by adding to the end of their file.
func WriteAll(ctx context.Context, targets []Target, r *finding.Report, stdout io.Writer, s Settings) error {
	var toStdout *Target
	for i, t := range targets {
		f, err := lookup(t.Format)
		if err != nil {
			return err
		}
		if t.Path == "" {
			if f.appends {
				return fmt.Errorf("%s output needs a file to append to", t.Format)
			}
			if toStdout != nil {
				return fmt.Errorf("outputs %q and %q both write to stdout; give one of them a file (format=path)", toStdout.Format, t.Format)
			}
			toStdout = &targets[i]
		}
	}
	if err := CheckTargets(targets, nil); err != nil {
		return err
	}

	fileSettings := s
	fileSettings.Color = false // colour is for the terminal on stdout only
	fileSettings.Compact = s.CompactFiles
	var files []*atomicfile.Pending // rendered, not yet renamed into place
	defer func() {
		for _, f := range files {
			f.Discard() // only after an error: committed files are removed from the list
		}
	}()
	var replaced []Target
	for _, t := range targets {
		if t.Path == "" || Appends(t.Format) {
			continue
		}
		f, err := atomicfile.CreateContext(ctx, t.Path, func(w io.Writer) error { return render(w, t, r, fileSettings) })
		if err != nil {
			return fmt.Errorf("write %s output: %w (%s left unchanged)", t.Format, err, t.Path)
		}
		files = append(files, f)
		replaced = append(replaced, t)
	}
	var held *os.File // the stdout output, rendered aside: stdout cannot be unwritten after an error
	if toStdout != nil {
		f, err := holdStdout(ctx, *toStdout, r, s)
		if err != nil {
			return err
		}
		defer func() {
			f.Close()
			os.Remove(f.Name()) // where an open file cannot be removed (Windows), now
		}()
		held = f
	}
	appended := map[string][]byte{}
	for _, t := range targets {
		if !Appends(t.Format) {
			continue
		}
		var b bytes.Buffer
		if err := render(&b, t, r, fileSettings); err != nil {
			return err
		}
		appended[t.Path] = b.Bytes()
	}

	for _, t := range replaced {
		if err := files[0].Commit(); err != nil {
			return fmt.Errorf("write %s output: %w", t.Format, err)
		}
		files = files[1:]
	}
	if held != nil {
		if _, err := io.Copy(stdout, held); err != nil {
			return fmt.Errorf("write %s output: %w", toStdout.Format, err)
		}
	}
	for _, t := range targets {
		if Appends(t.Format) {
			if err := appendFile(t.Path, appended[t.Path]); err != nil {
				return fmt.Errorf("write %s output: %w", t.Format, err)
			}
		}
	}
	return nil
}

// holdStdout renders the stdout output into an unnamed temporary file, through a buffered writer,
// and returns the file at its start: memory holds no copy of the output, however large the report.
func holdStdout(ctx context.Context, t Target, r *finding.Report, s Settings) (*os.File, error) {
	f, err := os.CreateTemp("", "tailaudit-stdout-*")
	if err != nil {
		return nil, fmt.Errorf("write %s output: %w", t.Format, err)
	}
	os.Remove(f.Name()) // where the system allows it, at once: the open file stays readable, and nothing is left behind on any exit
	w := bufio.NewWriterSize(ctxWriter{ctx, f}, 1<<16)
	err = render(w, t, r, s)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// ctxWriter fails writes once ctx is done, so that a signal stops a long render promptly.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// CheckTargets refuses outputs that would destroy what the run reads or what another output
// writes: a target that is one of the input files (under any spelling, through a symlink or a
// hard link), or two targets that are one file. The null device may take any number of outputs.
func CheckTargets(targets []Target, inputs []string) error {
	for i, t := range targets {
		if t.Path == "" || t.Path == os.DevNull {
			continue
		}
		for _, in := range inputs {
			if in != "" && in != "-" && atomicfile.SameFile(t.Path, in) {
				return fmt.Errorf("output %s=%s would overwrite the input %s; write it somewhere else", t.Format, t.Path, in)
			}
		}
		for _, u := range targets[:i] {
			if u.Path != "" && atomicfile.SameFile(t.Path, u.Path) {
				if u.Path == t.Path {
					return fmt.Errorf("two outputs write to %s (%s and %s)", t.Path, u.Format, t.Format)
				}
				return fmt.Errorf("two outputs write to one file: %s=%s and %s=%s", u.Format, u.Path, t.Format, t.Path)
			}
		}
	}
	return nil
}

// appendFile adds b to the end of the file at path, creating it if needed.
func appendFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func render(w io.Writer, t Target, r *finding.Report, s Settings) error {
	rr, err := New(t.Format, s)
	if err != nil {
		return err
	}
	if err := rr.Render(w, r); err != nil {
		return fmt.Errorf("render %s output: %w", t.Format, err)
	}
	return nil
}

// sorted returns the report's findings in the order finding.Sort gives, without changing the report.
// The engine's reports come sorted, and their findings are returned as they are, neither copied nor
// sorted again; the caller must not modify them.
func sorted(r *finding.Report) []finding.Finding {
	if slices.IsSortedFunc(r.Findings, finding.Compare) {
		return r.Findings
	}
	fs := slices.Clone(r.Findings)
	finding.Sort(fs)
	return fs
}

// splitNew separates, in a report compared with a base, the findings new in the change from the
// rest, each in sorted order. Without a base every finding is in rest.
func splitNew(r *finding.Report) (added, rest []finding.Finding) {
	for _, f := range sorted(r) {
		if r.Baseline != nil && f.Baseline == finding.BaselineNew {
			added = append(added, f)
			continue
		}
		rest = append(rest, f)
	}
	return added, rest
}

// baselineLine says what a comparison with a base found: "compared with origin/main:policy.hujson:
// 2 new, 10 unchanged, 1 fixed", or "" without a base.
func baselineLine(r *finding.Report) string {
	b := r.Baseline
	if b == nil {
		return ""
	}
	line := fmt.Sprintf("compared with %s: %d new, %d unchanged, %d fixed", b.Base,
		b.Counts[finding.BaselineNew], b.Counts[finding.BaselineUnchanged], len(b.Fixed))
	if b.NewOnly {
		line += "; only new findings count against the gate"
	}
	return line
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

// frameworkOrder lists framework ids in the order their controls are shown; frameworks it does not
// list follow it, sorted by id.
type frameworkOrder []string

// ids returns the framework ids of controls in o's order.
func (o frameworkOrder) ids(controls map[string][]string) []string {
	rank := func(id string) int {
		if i := slices.Index(o, id); i >= 0 {
			return i
		}
		return len(o)
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

// text renders controls compactly: "soc2 CC6.1, CC6.6 · pci-dss 7.2.2".
func (o frameworkOrder) text(controls map[string][]string) string {
	var parts []string
	for _, fw := range o.ids(controls) {
		if len(controls[fw]) > 0 {
			parts = append(parts, fw+" "+strings.Join(controls[fw], ", "))
		}
	}
	return strings.Join(parts, " · ")
}

// tags renders controls as tags: "soc2/CC6.1".
func (o frameworkOrder) tags(controls map[string][]string) []string {
	var tags []string
	for _, fw := range o.ids(controls) {
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

// warnings counts what the warnings sections of text and Markdown list: warn results, and what the
// run noticed about its inputs (such as a waiver that matches nothing).
func warnings(r *finding.Report) int {
	return r.Summary.Results[finding.Warn] + len(r.Diagnostics)
}

// summaryLine renders the report's summary on one line:
// "12 rules · 3 failed (1 high, 2 medium) · 1 warning · 1 waived · 40 passed · 2 not assessed — gate failed at high".
// Its warnings are those the text lists under WARNINGS: warn results and input diagnostics.
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
		n := s.Results[c.result]
		if c.result == finding.Warn {
			n = warnings(r)
		}
		if n > 0 {
			parts = append(parts, plural(n, c.one, c.many))
		}
	}
	if b := r.Baseline; b != nil {
		parts = append(parts, fmt.Sprintf("%d new · %d fixed", b.Counts[finding.BaselineNew], len(b.Fixed)))
	}
	line := strings.Join(parts, " · ")
	if s.Gate != "" {
		line += " — gate " + s.Gate
		if r.FailOn != "" {
			line += " at " + string(r.FailOn)
		}
		if r.Baseline != nil && r.Baseline.NewOnly {
			line += " on new findings"
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
