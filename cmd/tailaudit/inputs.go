package main

import (
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/inputs"
)

// readPolicy reads and parses a policy file ("-" is stdin), for explain.
func readPolicy(s *iostreams, path string) (*policyfile.File, []byte, error) {
	f, _, err := inputs.Policy(path, s.In)
	return f, nil, err
}

// loadSnapshot reads and validates a snapshot, for explain.
func loadSnapshot(path string) (*tailnet.Snapshot, string, error) {
	snap, rec, err := inputs.Snapshot(path)
	return snap, rec.SHA256, err
}
