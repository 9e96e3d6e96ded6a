// Command genpolicy writes a synthetic policy file (HuJSON) or, with -devices, a synthetic tailnet
// snapshot (JSON) to stdout, for make bench.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/tailaudit/tailaudit/internal/synth"
)

func main() {
	rules := flag.Int("rules", 10000, "number of acls, grants and ssh entries in the policy")
	devices := flag.Int("devices", 0, "write a snapshot with this many devices instead of a policy")
	users := flag.Int("users", 5000, "users in the snapshot")
	keys := flag.Int("keys", 2000, "keys in the snapshot")
	seed := flag.Int64("seed", 1, "generator seed; the same seed gives the same output")
	wide := flag.Bool("wide", false, "a policy of the wide shape (synth.PolicyWide): many distinct sources, \"*\" ports and wide ranges")
	flag.Parse()

	if err := run(*seed, *rules, *devices, *users, *keys, *wide); err != nil {
		fmt.Fprintln(os.Stderr, "genpolicy:", err)
		os.Exit(1)
	}
}

func run(seed int64, rules, devices, users, keys int, wide bool) error {
	if devices == 0 && wide {
		_, err := os.Stdout.Write(synth.PolicyWide(seed, rules))
		return err
	}
	if devices == 0 {
		_, err := os.Stdout.Write(synth.Policy(seed, rules))
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(synth.Snapshot(seed, devices, users, keys))
}
