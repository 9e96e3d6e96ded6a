package output

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestJUnitParsesWithCorrectCounts(t *testing.T) {
	type counts struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
	}
	var doc struct {
		counts
		Suites []struct {
			counts
			Name  string `xml:"name,attr"`
			Cases []struct {
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	// Control characters are not allowed in XML 1.0; the output must stay well-formed.
	r := testReport()
	r.Findings[1].Message += " bell\a nul\x00"
	out := renderString(t, "junit", Settings{}, r)
	if err := xml.NewDecoder(strings.NewReader(out)).Decode(&doc); err != nil {
		t.Fatalf("JUnit output is not XML: %v", err)
	}

	want := counts{Tests: 14, Failures: 6, Errors: 1, Skipped: 4}
	if doc.counts != want {
		t.Errorf("testsuites counts = %+v, want %+v", doc.counts, want)
	}
	var sum counts
	for _, s := range doc.Suites {
		var c counts
		for _, tc := range s.Cases {
			c.Tests++
			switch {
			case tc.Failure != nil:
				c.Failures++
			case tc.Error != nil:
				c.Errors++
			case tc.Skipped != nil:
				c.Skipped++
			}
		}
		if c != s.counts {
			t.Errorf("testsuite %q counts = %+v, but its testcases add up to %+v", s.Name, s.counts, c)
		}
		sum.Tests += c.Tests
		sum.Failures += c.Failures
		sum.Errors += c.Errors
		sum.Skipped += c.Skipped
	}
	if sum != doc.counts {
		t.Errorf("testsuites counts = %+v, but the suites add up to %+v", doc.counts, sum)
	}
}
