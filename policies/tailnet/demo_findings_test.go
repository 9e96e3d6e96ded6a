package tailnet_test

// demoFindings are the results the rules give for fixtures/demo/snapshot.json, one
// "rule-id kind resource-name" line each. The demo tailnet is built to fail these on purpose.
var demoFindings = []string{
	"TA-CONTACT-001 deny acme.example",
	"TA-DEV-001 warn omar-desktop.tail4f2a.ts.net", // registered on the last evening, not approved yet
	"TA-DEV-002 deny dana-mbp.tail4f2a.ts.net",
	"TA-DEV-003 warn db-legacy-1.tail4f2a.ts.net",
	"TA-DEV-004 deny alex-thinkpad.tail4f2a.ts.net",
	"TA-DEV-004 warn jo-ipad.tail4f2a.ts.net",
	"TA-DEV-005 deny build-legacy.tail4f2a.ts.net",
	"TA-DEV-007 deny ci-runner-03.tail4f2a.ts.net",
	"TA-DEV-009 deny sam-homelab.tail4f2a.ts.net",
	"TA-DEV-010 deny router-dc1.tail4f2a.ts.net",
	"TA-DEV-013 warn acme.example",
	"TA-DEV-014 manual acme.example", // every device has a lock key, which no longer counts as evidence
	"TA-HOOK-001 deny acme.example",
	"TA-KEY-001 deny k8s nodes (prod cluster)",
	"TA-KEY-004 warn k8s operator",
	"TA-KEY-005 deny terraform (lee)",
	"TA-LOG-002 deny network flow logs",
	"TA-LOG-004 deny configuration logs",
	"TA-SET-004 deny acme.example",
	"TA-USER-001 deny acme.example",
	"TA-USER-002 deny lee.chen@acme.example",
	"TA-USER-004 deny alex.kim@acme.example",
	"TA-USER-005 manual acme.example",
}
