package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/internal/access"
)

// writeDiff prints the diff report in format.
func writeDiff(s *iostreams, format string, rep *access.Report, baseFile, headFile *policyfile.File) error {
	w := bufio.NewWriter(s.Out)
	switch format {
	case "json":
		if err := writeJSON(w, rep); err != nil {
			return err
		}
	case "markdown":
		writeDiffMarkdown(w, rep)
	case "github":
		writeDiffGitHub(w, rep, s.workDir(), headFile)
	default:
		writeDiffText(w, rep, s.OutTTY && s.env("NO_COLOR") == "")
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write diff: %w", err)
	}
	return nil
}

// diffLine is one change as the text and Markdown outputs show it.
type diffLine struct {
	src, dst, what string
	rules          []access.Location
}

// diffSection is one kind of change, added or removed.
type diffSection struct {
	title string
	lines []diffLine
}

// accessLines merges the entries of one source and destination into one line, protocols with the
// same ports together: "tcp,udp 5432,8000-9000; icmp". ICMP has no ports.
func accessLines(es []access.ReportAccess) []diffLine {
	type pair struct{ src, dst string }
	var order []pair
	byPair := map[pair]*diffLine{}
	parts := map[pair][][2]string{} // ports, protocols
	for _, e := range es {
		k := pair{e.Src, e.Dst}
		l, ok := byPair[k]
		if !ok {
			l = &diffLine{src: e.Src, dst: e.Dst}
			byPair[k] = l
			order = append(order, k)
		}
		for _, r := range e.Rules {
			if !slices.Contains(l.rules, r) {
				l.rules = append(l.rules, r)
			}
		}
		proto, ports := e.Proto, strings.Join(e.Ports, ",")
		if proto == "icmp" || proto == "ipv6-icmp" {
			proto, ports = "icmp", ""
		}
		if len(e.Via) > 0 {
			ports += " via " + strings.Join(e.Via, ", ")
		}
		merged := false
		for i, p := range parts[k] {
			if p[0] == ports {
				if !slices.Contains(strings.Split(p[1], ","), proto) {
					parts[k][i][1] += "," + proto
				}
				merged = true
			}
		}
		if !merged {
			parts[k] = append(parts[k], [2]string{ports, proto})
		}
	}
	out := make([]diffLine, 0, len(order))
	for _, k := range order {
		l := byPair[k]
		var what []string
		for _, p := range parts[k] {
			what = append(what, strings.TrimSpace(p[1]+" "+p[0]))
		}
		l.what = strings.Join(what, "; ")
		out = append(out, *l)
	}
	return out
}

func sameLocations(a, b []access.Location) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// diffSections lists the report's changes, every added kind first, then every removed kind.
func diffSections(rep *access.Report) (added, removed []diffSection) {
	for side := range 2 {
		pick := func(a, r []diffLine) []diffLine {
			if side == 0 {
				return a
			}
			return r
		}
		app := func(es []access.ReportApp) []diffLine {
			var out []diffLine
			for _, e := range es {
				out = append(out, diffLine{e.Src, e.Dst, "app " + e.Capability + " " + string(e.Value), e.Rules})
			}
			return out
		}
		ssh := func(es []access.ReportSSH) []diffLine {
			var out []diffLine
			for _, e := range es {
				what := "ssh " + e.Action + " as " + strings.Join(e.Users, ", ")
				if e.Root {
					what += " (root)"
				}
				out = append(out, diffLine{e.Src, e.Dst, what, e.Rules})
			}
			return out
		}
		claims := func(verb string, es []access.ReportClaim) []diffLine {
			var out []diffLine
			for _, e := range es {
				out = append(out, diffLine{strings.Join(e.Who, ", "), e.Key, verb, e.Rules})
			}
			return out
		}
		tests := func(es []access.ReportAssertion) []diffLine {
			var out []diffLine
			for _, e := range es {
				out = append(out, diffLine{e.Src, e.Dst, e.Section + " want " + e.Want, []access.Location{e.Rule}})
			}
			return out
		}
		list := []diffSection{
			{"Network access", pick(accessLines(rep.Access.Added), accessLines(rep.Access.Removed))},
			{"App capabilities", pick(app(rep.App.Added), app(rep.App.Removed))},
			{"SSH", pick(ssh(rep.SSH.Added), ssh(rep.SSH.Removed))},
			{"Tag owners", pick(claims("may apply the tag", rep.TagOwners.Added), claims("may apply the tag", rep.TagOwners.Removed))},
			{"Auto-approvers", pick(claims("may advertise it unreviewed", rep.AutoApprovers.Added), claims("may advertise it unreviewed", rep.AutoApprovers.Removed))},
			{"Node attributes", pick(claims("devices get the attribute", rep.NodeAttrs.Added), claims("devices get the attribute", rep.NodeAttrs.Removed))},
			{"Group members", pick(claims("in the group", rep.Groups.Added), claims("in the group", rep.Groups.Removed))},
			{"Test assertions", pick(tests(rep.Tests.Added), tests(rep.Tests.Removed))},
		}
		for _, sec := range list {
			if len(sec.lines) == 0 {
				continue
			}
			if side == 0 {
				added = append(added, sec)
			} else {
				removed = append(removed, sec)
			}
		}
	}
	return added, removed
}

