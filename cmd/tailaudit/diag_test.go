package main

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
)

func TestDiagHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(newDiagHandler(&buf, slog.LevelDebug))
	log.Warn("endpoint not collected", "endpoint", "keys", "err", errors.New("HTTP 403: no access"))
	log.With("run", 1).WithGroup("req").Debug("retrying request", "path", "/api/v2/x", "attempt", 2, "empty", "")
	log.Error("failed", slog.Group("g", "a", true))
	log.Info("note")
	quiet := slog.New(newDiagHandler(&buf, slog.LevelWarn))
	quiet.Info("not shown")
	want := `tailaudit: warning: endpoint not collected endpoint=keys err="HTTP 403: no access"
tailaudit: debug: retrying request run=1 req.path=/api/v2/x req.attempt=2 req.empty=""
tailaudit: error: failed g.a=true
tailaudit: info: note
`
	if got := buf.String(); got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
}
