package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// applyWaivers marks f waived when a waiver covers it. An expired waiver stays attached, marked
// expired, and the finding keeps its result.
func (ev *evaluation) applyWaivers(f *finding.Finding) {
	today := ev.in.Now.UTC().Format(time.DateOnly)
	apply := func(w *finding.Waiver) {
		w.Expired = w.Expires != "" && w.Expires < today
		f.Waiver = w
		if !w.Expired {
			f.Result = finding.Waived
		}
	}
	if ev.in.Policy != nil && f.Location != nil && f.Location.File == ev.in.Policy.Name {
		for i, w := range ev.in.Policy.Waivers {
			if !containsFold(w.Rules, f.Rule.ID) || !within(f.Location.Path, w.Pointer) {
				continue
			}
			if ev.usedIn == nil {
				ev.usedIn = map[int]bool{}
			}
			ev.usedIn[i] = true
			apply(&finding.Waiver{Reason: w.Reason, By: w.By, Expires: w.Until, Source: fmt.Sprintf("%s:%d", ev.in.Policy.Name, w.Line)})
			return
		}
	}
	for i, w := range ev.in.Waivers {
		if !strings.EqualFold(w.Rule, f.Rule.ID) || !w.covers(*f) {
			continue
		}
		if ev.used == nil {
			ev.used = map[int]bool{}
		}
		ev.used[i] = true
		apply(&finding.Waiver{Reason: w.Reason, By: w.By, Expires: w.Expires, Source: w.Source})
		return
	}
}

// covers reports whether the waiver's scope includes f. A waiver with no scope covers every finding
// of its rule.
func (w Waiver) covers(f finding.Finding) bool {
	switch {
	case w.Fingerprint != "":
		return w.Fingerprint == f.Fingerprint
	case w.Path != "":
		return f.Location != nil && within(f.Location.Path, w.Path)
	case w.Resource != "":
		return f.Resource != nil && (f.Resource.ID == w.Resource || strings.EqualFold(f.Resource.Name, w.Resource))
	}
	return true
}

// within reports whether pointer names scope or something inside it.
func within(pointer, scope string) bool {
	return pointer == scope || strings.HasPrefix(pointer, strings.TrimSuffix(scope, "/")+"/")
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// reportUnusedWaivers notes waivers that matched nothing, and waivers that have expired, so stale
// exceptions get cleaned up.
func (ev *evaluation) reportUnusedWaivers() {
	today := ev.in.Now.UTC().Format(time.DateOnly)
	if ev.in.Policy != nil {
		for i, w := range ev.in.Policy.Waivers {
			loc := &finding.Location{File: ev.in.Policy.Name, Line: w.Line, Column: w.Column}
			switch {
			case !ev.usedIn[i]:
				ev.diags = append(ev.diags, finding.Diagnostic{Level: "warning", Message: fmt.Sprintf("waiver for %s matches no finding", strings.Join(w.Rules, ", ")), Location: loc})
			case w.Until < today:
				ev.diags = append(ev.diags, finding.Diagnostic{Level: "warning", Message: fmt.Sprintf("waiver for %s expired on %s and no longer applies", strings.Join(w.Rules, ", "), w.Until), Location: loc})
			}
		}
	}
	for i, w := range ev.in.Waivers {
		loc := &finding.Location{File: w.Source}
		switch {
		case !ev.used[i]:
			ev.diags = append(ev.diags, finding.Diagnostic{Level: "warning", Message: fmt.Sprintf("waiver for %s matches no finding", w.Rule), Location: loc})
		case w.Expires != "" && w.Expires < today:
			ev.diags = append(ev.diags, finding.Diagnostic{Level: "warning", Message: fmt.Sprintf("waiver for %s expired on %s and no longer applies", w.Rule, w.Expires), Location: loc})
		}
	}
}
