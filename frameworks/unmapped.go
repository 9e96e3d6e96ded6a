package frameworks

import "strings"

// alertRulePrefixes are the id prefixes of the built-in alert rules.
var alertRulePrefixes = []string{"TA-ALERT-", "TA-FLOW-", "TA-DRIFT-"}

// AlertRule reports whether id is a built-in alert rule (TA-ALERT, TA-FLOW, TA-DRIFT). The catalogues
// map alert rules as supporting checks of the monitoring controls (SOC 2 CC7.2, ISO 8.16, PCI DSS
// 10.4.1.1, HIPAA 164.308(a)(1)(ii)(D)): they judge the period's audit and flow logs with tailaudit
// alerts, which an assessment of one snapshot does not run, so an assessment leaves them out of a
// control's verdict instead of reporting them not assessed in every report.
func AlertRule(id string) bool {
	for _, p := range alertRulePrefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// Unmapped lists the built-in rules that evidence no control of any catalogue, each with why. A rule
// must be mapped to a control or listed here: a rule is never forced into a control it does not
// evidence. Every built-in rule is mapped today; the alert rules support the monitoring controls.
func Unmapped() map[string]string {
	return map[string]string{}
}
