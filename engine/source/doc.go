// Package source locates values in input files: JSON pointers, line:column positions, and the positioned error every input reader returns.
package source
