package policyfile

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tailscale/hujson"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
)

const waiverMarker = "tailaudit:ignore"

var (
	waiverLineRE = regexp.MustCompile(`^tailaudit:ignore(?:\s+(.*))?$`)
	waiverArgRE  = regexp.MustCompile(`^\s*([A-Za-z]+)=("(?:[^"\\]|\\.)*"|\S*)`)
	ruleIDRE     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)
)

// collectWaivers reads tailaudit:ignore directives in the comments of extra, which ends at offset end
// and precedes the value the walk is at when before is true (when false, it precedes no value). A directive on the line before a
// value, `// tailaudit:ignore RULE-ID until=YYYY-MM-DD reason="..." by=WHO`, waives the named rules for
// that value and everything inside it, in this file.
func (p *parser) collectWaivers(extra hujson.Extra, end int, before bool) {
	if !bytes.Contains(extra, []byte(waiverMarker)) {
		return
	}
	start := end - len(extra)
	for line := range bytes.Lines(extra) {
		offset := start
		start += len(line)
		i := bytes.Index(line, []byte(waiverMarker))
		if i < 0 {
			continue
		}
		comment := bytes.TrimSpace(line)
		directive := strings.TrimSuffix(strings.TrimSpace(string(line[i:])), "*/")
		if !bytes.HasPrefix(comment, []byte("//")) && !bytes.HasPrefix(comment, []byte("/*")) || !waiverLineRE.MatchString(directive) {
			continue // a mention of the marker, not a directive
		}
		pos := p.position(offset + i)
		w, err := parseWaiver(directive)
		if err != "" {
			p.fail(pos, "malformed tailaudit:ignore comment: "+err)
			continue
		}
		if !before {
			p.file.Warnings = append(p.file.Warnings, &source.Error{File: p.file.Name, Line: pos.Line, Column: pos.Column, Msg: "tailaudit:ignore comment is not on the line before a value, so it waives nothing"})
			continue
		}
		w.Path, w.File = p.at(), p.file.Name
		w.Source = fmt.Sprintf("%s:%d", p.file.Name, pos.Line)
		w.Written = finding.Location{File: p.file.Name, Line: pos.Line, Column: pos.Column}
		p.file.Waivers = append(p.file.Waivers, w)
	}
}

func (p *parser) fail(pos Position, msg string) {
	if p.err == nil {
		p.err = &source.Error{File: p.file.Name, Line: pos.Line, Column: pos.Column, Msg: msg}
	}
}

// parseWaiver parses "tailaudit:ignore ID[,ID] until=DATE reason="TEXT" by=WHO", which must match
// waiverLineRE. It returns a description of what is wrong, or "".
func parseWaiver(text string) (finding.Waiver, string) {
	var w finding.Waiver
	m := waiverLineRE.FindStringSubmatch(text)
	rest := strings.TrimSpace(m[1])
	ids, rest, _ := strings.Cut(rest, " ")
	if ids == "" {
		return w, "name the rule id to waive, e.g. tailaudit:ignore TA-SSH-001 until=2027-01-31 reason=\"...\" by=you@example.com"
	}
	for id := range strings.SplitSeq(ids, ",") {
		if !ruleIDRE.MatchString(id) {
			return w, "invalid rule id " + quote(id)
		}
		w.Rules = append(w.Rules, id)
	}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		am := waiverArgRE.FindStringSubmatch(rest)
		if am == nil {
			return w, "expected key=value, found " + quote(rest)
		}
		rest = rest[len(am[0]):]
		val := am[2]
		if strings.HasPrefix(val, `"`) {
			if len(val) < 2 || !strings.HasSuffix(val, `"`) {
				return w, "unterminated quoted value for " + am[1]
			}
			val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
		}
		switch am[1] {
		case "until", "expires":
			if _, err := time.Parse(time.DateOnly, val); err != nil {
				return w, "until must be a date like 2027-01-31, not " + quote(val)
			}
			w.Expires = val
		case "reason":
			w.Reason = val
		case "by":
			w.By = val
		default:
			return w, "unknown key " + quote(am[1]) + " (want until, reason or by)"
		}
	}
	switch {
	case w.Reason == "":
		return w, `a reason is required: reason="why this is accepted"`
	case w.Expires == "":
		return w, "an expiry is required: until=YYYY-MM-DD"
	case w.By == "":
		return w, "who accepted the risk is required: by=you@example.com"
	}
	return w, ""
}

func quote(s string) string { return `"` + s + `"` }
