package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/internal/atomicfile"
	"github.com/tailaudit/tailaudit/internal/sink"
)

type alertsTemplatesOptions struct {
	IO    *iostreams
	Out   string
	Force bool
}

func newAlertsTemplatesCmd(s *iostreams, runF func(context.Context, *alertsTemplatesOptions) error) *cobra.Command {
	opts := &alertsTemplatesOptions{IO: s}
	if runF == nil {
		runF = runAlertsTemplates
	}
	cmd := &cobra.Command{
		Use:   "templates --out DIR",
		Short: "Write the Elasticsearch, Kibana and Splunk side of the alert sinks",
		Long: `Write what the receivers of 'tailaudit alerts --sink' need, as carried in the binary:

  elasticsearch/index-template.json   index template for tailaudit-alerts*, mapping every ECS field
  elasticsearch/ingest-pipeline.json  optional pipeline setting event.ingested
  kibana/saved-searches.ndjson        data view and four saved searches, for Saved objects > Import
  splunk/macros.conf                  the tailaudit_alerts macro (sourcetype="tailaudit:alert")
  splunk/savedsearches.conf           the same four saved searches
  README.md                           how to install each

The four searches: new devices in 24 h, policy changes, unauthorized devices, high and critical
alerts in 7 days. Files are written atomically; one that exists is refused (nothing is written)
unless --force.`,
		Example: "  tailaudit alerts templates --out siem/",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Out == "" {
				return &usageError{fmt.Errorf("templates needs --out DIR: the directory to write them to")}
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "`DIR` to write the templates to (created if missing)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace template files that exist")
	return cmd
}

func runAlertsTemplates(ctx context.Context, opts *alertsTemplatesOptions) error {
	s := opts.IO
	dir := opts.Out
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(s.workDir(), dir)
	}
	tmpl := sink.Templates()
	var names []string
	if err := fs.WalkDir(tmpl, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	}); err != nil {
		return fmt.Errorf("read the embedded templates: %w", err)
	}
	// Every file is checked before any is written, so that a refusal leaves the directory as it was.
	var exist []string
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		fi, err := os.Lstat(p)
		switch {
		case err == nil && !fi.Mode().IsRegular() && fi.Mode()&fs.ModeSymlink == 0:
			return &exitError{Code: 2, Err: fmt.Errorf("%s exists and is not a file", p)}
		case err == nil:
			exist = append(exist, p)
		case !os.IsNotExist(err):
			return &exitError{Code: 2, Err: fmt.Errorf("check %s: %w", p, err)}
		}
	}
	if len(exist) > 0 && !opts.Force {
		return &exitError{Code: 2, Err: fmt.Errorf("%d template files are there already (%s); nothing written (--force replaces them)",
			len(exist), strings.Join(exist, ", "))}
	}
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return &exitError{Code: 2, Err: fmt.Errorf("create %s: %w", filepath.Dir(p), err)}
		}
		b, err := fs.ReadFile(tmpl, name)
		if err != nil {
			return fmt.Errorf("read the embedded template %s: %w", name, err)
		}
		if err := atomicfile.WriteContext(ctx, p, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return &exitError{Code: 2, Err: fmt.Errorf("write %s: %w", p, err)}
		}
	}
	fmt.Fprintf(s.Err, "tailaudit: wrote %d template files to %s (see %s)\n", len(names), opts.Out, filepath.Join(opts.Out, "README.md"))
	return nil
}
