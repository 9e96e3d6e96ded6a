package engine

import "encoding/json"

// engineFunctions exposes the tailscale.* built-ins to the external tests.
var TailscaleFunctions = tailscaleFunctions

// jsonNumber is how Rego numbers come back from evaluation.
func JSONNumber(s string) json.Number { return json.Number(s) }
