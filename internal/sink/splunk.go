package sink

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// The HEC paths.
const (
	hecEventPath = "/services/collector/event"
	hecAckPath   = "/services/collector/ack"
)

// splunk sends alerts to a Splunk HTTP Event Collector, many events a request. With ack=true (or
// a channel=UUID) in the URL it uses indexer acknowledgement: requests carry a channel, and an
// alert counts as delivered only once HEC says its request was indexed.
type splunk struct {
	name    string
	event   string // the event endpoint
	ack     string // the ack endpoint, "" without indexer acknowledgement
	channel string
	auth    string
	meta    hecMeta
	http    *httpPoster
	// ackPoll is how long to wait between two ack queries, and ackWait how long to wait in all
	// before the alerts of a request are given up on for this run (and retried on the next).
	ackPoll, ackWait time.Duration
	sleep            func(ctx context.Context, d time.Duration) error
}

// hecMeta is what every event carries besides the alert.
type hecMeta struct {
	Host       string `json:"host,omitempty"`
	Source     string `json:"source"`
	Sourcetype string `json:"sourcetype"`
	Index      string `json:"index,omitempty"`
}

// DefaultSourcetype is the sourcetype of the events the Splunk sink sends, unless the URL says
// otherwise; the shipped saved searches look for it.
const DefaultSourcetype = "tailaudit:alert"

func newSplunk(u *url.URL, env func(string) string, h *httpPoster) (*splunk, error) {
	q, err := options(u, "splunk", "index", "source", "sourcetype", "host", "ack", "channel")
	if err != nil {
		return nil, err
	}
	token, err := secretEnv(env, "splunk", EnvSplunkToken)
	if err != nil {
		return nil, err
	}
	h.secrets = append(h.secrets, token)
	s := &splunk{auth: "Splunk " + token, http: h, ackPoll: time.Second, ackWait: 2 * time.Minute, sleep: sleepCtx,
		meta: hecMeta{Host: q.Get("host"), Source: q.Get("source"), Sourcetype: q.Get("sourcetype"), Index: q.Get("index")}}
	if s.meta.Source == "" {
		s.meta.Source = "tailaudit"
	}
	if s.meta.Sourcetype == "" {
		s.meta.Sourcetype = DefaultSourcetype
	}
	if s.meta.Host == "" {
		// The machine that ran the rules, as a forwarder would name it; Splunk fills in the
		// sender's address when it is empty.
		s.meta.Host, _ = os.Hostname()
	}
	ev := *u
	if ev.Path == "" || ev.Path == "/" {
		ev.Path = hecEventPath
	}
	ev.RawPath = ""
	s.event = ev.String()
	// The URL as given, with the index when there is one: two sinks into two indexes of one HEC
	// need two names (the state keys its outbox by them).
	s.name = hostName("splunk", u, true)
	if s.meta.Index != "" {
		s.name += "#index=" + s.meta.Index
	}
	s.channel = q.Get("channel")
	ackOn := s.channel != ""
	switch a := strings.ToLower(q.Get("ack")); a {
	case "":
	case "true", "1":
		ackOn = true
	case "false", "0":
		if ackOn {
			return nil, fmt.Errorf("sink splunk: channel= is for indexer acknowledgement, which ack=%s turns off", a)
		}
	default:
		return nil, fmt.Errorf("sink splunk: ack=%q is not true or false", q.Get("ack"))
	}
	if !ackOn {
		return s, nil
	}
	if s.channel == "" {
		s.channel = newChannel()
	} else if !isUUID(s.channel) {
		return nil, fmt.Errorf("sink splunk: channel %q is not a UUID, which HEC requires", s.channel)
	}
	ack := ev
	switch p := strings.TrimSuffix(ev.Path, "/"); {
	case strings.HasSuffix(p, "/event"):
		ack.Path = strings.TrimSuffix(p, "/event") + "/ack"
	case strings.HasSuffix(p, "/collector"):
		ack.Path = p + "/ack"
	default:
		ack.Path = hecAckPath
	}
	s.ack = ack.String()
	return s, nil
}

// newChannel is a random UUID (version 4) for the X-Splunk-Request-Channel header.
func newChannel() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", c):
			return false
		}
	}
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *splunk) Name() string { return s.name }

