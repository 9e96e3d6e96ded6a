// Package finding defines the versioned finding model that the engine produces and every renderer reads.
package finding
