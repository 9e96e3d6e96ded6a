package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/frameworks"
	"github.com/tailaudit/tailaudit/internal/assess"
	"github.com/tailaudit/tailaudit/internal/evidence"
	"github.com/tailaudit/tailaudit/internal/inputs"
	"github.com/tailaudit/tailaudit/internal/output"
)

type reportOptions struct {
	IO           *iostreams
	Rules        ruleSource
	Framework    string   // a catalogue id or "all"
	Snapshot     string   // --snapshot
	Policy       string   // the optional policy file argument; "" uses the snapshot's policy
	Events       []string // --events, configuration audit event JSONL files
	Attestations string   // --attestations, a HuJSON file
	Period       string   // --period FROM..TO
	Out          string   // -o, the pack directory
	Force        bool     // replace a non-empty -o
	NoInputs     bool     // leave the inputs out of evidence/, keeping their hashes
	SignKey      string   // --sign-key, an ed25519 private key from keygen
	Previous     string   // --previous, an earlier pack to compare with
	Args         []string // the command line, as the manifest records it
}

func newReportCmd(s *iostreams, runF func(context.Context, *reportOptions) error) *cobra.Command {
	opts := &reportOptions{IO: s}
	if runF == nil {
		runF = runReport
	}
	cmd := &cobra.Command{
		Use:   "report --framework FRAMEWORK --snapshot SNAP [policy.hujson] -o DIR",
		Short: "Write an evidence pack: every control's status with its population and evidence, hashed and signed",
		Long: `Evaluate the rules as check does, then decide every control of the framework (soc2, iso27001,
hipaa, pci-dss, or all of them) from the checks mapped to it, and write an evidence pack into DIR:

  report.html              one self-contained page (no scripts, nothing fetched) for screen and print
  report.md                the same in Markdown
  controls.csv             one row per control, check and resource
  report.json              the assessment model (schema tailaudit.assessment/v1)
  assessment-results.json  OSCAL 1.2.1 assessment results
  evidence/                the inputs: the snapshot as collect wrote it (secrets already stripped), the
                           policy file, the events and attestations (--no-inputs keeps only their hashes)
  manifest.json, SHA256SUMS, and with --sign-key manifest.json.sig

The pack is written to a temporary directory beside DIR and renamed into place once complete, so a
failed run leaves no half pack. A DIR that exists and is not empty is refused unless --force.
--attestations completes manual and partial controls; --period with --events says whether the
configuration audit events cover the period; --previous adds what changed since an earlier pack.

Exit codes: 0 the pack was written (whatever the controls' statuses); 2 it could not be (bad flags,
unreadable or invalid input, an unknown control in the attestations).`,
		Example: `  tailaudit report --framework soc2 --snapshot snapshot.json policy.hujson -o pack/
  tailaudit report --framework all --snapshot snapshot.json --events audit.jsonl \
      --period 2026-01-01..2026-12-31 --attestations attestations.hujson --sign-key evidence.key -o pack/
  tailaudit verify pack/ --key evidence.key.pub`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Policy = args[0]
			}
			opts.Args = commandLine(cmd, args)
			if opts.Framework == "" {
				return &usageError{fmt.Errorf("report needs --framework: one of %s, or all", strings.Join(frameworks.IDs(), ", "))}
			}
			if opts.Snapshot == "" {
				return &usageError{fmt.Errorf("report needs --snapshot, a tailnet snapshot from 'tailaudit collect'")}
			}
			if opts.Out == "" {
				return &usageError{fmt.Errorf("report needs -o DIR, the directory to write the evidence pack to")}
			}
			return runF(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Framework, "framework", "", "the `FRAMEWORK` to report on: "+strings.Join(frameworks.IDs(), ", ")+" or all")
	f.StringVar(&opts.Snapshot, "snapshot", "", "tailnet snapshot `FILE` written by 'tailaudit collect'")
	f.StringArrayVar(&opts.Events, "events", nil, "configuration audit events `FILE` (JSONL, as collect --events-since writes; repeatable)")
	f.StringVar(&opts.Attestations, "attestations", "", "HuJSON `FILE` of attestations for manual and partial controls")
	f.StringVar(&opts.Period, "period", "", "the period the report is about, `FROM..TO` (dates YYYY-MM-DD, both days included)")
	f.StringVarP(&opts.Out, "output", "o", "", "write the pack to `DIR`")
	f.BoolVar(&opts.Force, "force", false, "replace DIR when it exists and is not empty")
	f.BoolVar(&opts.NoInputs, "no-inputs", false, "leave the input files out of evidence/; their hashes stay in the reports and the manifest")
	f.StringVar(&opts.SignKey, "sign-key", "", "sign the manifest with this ed25519 private `KEY` (from tailaudit keygen)")
	f.StringVar(&opts.Previous, "previous", "", "an earlier pack `DIR` to report what changed since")
	opts.Rules.addFlags(cmd)
	opts.Rules.addLimitFlags(cmd)
	return cmd
}