// MaxBatch is how many alerts one Deliver takes; it sends them in requests of at most
// hecMaxEvents events and hecMaxBytes bytes, and with indexer acknowledgement waits for all of
// their acks at once.
func (*splunk) MaxBatch() int { return 1000 }

// The most one HEC request carries. HEC refuses a request longer than its max_content_length,
// which some installations keep at 1 MB; an alert longer than that is sent alone.
const (
	hecMaxEvents = 200
	hecMaxBytes  = 900 << 10
)

func (s *splunk) Deliver(ctx context.Context, alerts []finding.Alert) (out []Result) {
	defer recoverInto(s.name, len(alerts), &out)
	out = make([]Result, len(alerts))
	events := make([][]byte, len(alerts))
	for i, a := range alerts {
		b, err := json.Marshal(hecEvent{Time: float64(a.Time.UnixMilli()) / 1000, hecMeta: s.meta, Event: a})
		if err != nil {
			out[i].Err = fmt.Errorf("%s: encode alert %s: %w", s.name, a.ID, err)
			continue
		}
		events[i] = append(b, '\n')
	}
	var acks []pendingAck
	for _, req := range requests(events, hecMaxEvents, hecMaxBytes) {
		acks = append(acks, s.sendAll(ctx, req, events, out)...)
	}
	if len(acks) > 0 {
		s.waitAcks(ctx, acks, out)
	}
	return out
}

// pendingAck is a request HEC took, whose alerts are delivered once its ackId is indexed.
type pendingAck struct {
	id     int64
	alerts []int
}

// sendAll sends the events idx in one request. HEC stops at an event it cannot read and says
// which: only that alert keeps the error, and the others are sent once more without it (those
// before it may have been indexed: a repeat with the same id, which at-least-once allows).
func (s *splunk) sendAll(ctx context.Context, idx []int, events [][]byte, out []Result) []pendingAck {
	res, bad, ack := s.send(ctx, idx, events)
	if bad >= 0 {
		out[idx[bad]] = res
		rest := append(append([]int(nil), idx[:bad]...), idx[bad+1:]...)
		if len(rest) == 0 {
			return nil
		}
		idx = rest
		res, bad, ack = s.send(ctx, idx, events)
		// A second unreadable event: no third round; every alert of the request keeps the error.
	}
	if res.Err != nil || bad >= 0 {
		for _, i := range idx {
			out[i] = res
		}
		return nil
	}
	if ack != nil {
		return []pendingAck{{*ack, idx}}
	}
	return nil
}

// hecEvent is one event of a request.
type hecEvent struct {
	Time float64 `json:"time"`
	hecMeta
	Event finding.Alert `json:"event"`
}

// send posts the events idx as one request. bad is the position in idx of the event HEC said it
// could not read (-1 when none), and ack the request's ackId with indexer acknowledgement.
func (s *splunk) send(ctx context.Context, idx []int, events [][]byte) (_ Result, bad int, ack *int64) {
	var buf bytes.Buffer
	for _, i := range idx {
		buf.Write(events[i])
	}
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {s.auth}}
	if s.channel != "" {
		h.Set("X-Splunk-Request-Channel", s.channel)
	}
	r, err := s.http.do(ctx, s.name, http.MethodPost, s.event, h, buf.Bytes())
	if err != nil {
		return Result{Err: err}, -1, nil
	}
	rep, perr := parseHECReply(r.body)
	if isHTML(r) {
		perr = errors.New("the answer is a web page, not an HTTP Event Collector reply")
	}
	if perr != nil || r.status/100 != 2 || rep.Code != 0 {
		fail := s.http.statusErr(s.name, r, hecWhat(r.status, rep, perr))
		if perr == nil && rep.Code == hecInvalidFormat && rep.InvalidEvent != nil && *rep.InvalidEvent >= 0 && *rep.InvalidEvent < len(idx) {
			return fail, *rep.InvalidEvent, nil
		}
		return fail, -1, nil
	}
	if s.ack == "" {
		return Result{}, -1, nil
	}
	if rep.AckID == nil {
		return Result{Err: fmt.Errorf("%s: indexer acknowledgement is on (ack=true) but HEC gave no ackId: turn it on for the token, or drop ack= from the URL", s.name)}, -1, nil
	}
	return Result{}, -1, rep.AckID
}

