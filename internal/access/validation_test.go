package access

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// validationCases pin the rules of VALIDATION.md, one or more per rule ID: a policy, and the
// first error Compile must report for it (path "" when Tailscale accepts the policy).
var validationCases = []struct {
	id, policy, wantPath, wantMsg string
}{
	// Policy file.
	{"PF-01", `{"TagOwners": {"tag:prod": []}, "ACLs": [{"Action": "accept", "Src": ["tag:prod"], "Dst": ["tag:prod:22"]}]}`, "", ""},
	{"PF-02", `{"acls": {"action": "accept"}}`, "/acls", `expected an array, got object`},
	{"PF-02", `{"groups": ["group:dev"]}`, "/groups", `expected an object, got array`},
	{"PF-03", `{` + base + `"acls": [{"action": "accept", "src": "group:dev", "dst": "tag:prod:22"}]}`, "", ""},
	{"PF-04", `{` + base + `"acls": [{"action": " accept ", "src": [" group:dev "], "dst": ["\ttag:prod:22 "]}], "ssh": [{"action": "accept", "src": [" group:dev"], "dst": ["tag:prod "], "users": [" root "], "acceptEnv": [" GIT_* "]}], "tests": [{"src": " thor@example.org ", "accept": [" tag:prod:22 "]}]}`, "", ""},
	{"PF-04", `{` + base + `"grants": [{"src": ["*"], "dst": [" tag:prod "], "ip": [" tcp:443 "]}], "nodeAttrs": [{"target": [" tag:prod "], "attr": ["funnel"]}], "autoApprovers": {"exitNode": [" tag:prod "]}}`, "", ""},
	{"PF-05", `{` + base + `"acls": [{"action": "accept", "src": ["tag: prod"], "dst": ["*:*"]}]}`, "/acls/0/src/0", `"tag: prod": selector must not contain spaces`},
	// groups.
	{"GR-01", `{"groups": {"dev": ["thor@example.org"]}}`, "/groups/dev", `group "dev": group names must start with 'group:'`},
	{"GR-02", `{"groups": {"group:a": ["group:b"], "group:b": ["thor@example.org"]}}`, "/groups/group:a/0", `groups["group:a"]: "group:b": group members cannot be recursive`},
	{"GR-03", `{"groups": {"group:a": ["tag:prod"]}}`, "/groups/group:a/0", `groups["group:a"]: "tag:prod": group members must be users`},
	{"GR-04", `{"groups": {"group:a": ["thor"]}}`, "/groups/group:a/0", `groups["group:a"]: "thor": user names must contain an @`},
	{"GR-05", `{"groups": {"group:a": ["thor @example.org"]}}`, "/groups/group:a/0", `groups["group:a"]: "thor @example.org": invalid group member`},
	// tagOwners.
	{"TO-01", `{"tagOwners": {"prod": []}}`, "/tagOwners/prod", `tagOwners["prod"]: tags must start with 'tag:'`},
	{"TO-02", `{"tagOwners": {"tag:1prod": []}}`, "/tagOwners/tag:1prod", `tagOwners["tag:1prod"]: tag names must start with a letter, after 'tag:'`},
	{"TO-03", `{"tagOwners": {"tag:pr*d": []}}`, "/tagOwners/tag:pr*d", `tagOwners["tag:pr*d"]: tag names can only contain numbers, letters, or dashes`},
	{"TO-04", `{"tagOwners": {"tag:prod": ["group:nope"]}}`, "/tagOwners/tag:prod/0", `tagOwners["tag:prod"]: group "group:nope" not found`},
	{"TO-05", `{"tagOwners": {"tag:prod": ["tag:nope"]}}`, "/tagOwners/tag:prod/0", `tagOwners["tag:prod"]: tag "tag:nope" not found`},
	{"TO-06", `{"tagOwners": {"tag:prod": ["autogroup:tagged"]}}`, "/tagOwners/tag:prod/0", `tagOwners["tag:prod"]: "autogroup:tagged" cannot own tags`},
	{"TO-06", `{"groups": {"group:dev": ["thor@example.org"]}, "tagOwners": {"tag:a": ["autogroup:admin", "autogroup:member", "group:dev", "odin@example.com", "tag:b"], "tag:b": []}}`, "", ""},
	// hosts.
	{"HO-01", `{"hosts": {"tag:web": "100.64.0.1"}}`, "/hosts/tag:web", `hosts["tag:web"]: host names must be plain names, not selectors or addresses`},
	{"HO-02", `{"hosts": {"web": "not-an-ip"}}`, "/hosts/web", `hosts["web"]: "not-an-ip": invalid IP address or CIDR prefix`},
	{"HO-03", `{"hosts": {"web": "10.1.2.3/16"}}`, "/hosts/web", `hosts["web"]: "10.1.2.3/16": prefix has host bits set`},
	// acls.
	{"AC-01", `{` + base + `"acls": [{"src": ["*"], "dst": ["*:*"]}]}`, "/acls/0/action", `action must be specified`},
	{"AC-02", `{` + base + `"acls": [{"action": "deny", "src": ["*"], "dst": ["*:*"]}]}`, "/acls/0/action", `action="deny" is not supported`},
	{"AC-03", `{` + base + `"acls": [{"action": "accept", "src": ["tag:nope"], "dst": ["*:*"]}]}`, "/acls/0/src/0", `src=tag not found: "tag:nope"`},
	{"AC-04", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:nope:22"]}]}`, "/acls/0/dst/0", `dst="tag:nope": tag not found: "tag:nope"`},
	{"AC-05", `{` + base + `"acls": [{"action": "accept", "src": ["group:nope"], "dst": ["*:*"]}]}`, "/acls/0/src/0", `src=group not found: "group:nope"`},
	{"AC-05", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["group:nope:*"]}]}`, "/acls/0/dst/0", `dst="group:nope": group not found: "group:nope"`},
	{"AC-06", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["nohost:22"]}]}`, "/acls/0/dst/0", `"nohost": host not found`},
	{"AC-07", `{` + base + `"acls": [{"action": "accept", "src": ["autogroup:self"], "dst": ["*:*"]}]}`, "/acls/0/src/0", `"autogroup:self" not valid on the src side of a rule`},
	{"AC-08", `{` + base + `"acls": [{"action": "accept", "src": ["tag:prod"], "dst": ["autogroup:self:*"]}]}`, "/acls/0", `autogroup:self can only be used with users, groups, or supported autogroups`},
	{"AC-08", `{` + base + `"acls": [{"action": "accept", "src": ["*", "group:dev", "autogroup:member", "autogroup:admin"], "dst": ["autogroup:self:*"]}]}`, "", ""},
	{"AC-09", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:prod:ssh"]}]}`, "/acls/0/dst/0", `dst="tag:prod:ssh": port range "ssh": invalid first integer`},
	{"AC-09", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:prod:0"]}]}`, "/acls/0/dst/0", `dst="tag:prod:0": port range "0": first port must be >0, or use '*' for wildcard`},
	{"AC-10", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["tag"]}]}`, "/acls/0/dst/0", `"tag": dst must be of the form host:ports`},
	{"AC-11", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "proto": "bogus", "dst": ["*:*"]}]}`, "/acls/0/proto", `proto "bogus" is not a valid IP protocol`},
	{"AC-12", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "proto": "icmp", "dst": ["tag:prod:22"]}]}`, "/acls/0/dst/0", `dst "tag:prod:22": protocol [1] does not support specific ports`},
	{"AC-13", `{` + base + `"acls": [{"action": "accept", "src": ["autogroup:internet"], "dst": ["*:*"]}]}`, "/acls/0/src/0", `"autogroup:internet" not valid on the src side of a rule`},
	{"AC-14", `{` + base + `"acls": [{"action": "accept", "src": ["autogroup:nonroot"], "dst": ["*:*"]}]}`, "/acls/0/src/0", `"autogroup:nonroot" is only valid in ssh users`},
	{"AC-15", `{` + base + `"acls": [{"action": "accept", "src": ["autogroup:everyone"], "dst": ["*:*"]}]}`, "/acls/0/src/0", `autogroup "autogroup:everyone" is not valid`},
	{"AC-15", `{` + base + `"acls": [{"action": "accept", "src": ["autogroup:members"], "dst": ["*:*"]}]}`, "", ""},
	{"AC-16", `{` + base + `"acls": [{"action": "accept", "src": ["user:*@elsewhere.example"], "dst": ["*:*"]}]}`, "/acls/0/src/0", `elsewhere.example is not associated with this Tailnet and cannot be used in user:*@<domain> expressions`},
	{"AC-16", `{` + base + `"acls": [{"action": "accept", "src": ["user:*@example.com"], "dst": ["*:*"]}]}`, "", ""},
	// grants.
	{"GT-01", `{` + base + `"grants": [{"src": ["*"], "dst": ["*"]}]}`, "/grants/0", `ip and app can not both be empty`},
	{"GT-02", `{` + base + `"grants": [{"src": ["*"], "dst": ["*"], "ip": ["icmp"]}]}`, "/grants/0/ip/0", `port range "icmp": invalid first integer`},
	{"GT-02", `{` + base + `"grants": [{"src": ["*"], "dst": ["*"], "ip": ["icmp:22"]}]}`, "/grants/0/ip/0", `ip "icmp:22": protocol icmp does not support specific ports`},
	{"GT-03", `{` + base + `"grants": [{"src": ["*"], "dst": ["*"], "app": {"nodomain": [{}]}}]}`, "/grants/0/app/nodomain", `capability name must have the form {domain}/{path}`},
	{"GT-04", `{` + base + `"grants": [{"src": ["*"], "dst": ["*"], "app": {"tailscale.com/cap/funnel": [{}]}}]}`, "/grants/0/app/tailscale.com~1cap~1funnel", `capability name must not be in the tailscale.com domain`},
	{"GT-04", `{` + base + `"grants": [{"src": ["*"], "dst": ["*"], "app": {"tailscale.com/cap/drive": [{}]}}]}`, "", ""},
	{"GT-05", `{` + base + `"grants": [{"src": ["*"], "dst": ["autogroup:internet"], "app": {"example.com/cap/x": [{}]}}]}`, "/grants/0/dst", `cannot use app grants with autogroup:internet`},
	{"GT-06", `{` + base + `"grants": [{"src": ["*"], "dst": ["::/0"], "ip": ["*"]}]}`, "/grants/0/dst/0", `dst "::/0": to allow all IP addresses, use "*" or "autogroup:internet"`},
	{"GT-07", `{` + base + `"grants": [{"src": ["*"], "dst": ["autogroup:danger-all"], "ip": ["*"]}]}`, "/grants/0/dst/0", `cannot use autogroup:danger-all as a dst`},
	{"GT-07", `{` + base + `"grants": [{"src": ["autogroup:danger-all"], "dst": ["tag:prod"], "ip": ["*"]}]}`, "", ""},
	{"GT-08", `{` + base + `"grants": [{"src": ["*"], "dst": ["10.0.0.0/8"], "ip": ["*"], "via": ["tag:nope"]}]}`, "/grants/0/via/0", `tag "tag:nope" not found`},
	{"GT-08", `{` + base + `"grants": [{"src": ["*"], "dst": ["10.0.0.0/8"], "ip": ["*"], "via": ["group:dev"]}]}`, "/grants/0/via/0", `via "group:dev": via must name tags`},
	{"GT-09", `{` + base + `"grants": [{"src": ["group:dev"], "dst": ["autogroup:self"], "ip": ["*"]}, {"src": ["*"], "dst": ["autogroup:self"], "ip": ["*"]}]}`, "/grants/1", `autogroup:self can only be used with users, groups, or supported autogroups`},
	// ssh.
	{"SS-01", `{` + base + `"ssh": [{"src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"]}]}`, "/ssh/0/action", `action must be specified`},
	{"SS-02", `{` + base + `"ssh": [{"action": "Accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"]}]}`, "/ssh/0/action", `"Accept" is not a valid action`},
	{"SS-03", `{` + base + `"ssh": [{"action": "check", "checkPeriod": "abc", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"]}]}`, "/ssh/0/checkPeriod", `time: invalid duration "abc"`},
	{"SS-04", `{` + base + `"ssh": [{"action": "check", "checkPeriod": "168h1s", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"]}]}`, "/ssh/0/checkPeriod", `checkPeriod 168h0m1s is above the max (168h)`},
	{"SS-04", `{` + base + `"ssh": [{"action": "check", "checkPeriod": "-1m", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"]}]}`, "/ssh/0/checkPeriod", `checkPeriod -1m0s must be a positive duration`},
	{"SS-05", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": []}]}`, "/ssh/0/users", `users must be specified`},
	{"SS-06", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root", " "]}]}`, "/ssh/0/users/1", `user "" is not valid`},
	{"SS-06", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["*"]}]}`, "/ssh/0/users/0", `user "*" is not valid`},
	{"SS-07", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["localpart:*@elsewhere.example"]}]}`, "/ssh/0/users/0", `elsewhere.example is not associated with this Tailnet and cannot be used in user:*@<domain> expressions`},
	{"SS-08", `{` + base + `"ssh": [{"action": "accept", "src": ["autogroup:self"], "dst": ["tag:prod"], "users": ["root"]}]}`, "/ssh/0/src/0", `"autogroup:self" not valid on the src side of an ssh rule`},
	{"SS-08", `{` + base + `"ssh": [{"action": "accept", "src": ["user:*@elsewhere.example"], "dst": ["tag:prod"], "users": ["root"]}]}`, "/ssh/0/src/0", `[ssh] elsewhere.example is not associated with this Tailnet and cannot be used in user:*@<domain> expressions`},
	{"SS-09", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["*"], "users": ["root"]}]}`, "/ssh/0/dst/0", `dst="*": "*" is not a valid ssh destination; name tags, autogroup:tagged or autogroup:self`},
	{"SS-10", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["web"], "users": ["root"]}]}`, "/ssh/0/dst/0", `dst="web": hosts and IP addresses are not valid ssh destinations; name the devices' tags`},
	{"SS-10", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["100.64.0.16"], "users": ["root"]}]}`, "/ssh/0/dst/0", `dst="100.64.0.16": hosts and IP addresses are not valid ssh destinations; name the devices' tags`},
	{"SS-11", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["group:dev"], "users": ["root"]}]}`, "/ssh/0/dst/0", `dst="group:dev": groups of users are not valid ssh destinations; use autogroup:self`},
	{"SS-12", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["autogroup:internet"], "users": ["root"]}]}`, "/ssh/0/dst/0", `dst="autogroup:internet": "autogroup:internet" not valid on the dst side of an ssh rule`},
	{"SS-13", `{` + base + `"ssh": [{"action": "accept", "src": ["tag:client"], "dst": ["autogroup:self"], "users": ["root"]}]}`, "/ssh/0", `autogroup:self can only be used with users, groups, or supported autogroups`},
	{"SS-13", `{` + base + `"ssh": [{"action": "accept", "src": ["autogroup:member", "group:dev", "thor@example.org"], "dst": ["autogroup:self"], "users": ["root"]}]}`, "", ""},
	{"SS-14", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["thor@example.org"], "users": ["root"]}]}`, "/ssh/0/dst/0", `dst="thor@example.org": a user's devices can only be ssh destinations of that same user, not of "group:dev"`},
	{"SS-14", `{` + base + `"ssh": [{"action": "accept", "src": ["tag:client"], "dst": ["thor@example.org"], "users": ["root"]}]}`, "/ssh/0/dst/0", `dst="thor@example.org": a user's devices can only be ssh destinations of that same user, not of "tag:client"`},
	{"SS-14", `{` + base + `"ssh": [{"action": "accept", "src": ["thor@example.org"], "dst": ["thor@example.org"], "users": ["root"]}]}`, "", ""},
	{"SS-15", `{` + base + `"ssh": [{"action": "accept", "src": ["tag:client"], "dst": ["autogroup:member"], "users": ["root"]}]}`, "/ssh/0/dst/0", `dst="autogroup:member": tagged sources can only ssh to tagged destinations, not "tag:client"`},
	{"SS-15", `{` + base + `"ssh": [{"action": "accept", "src": ["tag:client", "autogroup:tagged", "group:dev"], "dst": ["tag:prod", "autogroup:tagged"], "users": ["root"]}]}`, "", ""},
	{"SS-16", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"], "acceptEnv": ["GIT_*", "CUSTOM_VAR_?", "**", "X*Y"]}]}`, "", ""},
	{"SS-16", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"], "acceptEnv": ["TERM", "FOO=bar"]}]}`, "/ssh/0/acceptEnv/1", `acceptEnv="FOO=bar": invalid environment variable name`},
	{"SS-16", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"], "acceptEnv": [""]}]}`, "/ssh/0/acceptEnv/0", `acceptEnv="": invalid environment variable name`},
	{"SS-16", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"], "acceptEnv": ["GIT EDITOR"]}]}`, "/ssh/0/acceptEnv/0", `acceptEnv="GIT EDITOR": invalid environment variable name`},
	// tests.
	{"TE-01", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}], "tests": [{"src": "thor@example.org"}]}`, "/tests/0", `test src="thor@example.org" asserts nothing: give it "accept" or "deny" destinations`},
	{"TE-01", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}], "tests": [{"src": "thor@example.org", "accept": [], "deny": []}]}`, "/tests/0", `test src="thor@example.org" asserts nothing: give it "accept" or "deny" destinations`},
	// sshTests.
	{"ST-01", `{` + base + `"sshTests": [{"src": "thor@example.org", "dst": ["autogroup:internet"], "accept": ["root"]}]}`, "/sshTests/0/dst/0", `SSH tests dst contains disallowed element "autogroup:internet"`},
	{"ST-01", `{` + base + `"sshTests": [{"src": "thor@example.org", "dst": ["*"], "accept": ["root"]}]}`, "/sshTests/0/dst/0", `SSH tests dst contains disallowed element "*"`},
	{"ST-02", `{` + base + `"sshTests": [{"src": "thor@example.org", "dst": ["tag:prod:22"], "accept": ["root"]}]}`, "/sshTests/0/dst/0", `SSH tests dst contains unknown tag "tag:prod:22"`},
	{"ST-03", `{` + base + `"sshTests": [{"src": "thor@example.org", "accept": ["root"]}]}`, "/sshTests/0/dst", `SSH test src="thor@example.org" asserts nothing: "dst" must name at least one destination`},
	{"ST-04", `{` + base + `"sshTests": [{"src": "thor@example.org", "dst": ["tag:prod"]}]}`, "/sshTests/0", `SSH test src="thor@example.org" asserts nothing: give it "accept", "check" or "deny" users`},
	// nodeAttrs.
	{"NA-01", `{` + base + `"nodeAttrs": [{"target": ["tag:nope"], "attr": ["funnel"]}]}`, "/nodeAttrs/0/target/0", `tag not found: "tag:nope"`},
	{"NA-01", `{` + base + `"nodeAttrs": [{"target": ["group:nope"], "attr": ["funnel"]}]}`, "/nodeAttrs/0/target/0", `group not found: "group:nope"`},
	{"NA-02", `{` + base + `"nodeAttrs": [{"target": ["%bogus%"], "attr": ["funnel"]}]}`, "/nodeAttrs/0/target/0", `"%bogus%": invalid address`},
	{"NA-06", `{` + base + `"nodeAttrs": [{"target": ["autogroup:bogus"], "attr": ["funnel"]}]}`, "/nodeAttrs/0/target/0", `autogroup "autogroup:bogus" is not valid`},
	{"NA-06", `{` + base + `"nodeAttrs": [{"target": ["tag:"], "attr": ["funnel"]}]}`, "/nodeAttrs/0/target/0", `"tag:": tag names must not be empty`},
	{"NA-06", `{` + base + `"nodeAttrs": [{"target": ["tag: prod"], "attr": ["funnel"]}]}`, "/nodeAttrs/0/target/0", `"tag: prod": selector must not contain spaces`},
	{"NA-03", `{` + base + `"nodeAttrs": [{"target": ["autogroup:self"], "attr": ["funnel"]}]}`, "/nodeAttrs/0/target/0", `internal server error`},
	{"NA-04", `{` + base + `"nodeAttrs": [{"target": ["*"], "ipPool": ["100.100.100.0/24"]}]}`, "/nodeAttrs/0/ipPool/0", `IPPool(100.100.100.0/24): network within reserved range`},
	{"NA-05", `{` + base + `"nodeAttrs": [{"target": ["*"], "ipPool": ["nonsense"]}]}`, "/nodeAttrs/0/ipPool/0", `IPPool(nonsense): netip.ParsePrefix("nonsense"): no '/'`},
	// autoApprovers.
	{"AA-01", `{` + base + `"autoApprovers": {"routes": {"10.0.0.0": ["tag:prod"]}}}`, "/autoApprovers/routes/10.0.0.0", `autoApprovers routes: "10.0.0.0": invalid prefix`},
	{"AA-02", `{` + base + `"autoApprovers": {"routes": {"10.0.0.0/8": ["tag:nope"]}}}`, "/autoApprovers/routes/10.0.0.0~18/0", `tag not found: "tag:nope"`},
	{"AA-03", `{` + base + `"autoApprovers": {"exitNode": ["group:nope"]}}`, "/autoApprovers/exitNode/0", `group not found: "group:nope"`},
}

