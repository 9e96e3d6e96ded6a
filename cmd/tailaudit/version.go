package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
)

// Overrides of what the build info says, for builds from a tree without VCS metadata:
//
//	go build -ldflags "-X main.ldVersion=v1.2.3 -X main.ldCommit=... -X main.ldDate=..." ./cmd/tailaudit
//
// Only the linker sets them; nothing assigns them at run time.
var ldVersion, ldCommit, ldDate string

// build is what 'tailaudit version' reports about the running binary.
type build struct {
	Version  string `json:"version"` // the module version, or "dev" when the build does not say
	Commit   string `json:"commit"`  // the VCS revision, "" when unknown
	Date     string `json:"date"`    // the commit's time in RFC 3339, "" when unknown
	Modified bool   `json:"modified"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// pseudoVersion matches the time and revision at the end of a Go pseudo-version such as
// v0.0.0-20261201100323-c83e2f565527, which go install module@commit records without VCS settings.
var pseudoVersion = regexp.MustCompile(`[-.]([0-9]{14})-([0-9a-f]{12})(\+dirty)?$`)

// buildOf reads the version, commit and date from bi, then applies the linker overrides.
func buildOf(bi *debug.BuildInfo, ok bool, overrideVersion, overrideCommit, overrideDate string) build {
	b := build{Version: "dev", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			b.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.Date = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
		if m := pseudoVersion.FindStringSubmatch(b.Version); m != nil {
			if b.Commit == "" {
				b.Commit = m[2]
			}
			if t, err := time.Parse("20060102150405", m[1]); err == nil && b.Date == "" {
				b.Date = t.UTC().Format(time.RFC3339)
			}
			b.Modified = b.Modified || m[3] != ""
		}
	}
	if overrideVersion != "" {
		b.Version = overrideVersion
	}
	if overrideCommit != "" {
		b.Commit = overrideCommit
	}
	if overrideDate != "" {
		b.Date = overrideDate
	}
	return b
}

// currentBuild is the build of the running binary.
func currentBuild() build {
	bi, ok := debug.ReadBuildInfo()
	return buildOf(bi, ok, ldVersion, ldCommit, ldDate)
}

// version is the running binary's version, as reports and --version print it.
func version() string { return currentBuild().Version }

type versionOptions struct {
	IO     *iostreams
	Format string
	Build  func() build // the build to report; nil means the running binary's
}

func newVersionCmd(s *iostreams, runF func(context.Context, *versionOptions) error) *cobra.Command {
	opts := &versionOptions{IO: s}
	if runF == nil {
		runF = runVersion
	}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date of this binary",
		Long: `Print tailaudit's module version, the VCS commit it was built from and that commit's date, as the Go
build information records them, and the Go version and platform. A binary built from a tree with
uncommitted changes is marked modified.`,
		Example: `  tailaudit version
  tailaudit version -f json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	addFormatFlag(cmd, &opts.Format, "text", "json")
	return cmd
}

func runVersion(_ context.Context, opts *versionOptions) error {
	b := currentBuild()
	if opts.Build != nil {
		b = opts.Build()
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	return writeVersionText(opts.IO.Out, b)
}

func writeVersionText(w io.Writer, b build) error {
	orUnknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	commit := orUnknown(b.Commit)
	if b.Modified {
		commit += " (modified)"
	}
	_, err := fmt.Fprintf(w, "tailaudit %s\ncommit:  %s\ndate:    %s\ngo:      %s %s\n", b.Version, commit, orUnknown(b.Date), b.Go, b.Platform)
	return err
}
