package output

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/atomicfile"
)

// AlertRenderer writes alerts in one format.
type AlertRenderer interface {
	RenderAlerts(w io.Writer, alerts []finding.Alert) error
}

type alertFormat struct {
	name string
	new  func() AlertRenderer
}

func alertRegistry() []alertFormat {
	return []alertFormat{
		{"text", func() AlertRenderer { return alertText{} }},
		{"json", func() AlertRenderer { return alertJSON{} }},
		{"jsonl", func() AlertRenderer { return alertJSONL{} }},
		{"ecs", func() AlertRenderer { return alertECS{} }},
		{"markdown", func() AlertRenderer { return alertMarkdown{} }},
	}
}

// AlertFormats lists the formats alerts can be written in; the first is the default.
func AlertFormats() []string {
	var out []string
	for _, f := range alertRegistry() {
		out = append(out, f.name)
	}
	return out
}

// ParseAlertTarget splits an alerts --format value such as "ecs=alerts.ndjson".
func ParseAlertTarget(spec string) (Target, error) {
	format, path, hasPath := strings.Cut(spec, "=")
	format = strings.ToLower(strings.TrimSpace(format))
	if !slices.Contains(AlertFormats(), format) {
		return Target{}, fmt.Errorf("unknown alert output format %q (valid formats: %s)", format, strings.Join(AlertFormats(), ", "))
	}
	if hasPath && path == "" {
		return Target{}, fmt.Errorf("output %q: missing file name after %q (use %s=- for stdout)", spec, "=", format)
	}
	if path == "-" {
		path = ""
	}
	return Target{Format: format, Path: path}, nil
}

func newAlertRenderer(format string) (AlertRenderer, error) {
	for _, f := range alertRegistry() {
		if f.name == format {
			return f.new(), nil
		}
	}
	return nil, fmt.Errorf("unknown alert output format %q (valid formats: %s)", format, strings.Join(AlertFormats(), ", "))
}

// WriteAlerts renders alerts once per target, as WriteAll does a report: files atomically, only
// once every output rendered, and at most one target on stdout.
func WriteAlerts(ctx context.Context, targets []Target, alerts []finding.Alert, stdout io.Writer) error {
	var toStdout *Target
	for i, t := range targets {
		if t.Path == "" {
			if toStdout != nil {
				return fmt.Errorf("outputs %q and %q both write to stdout; give one of them a file (format=path)", toStdout.Format, t.Format)
			}
			toStdout = &targets[i]
		}
	}
	var files []*atomicfile.Pending
	defer func() {
		for _, f := range files {
			f.Discard()
		}
	}()
	for _, t := range targets {
		if t.Path == "" {
			continue
		}
		r, err := newAlertRenderer(t.Format)
		if err != nil {
			return err
		}
		f, err := atomicfile.CreateContext(ctx, t.Path, func(w io.Writer) error { return r.RenderAlerts(w, alerts) })
		if err != nil {
			return fmt.Errorf("write %s output: %w (%s left unchanged)", t.Format, err, t.Path)
		}
		files = append(files, f)
	}
	var buf bytes.Buffer
	if toStdout != nil {
		r, err := newAlertRenderer(toStdout.Format)
		if err != nil {
			return err
		}
		if err := r.RenderAlerts(&buf, alerts); err != nil {
			return fmt.Errorf("render %s output: %w", toStdout.Format, err)
		}
	}
	for len(files) > 0 {
		if err := files[0].Commit(); err != nil {
			return err
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

// alertSummary counts alerts by severity, most severe first: "3 alerts: 1 critical, 2 high".
func alertSummary(alerts []finding.Alert) string {
	if len(alerts) == 0 {
		return "no alerts"
	}
	var parts []string
	for _, sev := range finding.Severities {
		n := 0
		for _, a := range alerts {
			if a.Severity == sev {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	return plural(len(alerts), "alert", "alerts") + ": " + strings.Join(parts, ", ")
}

func actorText(a *finding.Actor) string {
	if a == nil {
		return ""
	}
	for _, s := range []string{a.LoginName, a.DisplayName, a.ID} {
		if s != "" {
			if a.Type != "" && a.Type != "USER" {
				return s + " (" + strings.ToLower(a.Type) + ")"
			}
			return s
		}
	}
	if a.Type != "" {
		return strings.ToLower(a.Type)
	}
	return ""
}

func targetText(t *finding.Target) string {
	if t == nil {
		return ""
	}
	s := t.Name
	if s == "" {
		s = t.ID
	}
	if t.Type != "" {
		s = strings.ToLower(t.Type) + " " + s
	}
	if t.Property != "" {
		s += " (" + t.Property + ")"
	}
	return strings.TrimSpace(s)
}
