package source

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// Error is a problem at a place in an input file: a policy file, a config file, a snapshot, a rule
// module or a framework catalogue. Every reader of user input returns it, so that a command can
// print it as file:line:column and a renderer can annotate the line like a finding.
type Error struct {
	File    string // the file as the user named it
	Line    int    // 1-based; 0 when unknown
	Column  int    // 1-based, in bytes; 0 when unknown
	Pointer string // JSON pointer of the value at fault, "" when unknown or not JSON
	Msg     string
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0 && e.Pointer != "":
		return fmt.Sprintf("%s: %s: %s", e.File, e.Pointer, e.Msg)
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Location returns where the error is, as a finding location.
func (e *Error) Location() *finding.Location {
	return &finding.Location{File: e.File, Line: e.Line, Column: e.Column, Path: e.Pointer}
}

// All returns every *Error in err's tree, in order: err itself, what it wraps, and each error of a
// list such as errors.Join's. It does not look inside an *Error. A nil err, or one that holds no
// *Error, gives none.
func All(err error) []*Error {
	switch e := err.(type) {
	case nil:
		return nil
	case *Error:
		return []*Error{e}
	case interface{ Unwrap() []error }:
		var out []*Error
		for _, inner := range e.Unwrap() {
			out = append(out, All(inner)...)
		}
		return out
	case interface{ Unwrap() error }:
		return All(e.Unwrap())
	}
	return nil
}

// Errorf returns an Error at file:line:column.
func Errorf(file string, line, column int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Column: column, Msg: fmt.Sprintf(format, args...)}
}

var (
	escaper   = strings.NewReplacer("~", "~0", "/", "~1")
	unescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// Pointer encodes a path of object keys (strings) and array indexes (ints) as a JSON pointer
// (RFC 6901), such as /acls/0/dst. Other values are written with %v.
func Pointer(path []any) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		switch v := p.(type) {
		case string:
			b.WriteString(EscapeToken(v))
		case int:
			b.WriteString(strconv.Itoa(v))
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}

// EscapeToken escapes one reference token of a JSON pointer.
func EscapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return escaper.Replace(s)
}

// Tokens splits a JSON pointer into its unescaped reference tokens; "" gives none.
func Tokens(ptr string) []string {
	if ptr == "" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, t := range toks {
		if strings.Contains(t, "~") {
			toks[i] = unescaper.Replace(t)
		}
	}
	return toks
}

// Within reports whether pointer names scope or a value inside it.
func Within(pointer, scope string) bool {
	return pointer == scope || strings.HasPrefix(pointer, strings.TrimSuffix(scope, "/")+"/")
}

// InputRuleID is the rule id under which input errors are reported as findings.
const InputRuleID = "TA-INPUT-001"

// InputRule describes the findings Finding returns, for a report's list of rules.
func InputRule() finding.Rule {
	return finding.Rule{
		ID:          InputRuleID,
		Title:       "input could not be read",
		Description: "An input file (a policy file, a snapshot, the config file, a rule or a framework catalogue) could not be read, so nothing was checked.",
		Severity:    finding.Critical,
		Remediation: "Correct the file at the place shown; the message says what is wrong there.",
	}
}

// Finding returns the error as a finding of InputRule, with result error, located where the error
// is, so that renderers can annotate the line as they do a rule's finding.
func (e *Error) Finding() finding.Finding {
	r := InputRule()
	return finding.Finding{Rule: r.Ref(), Result: finding.Error, Severity: r.Severity, Message: e.Msg, Location: e.Location()}
}
