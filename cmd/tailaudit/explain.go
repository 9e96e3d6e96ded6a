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
	"github.com/tailaudit/tailaudit/internal/access"
)

type explainOptions struct {
	IO       *iostreams
	Policy   string
	Snapshot string
	Src      string
	Node     string
	Format   string
}

func newExplainCmd(s *iostreams, runF func(context.Context, *explainOptions) error) *cobra.Command {
	opts := &explainOptions{IO: s}
	if runF == nil {
		runF = runExplain
	}
	cmd := &cobra.Command{
		Use:   "explain <policy.hujson> (--src SELECTOR | --node NAME --snapshot snapshot.json)",
		Short: "Show what a user, group, tag or device can reach, and the rules and lines that allow it",
		Long: `Explain a policy with Tailscale's semantics, offline.

With --src, list every ACL, grant and SSH rule that applies to the source, which can be a user, a
group, a tag, a host or IP address, autogroup:member, or (with --snapshot) a device name. Each rule
is shown with what it lets the source reach and its file:line. Membership is resolved as Tailscale
resolves it: through groups, autogroups and wildcards.

With --node and a snapshot, print the packet filter and SSH policy Tailscale's control plane would
send that device, in Tailscale's own JSON shape (-f json), or summarised (-f text).`,
		Example: `  # What can contractors reach, and why?
  tailaudit explain policy.hujson --src group:contractors

  # The packet filter a device receives
  tailaudit explain policy.hujson --snapshot snapshot.json --node db-1 -f json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Policy = args[0]
			switch {
			case (opts.Src == "") == (opts.Node == ""):
				return &usageError{fmt.Errorf("explain needs exactly one of --src SELECTOR or --node NAME")}
			case opts.Node != "" && opts.Snapshot == "":
				return &usageError{fmt.Errorf("--node needs --snapshot: the devices come from a snapshot")}
			case opts.Format != "text" && opts.Format != "json":
				return &usageError{fmt.Errorf("--format: %q is not text or json", opts.Format)}
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Src, "src", "", "the `SELECTOR` to explain: user, group, tag, host, IP, autogroup:member or device name")
	cmd.Flags().StringVar(&opts.Node, "node", "", "the device `NAME` whose packet filter to show (needs --snapshot)")
	cmd.Flags().StringVar(&opts.Snapshot, "snapshot", "", "tailnet snapshot `FILE`, to resolve devices")
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text or json")
	return cmd
}

// grantLine is one rule that applies to the source.
type grantLine struct {
	Rule     string            `json:"rule"` // acls[2], grants[0], ssh[1]
	Location *finding.Location `json:"location"`
	Action   string            `json:"action,omitempty"`
	Dst      []string          `json:"dst"`
	Ports    []string          `json:"ports,omitempty"` // grants: ip; SSH: users
	Nodes    []string          `json:"nodes,omitempty"` // with a snapshot: the devices the destinations select
}

func runExplain(ctx context.Context, opts *explainOptions) error {
	s := opts.IO
	pol, _, err := readPolicy(s, opts.Policy)
	if err != nil {
		return err
	}
	var topo *access.Topology
	if opts.Snapshot != "" {
		snap, _, err := loadSnapshot(opts.Snapshot)
		if err != nil {
			return err
		}
		topo = access.SnapshotTopology(snap.Raw)
	}
	compiled, errs := access.Compile(pol.Doc)
	for _, e := range errs {
		loc := locate(pol, e.Path)
		fmt.Fprintf(s.Err, "tailaudit: warning: %s: Tailscale would reject the policy: %s\n", loc, e.Message)
	}
	if opts.Node != "" {
		return explainNode(s.Out, compiled, topo, opts)
	}
	src := topo.DeviceSelector(opts.Src)
	lines, err := rulesFor(pol, topo, src)
	if err != nil {
		return err
	}
	if topo != nil {
		for i := range lines {
			lines[i].Nodes = nodesOf(compiled, topo, lines[i].Dst, strings.HasPrefix(lines[i].Rule, "acls["))
		}
	}
	if opts.Format == "json" {
		return writeJSON(s.Out, map[string]any{"src": opts.Src, "rules": lines})
	}
	return writeExplainText(s.Out, opts.Src, lines)
}

// probeAddr stands for "the destination of rule N" in the probe policy; its port is N+1.
const probeAddr = "100.64.0.1"

// rulesFor returns the rules whose sources include src. It compiles a probe policy in which every
// ACL, grant and SSH rule keeps its sources and gets a destination of its own, probeAddr on port
// N+1, so that Tailscale's membership semantics decide, one question per rule.
func rulesFor(pol *policyfile.File, topo *access.Topology, src string) ([]grantLine, error) {
	type origin struct {
		kind  string
		index int
		rule  map[string]any
	}
	var origins []origin
	var probes []any
	for _, kind := range []string{"acls", "grants", "ssh"} {
		list, _ := pol.Doc[kind].([]any)
		for i, r := range list {
			rule, _ := r.(map[string]any)
			if rule == nil {
				continue
			}
			port := len(origins) + 1
			origins = append(origins, origin{kind, i, rule})
			probes = append(probes, map[string]any{"action": "accept", "src": rule["src"], "dst": []any{fmt.Sprintf("%s:%d", probeAddr, port)}})
		}
	}
	if len(origins) > 65535 {
		return nil, fmt.Errorf("the policy has %d rules; explain handles at most 65535", len(origins))
	}
	probe := map[string]any{"acls": probes}
	for _, key := range []string{"groups", "hosts", "tagOwners", "ipsets"} {
		if v, ok := pol.Doc[key]; ok {
			probe[key] = v
		}
	}
	compiled, _ := access.Compile(probe)
	var out []grantLine
	for n, o := range origins {
		ok, _, err := compiled.Reachable(topo, src, probeAddr, n+1, "")
		if err != nil {
			return nil, fmt.Errorf("--src %s: %w", src, err)
		}
		if !ok {
			continue
		}
		line := grantLine{
			Rule:     fmt.Sprintf("%s[%d]", o.kind, o.index),
			Location: locate(pol, []any{o.kind, o.index}),
			Dst:      stringsOf(o.rule["dst"]),
		}
		switch o.kind {
		case "acls":
			line.Action, _ = o.rule["action"].(string)
		case "grants":
			line.Ports = stringsOf(o.rule["ip"])
			for capName := range mapOf(o.rule["app"]) {
				line.Ports = append(line.Ports, "app "+capName)
			}
			if via := stringsOf(o.rule["via"]); len(via) > 0 {
				line.Action = "via " + strings.Join(via, ", ")
			}
		case "ssh":
			line.Action, _ = o.rule["action"].(string)
			line.Ports = stringsOf(o.rule["users"])
		}
		out = append(out, line)
	}
	return out, nil
}

// nodesOf lists the devices the destinations select, sorted. ACL destinations carry ports
// (tag:db:5432), which are split off first.
func nodesOf(p *access.Policy, topo *access.Topology, dsts []string, withPorts bool) []string {
	var out []string
	for _, d := range dsts {
		alias := d
		if withPorts {
			host, _, err := access.SplitHostPorts(d)
			if err != nil {
				continue
			}
			alias = host
		}
		res, err := p.Resolve(topo, alias)
		if err != nil {
			continue
		}
		for _, n := range res.Nodes {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
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
		detail := strings.TrimSpace(l.Action + " " + strings.Join(l.Ports, ", "))
		if strings.HasPrefix(l.Rule, "ssh[") {
			detail = "ssh " + l.Action + " as " + strings.Join(l.Ports, ", ")
		}
		reach := strings.Join(l.Dst, ", ")
		if len(l.Nodes) > 0 {
			reach += fmt.Sprintf(" (%d devices)", len(l.Nodes))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Rule, l.Location, reach, detail)
	}
	return tw.Flush()
}

func locate(pol *policyfile.File, path []any) *finding.Location {
	ptr := policyfile.Pointer(path)
	loc := &finding.Location{File: pol.Name, Path: ptr}
	if pos, ok := pol.Position(ptr); ok {
		loc.Line, loc.Column = pos.Line, pos.Column
	}
	return loc
}

func stringsOf(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
