// Package policies embeds tailaudit's built-in Rego rules.
package policies
