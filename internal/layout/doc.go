// Package layout holds the tests that keep the repository's package structure as DESIGN.md draws it.
package layout
