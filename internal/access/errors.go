package access

import "github.com/tailaudit/tailaudit/engine/source"

// Error is a policy problem at a JSON path, worded as Tailscale's control plane words it.
type Error struct {
	// Path locates the offending value: object keys are strings, array indexes are ints,
	// for example []any{"acls", 3, "dst", 0}.
	Path []any
	// Message says what is wrong, in Tailscale's words where they are known.
	Message string
	// NotModelled names the feature ("IP sets") when the value uses one Tailscale accepts and
	// tailaudit does not model, so the entry holding it is left out of what is evaluated; such an
	// Error is never one Tailscale makes, and Compile returns it from Policy.Unchecked.
	NotModelled string
}

// Error returns the message prefixed with the JSON pointer of the offending value.
func (e Error) Error() string {
	if len(e.Path) == 0 {
		return e.Message
	}
	return e.Pointer() + ": " + e.Message
}

// Pointer returns Path as an RFC 6901 JSON pointer, such as "/acls/3/dst/0".
func (e Error) Pointer() string {
	return source.Pointer(e.Path)
}

// at returns a copy of base with elems appended; paths are shared between errors, so never append in place.
func at(base []any, elems ...any) []any {
	out := make([]any, 0, len(base)+len(elems))
	out = append(out, base...)
	return append(out, elems...)
}
