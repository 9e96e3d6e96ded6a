package policies

import "embed"

// FS holds the built-in rules and their shared helpers: policy/ (rules on the policy file),
// tailnet/ (rules on the tailnet snapshot) and lib/ (helper packages under tailaudit.lib). Every
// rule file sits next to its _test.rego, which FS holds too.
//
//go:embed policy/*.rego tailnet/*.rego change/*.rego alerts/*.rego lib/*.rego
var FS embed.FS
