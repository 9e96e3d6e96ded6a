package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tailaudit/tailaudit/internal/alertstate"
)

// maxStatusItems is how many outbox items --status lists per sink; the rest are counted.
const maxStatusItems = 20

// alertStatus is what --status shows, and its JSON.
type alertStatus struct {
	State       string              `json:"state"`
	Cursors     []statusCursor      `json:"cursors"`
	Outbox      []statusSink        `json:"outbox"`
	Suppression []statusSuppression `json:"suppression"`
	Actors      int                 `json:"actorsSeen"`
	Held        int                 `json:"heldEvents"`
}

type statusCursor struct {
	Source   string    `json:"source"`
	Newest   time.Time `json:"newestEvent"`
	AtNewest int       `json:"eventsAtNewest"`
	Judged   int64     `json:"judged"`
	// Late counts the events found older than the cursor in what a file gained since a run, and
	// so not judged, over all runs.
	Late    int64     `json:"late"`
	Updated time.Time `json:"updated"`
	// Files are the marks of the source's regular files: a later run skips a file still of that
	// size and digest, and reads a grown one-entry-per-line file from the mark on.
	Files []statusFile `json:"files"`
}

type statusFile struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	Lines   int       `json:"lines"`
	ModTime time.Time `json:"mtime"`
	Resume  bool      `json:"resumable"`
}

type statusSink struct {
	Sink      string       `json:"sink"`
	Pending   int          `json:"pending"`
	Failing   int          `json:"failing"`
	Attempts  int          `json:"maxAttempts"`
	LastError string       `json:"lastError,omitempty"`
	NextTry   time.Time    `json:"nextTry"`
	Items     []statusItem `json:"items"` // the oldest maxStatusItems
}

type statusItem struct {
	ID        string    `json:"id"`
	Rule      string    `json:"rule"`
	Severity  string    `json:"severity"`
	Time      time.Time `json:"time"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"lastError,omitempty"`
	Next      time.Time `json:"next"`
}

type statusSuppression struct {
	Rule  string    `json:"rule"`
	Dedup string    `json:"dedup"`
	Until time.Time `json:"until"`
}

// runAlertsStatus prints what the state holds: -f text (the default) or -f json, on stdout.
func runAlertsStatus(opts *alertsOptions) error {
	format := "text"
	for _, f := range opts.Formats {
		if f != "text" && f != "json" {
			return &usageError{fmt.Errorf("--status prints -f text or -f json on stdout, not %s", f)}
		}
		format = f
	}
	st, err := alertstate.Open(opts.State, opts.StateWait, true)
	if err != nil {
		return err
	}
	defer st.Close()
	status, err := readStatus(st)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(status)
	}
	return writeStatus(opts.IO.Out, status)
}

func readStatus(st *alertstate.Store) (*alertStatus, error) {
	out := &alertStatus{State: st.Dir(), Cursors: []statusCursor{}, Outbox: []statusSink{}, Suppression: []statusSuppression{}}
	cursors, err := st.Cursors()
	if err != nil {
		return nil, err
	}
	for src, c := range cursors {
		sc := statusCursor{Source: src, Newest: c.Time, AtNewest: len(c.Digests), Judged: c.Judged, Late: c.Late, Updated: c.Updated, Files: []statusFile{}}
		for _, name := range slices.Sorted(maps.Keys(c.Files)) {
			m := c.Files[name]
			sc.Files = append(sc.Files, statusFile{Name: name, Size: m.Size, Lines: m.Lines, ModTime: m.ModTime, Resume: m.Resume})
		}
		out.Cursors = append(out.Cursors, sc)
	}
	slices.SortFunc(out.Cursors, func(a, b statusCursor) int { return strings.Compare(a.Source, b.Source) })
	pending, err := st.Pending()
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		ss := statusSink{Sink: p.Sink, Pending: p.Items, Failing: p.Failing, Attempts: p.Attempts, LastError: p.LastError, NextTry: p.NextTry, Items: []statusItem{}}
		items, err := st.Due(p.Sink, time.Unix(1<<40, 0), nil, maxStatusItems) // every item is due by then
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			ss.Items = append(ss.Items, statusItem{ID: it.Alert.ID, Rule: it.Alert.Rule.ID, Severity: string(it.Alert.Severity), Time: it.Alert.Time,
				Attempts: it.Attempts, LastError: it.LastError, Next: it.Next})
		}
		out.Outbox = append(out.Outbox, ss)
	}
	sups, err := st.Suppressions()
	if err != nil {
		return nil, err
	}
	for _, s := range sups {
		out.Suppression = append(out.Suppression, statusSuppression{Rule: s.Rule, Dedup: s.Dedup, Until: s.Until})
	}
	actors, err := st.Actors()
	if err != nil {
		return nil, err
	}
	out.Actors = len(actors)
	held, err := st.History()
	if err != nil {
		return nil, err
	}
	out.Held = len(held)
	return out, nil
}

