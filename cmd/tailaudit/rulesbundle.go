package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/internal/atomicfile"
	"github.com/tailaudit/tailaudit/policies"
)

type rulesBundleOptions struct {
	IO       *iostreams
	Dirs     []string
	Output   string
	SignKey  string
	SignAlg  string
	Revision string
	Builtin  bool
}

func newRulesBundleCmd(s *iostreams, runF func(context.Context, *rulesBundleOptions) error) *cobra.Command {
	opts := &rulesBundleOptions{IO: s}
	if runF == nil {
		runF = runRulesBundle
	}
	cmd := &cobra.Command{
		Use:   "bundle DIR... -o rules.tar.gz [--sign-key KEY]",
		Short: "Build a signed OPA bundle of rules for check, test and the GitHub Action to load",
		Long: `Build a standard OPA bundle of the rules (and their tests) in the DIRs: a gzipped tar with a
.manifest (revision, and the roots the packages live under) and the modules as written, METADATA
and all. With --sign-key it is signed in OPA's bundle signature format (.signatures.json, a JWT
listing every file with its SHA-256), with a PEM private key as 'opa build --signing-key' takes it:
RSA (RS256) or ECDSA (ES256 on P-256, ES384, ES512). The key id is "default", OPA's own, so
'opa build -b rules.tar.gz --verification-key pub.pem' verifies it (add --signing-alg ES256 for an
ECDSA key).

The rules must load beside the built-in ones first: a bundle that check would refuse is not built.
--builtin bundles the built-in rules instead, for teams that pin and review them (load that
bundle with --no-builtin).

Load a bundle with: tailaudit check --bundle rules.tar.gz --bundle-key pub.pem ...`,
		Example: `  # A key pair, as OPA documents it
  openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out key.pem
  openssl ec -in key.pem -pubout -out pub.pem

  tailaudit rules bundle ./rules -o rules.tar.gz --sign-key key.pem --revision "$(git rev-parse HEAD)"
  tailaudit rules bundle --builtin -o builtin.tar.gz --sign-key key.pem`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dirs = args
			if opts.Output == "" {
				return &usageError{fmt.Errorf("-o FILE is required")}
			}
			if len(args) == 0 && !opts.Builtin {
				return &usageError{fmt.Errorf("give the rule directories to bundle, or --builtin")}
			}
			if len(args) > 0 && opts.Builtin {
				return &usageError{fmt.Errorf("--builtin bundles the built-in rules alone; bundle your own directories separately")}
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the bundle to `FILE`")
	cmd.Flags().StringVar(&opts.SignKey, "sign-key", "", "sign with the PEM private key in `FILE` (RSA or ECDSA)")
	cmd.Flags().StringVar(&opts.SignAlg, "sign-alg", "", "JWS `ALGORITHM` (default: RS256 for an RSA key, ES256/ES384/ES512 for ECDSA)")
	cmd.Flags().StringVar(&opts.Revision, "revision", "", "the manifest's revision, such as a commit (default: sha256 of the files)")
	cmd.Flags().BoolVar(&opts.Builtin, "builtin", false, "bundle the built-in rules")
	return cmd
}

func runRulesBundle(ctx context.Context, opts *rulesBundleOptions) error {
	s := opts.IO
	var files []engine.RuleFile
	var err error
	if opts.Builtin {
		files, err = bundleFiles(policies.FS, "policies")
	} else {
		for _, dir := range opts.Dirs {
			fi, statErr := os.Stat(dir)
			if statErr != nil || !fi.IsDir() {
				return &exitError{Code: 2, Err: fmt.Errorf("rule directory %s: not a directory", dir)}
			}
			more, err := bundleFiles(os.DirFS(dir), filepath.Base(filepath.Clean(dir)))
			if err != nil {
				return &exitError{Code: 2, Err: fmt.Errorf("read %s: %w", dir, err)}
			}
			files = append(files, more...)
		}
	}
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &exitError{Code: 2, Err: fmt.Errorf("no .rego files in %s", strings.Join(opts.Dirs, ", "))}
	}
	loadOpts := []engine.Option{engine.WithBuiltinRules(policies.FS)}
	if !opts.Builtin {
		loadOpts = append(loadOpts, engine.WithRuleFiles(files...))
	}
	if _, err := engine.New(ctx, loadOpts...); err != nil {
		return &exitError{Code: 2, Err: fmt.Errorf("the rules do not load, so no bundle was written:\n%w", err)}
	}
	bo := engine.BundleOptions{Revision: opts.Revision, Algorithm: opts.SignAlg}
	if bo.Revision == "" {
		h := sha256.New()
		for _, f := range files {
			fmt.Fprintf(h, "%s\x00%s\x00", f.Name, f.Text)
		}
		bo.Revision = "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	if opts.SignKey != "" {
		if bo.SigningKey, err = os.ReadFile(opts.SignKey); err != nil {
			return &exitError{Code: 2, Err: fmt.Errorf("read signing key: %w", err)}
		}
	}
	var buf bytes.Buffer
	if err := engine.WriteBundle(&buf, files, bo); err != nil {
		return &exitError{Code: 2, Err: err}
	}
	if err := atomicfile.WriteContext(ctx, opts.Output, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	signed := "unsigned"
	if opts.SignKey != "" {
		signed = "signed"
	}
	fmt.Fprintf(s.Err, "tailaudit: wrote %s: %d files, %s, revision %s\n", opts.Output, len(files), signed, bo.Revision)
	return nil
}

// bundleFiles reads every .rego file under fsys, named prefix/relative/path.
func bundleFiles(fsys fs.FS, prefix string) ([]engine.RuleFile, error) {
	var out []engine.RuleFile
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out = append(out, engine.RuleFile{Name: path.Join(prefix, p), Text: string(b)})
		return nil
	})
	return out, err
}
