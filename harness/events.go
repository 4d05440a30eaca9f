package harness

import (
	"slices"
	"sync"
	"time"
)

// EventKind classifies an Event.
type EventKind string

// Event kinds recorded by a cluster.
const (
	EventStep   EventKind = "step"   // an init step finished
	EventDaemon EventKind = "daemon" // a daemon was started or stopped by the harness
	EventHost   EventKind = "host"   // a host container was started, stopped, killed, paused
	EventFault  EventKind = "fault"  // a fault was injected or healed
)

// Event is one entry of a cluster's history.
type Event struct {
	Time   time.Time `json:"time"`
	Kind   EventKind `json:"kind"`
	Daemon string    `json:"daemon,omitempty"`
	State  string    `json:"state,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// Events is an append-only, concurrency-safe event log.
type Events struct {
	mu   sync.Mutex
	list []Event
}

func newEvents() *Events { return &Events{} }

func (e *Events) add(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
}

// Events returns the cluster's history so far: init steps, daemons and
// hosts started and stopped, faults injected and healed.
func (c *Cluster) Events() []Event {
	c.events.mu.Lock()
	defer c.events.mu.Unlock()
	return slices.Clone(c.events.list)
}
