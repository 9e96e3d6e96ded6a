// Package inputs reads the policy files and tailnet snapshots a run judges, within size limits, and records each file read with its SHA-256.
package inputs
