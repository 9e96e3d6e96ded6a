package layout_test

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/tailaudit/tailaudit"

type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string
	GoFiles    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestImportsPointDown checks DESIGN.md's arrows: cmd → engine → internal/* → engine/finding. No
// package reaches back up, engine/finding imports nothing of ours, and only cmd uses cobra.
func TestImportsPointDown(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, imp := range p.Imports {
			irel, ours := strings.CutPrefix(imp, module+"/")
			switch {
			case imp == "github.com/spf13/cobra" && !strings.HasPrefix(rel, "cmd/"):
				t.Errorf("%s imports cobra; only cmd/ may", rel)
			case !ours:
			case rel == "engine/finding":
				t.Errorf("engine/finding imports %s; it must stay a leaf", irel)
			case strings.HasPrefix(rel, "internal/") && (irel == "engine" || strings.HasPrefix(irel, "cmd/")):
				t.Errorf("%s imports %s: internal packages must not reach up", rel, irel)
			case !strings.HasPrefix(rel, "cmd/") && strings.HasPrefix(irel, "cmd/"):
				t.Errorf("%s imports %s", rel, irel)
			}
		}
	}
}

// TestPackageDocs checks that every package has exactly one package comment, in doc.go, of one
// sentence.
func TestPackageDocs(t *testing.T) {
	for _, p := range listPackages(t) {
		if len(p.GoFiles) == 0 {
			continue // a directory of tests only, such as policies/tailnet
		}
		var docs []string
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(p.Dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if f.Doc != nil {
				docs = append(docs, name)
				text := strings.TrimSpace(f.Doc.Text())
				if !strings.HasSuffix(text, ".") || strings.Count(text, ". ") > 0 {
					t.Errorf("%s/%s: package comment should be one sentence: %q", p.ImportPath, name, text)
				}
			}
		}
		switch {
		case len(docs) == 0:
			t.Errorf("%s has no package comment (add a doc.go)", p.ImportPath)
		case len(docs) > 1:
			t.Errorf("%s has package comments in %v; keep one, in doc.go", p.ImportPath, docs)
		case docs[0] != "doc.go" && docs[0] != "main.go":
			t.Errorf("%s has its package comment in %s, not doc.go", p.ImportPath, docs[0])
		}
	}
}