func TestValidationRules(t *testing.T) {
	for _, tt := range validationCases {
		t.Run(tt.id, func(t *testing.T) {
			_, errs := Compile(mustDoc(t, tt.policy), WithTailnetDomains("example.com", "example.org"))
			if tt.wantPath == "" {
				if len(errs) > 0 {
					t.Fatalf("Compile: unexpected errors %v", errs)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("Compile: no error, want %s: %s", tt.wantPath, tt.wantMsg)
			}
			if got := errs[0].Pointer(); got != tt.wantPath || errs[0].Message != tt.wantMsg {
				t.Errorf("Compile: first error = %s: %s\nwant %s: %s", got, errs[0].Message, tt.wantPath, tt.wantMsg)
			}
		})
	}
}

// TestValidationTable keeps VALIDATION.md and the cases in step: every rule ID in the table has a
// case here, every case names a rule of the table, and every rule that rejects has a rejecting case.
func TestValidationTable(t *testing.T) {
	b, err := os.ReadFile("VALIDATION.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| ([A-Z]{2}-\d\d) \| ([^|]*)\|`)
	var ids []string
	rejects := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		ids = append(ids, m[1])
		rejects[m[1]] = !regexp.MustCompile(`(?i)^\s*accepts?\b`).MatchString(m[2])
	}
	if len(ids) < 40 {
		t.Fatalf("VALIDATION.md lists %d rules; the table was not found", len(ids))
	}
	covered := map[string]bool{}
	rejecting := map[string]bool{}
	for _, c := range validationCases {
		if !slices.Contains(ids, c.id) {
			t.Errorf("case %s names no rule of VALIDATION.md", c.id)
		}
		covered[c.id] = true
		rejecting[c.id] = rejecting[c.id] || c.wantPath != ""
	}
	for _, id := range ids {
		switch {
		case !covered[id] && !slices.Contains(behaviourRules, id):
			t.Errorf("rule %s of VALIDATION.md has no case in validationCases", id)
		case covered[id] && rejects[id] && !rejecting[id]:
			t.Errorf("rule %s rejects, but no case shows the rejection", id)
		}
	}
}

// behaviourRules are rules of VALIDATION.md about evaluation rather than compilation, pinned by the
// tests the table names instead of a Compile case.
var behaviourRules = []string{"PF-06", "TE-02", "TE-03", "ST-05"}
