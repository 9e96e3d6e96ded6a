package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/output"
)

// DefaultIndex is the index the Elasticsearch sink writes to when the URL names none; the shipped
// index template applies to it.
const DefaultIndex = "tailaudit-alerts"

// elastic indexes alerts as ECS documents with the bulk API, each with the alert id as its _id
// and the create action, so that a repeat is a 409 conflict, not a second document.
type elastic struct {
	name  string
	bulk  string
	index string
	auth  string
	http  *httpPoster
}

func newElastic(u *url.URL, env func(string) string, h *httpPoster) (*elastic, error) {
	q, err := options(u, "elasticsearch", "index", "pipeline")
	if err != nil {
		return nil, err
	}
	key, err := secretEnv(env, "elasticsearch", EnvElasticAPIKey)
	if err != nil {
		return nil, err
	}
	index := q.Get("index")
	if index == "" {
		index = DefaultIndex
	}
	if err := checkIndexName(index); err != nil {
		return nil, fmt.Errorf("sink elasticsearch: %w", err)
	}
	h.secrets = append(h.secrets, key)
	h.maxBody = 64 << 20 // a bulk reply has an item per document
	// Two sinks into two indexes of one cluster need two names (the state keys its outbox by them).
	name := hostName("elasticsearch", u, true)
	if index != DefaultIndex {
		name += "#index=" + index
	}
	bulk := *u
	bulk.Path = strings.TrimSuffix(u.Path, "/") + "/_bulk"
	bulk.RawPath = ""
	if p := q.Get("pipeline"); p != "" {
		bulk.RawQuery = url.Values{"pipeline": {p}}.Encode()
	}
	return &elastic{name: name, bulk: bulk.String(), index: index, auth: "ApiKey " + key, http: h}, nil
}

// checkIndexName refuses names Elasticsearch would refuse, so that the mistake shows at once and
// not as a failed delivery.
func checkIndexName(s string) error {
	if s != strings.ToLower(s) || strings.ContainsAny(s, `\/*?"<>| ,#:`) || strings.HasPrefix(s, "-") ||
		strings.HasPrefix(s, "_") || strings.HasPrefix(s, "+") || s == "." || s == ".." || len(s) > 255 {
		return fmt.Errorf("index %q is not a valid Elasticsearch index name (lowercase, no \\/*?\"<>| ,#:, not starting with -_+)", s)
	}
	return nil
}

func (e *elastic) Name() string { return e.name }

// MaxBatch is how many alerts one Deliver takes; it sends them in bulk requests of at most
// bulkMaxBytes (Elasticsearch refuses requests over http.max_content_length, 100 MB by default,
// and a smaller request costs less to retry).
func (*elastic) MaxBatch() int { return 500 }

const bulkMaxBytes = 8 << 20

func (e *elastic) Deliver(ctx context.Context, alerts []finding.Alert) (out []Result) {
	defer recoverInto(e.name, len(alerts), &out)
	out = make([]Result, len(alerts))
	items := make([][]byte, len(alerts))
	for i, a := range alerts {
		b, err := e.bulkItem(a)
		if err != nil {
			out[i].Err = fmt.Errorf("%s: %w", e.name, err)
			continue
		}
		items[i] = b
	}
	for _, req := range requests(items, len(alerts), bulkMaxBytes) {
		e.send(ctx, alerts, req, items, out)
	}
	return out
}

