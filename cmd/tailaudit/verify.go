package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/internal/evidence"
)

type verifyOptions struct {
	IO  *iostreams
	Dir string
	Key string // the trusted public key; "" checks the signature with the key the manifest names
}

func newVerifyCmd(s *iostreams, runF func(context.Context, *verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{IO: s}
	if runF == nil {
		runF = runVerify
	}
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check that an evidence pack is as it was written and signed",
		Long: `Check every file of the evidence pack in DIR against its manifest.json and SHA256SUMS, and the
signature manifest.json.sig over the manifest. With --key, the pack must be signed by that public key;
without it, a signature is checked against the key the manifest names, which shows the pack is
intact but not who signed it.

Exit codes: 0 every file matches and the signature, if any, is valid; 1 a file was changed, added or
removed, or the signature is bad (each is named); 2 DIR is not an evidence pack or cannot be read.`,
		Example: `  tailaudit verify pack/
  tailaudit verify pack/ --key evidence.key.pub`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Key, "key", "", "the public `KEY` (PEM, from keygen) that must have signed the pack")
	return cmd
}

func runVerify(_ context.Context, opts *verifyOptions) error {
	var want ed25519.PublicKey
	if opts.Key != "" {
		k, err := evidence.ReadPublicKey(opts.Key)
		if err != nil {
			return err
		}
		want = k
	}
	r, err := evidence.Verify(opts.Dir, want)
	if errors.Is(err, evidence.ErrNoManifest) {
		return fmt.Errorf("verify %s: %w", opts.Dir, err)
	}
	if err != nil {
		return fmt.Errorf("verify %s: %w", opts.Dir, err)
	}
	writeVerifyResult(opts.IO.Out, opts.Dir, r)
	if !r.OK() {
		return &exitError{Code: 1}
	}
	if r.Signature == evidence.SignatureValid && !r.Pinned {
		fmt.Fprintln(opts.IO.Err, "tailaudit: the signature was checked with the key the manifest names; pass --key with the signer's public key to know who signed it")
	}
	return nil
}

// writeVerifyResult prints one line per file that differs, then the verdict.
func writeVerifyResult(w io.Writer, dir string, r *evidence.Result) {
	for _, f := range r.Changed {
		fmt.Fprintf(w, "changed: %s\n", f)
	}
	for _, f := range r.Added {
		fmt.Fprintf(w, "added:   %s\n", f)
	}
	for _, f := range r.Removed {
		fmt.Fprintf(w, "removed: %s\n", f)
	}
	switch {
	case r.Signature == evidence.SignatureBad || r.Signature == evidence.SignatureMismatch:
		fmt.Fprintf(w, "bad signature: %s\n", r.Detail)
	case r.Manifest == nil:
		fmt.Fprintf(w, "bad manifest: %s\n", r.Detail)
	}
	files := 0
	if r.Manifest != nil {
		files = len(r.Manifest.Files)
	}
	switch {
	case !r.OK():
		fmt.Fprintf(w, "%s: FAILED\n", dir)
	case r.Signature == evidence.SignatureValid:
		key := ""
		if r.Manifest.PublicKey != "" {
			if pub, err := evidence.ParsePublicKey([]byte(r.Manifest.PublicKey)); err == nil {
				key = " by key " + evidence.Fingerprint(pub)
			}
		}
		fmt.Fprintf(w, "%s: OK, %d files, signed%s\n", dir, files, key)
	default:
		fmt.Fprintf(w, "%s: OK, %d files, not signed\n", dir, files)
	}
}
