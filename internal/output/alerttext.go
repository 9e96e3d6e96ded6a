package output

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// alertText writes one block per alert, most severe first, then by time (then rule id, then the
// order raised), and a summary line. The blocks are rendered as the alerts come and sorted in
// runs of at most textRunBlocks blocks (or textRunBytes bytes) kept in a spool; end merges the
// runs, so memory holds one run and a read buffer per run, however many alerts there are.
type alertText struct {
	w      io.Writer
	counts alertCounts
	seq    uint64
	run    []textBlock // rendered, not yet sorted into the spool
	bytes  int
	spool  *spool
	runs   []textRun // sorted runs in the spool
	// runBlocks and runBytes bound a run: textRunBlocks and textRunBytes, less in tests.
	runBlocks, runBytes int
}

const (
	textRunBlocks = 4096
	textRunBytes  = 4 << 20
)

// textBlock is an alert's text and what it is sorted by.
type textBlock struct {
	rank int // Severity.Rank: higher is more severe
	sec  int64
	nsec int64
	rule string
	seq  uint64
	text []byte
}

// textRun is a sorted run in the spool.
type textRun struct{ off, n int64 }

func newAlertText(w io.Writer) alertEncoder {
	return &alertText{w: w, counts: alertCounts{}, runBlocks: textRunBlocks, runBytes: textRunBytes}
}

func compareBlocks(a, b *textBlock) int {
	return cmp.Or(cmp.Compare(b.rank, a.rank), cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec),
		strings.Compare(a.rule, b.rule), cmp.Compare(a.seq, b.seq))
}

func (t *alertText) alert(a *finding.Alert) error {
	t.counts[a.Severity]++
	var b bytes.Buffer
	fmt.Fprintf(&b, "%-8s %s  %s  %s\n", strings.ToUpper(string(a.Severity)), a.Time.UTC().Format(time.RFC3339), a.Rule.ID, a.Message)
	var who []string
	if s := actorText(a.Actor); s != "" {
		who = append(who, "by "+s)
	}
	if s := targetText(a.Target); s != "" {
		who = append(who, "on "+s)
	}
	if a.Window != nil && a.Window.Count > 1 {
		who = append(who, fmt.Sprintf("%d events since %s", a.Window.Count, a.Window.Start.UTC().Format(time.RFC3339)))
	}
	if len(who) > 0 {
		fmt.Fprintf(&b, "         %s\n", strings.Join(who, ", "))
	}
	if a.Location != nil {
		fmt.Fprintf(&b, "         at %s\n", a.Location.String())
	}
	if a.Runbook != "" {
		fmt.Fprintf(&b, "         runbook: %s\n", a.Runbook)
	}
	fmt.Fprintf(&b, "         id %s\n", a.ID)
	t.seq++
	t.run = append(t.run, textBlock{rank: a.Severity.Rank(), sec: a.Time.Unix(), nsec: int64(a.Time.Nanosecond()), rule: a.Rule.ID, seq: t.seq, text: b.Bytes()})
	t.bytes += b.Len()
	if len(t.run) >= t.runBlocks || t.bytes >= t.runBytes {
		return t.spill()
	}
	return nil
}

// spill sorts the blocks held and writes them to the spool as a run.
func (t *alertText) spill() error {
	if len(t.run) == 0 {
		return nil
	}
	if t.spool == nil {
		var err error
		if t.spool, err = newSpool(); err != nil {
			return err
		}
	}
	slices.SortFunc(t.run, func(a, b textBlock) int { return compareBlocks(&a, &b) })
	off := t.spool.size
	var rec []byte
	for i := range t.run {
		rec = appendBlock(rec[:0], &t.run[i])
		if _, err := t.spool.Write(rec); err != nil {
			return err
		}
	}
	t.runs = append(t.runs, textRun{off, t.spool.size - off})
	t.run, t.bytes = t.run[:0], 0
	return nil
}

// appendBlock encodes a block for the spool: rank, seconds, nanoseconds and sequence as varints,
// then the rule id and the text, each after its length.
func appendBlock(dst []byte, b *textBlock) []byte {
	dst = binary.AppendVarint(dst, int64(b.rank))
	dst = binary.AppendVarint(dst, b.sec)
	dst = binary.AppendVarint(dst, b.nsec)
	dst = binary.AppendUvarint(dst, b.seq)
	dst = binary.AppendUvarint(dst, uint64(len(b.rule)))
	dst = append(dst, b.rule...)
	dst = binary.AppendUvarint(dst, uint64(len(b.text)))
	return append(dst, b.text...)
}

func readBlock(r *bufio.Reader) (textBlock, error) {
	var b textBlock
	rank, err := binary.ReadVarint(r)
	if err != nil {
		return b, err // io.EOF at the end of the run
	}
	b.rank = int(rank)
	fail := func(err error) (textBlock, error) {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return textBlock{}, fmt.Errorf("alert spool: %w", err)
	}
	if b.sec, err = binary.ReadVarint(r); err != nil {
		return fail(err)
	}
	if b.nsec, err = binary.ReadVarint(r); err != nil {
		return fail(err)
	}
	if b.seq, err = binary.ReadUvarint(r); err != nil {
		return fail(err)
	}
	str := func() ([]byte, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		out := make([]byte, n)
		_, err = io.ReadFull(r, out)
		return out, err
	}
	rule, err := str()
	if err != nil {
		return fail(err)
	}
	b.rule = string(rule)
	if b.text, err = str(); err != nil {
		return fail(err)
	}
	return b, nil
}

func (t *alertText) end() error {
	ew := &errWriter{w: t.w}
	if len(t.runs) == 0 {
		// Everything fits in one run: no spool.
		slices.SortFunc(t.run, func(a, b textBlock) int { return compareBlocks(&a, &b) })
		for _, b := range t.run {
			ew.Write(b.text)
		}
	} else if err := t.merge(ew); err != nil {
		return err
	}
	fmt.Fprintln(ew, t.counts.summary())
	return ew.err
}

// merge spills what is held as a last run and writes the blocks of every run in order.
func (t *alertText) merge(w io.Writer) error {
	if err := t.spill(); err != nil {
		return err
	}
	h := &blockHeap{}
	for _, run := range t.runs {
		sr, err := t.spool.section(run.off, run.n)
		if err != nil {
			return err
		}
		r := bufio.NewReader(sr)
		b, err := readBlock(r)
		if err != nil {
			return fmt.Errorf("alert spool: empty run: %w", err)
		}
		h.items = append(h.items, headBlock{b, r})
	}
	heap.Init(h)
	for h.Len() > 0 {
		top := &h.items[0]
		if _, err := w.Write(top.text); err != nil {
			return err
		}
		next, err := readBlock(top.r)
		switch {
		case err == io.EOF:
			heap.Pop(h)
		case err != nil:
			return err
		default:
			top.textBlock = next
			heap.Fix(h, 0)
		}
	}
	return nil
}

func (t *alertText) close() {
	t.spool.close()
	t.spool, t.run, t.runs = nil, nil, nil
}

// headBlock is the next block of one run in the merge.
type headBlock struct {
	textBlock
	r *bufio.Reader
}

type blockHeap struct{ items []headBlock }

func (h *blockHeap) Len() int { return len(h.items) }
func (h *blockHeap) Less(i, j int) bool {
	return compareBlocks(&h.items[i].textBlock, &h.items[j].textBlock) < 0
}
func (h *blockHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *blockHeap) Push(x any)    { h.items = append(h.items, x.(headBlock)) }
func (h *blockHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
