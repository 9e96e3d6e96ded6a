package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/internal/evidence"
)

type keygenOptions struct {
	IO  *iostreams
	Out string
}

func newKeygenCmd(s *iostreams, runF func(context.Context, *keygenOptions) error) *cobra.Command {
	opts := &keygenOptions{IO: s}
	if runF == nil {
		runF = runKeygen
	}
	cmd := &cobra.Command{
		Use:   "keygen -o KEY",
		Short: "Write an ed25519 key pair for signing evidence packs",
		Long: `Write a new ed25519 key pair: the private key to KEY (mode 0600, PKCS#8 PEM), for
'tailaudit report --sign-key KEY', and the public key to KEY.pub (PKIX PEM), for
'tailaudit verify --key KEY.pub'. An existing file at either path is never overwritten.`,
		Example: `  tailaudit keygen -o evidence.key`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Out == "" {
				return &usageError{fmt.Errorf("keygen needs -o KEY, the file to write the private key to")}
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "output", "o", "", "write the private key to `KEY` and the public key to KEY.pub")
	return cmd
}

func runKeygen(_ context.Context, opts *keygenOptions) error {
	pub, err := evidence.GenerateKey(opts.Out)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	fmt.Fprintf(opts.IO.Err, "tailaudit: wrote %s (private, keep it secret) and %s.pub; key fingerprint %s\n", opts.Out, opts.Out, evidence.Fingerprint(pub))
	return nil
}