func stampText(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func writeStatus(w io.Writer, st *alertStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "State %s\n\n", st.State)
	fmt.Fprintf(tw, "Cursors: %s\n", plural(len(st.Cursors), "source"))
	if len(st.Cursors) > 0 {
		fmt.Fprintln(tw, "  SOURCE\tNEWEST EVENT\tAT IT\tJUDGED\tLATE\tMOVED")
	}
	for _, c := range st.Cursors {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%d\t%s\n", c.Source, stampText(c.Newest), c.AtNewest, c.Judged, c.Late, stampText(c.Updated))
	}
	var files int
	for _, c := range st.Cursors {
		files += len(c.Files)
	}
	if files > 0 {
		fmt.Fprintf(tw, "\nFiles read: %s (an unchanged file is skipped; a grown one is read from its mark if resumable)\n", plural(files, "file"))
		fmt.Fprintln(tw, "  FILE\tBYTES\tLINES\tMODIFIED\tRESUMABLE")
	}
	for _, c := range st.Cursors {
		for _, f := range c.Files {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\n", f.Name, f.Size, f.Lines, stampText(f.ModTime), yesNo(f.Resume))
		}
	}
	total := 0
	for _, s := range st.Outbox {
		total += s.Pending
	}
	fmt.Fprintf(tw, "\nOutbox: %s waiting\n", plural(total, "alert"))
	for _, s := range st.Outbox {
		line := fmt.Sprintf("  %s: %d waiting, next try %s", s.Sink, s.Pending, stampText(s.NextTry))
		if s.Failing > 0 {
			line += fmt.Sprintf(", FAILING (%d alerts tried %d times or more)", s.Failing, alertstate.FailingAfter)
		}
		fmt.Fprintln(tw, line)
		fmt.Fprintln(tw, "    ID\tRULE\tSEVERITY\tTIME\tATTEMPTS\tNEXT TRY\tLAST ERROR")
		for _, it := range s.Items {
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%d\t%s\t%s\n", it.ID, it.Rule, it.Severity, stampText(it.Time), it.Attempts, stampText(it.Next), oneLine(it.LastError))
		}
		if more := s.Pending - len(s.Items); more > 0 {
			fmt.Fprintf(tw, "    and %d more\n", more)
		}
	}
	fmt.Fprintf(tw, "\nSuppression: %s\n", count(len(st.Suppression), "entry", "entries"))
	if len(st.Suppression) > 0 {
		fmt.Fprintln(tw, "  RULE\tDEDUP KEY\tUNTIL")
	}
	for _, s := range st.Suppression {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Rule, oneLine(s.Dedup), stampText(s.Until))
	}
	fmt.Fprintf(tw, "\nActors seen: %d\nEvents held for windows: %d\n", st.Actors, st.Held)
	return tw.Flush()
}

// yesNo is how a table shows a flag.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// count is n and the noun's singular or plural.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// oneLine keeps a table row on one line, and the error texts a sink gives short.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		return "-"
	}
	return s
}
