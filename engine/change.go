package engine

import (
	"fmt"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/internal/access"
)

// changeDocument is input.change for a policy file and its base: the two documents, and the access
// diff between them as `tailaudit diff -f json` prints it, its access section as access and the
// whole document as diff. Every rule a diff names is located in its file.
func changeDocument(base, head *policyfile.File) (map[string]any, error) {
	basePol, _ := access.Compile(base.Doc) // a policy Tailscale rejects is still compared: the diff reports it as invalid
	headPol, _ := access.Compile(head.Doc)
	locate := func(isHead bool, path []any) access.Location {
		f := base
		if isHead {
			f = head
		}
		ptr := source.Pointer(path)
		loc := access.Location{File: f.Name, Path: ptr}
		if pos, ok := f.Position(ptr); ok {
			loc.Line, loc.Column = pos.Line, pos.Column
		}
		return loc
	}
	diff, err := access.Compare(basePol, headPol, nil).Report(locate).Value()
	if err != nil {
		return nil, fmt.Errorf("compare %s with %s: %w", head.Name, base.Name, err)
	}
	return map[string]any{"before": base.Doc, "after": head.Doc, "access": diff["access"], "diff": diff}, nil
}
