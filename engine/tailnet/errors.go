package tailnet

import (
	"fmt"
	"strings"

	"github.com/tailaudit/tailaudit/engine/source"
)

// ValidationError is a well-formed snapshot that does not match the snapshot schema. Each problem is
// a *source.Error whose Pointer locates the value (such as /devices/3/lastSeen; "" is the whole
// document), whose Line and Column say where it is written (0 when not known, as for a value too
// large to keep while streaming) and whose Msg says what is wrong with it.
type ValidationError struct {
	Name     string
	Problems []*source.Error
}

// maxProblemsShown bounds the problems Error lists; Problems holds them all.
const maxProblemsShown = 10

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: does not match the snapshot schema", label(e.Name))
	for i, p := range e.Problems {
		if i == maxProblemsShown {
			fmt.Fprintf(&b, "\n  and %d more", len(e.Problems)-i)
			break
		}
		path := p.Pointer
		if path == "" {
			path = "/"
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, "\n  %s:%d:%d: %s: %s", p.File, p.Line, p.Column, path, p.Msg)
		} else {
			fmt.Fprintf(&b, "\n  %s: %s", path, p.Msg)
		}
	}
	return b.String()
}

// Unwrap returns each problem, so that errors.As and source.All find them.
func (e *ValidationError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// problem is a schema problem of the snapshot name at a JSON pointer.
func problem(name, pointer, reason string) *source.Error {
	return &source.Error{File: label(name), Pointer: pointer, Msg: reason}
}

// label names a snapshot in messages: its file name, or "snapshot" for an unnamed reader.
func label(name string) string {
	if name == "" {
		return "snapshot"
	}
	return name
}