// send posts the items idx as one bulk request and records what became of each in out.
func (e *elastic) send(ctx context.Context, alerts []finding.Alert, idx []int, items [][]byte, out []Result) {
	fail := func(r Result) {
		for _, i := range idx {
			out[i] = r
		}
	}
	var body bytes.Buffer
	ids := make([]string, len(idx))
	for k, i := range idx {
		body.Write(items[i])
		ids[k] = alerts[i].ID
	}
	r, err := e.http.do(ctx, e.name, http.MethodPost, e.bulk, http.Header{
		"Content-Type":  {"application/x-ndjson"},
		"Accept":        {"application/json"},
		"Authorization": {e.auth},
	}, body.Bytes())
	if err != nil {
		fail(Result{Err: err})
		return
	}
	if r.status/100 != 2 {
		fail(e.http.statusErr(e.name, r, ""))
		return
	}
	if isHTML(r) {
		fail(e.http.statusErr(e.name, r, "the answer is a web page, not a bulk API reply"))
		return
	}
	reply, err := parseBulkReply(r.body, ids)
	if err != nil {
		fail(e.http.statusErr(e.name, r, err.Error()))
		return
	}
	retry := retryAfter(r.header, e.http.now())
	for k, it := range reply {
		if it.acked() {
			continue
		}
		msg := fmt.Sprintf("%s: document %s: status %d", e.name, ids[k], it.Status)
		if it.Error.Type != "" || it.Error.Reason != "" {
			msg += ": " + e.http.excerpt([]byte(strings.TrimPrefix(it.Error.Type+": "+it.Error.Reason, ": ")))
		}
		out[idx[k]] = Result{Err: errors.New(msg)}
		if it.Status == http.StatusTooManyRequests {
			out[idx[k]].RetryAfter = retry
		}
	}
}

// bulkItem is the NDJSON of one alert: the create action and the ECS document.
func (e *elastic) bulkItem(a finding.Alert) ([]byte, error) {
	if a.ID == "" {
		return nil, fmt.Errorf("an alert of rule %s has no id", a.Rule.ID)
	}
	action, err := json.Marshal(map[string]bulkTarget{"create": {e.index, a.ID}})
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(output.ECS(a))
	if err != nil {
		return nil, fmt.Errorf("encode alert %s: %w", a.ID, err)
	}
	b := make([]byte, 0, len(action)+len(doc)+2)
	b = append(append(append(append(b, action...), '\n'), doc...), '\n')
	return b, nil
}

type bulkTarget struct {
	Index string `json:"_index"`
	ID    string `json:"_id"`
}

// bulkItem is what the bulk API says of one action.
type bulkItem struct {
	ID     string `json:"_id"`
	Status int    `json:"status"`
	Error  struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// acked says whether the document is in the index: created now, or there already (409).
func (it bulkItem) acked() bool {
	return it.Status/100 == 2 || it.Status == http.StatusConflict
}

// parseBulkReply reads a bulk API answer to the actions for ids, in order. An answer that does
// not account for every action, one item each with the id sent, is refused as a whole: nothing is
// acknowledged on the strength of a reply that might be about other documents.
func parseBulkReply(body []byte, ids []string) ([]bulkItem, error) {
	var reply struct {
		Errors *bool                 `json:"errors"`
		Items  []map[string]bulkItem `json:"items"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&reply); err != nil {
		return nil, fmt.Errorf("the answer is not a bulk API reply")
	}
	if dec.More() {
		return nil, fmt.Errorf("the answer is not one bulk API reply")
	}
	if reply.Errors == nil || reply.Items == nil {
		return nil, fmt.Errorf("the answer is not a bulk API reply (no errors or items)")
	}
	if len(reply.Items) != len(ids) {
		return nil, fmt.Errorf("the bulk reply has %d items for %d documents", len(reply.Items), len(ids))
	}
	out := make([]bulkItem, len(ids))
	failed := false
	for i, m := range reply.Items {
		it, ok := m["create"]
		if !ok || len(m) != 1 {
			return nil, fmt.Errorf("bulk reply item %d is not the answer to a create action", i)
		}
		if it.ID != ids[i] {
			return nil, fmt.Errorf("bulk reply item %d is about document %q, not %q", i, it.ID, ids[i])
		}
		if it.Status < 100 || it.Status > 599 {
			return nil, fmt.Errorf("bulk reply item %d has status %d", i, it.Status)
		}
		failed = failed || !it.acked()
		out[i] = it
	}
	if failed && !*reply.Errors {
		return nil, fmt.Errorf("the bulk reply says there were no errors, but an item failed")
	}
	return out, nil
}
