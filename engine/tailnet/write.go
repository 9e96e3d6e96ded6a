package tailnet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/tailaudit/tailaudit/internal/atomicfile"
)

// Encode writes the snapshot as indented JSON with sorted keys. Top-level arrays are written one
// element at a time, so encoding a large snapshot does not build the whole document in memory.
func (s *Snapshot) Encode(w io.Writer) error {
	keys := make([]string, 0, len(s.Raw))
	for k := range s.Raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	bw := bufio.NewWriter(w)
	bw.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  ")
		if err := writeJSON(bw, k, "  "); err != nil {
			return err
		}
		bw.WriteString(": ")
		arr, isArray := s.Raw[k].([]any)
		if !isArray || len(arr) == 0 {
			if err := writeJSON(bw, s.Raw[k], "  "); err != nil {
				return fmt.Errorf("encode %s: %w", k, err)
			}
			continue
		}
		bw.WriteString("[")
		for j, v := range arr {
			if j > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n    ")
			if err := writeJSON(bw, v, "    "); err != nil {
				return fmt.Errorf("encode /%s/%d: %w", k, j, err)
			}
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

func writeJSON(w *bufio.Writer, v any, prefix string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return err
}

// Validate checks the snapshot against the snapshot schema, exactly as Load would read it back.
func (s *Snapshot) Validate() error {
	var buf bytes.Buffer
	if err := s.Encode(&buf); err != nil {
		return err
	}
	_, err := Decode(s.Name, &buf)
	return err
}

// Write writes the snapshot to path atomically: a failed write never leaves a partial file.
func (s *Snapshot) Write(path string) error {
	if err := atomicfile.Write(path, s.Encode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
