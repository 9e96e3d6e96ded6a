package layout_test

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
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

// allowed lists, for every package of the module, the packages of ours it may import (tests may
// import more). A package missing from the list fails the test, so that each new package states its
// place; an import the list does not name fails too, sideways as much as upwards. The arrows follow
// DESIGN.md: cmd → engine → internal/* → the leaves (engine/finding, engine/source, engine/policyfile,
// engine/tailnet).
var allowed = map[string][]string{
	"cmd/tailaudit": {"*"}, // the command wires everything together

	"engine":            {"engine/finding", "engine/source", "engine/policyfile", "engine/tailnet", "internal/access", "internal/builtins"},
	"engine/finding":    {},
	"engine/source":     {"engine/finding"},
	"engine/policyfile": {"engine/finding", "engine/source"},
	"engine/tailnet":    {"engine/source", "internal/atomicfile"},

	"frameworks":       {"engine/finding", "engine/source"},
	"policies":         {},
	"policies/tailnet": {}, // tests only

	"internal/access":              {"engine/source"},
	"internal/alertstate":          {"engine/finding", "internal/sink"},
	"internal/assess":              {"engine/finding", "engine/source", "engine/policyfile", "engine/tailnet", "frameworks"},
	"internal/atomicfile":          {},
	"internal/builtins":            {"internal/access"},
	"internal/collect":             {"engine/tailnet", "internal/atomicfile"},
	"internal/collect/collecttest": {},
	"internal/config":              {"engine/finding", "engine/policyfile", "engine/source"},
	"internal/events":              {"engine/source"},
	"internal/evidence":            {},
	"internal/inputs":              {"engine/finding", "engine/source", "engine/policyfile", "engine/tailnet"},
	"internal/layout":              {},
	"internal/output":              {"engine/finding", "engine/source", "internal/atomicfile"},
	"internal/sharedcorpus":        {},
	"internal/sink":                {"engine/finding", "internal/output"},
	"internal/synth":               {},
	"internal/synth/genpolicy":     {"internal/synth"},
}

// TestImportsAllowed checks every package's imports of ours against allowed, and that only cmd/
// uses cobra.
func TestImportsAllowed(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		may, listed := allowed[rel]
		if !listed {
			t.Errorf("%s is not in the import allow-list of internal/layout: add it with the packages it may import", rel)
			continue
		}
		for _, imp := range p.Imports {
			if imp == "github.com/spf13/cobra" && !strings.HasPrefix(rel, "cmd/") {
				t.Errorf("%s imports cobra; only cmd/ may", rel)
			}
			irel, ours := strings.CutPrefix(imp, module+"/")
			if !ours || slices.Contains(may, "*") || slices.Contains(may, irel) {
				continue
			}
			t.Errorf("%s imports %s, which its allow-list does not name (internal/layout)", rel, irel)
		}
	}
}

// TestAllowListIsCurrent keeps the allow-list from naming packages that no longer exist.
func TestAllowListIsCurrent(t *testing.T) {
	exists := map[string]bool{}
	for _, p := range listPackages(t) {
		exists[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = true
	}
	for pkg, imports := range allowed {
		if !exists[pkg] {
			t.Errorf("allow-list names %s, which is not a package of the module", pkg)
		}
		for _, imp := range imports {
			if imp != "*" && !exists[imp] {
				t.Errorf("allow-list of %s names %s, which is not a package of the module", pkg, imp)
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
