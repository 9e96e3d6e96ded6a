package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/internal/access"
	"github.com/tailaudit/tailaudit/internal/inputs"
)

type diffOptions struct {
	IO       *iostreams
	Base     string // the base policy file; "" with BaseRev
	BaseRev  string // --base: a git revision (or a policy file) to read the head file at
	Head     string
	Snapshot string
	Format   string
}

// diffFormats are the formats diff prints; text is the default.
var diffFormats = []string{"text", "json", "markdown", "github"}

func newDiffCmd(s *iostreams, runF func(context.Context, *diffOptions) error) *cobra.Command {
	opts := &diffOptions{IO: s}
	if runF == nil {
		runF = runDiff
	}
	cmd := &cobra.Command{
		Use:   "diff (BASE HEAD | --base REV HEAD) [--snapshot snapshot.json]",
		Short: "Show what a policy change does to access: what it adds and removes, and the rules and lines responsible",
		Long: `Compare two policy files with Tailscale's semantics, offline, and show what the change does to
who may do what. Both policies are evaluated over one set of principals: every user, group, tag,
host, CIDR and autogroup either names (and, with --snapshot, every device and user of the tailnet).
Every (source, destination, protocol, port) that HEAD allows and BASE does not is added; the
reverse is removed. Each change names the most general principal that gains or loses it as a whole
(a group when all its members do, otherwise the members), the ports merged into ranges, and the
rules responsible: in HEAD for what is added, in BASE for what is removed, with file:line:column.

Also compared: grants' app capabilities and via routes; SSH logins, with check and accept told
apart and root marked; tagOwners, autoApprovers (routes and exit nodes), nodeAttrs (funnel and the
others) and group membership; the tests and sshTests added or removed and the assertions whose
outcome changed; and whether Tailscale would accept each side (a HEAD it would reject is reported
with Tailscale's message at its line, not as a failure of the command).

Edits that change nothing (reordering rules, splitting "tag:web:80,443" into two entries, renaming
a group and every use of it, comments) give an empty diff.

With --base REV, HEAD is a file in a git work tree and BASE is that file as it was at revision REV
(git show REV:<path>). A file that did not exist at REV is compared with the policy a tailnet has
without a policy file, which allows all traffic; diff says so on stderr.

A diff is information, not a verdict: the exit code is 0 whatever the change does, and 2 when the
inputs cannot be read. To gate a pull request on findings, use check --base.

Formats: text (added first, coloured on a terminal), json (the versioned document described in the
README, schemaVersion 1), markdown (tables for a pull request comment or job summary), github
(workflow annotations on the HEAD lines that add access).`,
		Example: `  # What does the pull request change?
  tailaudit diff main.hujson policy.hujson

  # Against the policy file as it is on main
  tailaudit diff --base origin/main policy.hujson

  # Per device, and as JSON for a script or a change rule
  tailaudit diff --base origin/main policy.hujson --snapshot snapshot.json -f json`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.BaseRev != "" && len(args) == 1:
				return nil
			case opts.BaseRev != "":
				return &usageError{fmt.Errorf("with --base, diff takes the head policy file only, as in: tailaudit diff --base %s policy.hujson", opts.BaseRev)}
			case len(args) == 2:
				return nil
			}
			return &usageError{fmt.Errorf("diff needs two policy files, BASE then HEAD (tailaudit diff main.hujson policy.hujson), or --base REV and the head file (tailaudit diff --base origin/main policy.hujson)")}
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 2 {
				opts.Base, opts.Head = args[0], args[1]
			} else {
				opts.Head = args[0]
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.BaseRev, "base", "", "compare with the head file as it was at git revision `REV` (or with this policy file)")
	cmd.Flags().StringVar(&opts.Snapshot, "snapshot", "", "tailnet snapshot `FILE`: compare for every device and user too")
	addFormatFlag(cmd, &opts.Format, diffFormats...)
	return cmd
}

func runDiff(ctx context.Context, opts *diffOptions) error {
	s := opts.IO
	headFile, _, err := inputs.Policy(opts.Head, s.In)
	if err != nil {
		return err
	}
	var baseFile *policyfile.File
	if opts.BaseRev != "" {
		b, err := inputs.BasePolicy(ctx, opts.BaseRev, opts.Head)
		if err != nil {
			return err
		}
		if b.Note != "" {
			fmt.Fprintln(s.Err, "tailaudit: note:", b.Note)
		}
		baseFile = b.File
	} else if baseFile, _, err = inputs.Policy(opts.Base, s.In); err != nil {
		return err
	}
	topo, err := snapshotTopology(opts.Snapshot)
	if err != nil {
		return err
	}
	basePol, _ := access.Compile(baseFile.Doc)
	headPol, _ := access.Compile(headFile.Doc)
	rep := access.Compare(basePol, headPol, topo).Report(diffLocator(baseFile, headFile))
	return writeDiff(s, opts.Format, rep, baseFile, headFile)
}

// diffLocator locates paths of the two policies in their files; columns count bytes.
func diffLocator(baseFile, headFile *policyfile.File) access.Locator {
	return func(head bool, path []any) access.Location {
		f := baseFile
		if head {
			f = headFile
		}
		loc := locate(f, path)
		return access.Location{File: loc.File, Line: loc.Line, Column: loc.Column, Path: loc.Path}
	}
}
