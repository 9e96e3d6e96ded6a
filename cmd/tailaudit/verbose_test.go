package main

import (
	"strings"
	"testing"
)

// TestVerboseDoesWhatItsHelpSays checks -v against its help: the default already lists each passing
// rule with its count; -v adds what each one passed, and the rules not assessed one by one.
func TestVerboseDoesWhatItsHelpSays(t *testing.T) {
	help, _, _ := tailaudit(t, "", nil, "check", "--help")
	if want := "under each passing rule, list every value or resource it passed; list the rules not assessed one by one"; !strings.Contains(help, want) {
		t.Errorf("check --help does not say what -v adds (%q):\n%s", want, help)
	}
	plain, _, _ := tailaudit(t, "", nil, "check", abs(t, demoPolicy))
	verbose, _, _ := tailaudit(t, "", nil, "check", abs(t, demoPolicy), "-v")
	if !strings.Contains(plain, "  TA-ACL-001  1 passed  ") {
		t.Errorf("without -v, passing rules are not listed with their count:\n%s", plain)
	}
	if strings.Contains(plain, "      passed: ") || !strings.Contains(verbose, "      passed: ") {
		t.Errorf("-v does not add what each rule passed (plain has it: %v; -v has it: %v)",
			strings.Contains(plain, "      passed: "), strings.Contains(verbose, "      passed: "))
	}
	if !strings.Contains(plain, "37 rules  no tailnet snapshot") || !strings.Contains(verbose, "  TA-DEV-001  ") || strings.Contains(verbose, "37 rules  no tailnet snapshot") {
		t.Errorf("-v does not list the rules not assessed one by one:\n%s", verbose)
	}
}
