package policies

import "embed"

// FS holds the built-in rules and their shared helpers: policy/ (rules on the
// policy file) and lib/ (helper packages under tailaudit.lib). Every rule file
// sits next to its _test.rego, which FS holds too.
//
//go:embed policy lib tailnet tailnet_lib
var FS embed.FS
