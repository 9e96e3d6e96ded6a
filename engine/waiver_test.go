package engine

import (
	"testing"

	"github.com/tailaudit/tailaudit/engine/finding"
)

func TestNamesResource(t *testing.T) {
	device := &finding.Resource{Type: "device", ID: "n7Qk1", Name: "build-legacy.tail4f2a.ts.net"}
	user := &finding.Resource{Type: "user", ID: "u1", Name: "alice@example.com"}
	bare := &finding.Resource{Type: "device", ID: "n2", Name: "laptop"}
	tests := []struct {
		scope string
		r     *finding.Resource
		want  bool
	}{
		{"n7Qk1", device, true},
		{"build-legacy.tail4f2a.ts.net", device, true},
		{"BUILD-LEGACY.tail4f2a.ts.net", device, true},
		{"build-legacy", device, true},
		{"Build-Legacy", device, true},
		{"build", device, false},
		{"build-legacy.other.ts.net", device, false},
		{"tail4f2a", device, false},
		{"alice", user, false},
		{"alice@example.com", user, true},
		{"laptop", bare, true},
		{"lap", bare, false},
	}
	for _, tt := range tests {
		if got := namesResource(tt.scope, tt.r); got != tt.want {
			t.Errorf("namesResource(%q, %s %q) = %v, want %v", tt.scope, tt.r.Type, tt.r.Name, got, tt.want)
		}
	}
}