// changeCount is the number of changes the text and Markdown outputs list.
func changeCount(secs []diffSection) int {
	n := 0
	for _, s := range secs {
		n += len(s.lines)
	}
	return n
}

func where(locs []access.Location) string {
	var out []string
	for _, l := range locs {
		s := l.File
		if l.Line > 0 {
			s += fmt.Sprintf(":%d:%d", l.Line, l.Column)
		}
		if l.Path != "" {
			s += " " + l.Path
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func writeDiffText(w io.Writer, rep *access.Report, color bool) {
	paint := func(style, s string) string {
		if !color {
			return s
		}
		return style + s + "\x1b[0m"
	}
	added, removed := diffSections(rep)
	v := rep.Validity
	switch {
	case v.HeadRejected:
		fmt.Fprintln(w, paint("\x1b[1;31m", "Tailscale would reject HEAD (it accepts BASE):"))
		for _, e := range v.Head.Errors {
			fmt.Fprintf(w, "  %s: %s\n", textSafe(where([]access.Location{e.Location})), textSafe(e.Message))
		}
		fmt.Fprintln(w)
	case !v.Base.Accepted && v.Head.Accepted:
		fmt.Fprintln(w, "Tailscale rejects BASE and would accept HEAD.")
		fmt.Fprintln(w)
	}
	defer func() {
		if !v.Base.Accepted && !v.Head.Accepted {
			fmt.Fprintf(w, "Tailscale rejects both policies (HEAD: %s); tailaudit check says why.\n", plural(len(v.Head.Errors), "problem"))
		}
	}()
	if len(added)+len(removed)+len(rep.Tests.Changed) == 0 {
		fmt.Fprintln(w, "No change in access: both policies let every principal do the same.")
		return
	}
	for _, part := range []struct {
		sign, style, word string
		secs              []diffSection
	}{{"+", "\x1b[32m", "added", added}, {"-", "\x1b[31m", "removed", removed}} {
		for _, sec := range part.secs {
			fmt.Fprintf(w, "%s %s (%d):\n", sec.title, part.word, len(sec.lines))
			for _, l := range sec.lines {
				fmt.Fprintf(w, "  %s %s -> %s  %s\n", paint(part.style, part.sign), textSafe(l.src), textSafe(l.dst), textSafe(l.what))
				fmt.Fprintf(w, "      %s\n", textSafe(where(l.rules)))
			}
			fmt.Fprintln(w)
		}
	}
	if len(rep.Tests.Changed) > 0 {
		fmt.Fprintf(w, "Test outcomes changed (%d):\n", len(rep.Tests.Changed))
		for _, t := range rep.Tests.Changed {
			fmt.Fprintf(w, "  ~ %s -> %s  %s want %s: was %s, now %s\n      %s\n", textSafe(t.Src), textSafe(t.Dst), t.Section, t.Want, t.Base, t.Head, textSafe(where([]access.Location{t.Rule})))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d added, %d removed, %d test outcomes changed.\n", changeCount(added), changeCount(removed), len(rep.Tests.Changed))
}

// textSafe shows control characters from the inputs escaped, so that they cannot move a terminal's
// cursor or change its colours.
func textSafe(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func writeDiffMarkdown(w io.Writer, rep *access.Report) {
	added, removed := diffSections(rep)
	fmt.Fprintln(w, "## What the policy change does")
	fmt.Fprintln(w)
	if rep.Validity.HeadRejected {
		fmt.Fprintln(w, "**Tailscale would reject the new policy** (it accepts the old one):")
		fmt.Fprintln(w)
		for _, e := range rep.Validity.Head.Errors {
			fmt.Fprintf(w, "- `%s`: %s\n", mdCode(where([]access.Location{e.Location})), mdCell(e.Message))
		}
		fmt.Fprintln(w)
	}
	if len(added)+len(removed)+len(rep.Tests.Changed) == 0 {
		fmt.Fprintln(w, "No change in access: both policies let every principal do the same.")
		return
	}
	fmt.Fprintf(w, "%d added, %d removed, %d test outcomes changed.\n\n", changeCount(added), changeCount(removed), len(rep.Tests.Changed))
	for _, part := range []struct {
		word string
		secs []diffSection
	}{{"added", added}, {"removed", removed}} {
		for _, sec := range part.secs {
			fmt.Fprintf(w, "### %s %s\n\n| from | to | what | rule |\n|---|---|---|---|\n", sec.title, part.word)
			for _, l := range sec.lines {
				fmt.Fprintf(w, "| `%s` | `%s` | %s | %s |\n", mdCode(l.src), mdCode(l.dst), mdCell(l.what), mdCell(where(l.rules)))
			}
			fmt.Fprintln(w)
		}
	}
	if len(rep.Tests.Changed) > 0 {
		fmt.Fprint(w, "### Test outcomes changed\n\n| from | to | want | was | now | test |\n|---|---|---|---|---|---|\n")
		for _, t := range rep.Tests.Changed {
			fmt.Fprintf(w, "| `%s` | `%s` | %s | %s | %s | %s |\n", mdCode(t.Src), mdCode(t.Dst), t.Want, t.Base, t.Head, mdCell(where([]access.Location{t.Rule})))
		}
		fmt.Fprintln(w)
	}
}

// mdCell escapes text for a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(textSafe(s))
}

// mdCode escapes text for inline code in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ", "\r", " ").Replace(textSafe(s))
}

// writeDiffGitHub writes a workflow annotation on every HEAD line that adds access, and an error on
// every line that makes Tailscale reject HEAD.
func writeDiffGitHub(w io.Writer, rep *access.Report, root string, headFile *policyfile.File) {
	ann := func(level, title, msg string, loc access.Location) {
		var props []string
		if loc.File != "" {
			file := loc.File
			if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(rel, "..") && filepath.IsAbs(file) {
				file = rel
			}
			props = append(props, "file="+ghProperty(filepath.ToSlash(file)))
			if loc.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", loc.Line))
				if loc.Column > 0 {
					props = append(props, fmt.Sprintf("col=%d", charColumn(headFile.Source(), loc.Line, loc.Column)))
				}
			}
		}
		props = append(props, "title="+ghProperty(title))
		fmt.Fprintf(w, "::%s %s::%s\n", level, strings.Join(props, ","), ghData(msg))
	}
	if rep.Validity.HeadRejected {
		for _, e := range rep.Validity.Head.Errors {
			ann("error", "Tailscale would reject this policy", e.Message, e.Location)
		}
	}
	added, _ := diffSections(rep)
	for _, sec := range added {
		level := "warning" // a change in who may do what
		if sec.title == "Group members" || sec.title == "Test assertions" {
			level = "notice" // their effect on access is annotated where it is granted
		}
		for _, l := range sec.lines {
			for _, loc := range l.rules {
				ann(level, sec.title+" added", fmt.Sprintf("%s -> %s: %s", l.src, l.dst, l.what), loc)
			}
		}
	}
}

// charColumn converts a 1-based byte column on a line of src to characters, as GitHub counts them.
func charColumn(src []byte, line, col int) int {
	start := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[start:], '\n')
		if i < 0 {
			return col
		}
		start += i + 1
	}
	if start+col-1 > len(src) {
		return col
	}
	return utf8.RuneCount(src[start:start+col-1]) + 1
}

func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
