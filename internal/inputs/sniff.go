package inputs

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
)

// snapshotSchema starts the schemaVersion of every tailnet snapshot.
const snapshotSchema = "tailaudit.snapshot/"

// policyKeys are top-level keys of a policy file (lower case) that a snapshot never has.
var policyKeys = map[string]bool{
	"acls": true, "grants": true, "groups": true, "hosts": true, "tagowners": true, "ssh": true,
	"tests": true, "sshtests": true, "autoapprovers": true, "nodeattrs": true, "postures": true,
	"ipsets": true, "derpmap": true, "defaultsrcposture": true,
}

// snapshotKeys are top-level keys of a snapshot that a policy file never has.
var snapshotKeys = map[string]bool{
	"schemaversion": true, "collectedat": true, "collection": true, "devices": true, "tailnet": true,
	"keys": true, "settings": true, "users": true, "webhooks": true, "contacts": true,
}

func notPolicy(file string) error {
	return &source.Error{File: file, Msg: "this looks like a tailnet snapshot, not a policy file; pass it with --snapshot"}
}

func notSnapshot(file string) error {
	return &source.Error{File: file, Msg: "this looks like a policy file, not a tailnet snapshot; pass it as the policy argument, and a snapshot from 'tailaudit collect' with --snapshot"}
}

// looksLikeSnapshot reports whether a parsed policy document is in fact a tailnet snapshot: it has a
// snapshot's schemaVersion, or two of a snapshot's keys, and no key of a policy file.
func looksLikeSnapshot(doc map[string]any) bool {
	found := 0
	for k, v := range doc {
		k = strings.ToLower(k)
		if policyKeys[k] {
			return false
		}
		if s, ok := v.(string); ok && k == "schemaversion" && strings.HasPrefix(s, snapshotSchema) {
			found += 2
		} else if snapshotKeys[k] {
			found++
		}
	}
	return found >= 2
}

// snapshotHeader reports whether the file at path starts the way a snapshot does, for a file too
// large to be read as a policy file.
func snapshotHeader(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	return bytes.Contains(head[:n], []byte(`"`+snapshotSchema))
}

// looksLikePolicyFile reports whether the file at path, which did not decode as a snapshot, is a
// policy file: a HuJSON object with a policy file's keys and no snapshot schemaVersion, or a file
// that uses comments or trailing commas, which a snapshot (plain JSON) never does, even one that
// does not parse.
func looksLikePolicyFile(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > policyfile.MaxSize {
		return false
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	// The guards first: hujson.Parse cannot be trusted with a file that fails them (a million [
	// overflows its stack). Such a file is judged as one that does not parse.
	var tree hujson.Value
	err = policyfile.Check(path, src)
	if err == nil {
		tree, err = hujson.Parse(src)
	}
	if err != nil {
		start := bytes.TrimLeft(src, " \t\r\n")
		return bytes.HasPrefix(start, []byte("//")) || bytes.HasPrefix(start, []byte("/*"))
	}
	obj, ok := tree.Value.(*hujson.Object)
	if !ok {
		return false
	}
	policy := false
	for _, m := range obj.Members {
		name, ok := m.Name.Value.(hujson.Literal)
		if !ok {
			continue
		}
		k := strings.ToLower(name.String())
		if k == "schemaversion" {
			return false
		}
		policy = policy || policyKeys[k]
	}
	return policy || !json.Valid(src)
}
