package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/internal/output"
)

// Every command that prints has the same -f/--format flag, checked when the command line is parsed:
// an unknown format is a usage error (exit code 2) that lists the valid ones.

// formatValue is -f/--format for one output format, such as text or json.
type formatValue struct {
	format *string
	valid  []string
}

// addFormatFlag adds -f/--format to cmd. The chosen format is stored in *format; the first of
// formats is the default.
func addFormatFlag(cmd *cobra.Command, format *string, formats ...string) {
	*format = formats[0]
	cmd.Flags().VarP(&formatValue{format: format, valid: formats}, "format", "f",
		"output `FORMAT`: "+strings.Join(formats, ", "))
}

func (v *formatValue) String() string { return *v.format }

func (v *formatValue) Type() string { return "format" }

func (v *formatValue) Set(s string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(v.valid, s) {
		return fmt.Errorf("unknown output format %q (valid formats: %s)", s, strings.Join(v.valid, ", "))
	}
	*v.format = s
	return nil
}

// targetsValue is check's -f/--format: repeatable, each a format of the output package and
// optionally =FILE. The first one given replaces the default.
type targetsValue struct {
	specs *[]string
	set   bool
}

// addTargetsFlag adds the repeatable -f/--format FORMAT[=FILE] to cmd, with text on stdout as the
// default.
func addTargetsFlag(cmd *cobra.Command, specs *[]string) {
	*specs = []string{"text"}
	cmd.Flags().VarP(&targetsValue{specs: specs}, "format", "f",
		"output `FORMAT[=FILE]` (repeatable): "+strings.Join(output.Formats(), ", "))
}

func (v *targetsValue) String() string { return strings.Join(*v.specs, ",") }

func (v *targetsValue) Type() string { return "format" }

func (v *targetsValue) Set(s string) error {
	if _, _, err := output.ParseTarget(s); err != nil {
		return err
	}
	if !v.set {
		*v.specs, v.set = nil, true
	}
	*v.specs = append(*v.specs, s)
	return nil
}
