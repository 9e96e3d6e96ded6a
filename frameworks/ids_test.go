package frameworks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIDsInLoadOrder(t *testing.T) {
	cats, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range cats {
		want = append(want, c.ID)
	}
	if d := cmp.Diff(want, IDs()); d != "" {
		t.Errorf("IDs() is not the order of Load (-Load +IDs):\n%s", d)
	}
}
