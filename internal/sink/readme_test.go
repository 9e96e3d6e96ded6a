package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadmeVerifySnippet runs the README's receiver-side signature check, as written there, on a
// delivery the webhook sink signed, and on the same delivery tampered with.
func TestReadmeVerifySnippet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with the go command")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "A receiver checks a delivery like this")
	_, code, ok2 := strings.Cut(after, "```go\n")
	code, _, ok3 := strings.Cut(code, "```")
	if !ok || !ok2 || !ok3 || !strings.Contains(code, "func verify(") {
		t.Fatal("the README has no Go signature check after \"A receiver checks a delivery like this\"")
	}

	srv, rec := serve(t, text(204, ""))
	s := mustParse(t, "webhook="+srv.URL+"/hook", srv.Client())
	sentAt := time.Unix(1700000000, 0)
	s.(*webhook).http.now = func() time.Time { return sentAt }
	if r := s.Deliver(context.Background(), testAlerts(1)); r[0].Err != nil {
		t.Fatal(r[0].Err)
	}
	req := rec.requests()[0]
	tampered := bytes.Replace(req.body, []byte("laptop"), []byte("lapt0p"), 1)
	cases, _ := json.Marshal([]map[string]any{
		{"header": req.header, "body": string(req.body), "now": sentAt.Add(time.Minute).Unix()},
		{"header": req.header, "body": string(tampered), "now": sentAt.Add(time.Minute).Unix()},
		{"header": req.header, "body": string(req.body), "now": sentAt.Add(time.Hour).Unix()},
	})
	prog := `package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	var cases []struct {
		Header http.Header
		Body   string
		Now    int64
	}
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	for _, c := range cases {
		fmt.Println(verify(os.Args[1], c.Header, []byte(c.Body), time.Unix(c.Now, 0)))
	}
}

` + code
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "verify.go"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "verify.go", testWebhookSecret)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOFLAGS=")
	cmd.Stdin = bytes.NewReader(cases)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's snippet does not run: %v\n%s", err, out)
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != "true false false" {
		t.Errorf("the README's check says %v for (signed, tampered, an hour old), want true false false", got)
	}
}
