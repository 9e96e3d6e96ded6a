// Command opapeer is OPA's own opa command with tailaudit's tailscale.* built-ins registered: OPA
// wired by hand, the way a user without tailaudit would run the built-in rules, which call those
// built-ins. BenchmarkPeers builds it; it is not part of tailaudit.
package main

import (
	"errors"
	"os"

	"github.com/open-policy-agent/opa/cmd"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/internal/builtins"
)

func main() {
	for _, f := range builtins.Functions() {
		rego.RegisterBuiltinDyn(f.Decl, f.Impl)
	}
	if err := cmd.RootCommand.Execute(); err != nil {
		if e, ok := errors.AsType[*cmd.ExitError](err); ok {
			os.Exit(e.Exit)
		}
		os.Exit(1)
	}
}
