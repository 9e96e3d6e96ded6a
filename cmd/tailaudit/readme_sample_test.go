package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readmeSample is a command shown in the README (the last line of a sh block, run from the
// repository root) and the text block that follows it, which shows what the command prints.
// Between the two there may be prose, with inline code but no other block.
var readmeSample = regexp.MustCompile("(?s)```sh\n(?:[^`]*\n)?bin/tailaudit ((?:check|diff) [^\n`]*)\n```\n(?:[^`]|`[^`\n]+`)*```text\n(.*?)```")

// TestREADMESampleOutput runs the commands whose output the README shows and compares what they
// print with the README, so that the sample cannot drift from what tailaudit does.
func TestREADMESampleOutput(t *testing.T) {
	root := abs(t, "../..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	samples := readmeSample.FindAllSubmatch(readme, -1)
	if len(samples) == 0 {
		t.Fatal("README.md shows no sample output of a bin/tailaudit check or diff command")
	}
	for _, m := range samples {
		command, want := string(m[1]), string(m[2])
		t.Run(command, func(t *testing.T) {
			args := strings.Fields(command)
			for i, a := range args {
				if _, err := os.Stat(filepath.Join(root, a)); err == nil && !strings.HasPrefix(a, "-") {
					args[i] = filepath.Join(root, a) // the command runs in the repository root
				}
			}
			stdout, stderr, code := tailaudit(t, root, nil, args...)
			if code != 0 && code != 1 {
				t.Fatalf("tailaudit %s: exit code %d; stderr:\n%s", command, code, stderr)
			}
			got := strings.ReplaceAll(stdout, root+string(filepath.Separator), "")
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("README.md shows output of tailaudit %s that it does not print (-README +printed):\n%s", command, d)
			}
		})
	}
}
