package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/internal/access"
	"github.com/tailaudit/tailaudit/internal/inputs"
)

type explainOptions struct {
	IO       *iostreams
	Policy   string
	Snapshot string
	Src      string
	Dst      string
	Node     string
	Format   string
}

// explainExamples is what explain prints when it is not told what to explain.
const explainExamples = `  tailaudit explain policy.hujson --src group:contractors   what contractors can reach, and why
  tailaudit explain policy.hujson --dst tag:db              who can reach tag:db, and through which rules
  tailaudit explain policy.hujson --src group:contractors --dst tag:db
  tailaudit explain policy.hujson --snapshot snapshot.json --node db-1`

func newExplainCmd(s *iostreams, runF func(context.Context, *explainOptions) error) *cobra.Command {
	opts := &explainOptions{IO: s}
	if runF == nil {
		runF = runExplain
	}
	cmd := &cobra.Command{
		Use:   "explain <policy.hujson> (--src SELECTOR [--dst SELECTOR] | --dst SELECTOR | --node NAME --snapshot snapshot.json)",
		Short: "Show what a source can reach, who can reach a destination, and the rules and lines that allow it",
		Long: `Explain a policy with Tailscale's semantics, offline.

With --src, list every ACL, grant and SSH rule that applies to the source, which can be a user, a
group, a tag, a host or IP address, autogroup:member, autogroup:tagged, or (with --snapshot) a device
name. Each rule is shown with what it lets the source reach and its file:line. Membership is
resolved as Tailscale resolves it: through groups, autogroups and wildcards; a group is a source in
a rule when every member is.

With --dst, list every rule through which anything can reach the destination: a tag, a user's
devices, a group (every member), a host, an IP address or CIDR prefix (any address in it),
autogroup:member, autogroup:tagged, autogroup:internet, or (with --snapshot) a device name. Each rule
is shown with its sources, the destinations, ports and protocols that reach, and its file:line.
A rule that reaches a user's devices only through autogroup:self is marked "own devices only".

With both, list the rules that let that source reach that destination.

With --node and a snapshot, print the packet filter and SSH policy Tailscale's control plane would
send that device, in Tailscale's own JSON shape (-f json), or summarised (-f text).`,
		Example: `  # What can contractors reach, and why?
  tailaudit explain policy.hujson --src group:contractors

  # Who can reach the databases, through which rules and lines?
  tailaudit explain policy.hujson --dst tag:db
  tailaudit explain policy.hujson --dst tag:db -f json

  # Which rules let contractors reach the databases?
  tailaudit explain policy.hujson --src group:contractors --dst tag:db

  # Who can reach a device, by its name in a snapshot
  tailaudit explain policy.hujson --snapshot snapshot.json --dst db-1

  # The packet filter a device receives
  tailaudit explain policy.hujson --snapshot snapshot.json --node db-1 -f json`,
		Args: func(cmd *cobra.Command, args []string) error { return explainArgs(opts, args) },
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Policy = args[0]
			switch {
			case opts.Node != "" && (opts.Src != "" || opts.Dst != ""):
				return &usageError{fmt.Errorf("--node shows one device's packet filter; it does not combine with --src or --dst")}
			case opts.Node == "" && opts.Src == "" && opts.Dst == "":
				return &usageError{fmt.Errorf("explain needs --src SELECTOR, --dst SELECTOR (or both), or --node NAME; for example:\n%s", explainExamples)}
			case opts.Node != "" && opts.Snapshot == "":
				return &usageError{fmt.Errorf("--node needs --snapshot: the devices come from a snapshot")}
			case opts.Format != "text" && opts.Format != "json":
				return &usageError{fmt.Errorf("--format: %q is not text or json", opts.Format)}
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Src, "src", "", "the source `SELECTOR` to explain: user, group, tag, host, IP, autogroup:member or device name")
	cmd.Flags().StringVar(&opts.Dst, "dst", "", "the destination `SELECTOR` to explain: tag, user, group, host, IP, CIDR, autogroup or device name")
	cmd.Flags().StringVar(&opts.Node, "node", "", "the device `NAME` whose packet filter to show (needs --snapshot)")
	cmd.Flags().StringVar(&opts.Snapshot, "snapshot", "", "tailnet snapshot `FILE`, to resolve devices")
	addFormatFlag(cmd, &opts.Format, "text", "json")
	return cmd
}

// explainArgs checks that explain was given one policy file, and when it was not, says what it
// needs in terms of the flags it was given.
func explainArgs(opts *explainOptions, args []string) error {
	switch {
	case len(args) == 1:
		return nil
	case len(args) == 0 && opts.Src == "" && opts.Dst == "" && opts.Node == "":
		return &usageError{fmt.Errorf("explain needs a policy file and what to explain in it; for example:\n%s", explainExamples)}
	case len(args) == 0:
		return &usageError{fmt.Errorf("explain needs the policy file to explain, before the flags: %s", explainCommandLine("policy.hujson", opts))}
	}
	return &usageError{fmt.Errorf("explain takes one policy file, not %d arguments (%s); name what to explain with --src, --dst or --node, as in: %s",
		len(args), strings.Join(args, " "), explainCommandLine(args[0], &explainOptions{Src: args[1]}))}
}

// explainCommandLine writes the command that explains policy with opts' selectors.
func explainCommandLine(policy string, opts *explainOptions) string {
	parts := []string{"tailaudit explain", policy}
	for _, f := range []struct{ name, value string }{{"--snapshot", opts.Snapshot}, {"--src", opts.Src}, {"--dst", opts.Dst}, {"--node", opts.Node}} {
		if f.value != "" {
			parts = append(parts, f.name, f.value)
		}
	}
	return strings.Join(parts, " ")
}

// accessLine is what a rule opens on one destination, written as a policy author writes it.
type accessLine struct {
	Dst   string `json:"dst"`
	Proto string `json:"proto,omitempty"` // omitted: TCP, UDP, ICMP and ICMPv6
	Ports string `json:"ports"`
}

// grantLine is one rule that applies to the source, or through which the destination is reached.
type grantLine struct {
	Rule     string            `json:"rule"` // acls[2], grants[0], ssh[1]
	Location *finding.Location `json:"location"`
	Action   string            `json:"action,omitempty"`
	Src      []string          `json:"src,omitempty"` // with --dst: the rule's sources
	Dst      []string          `json:"dst"`
	Ports    []string          `json:"ports,omitempty"`    // grants: ip; SSH: users
	Access   []accessLine      `json:"access,omitempty"`   // with --dst: the protocols and ports that reach it
	SelfOnly bool              `json:"selfOnly,omitempty"` // with --dst: only from the owner's own devices
	Nodes    []string          `json:"nodes,omitempty"`    // with a snapshot: the devices the destinations select
	SrcNodes []string          `json:"srcNodes,omitempty"` // with a snapshot and --dst: the devices the sources select
}

func runExplain(ctx context.Context, opts *explainOptions) error {
	s := opts.IO
	pol, _, err := inputs.Policy(opts.Policy, s.In)
	if err != nil {
		return err
	}
	topo, err := snapshotTopology(opts.Snapshot)
	if err != nil {
		return err
	}
	compiled, errs := access.Compile(pol.Doc)
	for _, e := range errs {
		loc := locate(pol, e.Path)
		fmt.Fprintf(s.Err, "tailaudit: warning: %s: Tailscale would reject the policy: %s\n", loc, e.Message)
	}
	if opts.Node != "" {
		return explainNode(s.Out, compiled, topo, opts)
	}
	var matches []access.RuleMatch
	switch {
	case opts.Dst == "":
		matches, err = compiled.RulesFrom(topo, opts.Src)
	case opts.Src == "":
		matches, err = compiled.RulesTo(topo, opts.Dst)
	default:
		matches, err = compiled.RulesBetween(topo, opts.Src, opts.Dst)
	}
	if err != nil {
		return err
	}
	var lines []grantLine
	for _, m := range matches {
		lines = append(lines, explainLine(pol, m, opts.Dst != ""))
	}
	if opts.Format == "json" {
		out := map[string]any{"rules": lines}
		if opts.Src != "" {
			out["src"] = opts.Src
		}
		if opts.Dst != "" {
			out["dst"] = opts.Dst
		}
		if compiled.AllowsAll() {
			out["allowAll"] = true
		}
		return writeJSON(s.Out, out)
	}
	if compiled.AllowsAll() {
		// No rule names the network access, so "no rule" must not read as "nothing".
		fmt.Fprintln(s.Out, "The policy has neither acls nor grants: Tailscale lets every device reach every port of every other.")
		if len(lines) == 0 {
			return nil
		}
		fmt.Fprintln(s.Out)
	}
	if opts.Dst != "" {
		return writeExplainDstText(s.Out, opts, lines)
	}
	return writeExplainText(s.Out, opts.Src, lines)
}

// explainLine turns a rule match into a row of the output; withSrc adds the rule's sources.
func explainLine(pol *policyfile.File, m access.RuleMatch, withSrc bool) grantLine {
	index, _ := m.Path[len(m.Path)-1].(int)
	line := grantLine{
		Rule:     fmt.Sprintf("%s[%d]", m.Section, index),
		Location: locate(pol, m.Path),
		Dst:      m.Dst,
		Nodes:    m.Nodes,
	}
	if withSrc {
		line.Src, line.SelfOnly, line.SrcNodes = m.Src, m.SelfOnly, m.SrcNodes
		for _, a := range m.Access {
			line.Access = append(line.Access, accessLine{Dst: a.Dst, Proto: a.Proto(), Ports: a.PortList()})
		}
	}
	switch m.Section {
	case "acls":
		line.Action = m.Action
	case "grants":
		line.Ports = slices.Clone(m.IP)
		for _, c := range m.App {
			line.Ports = append(line.Ports, "app "+c)
		}
		if len(m.Via) > 0 {
			line.Action = "via " + strings.Join(m.Via, ", ")
		}
	case "ssh":
		line.Action = m.Action
		line.Ports = m.Users
	}
	return line
}

func explainNode(w io.Writer, p *access.Policy, topo *access.Topology, opts *explainOptions) error {
	name := opts.Node
	if ip, ok := topo.DeviceAddr(name); ok {
		for _, n := range topo.Nodes {
			if n.IPv4 == ip {
				name = n.Name
			}
		}
	}
	views := p.Filters(topo)
	view, ok := views[name]
	if !ok {
		return &exitError{Code: 2, Err: fmt.Errorf("no device %q in the snapshot", opts.Node)}
	}
	if opts.Format == "json" {
		return writeJSON(w, view)
	}
	fmt.Fprintf(w, "%s receives %d packet filter rules and %d SSH rules.\n", name, len(view.PacketFilter), len(view.SSHPolicy.Rules))
	for _, r := range view.PacketFilter {
		var dsts []string
		for _, d := range r.DstPorts {
			ip := d.IP
			if strings.Contains(ip, ":") {
				ip = "[" + ip + "]"
			}
			dsts = append(dsts, fmt.Sprintf("%s:%s", ip, d.Ports))
		}
		fmt.Fprintf(w, "  from %s\n    to %s\n", strings.Join(r.SrcIPs, ", "), strings.Join(dsts, ", "))
	}
	return nil
}

func writeExplainText(w io.Writer, src string, lines []grantLine) error {
	if len(lines) == 0 {
		fmt.Fprintf(w, "No rule applies to %s: it can reach nothing.\n", src)
		return nil
	}
	fmt.Fprintf(w, "%s is a source in %d rules:\n\n", src, len(lines))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tWHERE\tREACHES\tDETAIL")
	for _, l := range lines {
		reach := strings.Join(l.Dst, ", ")
		if len(l.Nodes) > 0 {
			reach += fmt.Sprintf(" (%d devices)", len(l.Nodes))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Rule, l.Location, reach, l.detail())
	}
	return tw.Flush()
}

// writeExplainDstText writes the rules through which the destination is reached, from the source
// when there is one.
func writeExplainDstText(w io.Writer, opts *explainOptions, lines []grantLine) error {
	switch {
	case len(lines) == 0 && opts.Src != "":
		fmt.Fprintf(w, "No rule lets %s reach %s.\n", opts.Src, opts.Dst)
		return nil
	case len(lines) == 0:
		fmt.Fprintf(w, "No rule reaches %s: nothing can connect to it.\n", opts.Dst)
		return nil
	case opts.Src != "":
		fmt.Fprintf(w, "%s reaches %s through %s:\n\n", opts.Src, opts.Dst, plural(len(lines), "rule"))
	default:
		fmt.Fprintf(w, "%s is reached through %s:\n\n", opts.Dst, plural(len(lines), "rule"))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tWHERE\tFROM\tTO\tDETAIL")
	for _, l := range lines {
		from := strings.Join(l.Src, ", ")
		if len(l.SrcNodes) > 0 {
			from += fmt.Sprintf(" (%s)", plural(len(l.SrcNodes), "device"))
		}
		if l.SelfOnly {
			from += ", own devices only"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Rule, l.Location, from, strings.Join(l.Dst, ", "), l.detail())
	}
	return tw.Flush()
}

// detail says what a rule allows: the action and ports, or for SSH the logins.
func (l grantLine) detail() string {
	if strings.HasPrefix(l.Rule, "ssh[") {
		return "ssh " + l.Action + " as " + strings.Join(l.Ports, ", ")
	}
	return strings.TrimSpace(l.Action + " " + strings.Join(l.Ports, ", "))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func locate(pol *policyfile.File, path []any) *finding.Location {
	ptr := source.Pointer(path)
	loc := &finding.Location{File: pol.Name, Path: ptr}
	if pos, ok := pol.Position(ptr); ok {
		loc.Line, loc.Column = pos.Line, pos.Column
	}
	return loc
}

// snapshotTopology reads the snapshot at path as the devices and users selectors resolve to, or
// returns nil for no snapshot (path empty): what diff and explain give access.
func snapshotTopology(path string) (*access.Topology, error) {
	if path == "" {
		return nil, nil
	}
	snap, _, err := inputs.Snapshot(path)
	if err != nil {
		return nil, err
	}
	return access.SnapshotTopology(snap.Raw), nil
}