// commandLine is the command as the manifest records it: the command's path, each flag given with
// its value, then the arguments.
func commandLine(cmd *cobra.Command, args []string) []string {
	var line []string
	for c := cmd; c.HasParent(); c = c.Parent() {
		line = append([]string{c.Name()}, line...)
	}
	if !cmd.HasParent() {
		line = []string{cmd.Name()}
	}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				line = append(line, "--"+f.Name, v)
			}
			return
		}
		if f.Value.Type() == "bool" {
			if f.Value.String() == "true" {
				line = append(line, "--"+f.Name)
			} else {
				line = append(line, "--"+f.Name+"=false")
			}
			return
		}
		line = append(line, "--"+f.Name, f.Value.String())
	})
	return append(line, args...)
}

// parsePeriod reads FROM..TO, two dates; the period runs from the start of FROM to the end of TO, in
// UTC.
func parsePeriod(s string) (*assess.Period, error) {
	from, to, ok := strings.Cut(s, "..")
	if !ok {
		return nil, &usageError{fmt.Errorf("--period %q: want FROM..TO, e.g. 2026-01-01..2026-12-31", s)}
	}
	f, err := time.Parse(time.DateOnly, strings.TrimSpace(from))
	if err != nil {
		return nil, &usageError{fmt.Errorf("--period: %q is not a date YYYY-MM-DD", from)}
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(to))
	if err != nil {
		return nil, &usageError{fmt.Errorf("--period: %q is not a date YYYY-MM-DD", to)}
	}
	if t.Before(f) {
		return nil, &usageError{fmt.Errorf("--period %s: the end is before the start", s)}
	}
	return &assess.Period{From: f, To: t.AddDate(0, 0, 1)}, nil
}

// selectCatalogs returns the catalogues --framework names.
func selectCatalogs(name string) ([]frameworks.Catalog, error) {
	cats, err := frameworks.Load()
	if err != nil {
		return nil, fmt.Errorf("load framework catalogs: %w", err)
	}
	if name == "all" {
		return cats, nil
	}
	for _, c := range cats {
		if c.ID == name {
			return []frameworks.Catalog{c}, nil
		}
	}
	return nil, &usageError{fmt.Errorf("--framework: unknown framework %q; known: %s, or all", name, strings.Join(frameworks.IDs(), ", "))}
}

// checkOutDir refuses a pack directory that exists and is not empty, unless force; a file there is
// always refused.
func checkOutDir(dir string, force bool) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("-o %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return &usageError{fmt.Errorf("-o %s: exists and is not a directory", dir)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("-o %s: %w", dir, err)
	}
	if len(entries) > 0 && !force {
		return &usageError{fmt.Errorf("-o %s: exists and is not empty; choose a new directory, or --force to replace it", dir)}
	}
	return nil
}

// packInput is an input file to record, and to copy into evidence/ unless --no-inputs.
type packInput struct {
	rec  finding.Input
	path string // the file to copy; "" for stdin
	data []byte // its content when read from stdin
	dest string // its path inside the pack
}

