package main

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/internal/output"
)

// annotatingFormats are the outputs that place findings on the lines of files, and the job summary
// that goes with them: a run that stops on an input error still writes them, with the error as a
// finding on its line.
var annotatingFormats = []string{"github", "github-summary", "sarif"}

// reportInputError writes, when check stopped on input errors that name a file (a policy file that
// does not parse, a config file or rule error, a snapshot that does not match the schema), a report
// of those errors as TA-INPUT-001 findings to every SARIF and GitHub target, so that code scanning
// and pull request annotations show them where they are. Other targets are left alone. It returns
// err, which still decides the exit code and is printed on stderr, with any write error joined.
func reportInputError(ctx context.Context, s *iostreams, targets []output.Target, layout output.Settings, err error) error {
	var located []*source.Error
	for _, e := range source.All(err) {
		if e.File != "" {
			located = append(located, e)
		}
	}
	var annotate []output.Target
	for _, t := range targets {
		if slices.Contains(annotatingFormats, t.Format) {
			annotate = append(annotate, t)
		}
	}
	if len(located) == 0 || len(annotate) == 0 {
		return err
	}
	rep := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "tailaudit", Version: version(), URI: "https://github.com/tailaudit/tailaudit"},
		GeneratedAt:   s.now().UTC(),
		Rules:         []finding.Rule{source.InputRule()},
	}
	var sources output.Sources // columns are counted in bytes; formats count them otherwise
	for _, e := range located {
		rep.Findings = append(rep.Findings, e.Finding())
		if text, ok := sourceText(e); ok {
			sources.Add(e.File, text)
		}
	}
	finding.Sort(rep.Findings)
	rep.Summarize()
	layout.Sources = &sources
	if werr := writeOutputs(ctx, s, annotate, rep, layout); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// sourceText reads the file an error with a column points into, when it is a file of at most the
// policy file size limit; a column past the first of a line is then converted as each format counts.
func sourceText(e *source.Error) ([]byte, bool) {
	if e.Column <= 1 {
		return nil, false
	}
	f, err := os.Open(e.File)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, policyfile.MaxSize+1))
	if err != nil || len(text) > policyfile.MaxSize {
		return nil, false
	}
	return text, true
}
