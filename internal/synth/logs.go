package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// LogStart is when every synthetic audit and flow log begins: a Monday at midnight UTC, a week
// before CollectedAt.
var LogStart = time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)

const week = 7 * day

// auditEntry is one configuration audit log entry with the API's field names, in the API's order.
type auditEntry struct {
	EventGroupID string      `json:"eventGroupID"`
	Origin       string      `json:"origin"`
	Actor        auditActor  `json:"actor"`
	Target       auditTarget `json:"target"`
	Type         string      `json:"type"`
	Action       string      `json:"action"`
	EventTime    string      `json:"eventTime"`
	Old          any         `json:"old,omitempty"`
	New          any         `json:"new,omitempty"`
	Error        string      `json:"error,omitempty"`
}

type auditActor struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	LoginName   string `json:"loginName"`
	DisplayName string `json:"displayName"`
}

type auditTarget struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Property    string `json:"property,omitempty"`
	IsEphemeral bool   `json:"isEphemeral,omitempty"`
}

// auditKind is one kind of ordinary audit log entry and how often it appears, per 10,000 entries.
type auditKind struct {
	weight int
	make   func(l *auditLog, e *auditEntry)
}

// auditLog carries the state of one generated audit log: its people, devices and clock.
type auditLog struct {
	r       *rand.Rand
	users   []auditActor
	admins  []auditActor
	nodes   []auditTarget
	gitops  auditActor
	worker  auditActor
	tailnet auditTarget
	at      time.Time
	mean    time.Duration // the mean gap between entries
	seq     int
	kinds   []auditKind
	total   int
}

// incidents is about how many incidents a generated audit log carries, evenly spaced but at least
// minIncidentGap entries apart: one in 25,000 entries of a million.
const (
	incidents      = 40
	minIncidentGap = 100
)

