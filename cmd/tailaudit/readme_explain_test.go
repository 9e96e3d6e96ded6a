package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readmeExplainSample is an explain command shown in the README (the last line of a sh block, run
// from the repository root) and the text block that follows it.
var readmeExplainSample = regexp.MustCompile("(?s)```sh\n(?:[^`]*\n)?bin/tailaudit (explain [^\n`]*)\n```\n(?:[^`]|`[^`\n]+`)*```text\n(.*?)```")

// TestREADMEExplainOutput runs the explain commands whose output the README shows, from the
// repository root so that the file names and the columns are the ones a user sees, and compares.
func TestREADMEExplainOutput(t *testing.T) {
	root := abs(t, "../..")
	readme, err := os.ReadFile(root + "/README.md")
	if err != nil {
		t.Fatal(err)
	}
	samples := readmeExplainSample.FindAllSubmatch(readme, -1)
	if len(samples) < 2 {
		t.Fatalf("README.md shows the output of %d bin/tailaudit explain commands, want --src and --dst", len(samples))
	}
	t.Chdir(root)
	for _, m := range samples {
		command, want := string(m[1]), string(m[2])
		t.Run(command, func(t *testing.T) {
			stdout, stderr, code := tailaudit(t, root, nil, strings.Fields(command)...)
			if code != 0 {
				t.Fatalf("tailaudit %s: exit code %d; stderr:\n%s", command, code, stderr)
			}
			if d := cmp.Diff(want, stdout); d != "" {
				t.Errorf("README.md shows output of tailaudit %s that it does not print (-README +printed):\n%s", command, d)
			}
		})
	}
}
