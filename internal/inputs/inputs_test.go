package inputs_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/internal/inputs"
	"github.com/tailaudit/tailaudit/internal/sharedcorpus"
)

const (
	demoPolicy   = "../../fixtures/demo/policy.hujson"
	demoSnapshot = "../../fixtures/demo/snapshot.json"
)

func sum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// large writes a file that starts with head and is size bytes long, without writing them all.
func large(t *testing.T, head string, size int64) string {
	t.Helper()
	p := write(t, "large.json", head)
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicy(t *testing.T) {
	tooLarge := int64(policyfile.MaxSize + 1)
	for _, tt := range []struct {
		name    string
		path    string
		stdin   string
		wantErr string // "" loads
	}{
		{"demo", demoPolicy, "", ""},
		{"stdin", inputs.Stdin, `{"acls": []}`, ""},
		{"missing", filepath.Join(t.TempDir(), "nope.hujson"), "", "nope.hujson: no such policy file"},
		{"directory", t.TempDir(), "", "is a directory, not a policy file"},
		{"too_large", large(t, "{", tooLarge), "", "policy file is 10.0 MB; tailaudit reads at most 10 MB"},
		{"syntax_error", write(t, "p.hujson", "{\n  \"acls\": [,\n}"), "", "p.hujson:2:"},
		{"snapshot", demoSnapshot, "", "snapshot.json: this looks like a tailnet snapshot, not a policy file; pass it with --snapshot"},
		{"snapshot_without_schema", write(t, "s.json", `{"tailnet": "acme.example", "devices": [], "collection": {"errors": []}}`), "", "this looks like a tailnet snapshot"},
		{"large_snapshot", large(t, "{\n  \"schemaVersion\": \"tailaudit.snapshot/v1\",\n", tooLarge), "", "this looks like a tailnet snapshot"},
		{"policy_with_a_snapshot_key", write(t, "p.hujson", `{"acls": [], "devices": [], "tailnet": "x"}`), "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, rec, err := inputs.Policy(tt.path, strings.NewReader(tt.stdin))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Policy(%s) error = %v, want one containing %q", tt.path, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Policy(%s): %v", tt.path, err)
			}
			want := finding.Input{Kind: "policy", Path: tt.path, SHA256: hex.EncodeToString(sha256.New().Sum(nil))}
			if tt.path == inputs.Stdin {
				h := sha256.Sum256([]byte(tt.stdin))
				want.Path, want.SHA256 = "<stdin>", hex.EncodeToString(h[:])
			} else {
				want.SHA256 = sum(t, tt.path)
			}
			if d := cmp.Diff(want, rec); d != "" {
				t.Errorf("input record (-want +got):\n%s", d)
			}
			if f.Name != want.Path {
				t.Errorf("policy name = %q, want %q", f.Name, want.Path)
			}
		})
	}
}

func TestSnapshot(t *testing.T) {
	for _, tt := range []struct {
		name    string
		path    string
		wantErr string // "" loads
	}{
		{"demo", demoSnapshot, ""},
		{"missing", filepath.Join(t.TempDir(), "nope.json"), "nope.json: no such snapshot"},
		{"directory", t.TempDir(), "is a directory, not a snapshot"},
		{"policy_hujson", demoPolicy, "policy.hujson: this looks like a policy file, not a tailnet snapshot"},
		{"policy_plain_json", write(t, "p.json", `{"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]}`), "this looks like a policy file"},
		{"hujson_without_policy_keys", write(t, "p.hujson", "{\n  // a comment\n  \"x\": 1,\n}"), "this looks like a policy file"},
		{"broken_snapshot", write(t, "s.json", "{\"schemaVersion\": \"tailaudit.snapshot/v1\", \"acls\": [,]}"), "s.json:1:"},
		{"not_json", write(t, "s.json", "devices"), "s.json:1:1:"},
		{"broken_policy_with_a_comment", write(t, "p.hujson", "// our tailnet\n{\n  \"acls\": [,\n}"), "this looks like a policy file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			snap, rec, err := inputs.Snapshot(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Snapshot(%s) error = %v, want one containing %q", tt.path, err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "looks like") {
					if _, ok := errors.AsType[*source.Error](err); !ok {
						t.Errorf("error %v is a %T, want a *source.Error", err, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Snapshot(%s): %v", tt.path, err)
			}
			want := finding.Input{Kind: "snapshot", Path: tt.path, SHA256: sum(t, tt.path)}
			if d := cmp.Diff(want, rec); d != "" {
				t.Errorf("input record (-want +got):\n%s", d)
			}
			if len(snap.Raw) == 0 {
				t.Error("snapshot has no content")
			}
		})
	}
}

// TestCorpusPolicies checks the policy files of the shared corpus both ways: as a policy none is
// taken for a snapshot, and as a snapshot every one that parses, or starts with a comment, is
// recognised as a policy file.
func TestCorpusPolicies(t *testing.T) {
	dir := sharedcorpus.Require(t, "corpus/policies")
	files, err := filepath.Glob(filepath.Join(dir, "*.hujson"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no policy files in %s (%v)", dir, err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, _, err := inputs.Policy(path, nil)
			if err != nil && strings.Contains(err.Error(), "tailnet snapshot") {
				t.Errorf("as a policy: %v", err)
			}
			src, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if err != nil && !bytes.HasPrefix(bytes.TrimSpace(src), []byte("//")) {
				return // neither a valid policy nor recognisably HuJSON
			}
			if _, _, err := inputs.Snapshot(path); err == nil || !strings.Contains(err.Error(), "this looks like a policy file") {
				t.Errorf("as a snapshot: error = %v, want one saying it looks like a policy file", err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	for _, tt := range []struct {
		name, policy, snapshot string
		wantPolicy             string // the policy's name, "" for none
		wantInputs             []string
	}{
		{"policy", demoPolicy, "", demoPolicy, []string{"policy " + demoPolicy}},
		{"snapshot_with_its_policy", "", demoSnapshot, demoSnapshot + "#policy", []string{"snapshot " + demoSnapshot}},
		{"both", demoPolicy, demoSnapshot, demoPolicy, []string{"snapshot " + demoSnapshot, "policy " + demoPolicy}},
		{"none", "", "", "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := inputs.Load(tt.policy, tt.snapshot, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, in := range docs.Inputs {
				if len(in.SHA256) != 64 {
					t.Errorf("%s %s has no SHA-256: %q", in.Kind, in.Path, in.SHA256)
				}
				got = append(got, in.Kind+" "+in.Path)
			}
			if d := cmp.Diff(tt.wantInputs, got); d != "" {
				t.Errorf("inputs (-want +got):\n%s", d)
			}
			name := ""
			if docs.Policy != nil {
				name = docs.Policy.Name
			}
			if name != tt.wantPolicy || (docs.Snapshot != nil) != (tt.snapshot != "") {
				t.Errorf("policy %q, snapshot %v; want policy %q, snapshot %v", name, docs.Snapshot != nil, tt.wantPolicy, tt.snapshot != "")
			}
		})
	}
}

func TestSnapshotPolicyMissing(t *testing.T) {
	path := write(t, "s.json", `{"schemaVersion": "tailaudit.snapshot/v1", "tailnet": "acme.example", "collectedAt": "2026-11-24T12:00:00Z", "collection": {"errors": [{"endpoint": "policy", "status": 403, "message": "forbidden"}]}}`)
	docs, err := inputs.Load("", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if docs.Policy != nil || !strings.Contains(docs.PolicyError, "the snapshot has no policy file") {
		t.Errorf("policy %v, reason %q; want none, with the reason", docs.Policy, docs.PolicyError)
	}
}