// AuditLog writes n configuration audit log entries to w, one JSON object a line (what collect
// --events-since writes), in time order over about a week from LogStart, busier in working hours.
// The mix is that of an ordinary tailnet as the API reports it: devices logging in, created,
// approved, renamed and deleted (ephemeral ones by Tailscale's own cleanup), policy changes by a
// GitOps OAuth client, users and keys created and revoked, the odd failed request. Among them are
// about 40 incidents (one every n/40 entries, at least 100 apart), of eight kinds in turn: a user
// making themselves admin, device approval turned off (and on again by an admin soon after),
// Tailnet Lock turned off, the log stream deleted, flow logging disabled, a burst of failed
// requests, a mass deletion, a policy edited in the console instead of through GitOps. The same seed
// and n always give the same log. Nothing is held but the entry being written.
func AuditLog(w io.Writer, seed int64, n int) error {
	l := newAuditLog(seed, n)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var pending []auditEntry // the rest of an incident that takes several entries
	every := max(n/incidents, minIncidentGap)
	for i := range n {
		var e auditEntry
		switch {
		case len(pending) > 0:
			e, pending = pending[0], pending[1:]
			l.tick(10 * time.Second)
		case i > 0 && i%every == 0:
			pending = l.incident(i / every)
			e, pending = pending[0], pending[1:]
		default:
			l.tick(l.gap())
			e = l.ordinary()
		}
		l.stamp(&e)
		if err := enc.Encode(&e); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func newAuditLog(seed int64, n int) *auditLog {
	l := &auditLog{r: rand.New(rand.NewPCG(uint64(seed), 0xa0d1)), at: LogStart, mean: week / time.Duration(max(n, 1))}
	// The tailnet grows with the log, so that a person's or a device's share of it stays the same.
	users, admins, nodes := max(400, n/250), max(6, n/20_000), max(3000, n/30)
	for i := range users {
		login := fmt.Sprintf("%s.%d@%s", firstNames[i%len(firstNames)], i, Tailnet)
		a := auditActor{ID: "u" + hexID("user", login)[:10] + "CNTRL", Type: "USER", LoginName: login, DisplayName: fmt.Sprintf("%s %d", firstNames[i%len(firstNames)], i)}
		l.users = append(l.users, a)
		if i < admins {
			l.admins = append(l.admins, a)
		}
	}
	for i := range nodes {
		host := fmt.Sprintf("%s-%d", firstNames[i%len(firstNames)], i)
		if i%3 == 0 {
			host = fmt.Sprintf("ci-ephemeral-%d", i)
		}
		l.nodes = append(l.nodes, auditTarget{ID: "n" + hexID("node", i)[:10] + "CNTRL", Name: host + "." + magicDNSSuffix, Type: "NODE", IsEphemeral: i%3 == 0})
	}
	l.gitops = auditActor{ID: "kGitOps" + hexID("gitops", seed)[:6] + "CNTRL", Type: "OAUTH_CLIENT", DisplayName: "tailnet-policy GitOps (GitHub Actions)"}
	l.worker = auditActor{Type: "AUTOMATED_WORKER", DisplayName: "ephemeral node cleanup"}
	l.tailnet = auditTarget{ID: Tailnet, Name: Tailnet, Type: "TAILNET"}
	l.kinds = ordinaryKinds
	for _, k := range l.kinds {
		l.total += k.weight
	}
	return l
}

// ordinaryKinds is the benign mix, per 10,000 entries.
var ordinaryKinds = []auditKind{
	{3700, func(l *auditLog, e *auditEntry) { l.nodeEvent(e, "NODE", "LOGIN", "") }},
	{1300, func(l *auditLog, e *auditEntry) { // an ephemeral CI runner joins
		l.nodeEvent(e, "NODE", "CREATE", "")
		e.Target = l.node(true)
		e.New = map[string]any{"tags": []string{"tag:ci"}, "ephemeral": true}
	}},
	{1250, func(l *auditLog, e *auditEntry) { // and Tailscale removes it when it goes away
		e.Origin, e.Actor, e.Action, e.Target = "CONTROL", l.worker, "DELETE", l.node(true)
	}},
	{700, func(l *auditLog, e *auditEntry) {
		l.nodeEvent(e, "NODE", "CREATE", "")
		e.New = map[string]any{"os": l.pick("macOS", "windows", "linux", "iOS", "android")}
	}},
	{600, func(l *auditLog, e *auditEntry) { l.consoleNodeEvent(e, "APPROVE", "") }},
	{500, func(l *auditLog, e *auditEntry) {
		l.consoleNodeEvent(e, "UPDATE", "MACHINE_NAME")
		e.Old, e.New = e.Target.Name, "renamed-"+e.Target.Name
	}},
	{350, func(l *auditLog, e *auditEntry) { l.consoleNodeEvent(e, "ENABLE", "KEY_EXPIRY") }},
	{10, func(l *auditLog, e *auditEntry) {
		l.consoleNodeEvent(e, "UPDATE", "KEY_EXPIRY_TIME")
		e.Old, e.New = l.at.Add(-time.Hour).Format(time.RFC3339), l.at.Add(90*day).Format(time.RFC3339)
	}},
	{20, func(l *auditLog, e *auditEntry) { l.consoleNodeEvent(e, "DELETE", "") }},
	{400, func(l *auditLog, e *auditEntry) { // the GitOps pipeline applies a merged change, in working hours
		if !l.working() {
			l.nodeEvent(e, "NODE", "LOGIN", "")
			return
		}
		e.Origin, e.Actor, e.Action, e.Target = "CONFIG_API", l.gitops, "UPDATE", l.tailnet
		e.Target.Property = "ACL"
		e.Old, e.New = hexID("etag", l.seq)[:16], hexID("etag", l.seq+1)[:16]
	}},
	{15, func(l *auditLog, e *auditEntry) {
		e.Origin, e.Actor, e.Action = "ADMIN_CONSOLE", l.pickUser(), "CREATE"
		e.Target = auditTarget{ID: "k" + hexID("key", l.seq)[:10] + "CNTRL", Name: "ci runners (ephemeral)", Type: "API_KEY"}
		e.New = map[string]any{"keyType": "auth", "reusable": false, "ephemeral": true, "preauthorized": true, "tags": []string{"tag:ci"}, "expirySeconds": 648000}
	}},
	{15, func(l *auditLog, e *auditEntry) {
		e.Origin, e.Actor, e.Action = "ADMIN_CONSOLE", l.pickUser(), "REVOKE"
		e.Target = auditTarget{ID: "k" + hexID("key", l.seq)[:10] + "CNTRL", Name: "old key", Type: "API_KEY"}
	}},
	{300, func(l *auditLog, e *auditEntry) {
		u := l.pickUser()
		e.Origin, e.Actor, e.Action, e.Target = "ADMIN_CONSOLE", l.pickUser(), "CREATE", auditTarget{ID: u.ID, Name: u.LoginName, Type: "USER"}
	}},
	{200, func(l *auditLog, e *auditEntry) { // roles that give no control over the tailnet
		u := l.pickUser()
		e.Origin, e.Actor, e.Action = "ADMIN_CONSOLE", l.admins[l.r.IntN(len(l.admins))], "UPDATE"
		e.Target = auditTarget{ID: u.ID, Name: u.LoginName, Type: "USER", Property: "USER_ROLE"}
		e.Old, e.New = "member", l.pick("auditor", "billing-admin", "member")
	}},
	{15, func(l *auditLog, e *auditEntry) {
		u := l.pickUser()
		e.Origin, e.Actor, e.Action = "ADMIN_CONSOLE", l.admins[l.r.IntN(len(l.admins))], "DELETE"
		e.Target = auditTarget{ID: u.ID, Name: u.LoginName, Type: "USER"}
	}},
	{250, func(l *auditLog, e *auditEntry) { // a request refused now and then
		e.Origin, e.Actor, e.Action = "CONFIG_API", l.pickUser(), "UPDATE"
		e.Target = auditTarget{ID: "request", Type: "FAILED_REQUEST"}
		e.Error = l.pick("unauthorized", "forbidden", "rate limited")
	}},
	{8, func(l *auditLog, e *auditEntry) {
		l.consoleNodeEvent(e, "UPDATE", "ACL_TAGS")
		e.Old, e.New = []string{"tag:staging"}, []string{"tag:staging", "tag:monitoring"}
	}},
	{5, func(l *auditLog, e *auditEntry) {
		l.consoleNodeEvent(e, "UPDATE", "ALLOWED_IPS")
		e.Old, e.New = []string{}, []string{"10.20.0.0/24"}
	}},
	{50, func(l *auditLog, e *auditEntry) {
		e.Origin, e.Actor, e.Action, e.Target = "ADMIN_CONSOLE", l.admins[l.r.IntN(len(l.admins))], "ENABLE", l.tailnet
		e.Target.Property = l.pick("HTTPS", "MAGIC_DNS", "NETWORK_FLOW_LOGGING")
	}},
}

func (l *auditLog) pick(xs ...string) string { return xs[l.r.IntN(len(xs))] }

func (l *auditLog) pickUser() auditActor { return l.users[l.r.IntN(len(l.users))] }

func (l *auditLog) node(ephemeral bool) auditTarget {
	for {
		t := l.nodes[l.r.IntN(len(l.nodes))]
		if t.IsEphemeral == ephemeral {
			return t
		}
	}
}

// nodeEvent is an entry a device makes itself: a login or a registration, by its user.
func (l *auditLog) nodeEvent(e *auditEntry, typ, action, property string) {
	e.Origin, e.Actor, e.Action = "NODE", l.pickUser(), action
	e.Target = l.node(false)
	e.Target.Type, e.Target.Property = typ, property
}

// consoleNodeEvent is an admin's change to a device in the admin console.
func (l *auditLog) consoleNodeEvent(e *auditEntry, action, property string) {
	e.Origin, e.Actor, e.Action = "ADMIN_CONSOLE", l.admins[l.r.IntN(len(l.admins))], action
	e.Target = l.node(false)
	e.Target.Property = property
}

func (l *auditLog) ordinary() auditEntry {
	var e auditEntry
	x := l.r.IntN(l.total)
	for _, k := range l.kinds {
		if x < k.weight {
			k.make(l, &e)
			return e
		}
		x -= k.weight
	}
	l.kinds[0].make(l, &e)
	return e
}

// incident returns the entries of the k-th incident (1, 2, ...), one of several in turn.
func (l *auditLog) incident(k int) []auditEntry {
	intruder := l.users[len(l.users)-1-k%(len(l.users)-len(l.admins))]
	console := func(action string, target auditTarget, property string) auditEntry {
		target.Property = property
		return auditEntry{Origin: "ADMIN_CONSOLE", Actor: intruder, Action: action, Target: target}
	}
	switch k % 8 {
	case 0:
		return []auditEntry{func() auditEntry {
			e := console("UPDATE", auditTarget{ID: intruder.ID, Name: intruder.LoginName, Type: "USER"}, "USER_ROLE")
			e.Old, e.New = "member", "admin"
			return e
		}()}
	case 1:
		on := console("ENABLE", l.tailnet, "MACHINE_APPROVAL_NEEDED")
		on.Actor = l.admins[0]
		return []auditEntry{console("DISABLE", l.tailnet, "MACHINE_APPROVAL_NEEDED"), on}
	case 2:
		return []auditEntry{console("DISABLE", l.tailnet, "TKA")}
	case 3:
		return []auditEntry{console("DELETE", l.tailnet, "LOGSTREAM_ENDPOINT")}
	case 4:
		return []auditEntry{console("DISABLE", l.tailnet, "NETWORK_FLOW_LOGGING")}
	case 5: // a token probing the API
		var out []auditEntry
		for range 8 {
			e := auditEntry{Origin: "CONFIG_API", Actor: intruder, Action: "UPDATE", Target: auditTarget{ID: "request", Type: "FAILED_REQUEST"}, Error: "unauthorized"}
			out = append(out, e)
		}
		return out
	case 6: // one person deleting many devices
		var out []auditEntry
		for range 12 {
			out = append(out, console("DELETE", l.node(false), ""))
		}
		return out
	}
	e := console("UPDATE", l.tailnet, "ACL")
	e.Old, e.New = hexID("etag", l.seq)[:16], hexID("etag", l.seq+1)[:16]
	return []auditEntry{e}
}

// gap is the time to the next ordinary entry: shorter in working hours, longer at night and at
// weekends.
func (l *auditLog) gap() time.Duration {
	f := 2.5
	if l.working() {
		f = 0.55
	}
	return time.Duration(l.r.ExpFloat64() * f * float64(l.mean))
}

// working reports whether the clock is in working hours: Monday to Friday, 08:00 to 18:00 UTC.
func (l *auditLog) working() bool {
	wd, h := l.at.Weekday(), l.at.Hour()
	return wd != time.Saturday && wd != time.Sunday && h >= 8 && h < 18
}

func (l *auditLog) tick(d time.Duration) { l.at = l.at.Add(d) }

// stamp gives an entry its time and group id, in order.
func (l *auditLog) stamp(e *auditEntry) {
	l.seq++
	e.Type = "CONFIG"
	e.EventTime = l.at.Truncate(time.Millisecond).Format(time.RFC3339Nano)
	e.EventGroupID = hexID("group", l.seq)[:32]
}

// flowRecord is one network flow log record with the API's field names.
type flowRecord struct {
	Logged          string     `json:"logged"`
	NodeID          string     `json:"nodeId"`
	Start           string     `json:"start"`
	End             string     `json:"end"`
	VirtualTraffic  []flowConn `json:"virtualTraffic,omitempty"`
	SubnetTraffic   []flowConn `json:"subnetTraffic,omitempty"`
	ExitTraffic     []flowConn `json:"exitTraffic,omitempty"`
	PhysicalTraffic []flowConn `json:"physicalTraffic,omitempty"`
}

type flowConn struct {
	Proto   int    `json:"proto,omitempty"`
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	TxPkts  int    `json:"txPkts,omitempty"`
	TxBytes int    `json:"txBytes,omitempty"`
	RxPkts  int    `json:"rxPkts,omitempty"`
	RxBytes int    `json:"rxBytes,omitempty"`
}

type flowNode struct {
	id, addr string
	exit     bool
}

// strangers is about how many flow records of a log come from nodes the snapshot does not have,
// evenly spaced but at least minIncidentGap records apart: one in 50,000 records of a million.
const strangers = 20

// FlowLog writes n network flow log records to w, one JSON object a line in the API's shape
// (logged, nodeId, start, end and the virtual, subnet, exit and physical traffic, proto as the IANA
// number), in time order over about a week from LogStart. The nodes are the devices of snapshot (a
// document such as Snapshot returns); about 20 records (one every n/20, at least 100 apart) come
// from nodes it does not have.
// Only authorized devices send traffic. The same arguments always give the same log. Nothing is
// held but the record being written.
func FlowLog(w io.Writer, seed int64, n int, snapshot map[string]any) error {
	r := rand.New(rand.NewPCG(uint64(seed), 0xf10e))
	var nodes []flowNode
	devices, _ := snapshot["devices"].([]any)
	for _, d := range devices {
		m, _ := d.(map[string]any)
		id, _ := m["nodeId"].(string)
		var addr string
		switch as := m["addresses"].(type) {
		case []string:
			addr = as[0]
		case []any:
			addr, _ = as[0].(string)
		}
		routes, _ := m["enabledRoutes"].([]string)
		if authorized, _ := m["authorized"].(bool); id != "" && addr != "" && authorized {
			nodes = append(nodes, flowNode{id: id, addr: addr, exit: len(routes) > 0 && routes[0] == "0.0.0.0/0"})
		}
	}
	if len(nodes) == 0 {
		nodes = []flowNode{{id: "n" + hexID("flow", seed)[:10] + "CNTRL", addr: "100.64.0.1"}}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	at, mean := LogStart, week/time.Duration(max(n, 1))
	services := []struct {
		proto int
		port  int
	}{{6, 443}, {6, 22}, {6, 5432}, {17, 53}, {6, 8080}, {1, 0}}
	every := max(n/strangers, minIncidentGap)
	for i := range n {
		at = at.Add(time.Duration(r.ExpFloat64() * float64(mean)))
		node := nodes[r.IntN(len(nodes))]
		if i > 0 && i%every == 0 {
			node = flowNode{id: "n" + hexID("stranger", i)[:10] + "CNTRL", addr: "100.127.1.1"}
		}
		start := at.Add(-5 * time.Second).Truncate(time.Millisecond)
		rec := flowRecord{NodeID: node.id, Start: start.Format(time.RFC3339Nano), End: at.Truncate(time.Millisecond).Format(time.RFC3339Nano),
			Logged: at.Add(time.Duration(1+r.IntN(3)) * time.Second).Truncate(time.Millisecond).Format(time.RFC3339Nano)}
		for range 1 + r.IntN(3) {
			peer, svc := nodes[r.IntN(len(nodes))], services[r.IntN(len(services))]
			pkts := 1 + r.IntN(200)
			rec.VirtualTraffic = append(rec.VirtualTraffic, flowConn{Proto: svc.proto, Src: fmt.Sprintf("%s:%d", node.addr, 30000+r.IntN(30000)), Dst: fmt.Sprintf("%s:%d", peer.addr, svc.port),
				TxPkts: pkts, TxBytes: pkts * (60 + r.IntN(1400)), RxPkts: pkts, RxBytes: pkts * (60 + r.IntN(1400))})
		}
		if r.IntN(10) == 0 {
			pkts := 1 + r.IntN(50)
			rec.SubnetTraffic = append(rec.SubnetTraffic, flowConn{Proto: 6, Src: node.addr + ":40000", Dst: fmt.Sprintf("10.20.%d.%d:443", r.IntN(4), 1+r.IntN(254)), TxPkts: pkts, TxBytes: pkts * 500, RxPkts: pkts, RxBytes: pkts * 900})
		}
		if node.exit && r.IntN(2) == 0 {
			pkts := 1 + r.IntN(500)
			rec.ExitTraffic = append(rec.ExitTraffic, flowConn{Proto: 6, Src: "100.80.1.1:51000", Dst: fmt.Sprintf("198.51.100.%d:443", 1+r.IntN(254)), TxPkts: pkts, TxBytes: pkts * 700, RxPkts: pkts, RxBytes: pkts * 1200})
		}
		rec.PhysicalTraffic = append(rec.PhysicalTraffic, flowConn{Src: node.addr + ":0", Dst: fmt.Sprintf("203.0.113.%d:41641", 1+r.IntN(254)), TxPkts: 10, TxBytes: 1500, RxPkts: 10, RxBytes: 1500})
		if err := enc.Encode(&rec); err != nil {
			return err
		}
	}
	return bw.Flush()
}
