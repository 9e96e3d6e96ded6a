// Package config reads .tailaudit.hujson: the gate threshold, rule directories, rule parameters and
// waivers.
package config
