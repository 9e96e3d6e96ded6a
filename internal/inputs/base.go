package inputs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
)

// KindBasePolicy is the kind of the finding.Input record of the policy a change is compared with.
const KindBasePolicy = "base-policy"

// DefaultPolicy is the policy a tailnet has when no policy file was ever saved: Tailscale lets every
// device reach every other on every port, and members reach their own devices over SSH in check
// mode. A policy file that does not exist at a base revision is compared as this one.
const DefaultPolicy = `{
	"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}],
	"ssh": [{"action": "check", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["autogroup:nonroot", "root"]}],
}
`

// Base is the policy a change is compared with: a file, or a policy file as it was at a git
// revision.
type Base struct {
	File  *policyfile.File
	Input finding.Input
	// Note says what the caller should tell the user about how the base was read, such as that the
	// file did not exist at the revision; "" when there is nothing to say.
	Note string
}

// BasePolicy reads the policy that headPath is compared with. spec names a policy file when a file
// exists at that path; otherwise it is a git revision, and the base is headPath as it was at that
// revision in the git work tree that holds headPath. A file that does not exist at the revision is
// read as DefaultPolicy, and the Note says so. Not being in a git work tree, a revision that does
// not exist, and a base that does not parse are errors.
func BasePolicy(ctx context.Context, spec, headPath string) (*Base, error) {
	if spec == "" {
		return nil, fmt.Errorf("--base: give a policy file or a git revision")
	}
	if _, err := os.Stat(spec); err == nil {
		f, rec, err := Policy(spec, nil)
		if err != nil {
			return nil, err
		}
		rec.Kind = KindBasePolicy
		return &Base{File: f, Input: rec}, nil
	}
	if headPath == Stdin {
		return nil, fmt.Errorf("--base %s: no such file; a git revision needs the policy as a file in a git work tree, not on stdin", spec)
	}
	return policyAtRevision(ctx, spec, headPath)
}

// policyAtRevision reads headPath as it was at revision rev of its git work tree.
func policyAtRevision(ctx context.Context, rev, headPath string) (*Base, error) {
	abs, err := filepath.Abs(headPath)
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", rev, err)
	}
	dir, file := filepath.Dir(abs), filepath.Base(abs)
	if _, err := git(ctx, dir, "rev-parse", "--is-inside-work-tree"); err != nil {
		var ge *gitError
		if errors.As(err, &ge) {
			return nil, fmt.Errorf("--base %s: no such file, and %s is not in a git work tree, so it cannot be read as a revision", rev, headPath)
		}
		return nil, fmt.Errorf("--base %s: %w", rev, err)
	}
	commit, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("--base %s: no such file, and no such revision in the git repository of %s", rev, headPath)
	}
	top, err := git(ctx, dir, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", rev, err)
	}
	rel := strings.TrimSpace(top) + file // the path from the repository root, as git show takes it
	name := rev + ":" + rel
	rec := finding.Input{Kind: KindBasePolicy, Path: name}
	object := strings.TrimSpace(commit) + ":" + rel
	sizeText, err := git(ctx, dir, "cat-file", "-s", object)
	if err != nil {
		f, perr := policyfile.Parse(name, []byte(DefaultPolicy))
		if perr != nil {
			return nil, fmt.Errorf("parse the default policy: %w", perr)
		}
		rec.SHA256 = sha256Hex([]byte(DefaultPolicy))
		note := fmt.Sprintf("%s does not exist at %s; comparing with the policy a tailnet has without a policy file, which allows all traffic", rel, rev)
		return &Base{File: f, Input: rec, Note: note}, nil
	}
	if size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 10, 64); err == nil && size > policyfile.MaxSize {
		return nil, fmt.Errorf("%s: policy file is %.1f MB; tailaudit reads at most %d MB", name, float64(size)/(1<<20), policyfile.MaxSize>>20)
	}
	src, err := git(ctx, dir, "cat-file", "blob", object)
	if err != nil {
		return nil, fmt.Errorf("--base %s: read %s: %w", rev, rel, err)
	}
	f, err := policyfile.Parse(name, []byte(src))
	if err != nil {
		return nil, err
	}
	if looksLikeSnapshot(f.Doc) {
		return nil, notPolicy(name)
	}
	rec.SHA256 = sha256Hex([]byte(src))
	return &Base{File: f, Input: rec}, nil
}

// gitError is git running and refusing, as opposed to git not being there.
type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	msg := strings.TrimSpace(e.stderr)
	if msg == "" {
		msg = e.err.Error()
	}
	return "git " + strings.Join(e.args, " ") + ": " + msg
}

// git runs git in dir and returns its standard output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", &gitError{args: args, stderr: stderr.String(), err: err}
		}
		return "", fmt.Errorf("run git (needed to read a revision): %w", err)
	}
	return stdout.String(), nil
}
