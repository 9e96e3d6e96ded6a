package engine

import (
	"github.com/tailaudit/tailaudit/engine/finding"
)

// Compare judges head, the report on a changed input, against base, the report on the input before
// the change, and records the result in head: each fail, warn or waived finding of head is new or
// unchanged, by whether base has a finding with its fingerprint, and each such finding of base that
// head no longer has is listed as fixed in head.Baseline. Fingerprints name what a finding is about,
// not where it sits, so moving, reindenting or commenting around a value keeps its findings
// unchanged. head's summary is recomputed; base is not changed. To gate on new findings only, set
// head.Baseline.NewOnly afterwards and call head.Summarize.
func Compare(base, head *finding.Report) {
	baseName := ""
	for _, in := range base.Inputs {
		if in.Kind == "policy" || in.Kind == "base-policy" {
			baseName = in.Path
			break
		}
	}
	b := &finding.Baseline{Base: baseName, Counts: map[finding.BaselineState]int{}, Fixed: []finding.Finding{}}
	inBase := map[string]bool{}
	for _, f := range base.Findings {
		if compared(f) {
			inBase[f.Fingerprint] = true
		}
	}
	inHead := map[string]bool{}
	for i := range head.Findings {
		f := &head.Findings[i]
		if !compared(*f) {
			continue
		}
		inHead[f.Fingerprint] = true
		f.Baseline = finding.BaselineUnchanged
		if !inBase[f.Fingerprint] {
			f.Baseline = finding.BaselineNew
		}
		b.Counts[f.Baseline]++
	}
	for _, f := range base.Findings {
		if compared(f) && !inHead[f.Fingerprint] {
			f.Baseline = finding.BaselineFixed
			b.Fixed = append(b.Fixed, f)
			b.Counts[finding.BaselineFixed]++
		}
	}
	finding.Sort(head.Findings)
	finding.Sort(b.Fixed)
	head.Baseline = b
	head.Summarize()
}

// compared reports whether f takes part in a comparison: a fail, warn or waived finding, which has a
// fingerprint.
func compared(f finding.Finding) bool {
	switch f.Result {
	case finding.Fail, finding.Warn, finding.Waived:
		return f.Fingerprint != ""
	}
	return false
}
