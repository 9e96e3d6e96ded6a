// Package assess turns a run's findings into a verdict per framework control, with the checks,
// populations, attestations, audit period and log retention behind each verdict.
package assess
