package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/frameworks"
	"github.com/tailaudit/tailaudit/internal/config"
	"github.com/tailaudit/tailaudit/policies"
)

// allowNetworkEnv is the environment variable that, set to 1 or true, allows network built-ins like
// --allow-network-builtins does.
const allowNetworkEnv = "TAILAUDIT_ALLOW_NETWORK_BUILTINS"

// ruleSource is the flag group every command that loads rules shares: where user rules and the
// config file are, and whether rules may use the network.
type ruleSource struct {
	Dirs         []string
	ConfigPath   string
	AllowNetwork bool
	NoBuiltin    bool
	Bundle       bundleSource
	Limits       evalLimits // only for the commands that evaluate rules: check and test
}

// defaultTimeout is how long a whole check or test run may take unless --timeout says otherwise.
const defaultTimeout = 2 * time.Minute

// evalLimits bound a run that evaluates rules: the whole run, and each rule (or rule test).
// Zero means the default.
type evalLimits struct {
	Timeout     time.Duration
	RuleTimeout time.Duration
}

// addLimitFlags adds --timeout and --rule-timeout, for the commands that evaluate rules.
func (o *ruleSource) addLimitFlags(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&o.Limits.Timeout, "timeout", 0, "stop the whole run after `DURATION`, with exit code 2 (default "+defaultTimeout.String()+")")
	cmd.Flags().DurationVar(&o.Limits.RuleTimeout, "rule-timeout", 0, "a rule (or a rule test) that runs longer than `DURATION` is an error result (default "+engine.DefaultRuleTimeout.String()+")")
}

// deadline returns the run's context, ended at --timeout.
func (o *ruleSource) deadline(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if o.Limits.Timeout < 0 || o.Limits.RuleTimeout < 0 {
		return nil, nil, &usageError{fmt.Errorf("--timeout and --rule-timeout must be positive durations such as 90s")}
	}
	d := o.Limits.Timeout
	if d == 0 {
		d = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, nil
}

func (o *ruleSource) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.Dirs, "rules", nil, "`DIR` of custom Rego rules to load beside the built-in ones (repeatable)")
	cmd.Flags().StringVar(&o.ConfigPath, "config", "", "config `FILE` (default: "+config.FileName+" in the working directory, if present)")
	cmd.Flags().BoolVar(&o.AllowNetwork, "allow-network-builtins", false, "let rules call http.send, net.lookup_ip_addr and opa.runtime, and fetch remote $ref schemas (also "+allowNetworkEnv+"=1; never from a config file)")
	cmd.Flags().BoolVar(&o.NoBuiltin, "no-builtin", false, "load only the custom rules given with --rules, --bundle or the config file")
	o.Bundle.addFlags(cmd)
}

// configFile is the config file the run reads: --config, or the default one in the working
// directory (which may not exist).
func (o *ruleSource) configFile(s *iostreams) string {
	if o.ConfigPath != "" {
		return o.ConfigPath
	}
	return filepath.Join(s.workDir(), config.FileName)
}

// load reads the config file and returns it with the engine options both describe.
func (o *ruleSource) load(ctx context.Context, s *iostreams) (*config.Config, []engine.Option, error) {
	cfg, err := config.Find(o.ConfigPath, s.workDir())
	if err != nil {
		return nil, nil, err
	}
	// The catalogues' controls, from the form generated from their YAML: parsing the YAML was about
	// an eighth of a policy check.
	mapping := frameworks.Embedded()
	opts := []engine.Option{
		engine.WithRuleDirs(append(cfg.RuleDirs, o.Dirs...)...),
		engine.WithNetworkBuiltins(o.allowNetwork(s, cfg)),
		engine.WithRuleTimeout(o.Limits.RuleTimeout),
		engine.WithControls(mapping.ByRule, mapping.Known),
	}
	if !o.NoBuiltin {
		opts = append(opts, engine.WithEmbeddedRules(policies.FS))
	}
	bundles, err := o.Bundle.options(ctx, s, o.NoBuiltin)
	if err != nil {
		return nil, nil, err
	}
	return cfg, append(opts, bundles...), nil
}

// allowNetwork says whether rules may use the network: only the command line or the environment
// decide. A config file is read from the checked repository, which on a pull request is written by
// whoever opened it, so its allowNetworkBuiltins is ignored, with a warning.
func (o *ruleSource) allowNetwork(s *iostreams, cfg *config.Config) bool {
	allow := o.AllowNetwork
	switch strings.ToLower(s.env(allowNetworkEnv)) {
	case "1", "true", "yes":
		allow = true
	}
	if cfg.AllowNetworkBuiltins && !allow {
		fmt.Fprintf(s.Err, "tailaudit: warning: %s: allowNetworkBuiltins is ignored; a config file cannot turn the rule sandbox off (use --allow-network-builtins or %s=1)\n", cfg.Path, allowNetworkEnv)
	}
	return allow
}

// engine builds the engine from the config and flags.
func (o *ruleSource) engine(ctx context.Context, s *iostreams) (*config.Config, *engine.Engine, error) {
	cfg, opts, err := o.load(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(ctx, append(opts, engine.WithLogger(loggerFrom(ctx)))...)
	if err != nil {
		return nil, nil, fmt.Errorf("load rules:\n%w", err)
	}
	if err := checkParams(cfg, eng); err != nil {
		return nil, nil, err
	}
	return cfg, eng, nil
}

// checkParams checks the config file's params against the types and ranges the loaded rules
// declare, and reports each bad one at the line and column of its value.
func checkParams(cfg *config.Config, eng *engine.Engine) error {
	var errs []error
	for _, pe := range eng.CheckParams(cfg.Params) {
		at := cfg.ParamsAt[pe.Name]
		errs = append(errs, &source.Error{File: cfg.Path, Line: at.Line, Column: at.Column, Msg: pe.Error()})
	}
	return errors.Join(errs...)
}
