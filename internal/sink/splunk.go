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
	s.name = hostName("splunk", &ev, true)
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

// MaxBatch keeps a request well under HEC's default limit of 1 MB for a request.
func (*splunk) MaxBatch() int { return 200 }

func (s *splunk) Deliver(ctx context.Context, alerts []finding.Alert) (out []Result) {
	defer recoverInto(s.name, len(alerts), &out)
	if len(alerts) == 0 {
		return nil
	}
	out = make([]Result, len(alerts))
	idx := make([]int, len(alerts))
	for i := range idx {
		idx[i] = i
	}
	res, bad := s.send(ctx, alerts)
	if bad < 0 {
		return res
	}
	// HEC stops at an event it cannot read and says which. Only that alert keeps the error; the
	// others are sent again without it (those before it may have been indexed: a repeat with
	// the same id, which at-least-once allows).
	out[bad] = res[bad]
	rest := append(append([]finding.Alert(nil), alerts[:bad]...), alerts[bad+1:]...)
	restIdx := append(append([]int(nil), idx[:bad]...), idx[bad+1:]...)
	if len(rest) == 0 {
		return out
	}
	res2, bad2 := s.send(ctx, rest)
	if bad2 >= 0 {
		// A second unreadable event: no third round; each alert of this request keeps the error.
		for i := range res2 {
			res2[i] = res2[bad2]
		}
	}
	for i, r := range res2 {
		out[restIdx[i]] = r
	}
	return out
}

// hecEvent is one event of a request.
type hecEvent struct {
	Time float64 `json:"time"`
	hecMeta
	Event finding.Alert `json:"event"`
}

// send posts one request. bad is the index of the event HEC said it could not read, -1 when none.
func (s *splunk) send(ctx context.Context, alerts []finding.Alert) (_ []Result, bad int) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, a := range alerts {
		ev := hecEvent{Time: float64(a.Time.UnixMilli()) / 1000, hecMeta: s.meta, Event: a}
		if err := enc.Encode(ev); err != nil {
			return allResults(len(alerts), Result{Err: fmt.Errorf("%s: encode alert %s: %w", s.name, a.ID, err)}), -1
		}
	}
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {s.auth}}
	if s.channel != "" {
		h.Set("X-Splunk-Request-Channel", s.channel)
	}
	r, err := s.http.do(ctx, s.name, http.MethodPost, s.event, h, buf.Bytes())
	if err != nil {
		return allResults(len(alerts), Result{Err: err}), -1
	}
	rep, perr := parseHECReply(r.body)
	if isHTML(r) {
		perr = errors.New("the answer is a web page, not an HTTP Event Collector reply")
	}
	if perr != nil || r.status/100 != 2 || rep.Code != 0 {
		fail := s.http.statusErr(s.name, r, hecWhat(r.status, rep, perr))
		if perr == nil && rep.Code == hecInvalidFormat && rep.InvalidEvent != nil && *rep.InvalidEvent >= 0 && *rep.InvalidEvent < len(alerts) {
			res := allResults(len(alerts), Result{})
			res[*rep.InvalidEvent] = fail
			return res, *rep.InvalidEvent
		}
		return allResults(len(alerts), fail), -1
	}
	if s.ack == "" {
		return allResults(len(alerts), Result{}), -1
	}
	if rep.AckID == nil {
		return allResults(len(alerts), Result{Err: fmt.Errorf("%s: indexer acknowledgement is on (ack=true) but HEC gave no ackId: turn it on for the token, or drop ack= from the URL", s.name)}), -1
	}
	if err := s.waitAck(ctx, *rep.AckID); err != nil {
		return allResults(len(alerts), Result{Err: err}), -1
	}
	return allResults(len(alerts), Result{}), -1
}

// waitAck asks HEC until it says the request with ackID was indexed.
func (s *splunk) waitAck(ctx context.Context, ackID int64) error {
	ctx, cancel := context.WithTimeout(ctx, s.ackWait)
	defer cancel()
	body, _ := json.Marshal(map[string][]int64{"acks": {ackID}})
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {s.auth}, "X-Splunk-Request-Channel": {s.channel}}
	for {
		r, err := s.http.do(ctx, s.name, http.MethodPost, s.ack, h, body)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: request %d not yet indexed when the wait ended: %w", s.name, ackID, ctx.Err())
			}
			return err
		}
		if r.status/100 != 2 {
			return s.http.statusErr(s.name, r, "ack query").Err
		}
		done, err := parseHECAck(r.body, ackID)
		if err != nil {
			return s.http.statusErr(s.name, r, "ack query: "+err.Error()).Err
		}
		if done {
			return nil
		}
		if err := s.sleep(ctx, s.ackPoll); err != nil {
			return fmt.Errorf("%s: request %d not yet indexed when the wait ended: %w", s.name, ackID, err)
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

// parseHECAck reads the answer to an ack query: {"acks":{"7":true}}.
func parseHECAck(body []byte, ackID int64) (bool, error) {
	var r struct {
		Acks map[string]bool `json:"acks"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Acks == nil {
		return false, errors.New("the answer is not an ack reply")
	}
	done, ok := r.Acks[strconv.FormatInt(ackID, 10)]
	if !ok {
		return false, fmt.Errorf("the ack reply does not mention request %d", ackID)
	}
	return done, nil
}
