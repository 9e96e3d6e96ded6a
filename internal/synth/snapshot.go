package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"
)

// CollectedAt is the collection time of every synthetic snapshot. Rules evaluated over one should
// use it as input.now.
const CollectedAt = "2026-11-24T12:00:00Z"

var collectedAt = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// Tailnet is the name of every synthetic tailnet.
const Tailnet = "synth.example"

const magicDNSSuffix = "tail0000.ts.net"

// serverTags are the tags servers carry, weighted by how often they appear.
var serverTags = []struct {
	tags   []string
	weight int
}{
	{[]string{"tag:prod"}, 30},
	{[]string{"tag:staging"}, 15},
	{[]string{"tag:db", "tag:prod"}, 8},
	{[]string{"tag:ci"}, 12},
	{[]string{"tag:monitoring"}, 4},
	{[]string{"tag:k8s"}, 10},
}

var clientVersions = []string{
	"1.88.1", "1.88.1-t3e4f5a6b7-gc5d6e7f8a", "1.86.2-t9c8d7e6f5-ga1b2c3d4e", "1.84.3-t0a2b1c4d5-g7e8f9a0b1",
}

var oldClientVersions = []string{"1.72.1", "1.76.6-t1b2c3d4e5-g6f7a8b9c0", "1.78.3"}

var firstNames = []string{"ada", "ben", "chen", "dana", "eli", "fatima", "gus", "hana", "ivan", "jo", "kofi", "lena",
	"mo", "nina", "omar", "pia", "quinn", "raj", "sara", "tom", "uma", "vic", "wen", "xavi", "yuki", "zoe"}

// gen carries the random source and the clock for one snapshot.
type gen struct {
	r *rand.Rand
}

func newGen(seed int64, salt uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(uint64(seed), salt))}
}

func (g *gen) pct(p int) bool { return g.r.IntN(100) < p }

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// ago returns the RFC 3339 time d before the collection time, to the second.
func ago(d time.Duration) string {
	return collectedAt.Add(-d).Truncate(time.Second).Format(time.RFC3339)
}

func (g *gen) agoWithin(min, max time.Duration) string {
	return ago(min + time.Duration(g.r.Int64N(int64(max-min)+1)))
}

const day = 24 * time.Hour

func hexID(parts ...any) string {
	h := sha256.Sum256(fmt.Append(nil, parts...))
	return hex.EncodeToString(h[:])
}

// Snapshot returns a synthetic tailnet snapshot in the shape of tailaudit.snapshot/v1 with the
// given numbers of devices, users and keys. The same arguments always give the same snapshot.
// A small share of the tailnet breaks common rules (stale devices, old clients, key expiry off on
// personal devices, reusable keys, inactive administrators, ...) so that rules have work to do.
func Snapshot(seed int64, devices, users, keys int) map[string]any {
	g := newGen(seed, 0x5eed)
	us := g.users(users)
	ds := g.devices(devices, us)
	ks := g.keys(keys, us)
	return map[string]any{
		"schemaVersion": "tailaudit.snapshot/v1",
		"tailnet":       Tailnet,
		"collectedAt":   CollectedAt,
		"tool":          map[string]any{"name": "tailaudit", "version": "synth"},
		"devices":       ds,
		"users":         us,
		"keys":          ks,
		"settings": map[string]any{
			"devicesApprovalOn":                      g.pct(70),
			"devicesAutoUpdatesOn":                   g.pct(60),
			"devicesKeyDurationDays":                 []int{90, 180, 180, 365}[g.r.IntN(4)],
			"usersApprovalOn":                        g.pct(60),
			"usersRoleAllowedToJoinExternalTailnets": g.pick([]string{"none", "none", "admin", "member"}),
			"networkFlowLoggingOn":                   g.pct(50),
			"regionalRoutingOn":                      g.pct(30),
			"postureIdentityCollectionOn":            g.pct(50),
			"httpsEnabled":                           g.pct(60),
		},
		"dns": map[string]any{
			"nameservers": map[string]any{"dns": []string{"1.1.1.1", "1.0.0.1"}},
			"preferences": map[string]any{"magicDNS": true},
			"searchPaths": map[string]any{"searchPaths": []string{"corp.synth.example"}},
			"splitDNS":    map[string]any{"corp.synth.example": []string{"10.0.0.53"}},
		},
		"policy":    map[string]any{"hujson": string(Policy(seed, 40)), "etag": `"` + hexID("etag", seed)[:16] + `"`},
		"logstream": g.logstream(),
		"webhooks": []any{map[string]any{
			"endpointId":       "whk" + hexID("hook", seed)[:8] + "CNTRL",
			"endpointUrl":      "https://hooks.slack.com/services/T000/B000/synthetic",
			"providerType":     "slack",
			"creatorLoginName": userLogin(us, 0),
			"created":          ago(400 * day),
			"lastModified":     ago(30 * day),
			"subscriptions":    g.subscriptions(),
		}},
		"postureIntegrations": []any{},
		"contacts": map[string]any{
			"account":  map[string]any{"email": "it@" + Tailnet, "needsVerification": false},
			"support":  map[string]any{"email": "it@" + Tailnet, "needsVerification": false},
			"security": map[string]any{"email": "security@" + Tailnet, "needsVerification": g.pct(30)},
		},
		"collection": map[string]any{"errors": []any{}},
	}
}

