// Package synth generates synthetic tailnets and policies of realistic shape for tests and benchmarks.
package synth
