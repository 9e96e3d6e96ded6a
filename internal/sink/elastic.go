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
	name := hostName("elasticsearch", u, true)
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

// MaxBatch keeps a bulk request to a few megabytes: Elasticsearch's default limit is 100 MB, and
// smaller requests are retried at less cost.
func (*elastic) MaxBatch() int { return 500 }

func (e *elastic) Deliver(ctx context.Context, alerts []finding.Alert) (out []Result) {
	defer recoverInto(e.name, len(alerts), &out)
	if len(alerts) == 0 {
		return nil
	}
	body, err := e.bulkBody(alerts)
	if err != nil {
		return allResults(len(alerts), Result{Err: fmt.Errorf("%s: %w", e.name, err)})
	}
	r, err := e.http.do(ctx, e.name, http.MethodPost, e.bulk, http.Header{
		"Content-Type":  {"application/x-ndjson"},
		"Accept":        {"application/json"},
		"Authorization": {e.auth},
	}, body)
	if err != nil {
		return allResults(len(alerts), Result{Err: err})
	}
	if r.status/100 != 2 {
		return allResults(len(alerts), e.http.statusErr(e.name, r, ""))
	}
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = a.ID
	}
	if isHTML(r) {
		return allResults(len(alerts), e.http.statusErr(e.name, r, "the answer is a web page, not a bulk API reply"))
	}
	items, err := parseBulkReply(r.body, ids)
	if err != nil {
		return allResults(len(alerts), e.http.statusErr(e.name, r, err.Error()))
	}
	out = make([]Result, len(alerts))
	retry := retryAfter(r.header, e.http.now())
	for i, it := range items {
		if it.acked() {
			continue
		}
		msg := fmt.Sprintf("%s: document %s: status %d", e.name, ids[i], it.Status)
		if it.Error.Type != "" || it.Error.Reason != "" {
			msg += ": " + e.http.excerpt([]byte(strings.TrimPrefix(it.Error.Type+": "+it.Error.Reason, ": ")))
		}
		out[i] = Result{Err: errors.New(msg)}
		if it.Status == http.StatusTooManyRequests {
			out[i].RetryAfter = retry
		}
	}
	return out
}

// bulkBody is the NDJSON request: a create action and the ECS document per alert.
func (e *elastic) bulkBody(alerts []finding.Alert) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	type target struct {
		Index string `json:"_index"`
		ID    string `json:"_id"`
	}
	for _, a := range alerts {
		if a.ID == "" {
			return nil, fmt.Errorf("an alert of rule %s has no id", a.Rule.ID)
		}
		if err := enc.Encode(map[string]target{"create": {e.index, a.ID}}); err != nil {
			return nil, err
		}
		if err := enc.Encode(output.ECS(a)); err != nil {
			return nil, fmt.Errorf("encode alert %s: %w", a.ID, err)
		}
	}
	return buf.Bytes(), nil
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
