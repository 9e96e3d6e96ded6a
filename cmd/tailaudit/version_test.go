package main

import (
	"bytes"
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildOf(t *testing.T) {
	vcs := func(rev, time, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: time}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "c83e2f565527178cf74f8644b8502e81e6448286"
	for _, tt := range []struct {
		name      string
		version   string // bi.Main.Version
		settings  []debug.BuildSetting
		noInfo    bool
		overrides [3]string // version, commit, date
		want      build
	}{
		{name: "go_install_at_tag", version: "v0.2.0",
			want: build{Version: "v0.2.0"}},
		{name: "go_build_in_checkout", version: "v0.0.0-20261201100323-c83e2f565527", settings: vcs(rev, "2026-12-01T10:03:23Z", "false"),
			want: build{Version: "v0.0.0-20261201100323-c83e2f565527", Commit: rev, Date: "2026-12-01T10:03:23Z"}},
		{name: "go_build_with_uncommitted_changes", version: "v0.0.0-20261201100323-c83e2f565527+dirty", settings: vcs(rev, "2026-12-01T10:03:23Z", "true"),
			want: build{Version: "v0.0.0-20261201100323-c83e2f565527+dirty", Commit: rev, Date: "2026-12-01T10:03:23Z", Modified: true}},
		{name: "go_install_at_commit_after_tag", version: "v0.1.1-0.20261201100323-c83e2f565527",
			want: build{Version: "v0.1.1-0.20261201100323-c83e2f565527", Commit: "c83e2f565527", Date: "2026-12-01T10:03:23Z"}},
		{name: "go_install_at_commit_before_any_tag", version: "v0.0.0-20261201100323-c83e2f565527",
			want: build{Version: "v0.0.0-20261201100323-c83e2f565527", Commit: "c83e2f565527", Date: "2026-12-01T10:03:23Z"}},
		{name: "devel_without_vcs", version: "(devel)",
			want: build{Version: "dev"}},
		{name: "devel_with_vcs", version: "(devel)", settings: vcs(rev, "2026-12-01T10:03:23Z", "false"),
			want: build{Version: "dev", Commit: rev, Date: "2026-12-01T10:03:23Z"}},
		{name: "no_build_info", noInfo: true,
			want: build{Version: "dev"}},
		{name: "ldflags_override_build_info", version: "(devel)", settings: vcs(rev, "2026-12-01T10:03:23Z", "false"), overrides: [3]string{"v1.2.3", "abc", "2026-12-02T00:00:00Z"},
			want: build{Version: "v1.2.3", Commit: "abc", Date: "2026-12-02T00:00:00Z"}},
		{name: "ldflags_override_only_version", version: "v0.2.0", overrides: [3]string{"v0.2.0-rc1", "", ""},
			want: build{Version: "v0.2.0-rc1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/tailaudit/tailaudit", Version: tt.version}, Settings: tt.settings}
			if tt.noInfo {
				bi = nil
			}
			got := buildOf(bi, !tt.noInfo, tt.overrides[0], tt.overrides[1], tt.overrides[2])
			tt.want.Go, tt.want.Platform = runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("buildOf (-want +got):\n%s", d)
			}
		})
	}
}

func TestVersionCmdArgs(t *testing.T) {
	for _, tt := range []struct {
		args       []string
		wantFormat string
		wantErr    string // "" means it parses
	}{
		{nil, "text", ""},
		{[]string{"-f", "json"}, "json", ""},
		{[]string{"--format", "text"}, "text", ""},
		{[]string{"-f", "yaml"}, "", `unknown output format "yaml" (valid formats: text, json)`},
		{[]string{"extra"}, "", `unknown command "extra" for "version"`},
	} {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			var got *versionOptions
			cmd := newVersionCmd(&iostreams{}, func(_ context.Context, o *versionOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Errorf("error %v, runF called: %v; want %q and no run", err, got != nil, tt.wantErr)
				}
			case err != nil || got == nil:
				t.Errorf("error %v, runF called: %v; want it called", err, got != nil)
			case got.Format != tt.wantFormat:
				t.Errorf("Format = %q, want %q", got.Format, tt.wantFormat)
			}
		})
	}
}

func TestVersionOutput(t *testing.T) {
	b := build{Version: "v0.2.0", Commit: "c83e2f565527178cf74f8644b8502e81e6448286", Date: "2026-12-01T10:03:23Z", Modified: true, Go: "go1.26.8", Platform: "linux/arm64"}
	for _, tt := range []struct {
		format string
		b      build
		want   string
	}{
		{"text", b, "tailaudit v0.2.0\ncommit:  c83e2f565527178cf74f8644b8502e81e6448286 (modified)\ndate:    2026-12-01T10:03:23Z\ngo:      go1.26.8 linux/arm64\n"},
		{"text", build{Version: "dev", Go: "go1.26.8", Platform: "darwin/amd64"}, "tailaudit dev\ncommit:  unknown\ndate:    unknown\ngo:      go1.26.8 darwin/amd64\n"},
		{"json", b, `{
  "version": "v0.2.0",
  "commit": "c83e2f565527178cf74f8644b8502e81e6448286",
  "date": "2026-12-01T10:03:23Z",
  "modified": true,
  "go": "go1.26.8",
  "platform": "linux/arm64"
}
`},
	} {
		t.Run(tt.format+"_"+tt.b.Version, func(t *testing.T) {
			var out bytes.Buffer
			if err := runVersion(context.Background(), &versionOptions{IO: &iostreams{Out: &out}, Format: tt.format, Build: func() build { return tt.b }}); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, out.String()); d != "" {
				t.Errorf("output (-want +got):\n%s", d)
			}
		})
	}
}

// TestVersionCommand runs 'tailaudit version' as a user does: a test binary has no module version,
// so it reports dev, and bad flags exit 2.
func TestVersionCommand(t *testing.T) {
	stdout, stderr, code := tailaudit(t, "", nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "tailaudit dev\ncommit:  ") || stderr != "" {
		t.Errorf("version = %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, _, code = tailaudit(t, "", nil, "--version")
	if code != 0 || stdout != "tailaudit version dev\n" {
		t.Errorf("--version = %d, %q", code, stdout)
	}
	if _, stderr, code := tailaudit(t, "", nil, "version", "-f", "yaml"); code != 2 || !strings.Contains(stderr, `unknown output format "yaml"`) {
		t.Errorf("version -f yaml = %d, %q; want 2", code, stderr)
	}
}
