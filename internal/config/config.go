package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tailscale/hujson"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
)

// FileName is the config file tailaudit looks for in the working directory.
const FileName = ".tailaudit.hujson"

// Config is the parsed config file.
type Config struct {
	Path                 string // where it was read from; "" when there is none
	SHA256               string // of the file's bytes, hex, for the report's record of its inputs
	FailOn               finding.Severity
	RuleDirs             []string // resolved relative to the config file's directory
	Params               map[string]any
	ParamsAt             map[string]finding.Location // where each parameter's value is written
	AllowNetworkBuiltins bool
	Waivers              []finding.Waiver // each waives one rule within one scope
	// RetentionMonths is the organisation's log retention period per framework id, in calendar
	// months, for evidence packs: it replaces a framework's configurable default and can only raise
	// a fixed minimum. Framework ids are checked by the report, which knows the catalogues.
	RetentionMonths map[string]int
}

// file is the config file's JSON shape.
type file struct {
	FailOn               string         `json:"failOn"`
	Rules                []string       `json:"rules"`
	Params               map[string]any `json:"params"`
	AllowNetworkBuiltins bool           `json:"allowNetworkBuiltins"`
	Waivers              []waiver       `json:"waivers"`
	RetentionMonths      map[string]int `json:"retentionMonths"`
}

type waiver struct {
	Rule        string `json:"rule"`
	Fingerprint string `json:"fingerprint"`
	Path        string `json:"path"`
	Resource    string `json:"resource"`
	Reason      string `json:"reason"`
	By          string `json:"by"`
	Expires     string `json:"expires"`
}

// MaxSize is the largest config file read: a config file is a few lines; the bound is the policy
// file's.
const MaxSize = policyfile.MaxSize

// maxDepth bounds nesting; a config file needs four levels (params of objects of lists).
const maxDepth = 64

// Find loads path when it is not empty (it must exist), otherwise FileName in dir if it exists.
// With no config file it returns the defaults.
func Find(path, dir string) (*Config, error) {
	if path == "" {
		path = filepath.Join(dir, FileName)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return &Config{FailOn: finding.High}, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxSize+1)) // Parse reports a larger file
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, src)
}

// Parse reads a config file's contents. Problems in it are returned as *source.Error with the file,
// line and column. The file is first held to the guards of every input (size, UTF-8, nesting, keys
// written twice, numbers out of range), as a policy file is.
func Parse(name string, src []byte) (*Config, error) {
	errAt := func(offset int, format string, args ...any) *source.Error {
		line, col := lineCol(src, offset)
		return source.Errorf(name, line, col, format, args...)
	}
	if err := source.Check(name, src, source.Limits{
		Kind:     "config file",
		MaxSize:  MaxSize,
		MaxDepth: maxDepth,
		Empty:    "file is empty; a config file is a HuJSON object such as {\"failOn\": \"high\"}",
	}); err != nil {
		return nil, err
	}
	tree, err := hujson.Parse(src)
	if err != nil {
		return nil, policyfile.SyntaxError(name, src, err) // the same HuJSON, reported the same way
	}
	std := tree.Clone()
	std.Standardize() // comments become spaces: byte offsets are kept
	dec := json.NewDecoder(bytes.NewReader(std.Pack()))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var f file
	if err := dec.Decode(&f); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, errAt(int(syn.Offset), "%v", syn)
		case errors.As(err, &typ):
			return nil, errAt(int(typ.Offset), "%s: want %s, got %s", typ.Field, typ.Type, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return nil, errAt(offsetOfKey(src, field), "unknown setting %q (known: failOn, rules, params, allowNetworkBuiltins, waivers, retentionMonths)", field)
		}
		return nil, &source.Error{File: name, Msg: err.Error()}
	}
	sum := sha256.Sum256(src)
	cfg := &Config{Path: name, SHA256: hex.EncodeToString(sum[:]), FailOn: finding.High, Params: f.Params, AllowNetworkBuiltins: f.AllowNetworkBuiltins}
	if f.FailOn != "" {
		sev, err := finding.ParseSeverity(f.FailOn)
		if err != nil {
			return nil, errAt(offsetOfKey(src, "failOn"), "failOn: %v", err)
		}
		cfg.FailOn = sev
	}
	for fw, months := range f.RetentionMonths {
		if months <= 0 || months > 1200 {
			return nil, errAt(offsetOfKey(src, fw), "retentionMonths.%s: %d is not a number of months between 1 and 1200", fw, months)
		}
		if cfg.RetentionMonths == nil {
			cfg.RetentionMonths = map[string]int{}
		}
		cfg.RetentionMonths[fw] = months
	}
	for _, dir := range f.Rules {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(filepath.Dir(name), dir)
		}
		cfg.RuleDirs = append(cfg.RuleDirs, dir)
	}
	for param, at := range paramOffsets(tree) {
		line, col := lineCol(src, at)
		if cfg.ParamsAt == nil {
			cfg.ParamsAt = map[string]finding.Location{}
		}
		cfg.ParamsAt[param] = finding.Location{File: cfg.Path, Line: line, Column: col}
	}
	offsets := waiverOffsets(tree)
	for i, w := range f.Waivers {
		at := 0
		if i < len(offsets) {
			at = offsets[i]
		}
		ew, msg := w.check()
		if msg != "" {
			return nil, errAt(at, "waivers[%d]: %s", i, msg)
		}
		line, col := lineCol(src, at)
		ew.Source = fmt.Sprintf("%s:%d", name, line)
		ew.Written = finding.Location{File: name, Line: line, Column: col}
		cfg.Waivers = append(cfg.Waivers, ew)
	}
	return cfg, nil
}

