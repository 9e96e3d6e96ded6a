// Package alertstate keeps what scheduled alert runs remember in one bbolt file: a cursor per event source, suppression and first-seen memory, the events later windows need, and the outbox of alerts not yet acknowledged by their sinks.
package alertstate
