package invariant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"
)

// Kind is the kind of an Event.
type Kind string

// The kinds of events a History records.
const (
	KindState      Kind = "state"       // a sample of one daemon's HA state
	KindFaultStart Kind = "fault-start" // a fault was injected
	KindFaultEnd   Kind = "fault-end"   // a fault was healed
	KindOp         Kind = "op"          // a client operation returned
	// KindServed is a NameNode's own record (its HDFS audit log) that it
	// served an operation: Daemon is the NameNode id, Op the audited
	// command (create, append, rename...), Key its path, Time when the
	// NameNode logged it.
	KindServed Kind = "served"
)

// Common daemon states of state events. Observers may record others, e.g.
// "observer"; only StateActive counts as active.
const (
	StateActive  = "active"
	StateStandby = "standby"
	StateDown    = "down"    // the process is not running
	StateFrozen  = "frozen"  // the process is stopped (SIGSTOP, docker pause)
	StateUnknown = "unknown" // the state could not be read
)

// Roles the checks know. Event.Role holds one of them for state events.
const (
	RoleNameNode        = "namenode"
	RoleResourceManager = "resourcemanager"
)

// Ops of op events.
const (
	OpWrite = "write"
	OpRead  = "read"
	// OpCreate and OpAppend build one file from chunks (the soak's
	// writers): Value is the chunk; FilesIntact judges them.
	OpCreate = "create"
	OpAppend = "append"
)

// Event is one entry of a History. Which fields are set depends on Kind.
type Event struct {
	// Time is when the event happened: the sample time of a state event,
	// the injection or healing of a fault, the return of an op.
	Time time.Time `json:"time"`
	Kind Kind      `json:"kind"`

	// State events: a daemon's observed HA state.
	Daemon string `json:"daemon,omitempty"` // e.g. "nn1", "rm2", "zk-lock"
	Role   string `json:"role,omitempty"`   // "namenode" | "resourcemanager"
	State  string `json:"state,omitempty"`  // "active" | "standby" | "down" | "frozen" | "unknown" | "observer" ...

	// Fault events: the fault's kebab-case name, the same on its start and
	// its end, e.g. "freeze-daemon nn1/namenode".
	Fault string `json:"fault,omitempty"`

	// Op events: one client operation of the workload.
	Op    string    `json:"op,omitempty"`    // "write" | "read"
	Key   string    `json:"key,omitempty"`   // e.g. file path
	Value string    `json:"value,omitempty"` // content written / read (or its checksum)
	Start time.Time `json:"start,omitzero"`  // when the op was invoked (Time is when it returned)
	OK    bool      `json:"ok,omitempty"`    // acknowledged (write) / succeeded (read)
	Err   string    `json:"err,omitempty"`
	Note  string    `json:"note,omitempty"` // e.g. "served-by=nn1"
}

// History is everything a scenario run observed. Add may be called from
// several goroutines; the checks take a History by value and must not run
// while it is still being added to.
type History struct {
	Seed     int64   `json:"seed"`
	Scenario string  `json:"scenario"`
	Events   []Event `json:"events"`
	// Judgement is the checks the run was judged with and their results,
	// for `haharness report` to judge the History again alike; nil in a
	// History saved before runs kept it.
	Judgement *Judgement `json:"judgement,omitempty"`

	// mu guards Events. It is a pointer so a History can be passed by
	// value (go vet's copylocks); it is created on first use under initMu.
	mu *sync.Mutex
}

var initMu sync.Mutex

func (h *History) lock() func() {
	initMu.Lock()
	if h.mu == nil {
		h.mu = new(sync.Mutex)
	}
	mu := h.mu
	initMu.Unlock()
	mu.Lock()
	return mu.Unlock
}

// Add appends e, its times without their monotonic clock readings so
// that a History is judged alike live and saved. It is safe for
// concurrent use.
func (h *History) Add(e Event) {
	e.Time, e.Start = e.Time.Round(0), e.Start.Round(0)
	defer h.lock()()
	h.Events = append(h.Events, e)
}

// Sorted returns a copy of the events ordered by Time; events with equal
// times keep the order they were added in.
func (h *History) Sorted() []Event {
	defer h.lock()()
	out := slices.Clone(h.Events)
	slices.SortStableFunc(out, func(a, b Event) int { return a.Time.Compare(b.Time) })
	return out
}

// Transition is a change of a daemon's observed state.
type Transition struct {
	Time   time.Time
	Daemon string
	From   string // "" for the daemon's first sample
	To     string
}

// Transitions returns, for each daemon of role, the changes of its sampled
// state in time order. A daemon's first sample is a transition from "".
// Repeated samples of the same state are not transitions.
func (h *History) Transitions(role string) map[string][]Transition {
	out := map[string][]Transition{}
	last := map[string]string{}
	for _, e := range h.Sorted() {
		if e.Kind != KindState || e.Role != role {
			continue
		}
		prev, seen := last[e.Daemon]
		if seen && prev == e.State {
			continue
		}
		out[e.Daemon] = append(out[e.Daemon], Transition{Time: e.Time, Daemon: e.Daemon, From: prev, To: e.State})
		last[e.Daemon] = e.State
	}
	return out
}

// Save writes h to path as indented JSON, events sorted by time, with its
// Judgement.
func (h *History) Save(path string) error {
	out := History{Seed: h.Seed, Scenario: h.Scenario, Events: h.Sorted(), Judgement: h.Judgement}
	b, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return fmt.Errorf("encode history: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	return nil
}

// Load reads a History saved by Save. Unknown fields and event kinds are
// errors, so a typo in a hand-written fixture does not go unnoticed.
func Load(path string) (History, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return History{}, fmt.Errorf("load history: %w", err)
	}
	var h History
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return History{}, fmt.Errorf("parse history %s: %w", path, err)
	}
	for i, e := range h.Events {
		switch e.Kind {
		case KindState, KindFaultStart, KindFaultEnd, KindOp, KindServed:
		default:
			return History{}, fmt.Errorf("parse history %s: event %d: unknown kind %q: use %q, %q, %q, %q or %q",
				path, i, e.Kind, KindState, KindFaultStart, KindFaultEnd, KindOp, KindServed)
		}
	}
	return h, nil
}
