// Package sharedcorpus finds the shared test corpus that CI places beside the checkout, for tests only.
package sharedcorpus