func userLogin(us []any, i int) string {
	if len(us) == 0 {
		return "admin@" + Tailnet
	}
	return us[i%len(us)].(map[string]any)["loginName"].(string)
}

func (g *gen) users(n int) []any {
	out := make([]any, 0, n)
	for i := range n {
		role := "member"
		switch {
		case i == 0:
			role = "owner"
		case i < 3 || g.pct(3):
			role = "admin"
		case g.pct(3):
			role = g.pick([]string{"it-admin", "network-admin"})
		case g.pct(2):
			role = g.pick([]string{"auditor", "billing-admin"})
		}
		status, lastSeen, connected := "active", g.agoWithin(0, 3*day), g.pct(50)
		switch {
		case i > 0 && g.pct(6):
			status, lastSeen, connected = "idle", g.agoWithin(95*day, 400*day), false
		case i > 0 && g.pct(2):
			status, lastSeen, connected = "suspended", g.agoWithin(30*day, 200*day), false
		case i > 0 && g.pct(1):
			status, lastSeen, connected = "needs-approval", "", false
		}
		login := fmt.Sprintf("%s.%d@%s", firstNames[i%len(firstNames)], i, Tailnet)
		out = append(out, map[string]any{
			"id":                 "u" + hexID("user", login)[:10] + "CNTRL",
			"displayName":        fmt.Sprintf("%s %d", firstNames[i%len(firstNames)], i),
			"loginName":          login,
			"profilePicUrl":      "",
			"tailnetId":          "T0000CNTRL",
			"created":            g.agoWithin(100*day, 1200*day),
			"type":               "member",
			"role":               role,
			"status":             status,
			"deviceCount":        0,
			"lastSeen":           lastSeen,
			"currentlyConnected": connected,
		})
	}
	return out
}

func (g *gen) devices(n int, us []any) []any {
	out := make([]any, 0, n)
	for i := range n {
		d := g.device(i, us)
		out = append(out, d)
	}
	return out
}

func (g *gen) serverTags() []string {
	total := 0
	for _, t := range serverTags {
		total += t.weight
	}
	x := g.r.IntN(total)
	for _, t := range serverTags {
		if x < t.weight {
			return t.tags
		}
		x -= t.weight
	}
	return serverTags[0].tags
}