func runReport(ctx context.Context, opts *reportOptions) (err error) {
	s := opts.IO
	cats, err := selectCatalogs(opts.Framework)
	if err != nil {
		return err
	}
	var period *assess.Period
	if opts.Period != "" {
		if period, err = parsePeriod(opts.Period); err != nil {
			return err
		}
	}
	if err := checkOutDir(opts.Out, opts.Force); err != nil {
		return err
	}
	var key ed25519.PrivateKey
	if opts.SignKey != "" {
		k, warnings, err := evidence.ReadPrivateKey(opts.SignKey)
		for _, w := range warnings {
			fmt.Fprintln(s.Err, "tailaudit: warning:", w)
		}
		if err != nil {
			return err
		}
		key = k
	}
	var prev *finding.AssessmentReport
	if opts.Previous != "" {
		if prev, err = readPreviousPack(opts.Previous); err != nil {
			return err
		}
	}
	ctx, cancel, err := opts.Rules.deadline(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	cfg, eng, err := opts.Rules.engine(ctx, s)
	if err != nil {
		return err
	}
	in := engine.Input{Now: s.now(), Params: cfg.Params, FailOn: cfg.FailOn, Waivers: cfg.Waivers}
	var packed []packInput
	if cfg.Path != "" {
		rec := finding.Input{Kind: "config", Path: cfg.Path, SHA256: cfg.SHA256}
		in.Inputs = append(in.Inputs, rec)
		packed = append(packed, packInput{rec: rec, path: cfg.Path, dest: "evidence/" + filepath.Base(cfg.Path)})
	}
	stdin := &recordingReader{r: s.In}
	docs, err := inputs.Load(opts.Policy, opts.Snapshot, stdin)
	if err != nil {
		return err
	}
	in.Policy, in.PolicyError, in.Tailnet = docs.Policy, docs.PolicyError, docs.Snapshot
	in.Inputs = append(in.Inputs, docs.Inputs...)
	for _, rec := range docs.Inputs {
		p := packInput{rec: rec, path: rec.Path}
		switch rec.Kind {
		case inputs.KindSnapshot:
			p.dest = "evidence/snapshot.json"
		default:
			p.dest = "evidence/policy.hujson"
		}
		if rec.Path == inputs.StdinName || opts.Policy == inputs.Stdin && rec.Kind == inputs.KindPolicy {
			p.path, p.data = "", stdin.buf.Bytes()
		}
		packed = append(packed, p)
	}
	var events *assess.Events
	for i, path := range opts.Events {
		if events == nil {
			events = &assess.Events{}
		}
		rec, err := readInput(path, "events", func(r io.Reader) error { return events.Read(path, r) })
		if err != nil {
			return err
		}
		in.Inputs = append(in.Inputs, rec)
		packed = append(packed, packInput{rec: rec, path: path, dest: fmt.Sprintf("evidence/events/%d-%s", i+1, filepath.Base(path))})
	}
	if events != nil && period == nil {
		fmt.Fprintln(s.Err, "tailaudit: note: --events without --period: the events are kept as evidence, but no period's coverage is judged")
	}
	var atts []finding.Attestation
	if opts.Attestations != "" {
		rec, err := readInput(opts.Attestations, "attestations", func(r io.Reader) error {
			src, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			atts, err = assess.ParseAttestations(opts.Attestations, src, cats)
			return err
		})
		if err != nil {
			return err
		}
		in.Inputs = append(in.Inputs, rec)
		packed = append(packed, packInput{rec: rec, path: opts.Attestations, dest: "evidence/attestations.hujson"})
	}
	rep, err := eng.Evaluate(ctx, in)
	if err != nil {
		return err
	}
	rep.Tool = finding.Tool{Name: "tailaudit", Version: version(), URI: "https://github.com/tailaudit/tailaudit"}
	ar, err := assess.Assess(rep, cats, atts, assess.Options{Now: in.Now, Snapshot: docs.Snapshot, Params: cfg.Params, Period: period, Events: events, RetentionMonths: cfg.RetentionMonths})
	if err != nil {
		return err
	}
	if prev != nil {
		ar.Changes = assess.Compare(opts.Previous, prev, ar)
	}
	bundle := eng.BundleHash()
	// The engine's working set and the findings are garbage from here on, and at 50,000 devices they
	// are a gigabyte: collect them now, before rendering allocates, rather than let the heap grow
	// to twice its size first.
	rep, eng, docs, in = nil, nil, nil, engine.Input{}
	debug.FreeOSMemory()
	pack := &output.Pack{Report: ar, RuleBundle: bundle, Command: append([]string{"tailaudit"}, opts.Args...)}
	if len(opts.Args) == 0 {
		pack.Command = []string{"tailaudit", "report", "--framework", opts.Framework}
	}
	manifest := evidence.Manifest{Tool: "tailaudit", Version: version(), RuleBundle: pack.RuleBundle, Command: pack.Command, Created: in.Now.UTC()}
	if err := writePack(ctx, opts, pack, packed, manifest, key); err != nil {
		return err
	}
	for _, a := range ar.Assessments {
		fmt.Fprintf(s.Err, "tailaudit: %s %s: %d controls: %s\n", a.Framework.Name, a.Framework.Version, a.Summary.Controls, summaryLine(a.Summary))
	}
	signed := ""
	if key != nil {
		signed = ", signed by key " + evidence.Fingerprint(key.Public().(ed25519.PublicKey))
	}
	fmt.Fprintf(s.Err, "tailaudit: wrote the evidence pack %s%s\n", opts.Out, signed)
	return nil
}

func summaryLine(s finding.AssessmentSummary) string {
	var parts []string
	for _, st := range finding.ControlStatuses {
		if n := s.Status[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(string(st), "_", " ")))
		}
	}
	return strings.Join(parts, ", ")
}

