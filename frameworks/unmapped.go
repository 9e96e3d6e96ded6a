package frameworks

// Unmapped lists the built-in rules that evidence no control of any catalogue, each with why. A rule
// must be mapped to a control or listed here: a rule is never forced into a control it does not
// evidence.
func Unmapped() map[string]string {
	return map[string]string{}
}