func (g *gen) device(i int, us []any) map[string]any {
	tagged := len(us) == 0 || g.pct(40)
	var (
		host, os, user string
		tags           = []string{}
		adv, en        = []string{}, []string{}
	)
	switch {
	case tagged:
		tags = g.serverTags()
		host = fmt.Sprintf("%s-%d", tags[0][len("tag:"):], i)
		os, user = "linux", "tagged-devices"
		switch {
		case i%50 == 7:
			tags, host = []string{"tag:exit"}, fmt.Sprintf("exit-%d", i)
			adv, en = []string{"0.0.0.0/0", "::/0"}, []string{"0.0.0.0/0", "::/0"}
		case i%50 == 13:
			tags, host = []string{"tag:router"}, fmt.Sprintf("router-%d", i)
			adv = []string{fmt.Sprintf("10.%d.0.0/20", i%250), fmt.Sprintf("10.%d.16.0/20", i%250)}
			en = adv
			if g.pct(40) { // a route nobody narrowed down
				adv, en = []string{fmt.Sprintf("10.%d.0.0/16", i%250)}, []string{fmt.Sprintf("10.%d.0.0/16", i%250)}
			}
		case i%50 == 29:
			adv = []string{fmt.Sprintf("192.168.%d.0/24", i%250)} // awaiting approval
		}
		if g.pct(3) {
			user = userLogin(us, g.r.IntN(max(len(us), 1))) // tagged by hand, still tied to a person
		}
	default:
		owner := us[g.r.IntN(len(us))].(map[string]any)
		owner["deviceCount"] = owner["deviceCount"].(int) + 1
		user = owner["loginName"].(string)
		os = g.pick([]string{"macOS", "macOS", "windows", "linux", "iOS", "android"})
		host = fmt.Sprintf("%s-%s-%d", firstNames[i%len(firstNames)], map[string]string{
			"macOS": "mbp", "windows": "laptop", "linux": "thinkpad", "iOS": "iphone", "android": "pixel",
		}[os], i)
		if g.pct(2) {
			adv, en = []string{fmt.Sprintf("192.168.%d.0/24", i%250)}, []string{fmt.Sprintf("192.168.%d.0/24", i%250)}
		}
	}
	version := g.pick(clientVersions)
	if g.pct(5) {
		version = g.pick(oldClientVersions)
	}
	lastSeen, connected := g.agoWithin(0, 2*day), g.pct(70)
	switch {
	case g.pct(4):
		lastSeen, connected = g.agoWithin(91*day, 500*day), false
	case g.pct(5):
		lastSeen, connected = g.agoWithin(31*day, 89*day), false
	}
	expiryDisabled := tagged && g.pct(50) || !tagged && g.pct(3)
	expires := "0001-01-01T00:00:00Z"
	if !expiryDisabled {
		expires = collectedAt.Add(time.Duration(1+g.r.IntN(180)) * day).Format(time.RFC3339)
	}
	id := hexID("device", i, host)
	h := sha256.Sum256([]byte(id))
	return map[string]any{
		"id":                        fmt.Sprint(1_000_000_000_000_000 + int64(h[0])*1_000_000_000_000 + int64(i)),
		"nodeId":                    "n" + id[:10] + "CNTRL",
		"name":                      host + "." + magicDNSSuffix,
		"hostname":                  host,
		"addresses":                 []string{fmt.Sprintf("100.%d.%d.%d", 64+int(h[1])%64, h[2], 1+int(h[3])%254), fmt.Sprintf("fd7a:115c:a1e0::%x:%x", h[4], h[5])},
		"user":                      user,
		"tags":                      tags,
		"authorized":                !g.pct(2),
		"keyExpiryDisabled":         expiryDisabled,
		"expires":                   expires,
		"lastSeen":                  lastSeen,
		"created":                   g.agoWithin(100*day, 900*day),
		"os":                        os,
		"clientVersion":             version,
		"updateAvailable":           version != clientVersions[0] && version != clientVersions[1],
		"isExternal":                !tagged && g.pct(1),
		"blocksIncomingConnections": false,
		"advertisedRoutes":          adv,
		"enabledRoutes":             en,
		"tailnetLockError":          "",
		"tailnetLockKey":            "tlpub:" + hexID("tl", id),
		"multipleConnections":       g.pct(1),
		"connectedToControl":        connected,
		"isEphemeral":               tagged && tags[0] == "tag:ci",
		"machineKey":                "mkey:" + hexID("mkey", id),
		"nodeKey":                   "nodekey:" + hexID("nodekey", id),
		"clientConnectivity": map[string]any{
			"endpoints":             []string{fmt.Sprintf("203.0.113.%d:41641", h[6])},
			"mappingVariesByDestIP": false,
			"clientSupports":        map[string]any{"hairPinning": false, "ipv6": h[7]%2 == 0, "pcp": false, "pmp": false, "udp": true, "upnp": false},
		},
	}
}

