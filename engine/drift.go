package engine

import (
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/tailnet"
)

// driftChange is input.change for the drift rules: the two snapshots as before and after and, when
// both hold a policy file that parses and the two differ, policy: the policy documents and the
// access diff between them as change rules see them (before, after, access, diff). A policy that is
// missing or does not parse leaves policy out; the rules then compare the stored texts themselves.
func driftChange(before, after *tailnet.Snapshot) (map[string]any, error) {
	change := map[string]any{"before": before.Raw, "after": after.Raw}
	baseText, ok := before.PolicyHuJSON()
	headText, ok2 := after.PolicyHuJSON()
	if !ok || !ok2 || baseText == headText {
		return change, nil
	}
	base, err := policyfile.Parse(before.Name+"#policy", []byte(baseText))
	if err != nil {
		return change, nil
	}
	head, err := policyfile.Parse(after.Name+"#policy", []byte(headText))
	if err != nil {
		return change, nil
	}
	doc, err := changeDocument(base, head)
	if err != nil {
		return nil, err
	}
	change["policy"] = doc
	return change, nil
}
