package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/haharness/haharness/harness"
	"github.com/haharness/haharness/harness/ha"
	"github.com/haharness/haharness/harness/topology"
)

// statusView is the guide's §6 view of a cluster; `status --json` prints it.
type statusView struct {
	Cluster string `json:"cluster"`
	Image   string `json:"image"`
	// Ready is Status.Ready with the admin commands asked; NotReady lists
	// the unmet conditions.
	Ready                 bool            `json:"ready"`
	NotReady              []string        `json:"notReady,omitempty"`
	Hosts                 []hostView      `json:"hosts"`
	HA                    harness.Status  `json:"ha"`
	ActiveNameNode        string          `json:"activeNameNode"`
	ActiveResourceManager string          `json:"activeResourceManager"`
	ZooKeeperLeader       string          `json:"zookeeperLeader"`
	WebUIs                []harness.WebUI `json:"webUIs"`
	Faults                []faultView     `json:"faults"`
	FaultsNote            string          `json:"faultsNote"`
	Topology              topologySummary `json:"topology"`
	Took                  jsonDuration    `json:"took"`
	Errors                []string        `json:"errors,omitempty"`
}

type topologySummary struct {
	Nameservice   string `json:"nameservice"`
	YARNClusterID string `json:"yarnClusterId"`
}

// hostView is one host: its engine state and its daemon JVMs like jps.
type hostView struct {
	Host      string            `json:"host"`
	State     string            `json:"state"`
	Processes []harness.Process `json:"processes"`
	// Missing are roles the topology places on the host with no JVM running.
	Missing []topology.Role `json:"missing,omitempty"`
}

type faultView struct {
	ID      int       `json:"id"`
	Fault   string    `json:"fault"`
	Targets []string  `json:"targets"`
	Start   time.Time `json:"start"`
}

type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).Round(time.Millisecond).String())
}

const faultsNote = "only faults injected by this process are tracked: a CLI command cannot see faults injected by earlier " +
	"commands; host states, missing daemons and \"(frozen)\" JVMs show their effects, and `haharness heal` undoes every fault"

func cmdStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status")
	name := nameFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	timeout := fs.Duration("timeout", 90*time.Second, "bound on reading the state (a frozen daemon makes the admin commands slow)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c, err := attach(ctx, *name)
	if err != nil {
		return err
	}
	v, err := gatherStatus(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	v.print(e.stdout)
	return nil
}

// gatherStatus reads everything the view shows: the HA state (with the
// admin commands) while it lists each host's JVMs and the web UIs.
func gatherStatus(ctx context.Context, c *harness.Cluster) (statusView, error) {
	start := time.Now()
	t := c.Topology()
	v := statusView{Cluster: c.Name(), Image: c.Image(), FaultsNote: faultsNote, Faults: []faultView{},
		Topology: topologySummary{t.Nameservice, t.YARNClusterID}}
	var wg sync.WaitGroup
	var statusErr error
	wg.Go(func() { v.HA, statusErr = c.Status(ctx, harness.StatusOptions{CLI: true}) })
	states, err := c.HostStates(ctx)
	if err != nil {
		v.Errors = append(v.Errors, err.Error())
	}
	for _, h := range t.Hosts {
		hv := hostView{Host: h, Processes: []harness.Process{}}
		state := states[h]
		if state == "" {
			state = "unknown"
		}
		hv.State = state
		if state == "running" {
			ps, err := c.Processes(ctx, h)
			if err != nil {
				v.Errors = append(v.Errors, fmt.Sprintf("%s: %v", h, err))
			}
			for _, p := range ps {
				// Only daemons, Hadoop's and the add-ons' the topology
				// places: not the admin commands' JVMs (haadmin, rmadmin).
				if slices.Contains(t.AllRoles(), p.Role) {
					hv.Processes = append(hv.Processes, p)
				}
			}
		}
		if state != "paused" {
			for _, r := range t.RolesOf(h) {
				if !slices.ContainsFunc(hv.Processes, func(p harness.Process) bool { return p.Role == r }) {
					hv.Missing = append(hv.Missing, r)
				}
			}
		}
		v.Hosts = append(v.Hosts, hv)
	}
	uis, err := c.WebUIs(ctx)
	if err != nil {
		v.Errors = append(v.Errors, fmt.Sprintf("web UIs: %v", err))
	}
	v.WebUIs = uis
	for _, in := range c.Active() {
		v.Faults = append(v.Faults, faultView{ID: in.ID, Fault: in.Fault, Targets: in.Targets, Start: in.Start})
	}
	wg.Wait()
	if statusErr != nil {
		return v, fmt.Errorf("read status of %s: %w", c.Name(), statusErr)
	}
	v.ActiveNameNode, v.ActiveResourceManager = v.HA.HA(topology.NameNode).Active(), v.HA.HA(topology.ResourceManager).Active()
	v.ZooKeeperLeader = v.HA.ZooKeeperLeader()
	if err := v.HA.Ready(); err != nil {
		v.NotReady = strings.Split(err.Error(), "\n")
	} else {
		v.Ready = true
	}
	v.Took = jsonDuration(time.Since(start))
	return v, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func safeMode(on bool) string {
	if on {
		return "ON"
	}
	return "off"
}

// print writes the text view.
func (v statusView) print(w io.Writer) {
	ready := "HA ready"
	if !v.Ready {
		ready = "NOT HA ready"
	}
	fmt.Fprintf(w, "cluster %s  (%s)  %s\n", v.Cluster, v.Image, ready)
	for _, r := range v.NotReady {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	for _, e := range v.Errors {
		fmt.Fprintf(w, "  ! %s\n", e)
	}

	fmt.Fprintln(w, "\nDaemons (jps)")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, h := range v.Hosts {
		fmt.Fprintf(tw, "  %s\t%s\n", h.Host, h.State)
		for _, p := range h.Processes {
			frozen := ""
			if p.Frozen {
				frozen = " (frozen)"
			}
			fmt.Fprintf(tw, "    %d\t%s%s\n", p.PID, p.Class, frozen)
		}
		for _, r := range h.Missing {
			fmt.Fprintf(tw, "    -\t%s (not running)\n", r.Short())
		}
	}
	tw.Flush()

	fmt.Fprintf(w, "\nHDFS %s: active %s, ZooKeeper lock %s\n", v.Topology.Nameservice, orNone(v.ActiveNameNode), orNone(v.HA.NameNodeLock))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	nns := v.HA.HA(topology.NameNode)
	for _, n := range v.HA.NameNodes {
		extra := ""
		if nns.State(n.ID) == ha.Active {
			extra = fmt.Sprintf("safemode %s\tlive datanodes %d/%d", safeMode(n.SafeMode), n.LiveDataNodes, v.HA.DataNodes)
		}
		fmt.Fprintln(tw, strings.TrimRight(fmt.Sprintf("  %s\t%s\tjmx %s\thaadmin %s\t%s", n.ID, n.Host, n.JMX, orNone(n.HAAdmin), extra), "\t"))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nYARN %s: active %s, ZooKeeper lock %s, NodeManagers RUNNING %d/%d\n", v.Topology.YARNClusterID,
		orNone(v.ActiveResourceManager), orNone(v.HA.ResourceManagerLock), v.HA.NodeManagersRunning, v.HA.NodeManagers)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range v.HA.ResourceManagers {
		fmt.Fprintf(tw, "  %s\t%s\trest %s\trmadmin %s\n", r.ID, r.Host, r.REST, orNone(r.RMAdmin))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nZooKeeper: leader %s\n", orNone(v.ZooKeeperLeader))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, z := range v.HA.ZooKeeper {
		fmt.Fprintf(tw, "  %s\t%s\n", z.Host, z.Mode)
	}
	tw.Flush()

	for _, name := range slices.Sorted(maps.Keys(v.HA.Addons)) {
		fmt.Fprintf(w, "\n%s", v.HA.Addons[name].Report())
	}

	fmt.Fprintln(w, "\nWeb UIs")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, u := range v.WebUIs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Host, u.Role, u.URL)
	}
	if len(v.WebUIs) == 0 {
		fmt.Fprintln(tw, "  none (no host running)")
	}
	tw.Flush()

	fmt.Fprintln(w, "\nFaults in effect")
	for _, f := range v.Faults {
		fmt.Fprintf(w, "  #%d %s => %s (since %s)\n", f.ID, f.Fault, strings.Join(f.Targets, " "), f.Start.Format("15:04:05"))
	}
	if len(v.Faults) == 0 {
		fmt.Fprintln(w, "  none known to this process")
	}
	fmt.Fprintf(w, "  (%s)\n", v.FaultsNote)
}
