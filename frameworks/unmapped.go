package frameworks

import "strings"

// alertRulePrefixes are the id prefixes of the built-in alert rules.
var alertRulePrefixes = []string{"TA-ALERT-", "TA-FLOW-", "TA-DRIFT-"}

// Unmapped lists the built-in rules that evidence no control of any catalogue, each with why. A rule
// must be mapped to a control or listed here: a rule is never forced into a control it does not
// evidence. The alert rules are listed: they judge audit and flow log events with tailaudit alerts,
// which an assessment of one snapshot cannot run, so a control they were mapped to would show them
// as not assessed in every report; the monitoring controls they support are in their own METADATA
// and travel with each alert.
func Unmapped() map[string]string {
	out := map[string]string{}
	for _, id := range RuleIDs() {
		for _, p := range alertRulePrefixes {
			if strings.HasPrefix(id, p) {
				out[id] = "an alert rule: it judges log events with tailaudit alerts, not a snapshot an assessment reads; its controls are in its METADATA and on each alert"
			}
		}
	}
	return out
}
