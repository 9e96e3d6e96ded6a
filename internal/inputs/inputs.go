package inputs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/tailnet"
)

// The kinds of input a finding.Input record names.
const (
	KindPolicy   = "policy"
	KindSnapshot = "snapshot"
)

// Stdin is the path that names standard input for a policy file, and StdinName the name the file
// then has in findings.
const (
	Stdin     = "-"
	StdinName = "<stdin>"
)

// Documents are the parsed inputs of one run, with a record of every file read.
type Documents struct {
	Policy      *policyfile.File  // nil when none was given and the snapshot holds none
	PolicyError string            // why Policy is nil although a snapshot was given
	Snapshot    *tailnet.Snapshot // nil when none was given
	Inputs      []finding.Input   // the snapshot, then the policy file, as read
}

// Load reads the tailnet snapshot at snapshotPath and the policy file at policyPath (Stdin: read
// from stdin); either may be "". Without a policy file, the policy stored in the snapshot is used.
func Load(policyPath, snapshotPath string, stdin io.Reader) (*Documents, error) {
	docs := &Documents{}
	if snapshotPath != "" {
		snap, rec, err := Snapshot(snapshotPath)
		if err != nil {
			return nil, err
		}
		docs.Snapshot = snap
		docs.Inputs = append(docs.Inputs, rec)
	}
	switch {
	case policyPath != "":
		pol, rec, err := Policy(policyPath, stdin)
		if err != nil {
			return nil, err
		}
		docs.Policy = pol
		docs.Inputs = append(docs.Inputs, rec)
	case docs.Snapshot != nil:
		docs.Policy, docs.PolicyError = SnapshotPolicy(docs.Snapshot)
	}
	return docs, nil
}

// Policy reads and parses the policy file at path, or stdin when path is Stdin. A file that looks
// like a tailnet snapshot is an error that says so.
func Policy(path string, stdin io.Reader) (*policyfile.File, finding.Input, error) {
	var src []byte
	var err error
	name := path
	if path == Stdin {
		name = StdinName
		src, err = io.ReadAll(io.LimitReader(stdin, policyfile.MaxSize+1))
		if err != nil {
			err = fmt.Errorf("read policy file from stdin: %w", err)
		}
	} else {
		src, err = readFile(path, "policy file", policyfile.MaxSize)
	}
	if err != nil {
		if path != Stdin && snapshotHeader(path) {
			return nil, finding.Input{}, notPolicy(path)
		}
		return nil, finding.Input{}, err
	}
	f, err := policyfile.Parse(name, src)
	if err != nil {
		return nil, finding.Input{}, err
	}
	if looksLikeSnapshot(f.Doc) {
		return nil, finding.Input{}, notPolicy(name)
	}
	return f, finding.Input{Kind: KindPolicy, Path: name, SHA256: sha256Hex(src)}, nil
}

// Snapshot reads and validates the tailnet snapshot at path, hashing its bytes as they stream past.
// A file that does not decode and looks like a policy file is an error that says so.
func Snapshot(path string) (*tailnet.Snapshot, finding.Input, error) {
	if err := statFile(path, "snapshot", 0); err != nil {
		return nil, finding.Input{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, finding.Input{}, fmt.Errorf("read snapshot: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	snap, err := tailnet.Decode(path, io.TeeReader(f, h))
	if err != nil {
		if looksLikePolicyFile(path) {
			return nil, finding.Input{}, notSnapshot(path)
		}
		return nil, finding.Input{}, err
	}
	if _, err := io.Copy(h, f); err != nil {
		return nil, finding.Input{}, fmt.Errorf("read snapshot: %w", err)
	}
	return snap, finding.Input{Kind: KindSnapshot, Path: path, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// SnapshotPolicy parses the policy file stored in a snapshot. A policy that is missing or does not
// parse is not an error: it returns the reason instead, for the policy rules to report as why they
// were not assessed.
func SnapshotPolicy(snap *tailnet.Snapshot) (*policyfile.File, string) {
	text, ok := snap.PolicyHuJSON()
	if !ok {
		if reason, missing := snap.Missing(tailnet.EndpointPolicy); missing {
			return nil, "the snapshot has no policy file (" + reason + ") and none was given"
		}
		return nil, "the snapshot has no policy file and none was given"
	}
	f, err := policyfile.Parse(snap.Name+"#policy", []byte(text))
	if err != nil {
		return nil, "the policy file stored in the snapshot does not parse: " + err.Error()
	}
	return f, ""
}

// readFile reads a file the user named, with messages that say what is wrong in their terms.
func readFile(path, what string, maxSize int64) ([]byte, error) {
	if err := statFile(path, what, maxSize); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return b, nil
}

// statFile checks that path names a regular-looking file of at most maxSize bytes (0: no limit).
func statFile(path, what string, maxSize int64) error {
	fi, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return fmt.Errorf("%s: no such %s", path, what)
	case err != nil:
		return fmt.Errorf("read %s: %w", what, err)
	case fi.IsDir():
		return fmt.Errorf("%s: is a directory, not a %s", path, what)
	case maxSize > 0 && fi.Size() > maxSize:
		return fmt.Errorf("%s: %s is %.1f MB; tailaudit reads at most %d MB", path, what, float64(fi.Size())/(1<<20), maxSize>>20)
	}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
