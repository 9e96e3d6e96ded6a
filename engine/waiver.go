package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
)

// waivers lists what may waive findings of in: the policy file's inline waivers first, then the
// config file's, so that a waiver written beside the value wins.
func waivers(in Input) []finding.Waiver {
	if in.Policy == nil {
		return in.Waivers
	}
	return slices.Concat(in.Policy.Waivers, in.Waivers)
}

// applyWaivers attaches the first waiver that covers f, and marks f waived unless that waiver has
// expired: an expired waiver stays attached, marked expired, and the finding keeps its result.
func (ev *evaluation) applyWaivers(f *finding.Finding) {
	today := ev.in.Now.UTC().Format(time.DateOnly)
	for i := range ev.waivers {
		if !covers(&ev.waivers[i], f) {
			continue
		}
		ev.used[i] = true
		w := ev.waivers[i]
		w.Expired = expired(&w, today)
		f.Waiver = &w
		if !w.Expired {
			f.Result = finding.Waived
		}
		return
	}
}

// covers reports whether the waiver's rules and scope include f, whatever its expiry. A waiver with
// no scope covers every finding of its rules.
func covers(w *finding.Waiver, f *finding.Finding) bool {
	if !slices.ContainsFunc(w.Rules, func(id string) bool { return strings.EqualFold(id, f.Rule.ID) }) {
		return false
	}
	if w.File != "" && (f.Location == nil || f.Location.File != w.File) {
		return false
	}
	switch {
	case w.Fingerprint != "":
		return w.Fingerprint == f.Fingerprint
	case w.Path != "":
		return f.Location != nil && source.Within(f.Location.Path, w.Path)
	case w.Resource != "":
		return f.Resource != nil && namesResource(w.Resource, f.Resource)
	}
	return true
}

// namesResource reports whether a waiver's resource scope names r: its id, its name, or, for a
// device, the machine name alone (the first label of its MagicDNS name, unique within a tailnet),
// so that "build-legacy" waives the device build-legacy.tail4f2a.ts.net. Names compare without case,
// as DNS names do.
func namesResource(scope string, r *finding.Resource) bool {
	if r.ID == scope || strings.EqualFold(r.Name, scope) {
		return true
	}
	if r.Type != "device" || strings.Contains(scope, ".") {
		return false
	}
	machine, _, found := strings.Cut(r.Name, ".")
	return found && strings.EqualFold(machine, scope)
}

// expired reports whether the waiver stopped applying before day (YYYY-MM-DD).
func expired(w *finding.Waiver, day string) bool {
	return w.Expires != "" && w.Expires < day
}

// reportUnusedWaivers notes waivers that matched nothing, and waivers that have expired, so stale
// exceptions get cleaned up.
func (ev *evaluation) reportUnusedWaivers() {
	today := ev.in.Now.UTC().Format(time.DateOnly)
	for i := range ev.waivers {
		w := &ev.waivers[i]
		rules := strings.Join(w.Rules, ", ")
		var msg string
		switch {
		case !ev.used[i]:
			msg = fmt.Sprintf("waiver for %s matches no finding", rules)
		case expired(w, today):
			msg = fmt.Sprintf("waiver for %s expired on %s and no longer applies", rules, w.Expires)
		default:
			continue
		}
		loc := w.Written
		ev.diags = append(ev.diags, finding.Diagnostic{Level: "warning", Message: msg, Location: &loc})
	}
}