// waitAcks asks HEC about every pending request at once until each is indexed or the wait ends;
// the alerts of a request not indexed by then get an error, and are sent again on a later run.
func (s *splunk) waitAcks(ctx context.Context, pending []pendingAck, out []Result) {
	ctx, cancel := context.WithTimeout(ctx, s.ackWait)
	defer cancel()
	fail := func(err error) {
		for _, p := range pending {
			for _, i := range p.alerts {
				out[i] = Result{Err: err}
			}
		}
	}
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {s.auth}, "X-Splunk-Request-Channel": {s.channel}}
	for len(pending) > 0 {
		ids := make([]int64, len(pending))
		for i, p := range pending {
			ids[i] = p.id
		}
		body, _ := json.Marshal(map[string][]int64{"acks": ids})
		r, err := s.http.do(ctx, s.name, http.MethodPost, s.ack, h, body)
		if err != nil {
			if ctx.Err() != nil {
				err = fmt.Errorf("%s: %d requests not yet indexed when the wait ended: %w", s.name, len(pending), ctx.Err())
			}
			fail(err)
			return
		}
		if r.status/100 != 2 {
			fail(s.http.statusErr(s.name, r, "ack query").Err)
			return
		}
		done, err := parseHECAcks(r.body)
		if err != nil {
			fail(s.http.statusErr(s.name, r, "ack query: "+err.Error()).Err)
			return
		}
		left := pending[:0]
		for _, p := range pending {
			if !done[strconv.FormatInt(p.id, 10)] {
				left = append(left, p)
			}
		}
		pending = left
		if len(pending) == 0 {
			return
		}
		if err := s.sleep(ctx, s.ackPoll); err != nil {
			fail(fmt.Errorf("%s: %d requests not yet indexed when the wait ended: %w", s.name, len(pending), err))
			return
		}
	}
}

// hecReply is HEC's answer to a request.
type hecReply struct {
	Text         string `json:"text"`
	Code         int    `json:"code"`
	AckID        *int64 `json:"ackId"`
	InvalidEvent *int   `json:"invalid-event-number"`
}

// hecInvalidFormat is the code of an event HEC cannot read.
const hecInvalidFormat = 6

// hecCode names HEC's status codes, for errors.
func hecCode(code int) string {
	switch code {
	case 1:
		return "token disabled"
	case 2:
		return "token is required"
	case 3:
		return "invalid authorization"
	case 4:
		return "invalid token"
	case 5:
		return "no data"
	case 6:
		return "invalid data format"
	case 7:
		return "incorrect index"
	case 8:
		return "internal server error"
	case 9:
		return "server is busy"
	case 10:
		return "data channel is missing (indexer acknowledgement is on for the token: add ack=true to the URL)"
	case 11:
		return "invalid data channel"
	case 12:
		return "event field is required"
	case 13:
		return "event field cannot be blank"
	case 14:
		return "ack is disabled (turn indexer acknowledgement on for the token, or drop ack= from the URL)"
	}
	return ""
}

// hecWhat says what was wrong with a reply: its HEC code, or for a 2xx answer, that it is none.
func hecWhat(status int, r hecReply, err error) string {
	if err != nil {
		if status/100 != 2 && !strings.Contains(err.Error(), "web page") {
			return "" // the status and the body say it
		}
		return err.Error()
	}
	if name := hecCode(r.Code); name != "" {
		return fmt.Sprintf("HEC code %d, %s", r.Code, name)
	}
	return "HEC code " + strconv.Itoa(r.Code)
}

// parseHECReply reads HEC's answer: one JSON object with a code.
func parseHECReply(body []byte) (hecReply, error) {
	var r struct {
		hecReply
		Code *int `json:"code"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&r); err != nil || r.Code == nil || dec.More() {
		return hecReply{}, errors.New("the answer is not an HTTP Event Collector reply")
	}
	r.hecReply.Code = *r.Code
	return r.hecReply, nil
}

// parseHECAcks reads the answer to an ack query: {"acks":{"7":true,"8":false}}.
func parseHECAcks(body []byte) (map[string]bool, error) {
	var r struct {
		Acks map[string]bool `json:"acks"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Acks == nil {
		return nil, errors.New("the answer is not an ack reply")
	}
	return r.Acks, nil
}
