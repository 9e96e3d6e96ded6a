package tailnet

import (
	"fmt"
	"strings"
)

// SyntaxError is a snapshot that is not well-formed JSON.
type SyntaxError struct {
	Name   string // file name, or "" for an unnamed reader
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based, in bytes
	Offset int64  // 0-based byte offset of the problem
	Msg    string
}

func (e *SyntaxError) Error() string {
	name := e.Name
	if name == "" {
		name = "snapshot"
	}
	if e.Line == 0 {
		return fmt.Sprintf("%s: byte %d: %s", name, e.Offset, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", name, e.Line, e.Column, e.Msg)
}

// Problem is one place where a snapshot does not match the schema.
type Problem struct {
	Path   string // JSON pointer, such as /devices/3/lastSeen; "" is the whole document
	Reason string
}

// ValidationError is a well-formed snapshot that does not match the snapshot schema.
type ValidationError struct {
	Name     string
	Problems []Problem
}

// maxProblemsShown bounds the problems Error lists; Problems holds them all.
const maxProblemsShown = 10

func (e *ValidationError) Error() string {
	name := e.Name
	if name == "" {
		name = "snapshot"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: does not match the snapshot schema", name)
	for i, p := range e.Problems {
		if i == maxProblemsShown {
			fmt.Fprintf(&b, "\n  and %d more", len(e.Problems)-i)
			break
		}
		path := p.Path
		if path == "" {
			path = "/"
		}
		fmt.Fprintf(&b, "\n  %s: %s", path, p.Reason)
	}
	return b.String()
}
