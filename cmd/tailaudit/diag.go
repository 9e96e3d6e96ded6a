package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
)

// diagHandler prints log records the way every other tailaudit message is printed:
//
//	tailaudit: warning: retrying request method=GET path=/api/v2/... attempt=1
//
// with no timestamp, the level as a word (debug, info, warning, error), and the attributes as
// key=value pairs, quoted when they hold spaces.
type diagHandler struct {
	w      io.Writer
	mu     *sync.Mutex
	level  slog.Leveler
	attrs  []slog.Attr
	groups []string
}

func newDiagHandler(w io.Writer, level slog.Leveler) *diagHandler {
	return &diagHandler{w: w, mu: &sync.Mutex{}, level: level}
}

func (h *diagHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *diagHandler) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	b.WriteString("tailaudit: ")
	b.WriteString(levelWord(r.Level))
	b.WriteString(": ")
	b.WriteString(r.Message)
	for _, a := range h.attrs {
		writeAttr(&b, "", a)
	}
	prefix := strings.Join(h.groups, ".")
	if prefix != "" {
		prefix += "."
	}
	r.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, prefix, a)
		return true
	})
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b.Bytes())
	return err
}

func (h *diagHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	prefix := strings.Join(h.groups, ".")
	c.attrs = appendInGroup(h.attrs, attrs, prefix)
	return &c
}

func (h *diagHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.groups = append(append([]string(nil), h.groups...), name)
	return &c
}

// appendInGroup returns attrs followed by more, each of more under the group prefix.
func appendInGroup(attrs, more []slog.Attr, prefix string) []slog.Attr {
	out := append([]slog.Attr(nil), attrs...)
	for _, a := range more {
		if prefix != "" {
			a = slog.Group(prefix, a)
		}
		out = append(out, a)
	}
	return out
}

func writeAttr(b *bytes.Buffer, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			writeAttr(b, p, g)
		}
		return
	}
	b.WriteByte(' ')
	b.WriteString(prefix + a.Key)
	b.WriteByte('=')
	s := v.String()
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		s = strconv.Quote(s)
	}
	b.WriteString(s)
}

func levelWord(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warning"
	case l >= slog.LevelInfo:
		return "info"
	}
	return "debug"
}
