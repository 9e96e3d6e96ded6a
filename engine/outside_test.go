package engine_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// outsideProgram is a program in a module of its own that uses tailaudit as a library: it loads
// the built-in rules, evaluates a policy file and a snapshot, and prints what it found. Go refuses
// to build it if anything it needs lives under tailaudit's internal/.
const outsideProgram = `package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/policies"
)

func main() {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithBuiltinRules(policies.FS))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	src, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	pol, err := policyfile.Parse(os.Args[1], src)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	snap, err := tailnet.Load(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	rep, err := eng.Evaluate(ctx, engine.Input{Policy: pol, Tailnet: snap, Now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for _, f := range rep.Findings {
		if f.Result == finding.Fail && f.Rule.ID == "TA-SSH-001" {
			fmt.Printf("%s %s %s\n", f.Rule.ID, f.Location, f.Message)
		}
	}
	fmt.Printf("findings: %d\n", len(rep.Findings))
}
`

// TestOutsideProgram builds and runs outsideProgram against this checkout, offline (GOPROXY=off:
// the modules come from the cache the module's own build filled), on the demo tailnet.
func TestOutsideProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module; skipped with -short")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	goMod, err := outsideGoMod(filepath.Join(root, "go.mod"), root)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"go.mod": goMod, "go.sum": string(sum), "main.go": outsideProgram} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	run := exec.Command(gobin, "run", ".", filepath.Join(root, "fixtures/demo/policy.hujson"), filepath.Join(root, "fixtures/demo/snapshot.json"))
	run.Dir, run.Env = dir, append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	got := string(out)
	if !strings.Contains(got, "TA-SSH-001 ") || !strings.Contains(got, "policy.hujson:") {
		t.Errorf("the outside program did not report the demo's TA-SSH-001 finding at a policy line:\n%s", got)
	}
	if !strings.Contains(got, "findings: ") {
		t.Errorf("no findings count in:\n%s", got)
	}
}

// outsideGoMod writes the outside module's go.mod: tailaudit, replaced by this checkout, and the
// same versions of everything tailaudit requires, so that nothing needs looking up.
func outsideGoMod(path, root string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	out.WriteString("module example.com/outside\n\n")
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "module ") || strings.HasPrefix(line, "tool ") {
			continue
		}
		out.WriteString(line)
	}
	out.WriteString("\nrequire github.com/tailaudit/tailaudit v0.0.0\n\nreplace github.com/tailaudit/tailaudit => " + root + "\n")
	return out.String(), nil
}
