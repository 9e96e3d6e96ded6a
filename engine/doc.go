// Package engine loads Rego rule bundles, compiles them once and evaluates policy files and tailnet
// snapshots into findings.
package engine
