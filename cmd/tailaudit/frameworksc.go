package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/frameworks"
)

func newFrameworksCmd(s *iostreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "frameworks",
		Short: "List the compliance frameworks and the checks behind each control",
	}
	cmd.AddCommand(newFrameworksListCmd(s, nil), newFrameworksShowCmd(s, nil))
	return cmd
}

type frameworksListOptions struct {
	IO     *iostreams
	Format string // text or json
}

func newFrameworksListCmd(s *iostreams, runF func(context.Context, *frameworksListOptions) error) *cobra.Command {
	opts := &frameworksListOptions{IO: s}
	if runF == nil {
		runF = runFrameworksList
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the framework catalogs with how much of each is automated",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	addFormatFlag(cmd, &opts.Format, "text", "json")
	return cmd
}

func runFrameworksList(_ context.Context, opts *frameworksListOptions) error {
	s := opts.IO
	cats, err := frameworks.Load()
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		doc := frameworksDocument{Frameworks: []frameworkSummary{}}
		for _, c := range cats {
			n := frameworks.Count(c)
			doc.Frameworks = append(doc.Frameworks, frameworkSummary{ID: c.ID, Name: c.Name, Version: c.Version,
				Controls: n.Controls, Automated: n.Automated, Partial: n.Partial, Manual: n.Manual, Retention: c.Retention})
		}
		return writeJSON(s.Out, doc)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFRAMEWORK\tCONTROLS\tAUTOMATED\tPARTIAL\tMANUAL\tRETENTION")
	for _, c := range cats {
		n := frameworks.Count(c)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d (%.0f%%)\t%d\t%d\t%s\n", c.ID, c.Name, n.Controls, n.Automated, 100*n.AutomatedShare(), n.Partial, n.Manual, retention(c.Retention))
	}
	return tw.Flush()
}

// frameworksDocument is what 'frameworks list -f json' prints: each catalogue with the counts the
// text table shows. 'frameworks show -f json' prints the whole catalogue (frameworks.Catalog).
// Fields are only ever added.
type frameworksDocument struct {
	Frameworks []frameworkSummary `json:"frameworks"`
}

type frameworkSummary struct {
	ID        string               `json:"id"`
	Name      string               `json:"name"`
	Version   string               `json:"version"`
	Controls  int                  `json:"controls"`  // all controls
	Automated int                  `json:"automated"` // controls a rule covers fully
	Partial   int                  `json:"partial"`   // controls rules cover in part: they need attestation too
	Manual    int                  `json:"manual"`    // controls only attestation can show
	Retention frameworks.Retention `json:"retention"`
}

type frameworksShowOptions struct {
	IO     *iostreams
	ID     string
	Format string // text or json
}

func newFrameworksShowCmd(s *iostreams, runF func(context.Context, *frameworksShowOptions) error) *cobra.Command {
	opts := &frameworksShowOptions{IO: s}
	if runF == nil {
		runF = runFrameworksShow
	}
	cmd := &cobra.Command{
		Use:     "show <FRAMEWORK>",
		Short:   "Show a framework's controls, the checks that evidence each one, and which need attestation",
		Example: "  tailaudit frameworks show soc2\n  tailaudit frameworks show pci-dss -f json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			return runF(cmd.Context(), opts)
		},
	}
	addFormatFlag(cmd, &opts.Format, "text", "json")
	return cmd
}

func runFrameworksShow(_ context.Context, opts *frameworksShowOptions) error {
	s := opts.IO
	cats, err := frameworks.Load()
	if err != nil {
		return err
	}
	var ids []string
	for _, c := range cats {
		ids = append(ids, c.ID)
		if !strings.EqualFold(c.ID, opts.ID) {
			continue
		}
		if opts.Format == "json" {
			return writeJSON(s.Out, c)
		}
		n := frameworks.Count(c)
		fmt.Fprintf(s.Out, "%s (%s)\n", c.Name, c.ID)
		fmt.Fprintf(s.Out, "%d controls: %d automated (%.0f%%), %d partial, %d need attestation\n", n.Controls, n.Automated, 100*n.AutomatedShare(), n.Partial, n.Manual)
		fmt.Fprintf(s.Out, "Retention: %s\n\n", retention(c.Retention))
		tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CONTROL\tTITLE\tCHECKS")
		for _, ctl := range c.Controls {
			var parts []string
			alerts := 0
			for _, ch := range ctl.Checks {
				if frameworks.AlertRule(ch.Rule) {
					alerts++ // summed up: monitoring over the period, not a check of the snapshot
					continue
				}
				parts = append(parts, ch.Rule+" ("+string(ch.Coverage)+")")
			}
			if alerts > 0 {
				parts = append(parts, fmt.Sprintf("monitored by %d alert rules (supporting, tailaudit alerts)", alerts))
			}
			checks := strings.Join(parts, ", ")
			if ctl.Manual {
				checks = strings.TrimSuffix("manual: needs attestation; "+checks, "; ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", ctl.ID, ctl.Title, checks)
		}
		return tw.Flush()
	}
	return &exitError{Code: 2, Err: fmt.Errorf("no framework %q (available: %s)", opts.ID, strings.Join(ids, ", "))}
}

func retention(r frameworks.Retention) string {
	s := months(r.MinimumMonths)
	if r.ImmediatelyAvailableMonths > 0 {
		s += ", " + months(r.ImmediatelyAvailableMonths) + " immediately available"
	}
	if r.PeriodPlusMonths > 0 {
		s += fmt.Sprintf(", at least the audit period plus %s", months(r.PeriodPlusMonths))
	}
	if r.Configurable {
		s += " (default; configurable)"
	} else {
		s += " (minimum)"
	}
	return s + ", " + r.Scope
}

// months says a number of calendar months, in years when it is a whole number of them.
func months(n int) string {
	switch {
	case n == 1:
		return "1 month"
	case n == 12:
		return "1 year"
	case n%12 == 0:
		return fmt.Sprintf("%d years", n/12)
	}
	return fmt.Sprintf("%d months", n)
}
