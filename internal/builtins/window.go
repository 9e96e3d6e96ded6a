package builtins

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"
)

func windowFunction() Function {
	return Function{
		Decl: &rego.Function{
			Name:        "tailscale.in_change_window",
			Description: `whether the RFC 3339 timestamp ts falls in one of windows, each "DAYS HH:MM-HH:MM" in UTC`,
			Decl:        types.NewFunction(types.Args(types.NewArray(nil, types.A), types.A), types.B),
		},
		Impl: builtinInChangeWindow,
	}
}

// windowDays numbers the days a window names as the change-window rule did, Monday first.
var windowDays = map[string]int{"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

// builtinInChangeWindow is tailscale.in_change_window(windows, ts): true when the instant ts falls
// in one of windows, each "DAYS HH:MM-HH:MM" (any case, surrounding space trimmed) in UTC, where
// DAYS is a range (mon-fri) or a comma list (sat,sun), the start minute included and the end one
// not. A window that does not have that shape allows nothing. It decides as the Rego it replaced
// in policy_outside_change_window, errors included, and in the same order: the windows are tried
// in turn up to the first that allows ts; ts is parsed (an error when it is not an RFC 3339
// string within the instants time.parse_rfc3339_ns accepts) only once a window names a known day,
// and a window's hours are read as numbers (an error when to_number would fail) only on a day it
// allows, the start first, the end only when the start is not after ts.
func builtinInChangeWindow(_ rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	list, ok := terms[0].Value.(*ast.Array)
	if !ok {
		return nil, fmt.Errorf("windows must be an array, not %s", ast.ValueName(terms[0].Value))
	}
	c := &windowClock{ts: terms[1].Value}
	for i := range list.Len() {
		w, ok := list.Elem(i).Value.(ast.String)
		if !ok {
			return nil, fmt.Errorf("window %d must be a string, not %s", i, ast.ValueName(list.Elem(i).Value))
		}
		in, err := c.inWindow(string(w))
		if err != nil || in {
			return ast.InternedTerm(in), err
		}
	}
	return ast.InternedTerm(false), nil
}

// windowClock is the day and the minute of the day of ts in UTC, worked out when first needed.
type windowClock struct {
	ts     ast.Value
	done   bool
	err    error
	day    int
	minute float64
}

func (c *windowClock) at() (int, float64, error) {
	if !c.done {
		c.done = true
		s, ok := c.ts.(ast.String)
		if !ok {
			c.err = fmt.Errorf("ts must be a string, not %s", ast.ValueName(c.ts))
			return 0, 0, c.err
		}
		t, err := time.Parse(time.RFC3339, string(s))
		if err == nil && (t.Before(minNanoTime) || t.After(maxNanoTime)) {
			err = errors.New("time outside of valid range")
		}
		if err != nil {
			c.err = err
			return 0, 0, err
		}
		t = t.UTC()
		c.day = (int(t.Weekday()) + 6) % 7
		c.minute = float64(t.Hour()*60 + t.Minute())
	}
	return c.day, c.minute, c.err
}

func (c *windowClock) inWindow(w string) (bool, error) {
	parts := strings.Split(strings.ToLower(strings.TrimSpace(w)), " ")
	if len(parts) != 2 {
		return false, nil
	}
	if in, err := c.dayIn(parts[0]); err != nil || !in {
		return false, err
	}
	hours := strings.Split(parts[1], "-")
	if len(hours) != 2 {
		return false, nil
	}
	_, minute, _ := c.at() // dayIn has read it without error
	start, ok, err := windowMinutes(hours[0])
	if err != nil || !ok || start > minute {
		return false, err
	}
	end, ok, err := windowMinutes(hours[1])
	if err != nil || !ok {
		return false, err
	}
	return minute < end, nil
}

func (c *windowClock) dayIn(spec string) (bool, error) {
	if ends := strings.Split(spec, "-"); len(ends) == 2 {
		first, ok1 := windowDays[ends[0]]
		last, ok2 := windowDays[ends[1]]
		if !ok1 || !ok2 {
			return false, nil
		}
		day, _, err := c.at()
		return err == nil && first <= day && day <= last, err
	}
	if strings.Contains(spec, "-") {
		return false, nil
	}
	for d := range strings.SplitSeq(spec, ",") {
		n, ok := windowDays[d]
		if !ok {
			continue
		}
		day, _, err := c.at()
		if err != nil {
			return false, err
		}
		if n == day {
			return true, nil
		}
	}
	return false, nil
}

// windowMinutes reads "HH:MM" as HH*60+MM, each part a number as to_number reads it; ok is false
// when hhmm is not two parts, and an error when a part is not a number.
func windowMinutes(hhmm string) (float64, bool, error) {
	p := strings.Split(hhmm, ":")
	if len(p) != 2 {
		return 0, false, nil
	}
	h, err := windowNumber(p[0])
	if err != nil {
		return 0, false, err
	}
	m, err := windowNumber(p[1])
	if err != nil {
		return 0, false, err
	}
	return h*60 + m, true, nil
}

func windowNumber(s string) (float64, error) {
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "inf", "infinity", "nan":
		return 0, fmt.Errorf("to_number: %q is not a valid number string", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("to_number: %w", err)
	}
	if math.IsInf(f, 0) {
		return 0, fmt.Errorf("to_number: %q is out of range", s)
	}
	return f, nil
}