func (g *gen) keys(n int, us []any) []any {
	out := make([]any, 0, n)
	for i := range n {
		id := "k" + hexID("key", i)[:10] + "CNTRL"
		owner := ""
		if len(us) > 0 {
			owner = us[g.r.IntN(len(us))].(map[string]any)["id"].(string)
		}
		created := collectedAt.Add(-time.Duration(g.r.IntN(80)) * day)
		k := map[string]any{"id": id, "created": created.Format(time.RFC3339), "revoked": "", "invalid": false, "userId": owner}
		switch x := g.r.IntN(10); {
		case x < 6:
			life := 90 * day
			if g.pct(20) {
				life = time.Duration(1+g.r.IntN(7)) * day
			}
			tags := []string{g.serverTags()[0]}
			k["keyType"] = "auth"
			k["description"] = fmt.Sprintf("%s rollout %d", tags[0][len("tag:"):], i)
			k["expires"] = created.Add(life).Format(time.RFC3339)
			k["expirySeconds"] = int(life / time.Second)
			k["capabilities"] = map[string]any{"devices": map[string]any{"create": map[string]any{
				"reusable": g.pct(40), "ephemeral": g.pct(50), "preauthorized": g.pct(50), "tags": tags,
			}}}
		case x < 8:
			k["keyType"] = "client"
			k["description"] = fmt.Sprintf("automation client %d", i)
			k["expires"] = ""
			k["scopes"] = [][]string{{"all:read"}, {"devices:core", "auth_keys"}, {"policy_file"}, {"all"}}[g.r.IntN(4)]
			k["tags"] = []string{"tag:k8s"}
		default:
			k["keyType"] = "api"
			k["description"] = fmt.Sprintf("api token %d", i)
			k["expires"] = created.Add(90 * day).Format(time.RFC3339)
			k["expirySeconds"] = int(90 * day / time.Second)
		}
		if g.pct(10) {
			k["revoked"] = created.Add(day).Format(time.RFC3339)
		}
		out = append(out, k)
	}
	return out
}

func (g *gen) logstream() map[string]any {
	ls := map[string]any{}
	if g.pct(70) {
		ls["configuration"] = map[string]any{
			"config": map[string]any{"logType": "configuration", "destinationType": "splunk", "url": "https://splunk.synth.example:8088/services/collector/event", "user": "tailscale"},
			"status": map[string]any{"lastActivity": g.agoWithin(0, 30*time.Hour), "lastError": "", "numEntriesSent": 10000 + g.r.IntN(90000)},
		}
	}
	if g.pct(40) {
		ls["network"] = map[string]any{
			"config": map[string]any{"logType": "network", "destinationType": "s3", "s3Bucket": "synth-flow-logs", "s3Region": "eu-west-1",
				"s3AuthenticationType": g.pick([]string{"rolearn", "rolearn", "accesskey"}), "s3RoleArn": "arn:aws:iam::123456789012:role/tailscale-logs"},
			"status": map[string]any{"lastActivity": g.agoWithin(0, 2*time.Hour), "lastError": "", "numEntriesSent": 100000 + g.r.IntN(900000)},
		}
	}
	return ls
}

func (g *gen) subscriptions() []string {
	if g.pct(30) {
		return []string{"categoryTailnetManagement"}
	}
	subs := []string{"nodeNeedsApproval", "nodeKeyExpiringInOneDay"}
	if g.pct(60) {
		subs = append(subs, "policyUpdate")
	}
	if g.pct(40) {
		subs = append(subs, "userRoleUpdated")
	}
	return subs
}
