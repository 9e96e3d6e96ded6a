// Package atomicfile writes files so that a reader, or a run that fails halfway, sees either the old content or the new, never part of it.
package atomicfile
