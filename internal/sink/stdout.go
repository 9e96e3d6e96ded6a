package sink

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// stdoutSink writes each alert as one line of JSON, as -f jsonl does.
type stdoutSink struct{ w io.Writer }

func (*stdoutSink) Name() string { return "stdout" }

func (*stdoutSink) MaxBatch() int { return 500 }

func (s *stdoutSink) Deliver(ctx context.Context, alerts []finding.Alert) (out []Result) {
	defer recoverInto("stdout", len(alerts), &out)
	out = make([]Result, len(alerts))
	for i, a := range alerts {
		if err := ctx.Err(); err != nil {
			out[i].Err = fmt.Errorf("stdout: %w", err)
			continue
		}
		b, err := json.Marshal(a)
		if err != nil {
			out[i].Err = fmt.Errorf("stdout: encode alert %s: %w", a.ID, err)
			continue
		}
		if _, err := s.w.Write(append(b, '\n')); err != nil {
			out[i].Err = fmt.Errorf("stdout: %w", err)
		}
	}
	return out
}
