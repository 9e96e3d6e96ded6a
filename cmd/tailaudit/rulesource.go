package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/frameworks"
	"github.com/tailaudit/tailaudit/internal/config"
	"github.com/tailaudit/tailaudit/policies"
)

// ruleSource is the flag group every command that loads rules shares: where user rules and the
// config file are, and whether rules may use the network.
type ruleSource struct {
	Dirs         []string
	ConfigPath   string
	AllowNetwork bool
	NoBuiltin    bool
}

func (o *ruleSource) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.Dirs, "rules", nil, "`DIR` of custom Rego rules to load beside the built-in ones (repeatable)")
	cmd.Flags().StringVar(&o.ConfigPath, "config", "", "config `FILE` (default: "+config.FileName+" in the working directory, if present)")
	cmd.Flags().BoolVar(&o.AllowNetwork, "allow-network-builtins", false, "let rules call http.send, net.lookup_ip_addr and opa.runtime")
	cmd.Flags().BoolVar(&o.NoBuiltin, "no-builtin", false, "load only the custom rules given with --rules or the config file")
}

// load reads the config file and returns it with the engine options both describe.
func (o *ruleSource) load(s *iostreams) (*config.Config, []engine.Option, error) {
	cfg, err := config.Find(o.ConfigPath, s.workDir())
	if err != nil {
		return nil, nil, err
	}
	cats, err := frameworks.Load()
	if err != nil {
		return nil, nil, fmt.Errorf("load framework catalogs: %w", err)
	}
	known := map[string]map[string]bool{}
	for _, c := range cats {
		known[c.ID] = map[string]bool{}
		for _, ctl := range c.Controls {
			known[c.ID][ctl.ID] = true
		}
	}
	opts := []engine.Option{
		engine.WithRuleDirs(append(cfg.RuleDirs, o.Dirs...)...),
		engine.WithNetworkBuiltins(o.AllowNetwork || cfg.AllowNetworkBuiltins),
		engine.WithControls(frameworks.ControlsByRule(cats), func(fw, id string) bool { return known[fw][id] }),
	}
	if !o.NoBuiltin {
		opts = append(opts, engine.WithBuiltinRules(policies.FS))
	}
	return cfg, opts, nil
}

// engine builds the engine from the config and flags.
func (o *ruleSource) engine(ctx context.Context, s *iostreams) (*config.Config, *engine.Engine, error) {
	cfg, opts, err := o.load(s)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(ctx, append(opts, engine.WithLogger(loggerFrom(ctx)))...)
	if err != nil {
		return nil, nil, fmt.Errorf("load rules:\n%w", err)
	}
	return cfg, eng, nil
}