// check validates a waiver as written and returns it as the engine applies it: one rule, exactly one
// scope (a fingerprint, a JSON pointer or a resource id or name), reason, by and expiry.
func (w waiver) check() (finding.Waiver, string) {
	ew := finding.Waiver{Rules: []string{w.Rule}, Fingerprint: w.Fingerprint, Path: w.Path, Resource: w.Resource, Reason: w.Reason, By: w.By, Expires: w.Expires}
	scopes := 0
	for _, s := range []string{w.Fingerprint, w.Path, w.Resource} {
		if s != "" {
			scopes++
		}
	}
	switch {
	case w.Rule == "":
		return ew, "rule is required (the id of the rule to waive)"
	case scopes != 1:
		return ew, "give exactly one of fingerprint, path or resource to say what the waiver covers"
	case w.Path != "" && !strings.HasPrefix(w.Path, "/"):
		return ew, fmt.Sprintf("path must be a JSON pointer such as /ssh/2, not %q", w.Path)
	case w.Reason == "":
		return ew, "reason is required"
	case w.By == "":
		return ew, "by is required (who accepted the risk)"
	case w.Expires == "":
		return ew, "expires is required (YYYY-MM-DD)"
	}
	if _, err := time.Parse(time.DateOnly, w.Expires); err != nil {
		return ew, fmt.Sprintf("expires must be a date like 2027-01-31, not %q", w.Expires)
	}
	return ew, ""
}

// waiverOffsets returns where each element of the top-level "waivers" array starts.
func waiverOffsets(tree hujson.Value) []int {
	obj, ok := tree.Value.(*hujson.Object)
	if !ok {
		return nil
	}
	for _, m := range obj.Members {
		if m.Name.Value.(hujson.Literal).String() != "waivers" {
			continue
		}
		arr, ok := m.Value.Value.(*hujson.Array)
		if !ok {
			return nil
		}
		out := make([]int, len(arr.Elements))
		for i, el := range arr.Elements {
			out[i] = el.StartOffset
		}
		return out
	}
	return nil
}

// paramOffsets returns where the value of each member of the top-level "params" object starts.
func paramOffsets(tree hujson.Value) map[string]int {
	obj, ok := tree.Value.(*hujson.Object)
	if !ok {
		return nil
	}
	for _, m := range obj.Members {
		if m.Name.Value.(hujson.Literal).String() != "params" {
			continue
		}
		params, ok := m.Value.Value.(*hujson.Object)
		if !ok {
			return nil
		}
		out := make(map[string]int, len(params.Members))
		for _, p := range params.Members {
			out[p.Name.Value.(hujson.Literal).String()] = p.Value.StartOffset
		}
		return out
	}
	return nil
}

// offsetOfKey finds where "key" is first written, for pointing at unknown or invalid settings.
func offsetOfKey(src []byte, key string) int {
	if i := bytes.Index(src, []byte(`"`+key+`"`)); i >= 0 {
		return i
	}
	return 0
}

func lineCol(src []byte, offset int) (int, int) {
	offset = min(max(offset, 0), len(src))
	line := 1 + bytes.Count(src[:offset], []byte("\n"))
	col := offset - bytes.LastIndexByte(src[:offset], '\n')
	return line, col
}