// recordingReader keeps what is read through it, so that a policy read from stdin can be put in
// the pack.
type recordingReader struct {
	r   io.Reader
	buf bytes.Buffer
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.buf.Write(p[:n])
	return n, err
}

// readInput opens path, hands its content to read, and returns its record with its SHA-256.
func readInput(path, kind string, read func(io.Reader) error) (finding.Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return finding.Input{}, fmt.Errorf("read %s: %w", kind, err)
	}
	defer f.Close()
	h := sha256.New()
	if err := read(io.TeeReader(f, h)); err != nil {
		return finding.Input{}, err
	}
	if _, err := io.Copy(h, f); err != nil {
		return finding.Input{}, fmt.Errorf("read %s: %w", path, err)
	}
	return finding.Input{Kind: kind, Path: path, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// readPreviousPack reads an earlier pack's report.json, after checking the pack is intact.
func readPreviousPack(dir string) (*finding.AssessmentReport, error) {
	r, err := evidence.Verify(dir, nil)
	if err != nil {
		return nil, fmt.Errorf("--previous %s: %w", dir, err)
	}
	if !r.OK() {
		return nil, fmt.Errorf("--previous %s: the pack does not verify (run tailaudit verify %s); an edited pack is no base to compare with", dir, dir)
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		return nil, fmt.Errorf("--previous: %w", err)
	}
	var prev finding.AssessmentReport
	if err := json.Unmarshal(data, &prev); err != nil {
		return nil, fmt.Errorf("--previous %s: report.json: %w", dir, err)
	}
	if prev.SchemaVersion != finding.AssessmentSchemaVersion {
		return nil, fmt.Errorf("--previous %s: report.json has schema %q, not %s", dir, prev.SchemaVersion, finding.AssessmentSchemaVersion)
	}
	return &prev, nil
}

// writePack writes the whole pack into a new directory beside opts.Out, seals it, and renames it
// into place; on any error, and on cancellation, the temporary directory is removed and opts.Out is
// as it was.
func writePack(ctx context.Context, opts *reportOptions, pack *output.Pack, packed []packInput, m evidence.Manifest, key ed25519.PrivateKey) (err error) {
	out := filepath.Clean(opts.Out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return fmt.Errorf("create the pack: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, pf := range output.PackFiles() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(tmp, pf.Name), func(w io.Writer) error { return pf.Render(w, pack) }); err != nil {
			return fmt.Errorf("write %s: %w", pf.Name, err)
		}
	}
	for _, p := range packed {
		rel := p.dest
		if opts.NoInputs {
			rel = ""
		}
		m.Inputs = append(m.Inputs, evidence.Input{Kind: p.rec.Kind, Path: p.rec.Path, SHA256: p.rec.SHA256, InPack: rel})
		if opts.NoInputs {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		dest := filepath.Join(tmp, filepath.FromSlash(p.dest))
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		if err := writeFile(dest, func(w io.Writer) error {
			if p.path == "" {
				_, err := w.Write(p.data)
				return err
			}
			f, err := os.Open(p.path)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		}); err != nil {
			return fmt.Errorf("copy %s into the pack: %w", p.rec.Path, err)
		}
	}
	if _, err := evidence.Seal(tmp, m, key); err != nil {
		return fmt.Errorf("seal the pack: %w", err)
	}
	return replaceDir(tmp, out)
}

// writeFile creates path and writes what write produces, buffered. Files are not synced one by one:
// at 50,000 devices a pack is hundreds of megabytes, and what makes it appear whole or not at all is
// the rename of its directory.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replaceDir moves the complete pack tmp to out. An existing out (empty, or replaced with --force)
// is moved aside first and removed only once the new pack is in place.
func replaceDir(tmp, out string) error {
	if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, out)
	}
	old := tmp + ".old"
	if err := os.Rename(out, old); err != nil {
		return fmt.Errorf("move the old %s aside: %w", out, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		if rerr := os.Rename(old, out); rerr != nil {
			return fmt.Errorf("put the pack in place: %w (and the old pack was left at %s: %v)", err, old, rerr)
		}
		return fmt.Errorf("put the pack in place: %w", err)
	}
	return os.RemoveAll(old)
}
