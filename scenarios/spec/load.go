package spec

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/haharness/haharness/harness/config"
	"github.com/haharness/haharness/harness/fault"
	"github.com/haharness/haharness/harness/topology"
)

// Schema is the JSON Schema of the format (draft 2020-12). Its fault
// parts are generated from fault.Registry (GenerateSchema, `go generate`).
//
//go:embed schema.json
var Schema []byte

// Problem is one thing wrong with a file.
type Problem struct {
	Line int
	// Field is where, e.g. schedule[2].hold.
	Field string
	Msg   string
}

// Error is what Parse returns for an invalid file: every problem found,
// each with its line and field.
type Error struct {
	Path     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario file %s is invalid (%d problem(s)):", e.Path, len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s:%d: %s: %s", e.Path, p.Line, p.Field, p.Msg)
	}
	return b.String()
}

// Load reads and validates a scenario file; addons are the add-ons it may
// name.
func Load(path string, addons ...Addon) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario file: %w", err)
	}
	return Parse(path, b, addons...)
}

var (
	compileMu sync.Mutex
	compiled  = map[string]*jsonschema.Schema{}
	printer   = message.NewPrinter(language.English)
)

// schema is Schema with the add-ons' workload sections under
// workload.properties, compiled once per set of add-ons.
func schema(addons []Addon) (*jsonschema.Schema, error) {
	key := ""
	for _, a := range addons {
		key += a.Name + "\x00" + a.Workload + "\x00"
	}
	compileMu.Lock()
	defer compileMu.Unlock()
	if s, ok := compiled[key]; ok {
		return s, nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		return nil, err
	}
	wl := doc.(map[string]any)["properties"].(map[string]any)["workload"].(map[string]any)["properties"].(map[string]any)
	for _, a := range addons {
		if a.Workload == "" {
			continue
		}
		part, err := jsonschema.UnmarshalJSON(strings.NewReader(a.Workload))
		if err != nil {
			return nil, fmt.Errorf("workload schema of add-on %s: %w", a.Name, err)
		}
		wl[a.Name] = part
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("scenario.schema.json", doc); err != nil {
		return nil, err
	}
	s, err := c.Compile("scenario.schema.json")
	if err != nil {
		return nil, err
	}
	compiled[key] = s
	return s, nil
}

// Parse validates data (read from path, which names it in errors) and
// returns the File. Every problem is reported at once, each with its line
// and field; a file with problems returns *Error.
func Parse(path string, data []byte, addons ...Addon) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("scenario file %s: not YAML: %w", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{Path: path, Problems: []Problem{{Line: 1, Field: "(file)", Msg: "empty: a scenario needs apiVersion, name and schedule"}}}
	}
	root := doc.Content[0]
	var raw any
	if err := root.Decode(&raw); err != nil {
		return nil, fmt.Errorf("scenario file %s: %w", path, err)
	}
	js, err := json.Marshal(normalize(raw))
	if err != nil {
		return nil, fmt.Errorf("scenario file %s: %w", path, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, fmt.Errorf("scenario file %s: %w", path, err)
	}
	sch, err := schema(addons)
	if err != nil {
		return nil, fmt.Errorf("scenario schema: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, fmt.Errorf("scenario file %s: %w", path, err)
		}
		return nil, &Error{Path: path, Problems: schemaProblems(root, ve)}
	}
	var f File
	if err := root.Decode(&f); err != nil {
		return nil, &Error{Path: path, Problems: []Problem{{Line: lineOf(err.Error()), Field: "(file)", Msg: err.Error()}}}
	}
	f.Path = path
	f.addons = addons
	if probs := f.check(root); len(probs) > 0 {
		return nil, &Error{Path: path, Problems: probs}
	}
	return &f, nil
}

// normalize turns yaml.v3's decoded maps into JSON-marshalable ones.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case map[any]any:
		m := map[string]any{}
		for k, e := range x {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	}
	return v
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func lineOf(s string) int {
	if m := lineRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 1
}

// schemaProblems flattens a validation error into its leaves, each placed
// at the line of the value it is about.
func schemaProblems(root *yaml.Node, ve *jsonschema.ValidationError) []Problem {
	var out []Problem
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		p := Problem{Line: nodeAt(root, e.InstanceLocation).Line, Field: fieldName(e.InstanceLocation), Msg: friendly(e)}
		if k := p.Field + p.Msg; !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// hints replace or extend the schema library's message for the schema
// locations (suffixes of the error's SchemaURL) whose message alone does
// not say what to write.
var hints = []struct {
	suffix, msg string
	replace     bool
}{
	{"/$defs/duration", "a Go duration string such as 500ms, 10s or 1m30s", false},
	{"/$defs/item/allOf/0/not", "give at most one of at, after and when: an item starts at a time, after an event, or when a condition holds", true},
	{"/$defs/item/oneOf", "an item is either a fault (fault: kill-daemon, ...) or a probe (probe: write-through): give exactly one of fault and probe", true},
	{"/$defs/item/allOf/1/then/not", "a probe takes no hold and no failover", true},
	{"/properties/cluster/not", "give hadoop (a release to build) or image (a prebuilt image), not both", true},
	{"/$defs/id", "ids are kebab-case: lower-case letters, digits and '-'", false},
}

func friendly(e *jsonschema.ValidationError) string {
	msg := e.ErrorKind.LocalizedString(printer)
	loc := e.SchemaURL + "/" + strings.Join(e.ErrorKind.KeywordPath(), "/")
	if _, not := e.ErrorKind.(*kind.Not); not {
		loc = e.SchemaURL + "/not" // the library names the schema holding it
	}
	for _, h := range hints {
		if strings.HasSuffix(loc, h.suffix) || strings.Contains(loc, h.suffix+"/") {
			if h.replace {
				return h.msg
			}
			return msg + " (" + h.msg + ")"
		}
	}
	return msg
}

// nodeAt follows a JSON pointer's tokens through YAML nodes, as far as
// they exist.
func nodeAt(n *yaml.Node, path []string) *yaml.Node {
	for _, tok := range path {
		switch n.Kind {
		case yaml.MappingNode:
			next := (*yaml.Node)(nil)
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					next = n.Content[i+1]
					break
				}
			}
			if next == nil {
				return n
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i >= len(n.Content) {
				return n
			}
			n = n.Content[i]
		default:
			return n
		}
	}
	return n
}

// fieldName renders a pointer as schedule[2].hold.
func fieldName(path []string) string {
	if len(path) == 0 {
		return "(top level)"
	}
	var b strings.Builder
	for _, tok := range path {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// Topology is the topology a file's cluster runs: the guide's, with
// Cluster.ExtraHosts more hosts, each running a DataNode and a NodeManager,
// and the add-ons Cluster.Addons names placed as their modules place them
// (harness.WithAddons).
func (f *File) Topology() topology.Topology {
	t := topology.Guide()
	for i := range f.Cluster.ExtraHosts {
		h := fmt.Sprintf("hadoop%03d", 4+i)
		t.Hosts = append(t.Hosts, h)
		t.Roles[topology.DataNode] = append(t.Roles[topology.DataNode], h)
		t.Roles[topology.NodeManager] = append(t.Roles[topology.NodeManager], h)
	}
	for _, a := range f.addons {
		if slices.Contains(f.Cluster.Addons, a.Name) && a.Place != nil {
			t = a.Place(t)
		}
	}
	return t
}

// failoverRoles are the roles an item's failover may name: the
// NameNodes', the ResourceManagers' and the HA roles of the add-ons the
// cluster runs.
func (f *File) failoverRoles() []string {
	out := []string{string(topology.NameNode), string(topology.ResourceManager)}
	for _, a := range f.addons {
		if slices.Contains(f.Cluster.Addons, a.Name) {
			out = append(out, a.HARoles...)
		}
	}
	return out
}

// selectors are the add-ons' selector extensions.
func (f *File) selectors() []fault.Extension {
	var out []fault.Extension
	for _, a := range f.addons {
		out = append(out, a.Selectors...)
	}
	return out
}

// addonProblems checks the add-on names of the cluster section and the
// add-ons' workload sections.
func (f *File) addonProblems(at func(path []string, format string, args ...any)) {
	var known []string
	for _, a := range f.addons {
		known = append(known, a.Name)
	}
	for i, n := range f.Cluster.Addons {
		if !slices.Contains(known, n) {
			at([]string{"cluster", "addons", strconv.Itoa(i)}, "unknown add-on %q: the add-ons are %v", n, known)
		}
	}
	files := config.Overridable(nil)
	for _, a := range f.addons {
		if slices.Contains(f.Cluster.Addons, a.Name) {
			files = append(files, a.Files...)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(f.Cluster.Config)) {
		if !slices.Contains(files, n) {
			at([]string{"cluster", "config", n}, "unknown config file %q: the files are %v (an add-on's with the add-on in cluster.addons)", n, files)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(f.Workload.Addons)) {
		switch {
		case !slices.Contains(known, n):
			at([]string{"workload", n}, "unknown workload %q: the workloads are writes, mapreduce, zookeeper and the add-ons' %v", n, known)
		case !slices.Contains(f.Cluster.Addons, n):
			at([]string{"workload", n}, "workload %s needs the %s add-on: add it to cluster.addons", n, n)
		}
	}
}

// check applies the rules the schema cannot say; root places them.
func (f *File) check(root *yaml.Node) []Problem {
	var probs []Problem
	at := func(path []string, format string, args ...any) {
		probs = append(probs, Problem{Line: nodeAt(root, path).Line, Field: fieldName(path), Msg: fmt.Sprintf(format, args...)})
	}
	t := f.Topology()
	f.addonProblems(at)
	ids := map[string]Item{}
	for i, it := range f.Schedule {
		p := []string{"schedule", strconv.Itoa(i)}
		if _, dup := ids[it.ID]; dup {
			at(append(p, "id"), "id %q is used twice: give each schedule item its own id", it.ID)
		}
		ids[it.ID] = it
	}
	for i, it := range f.Schedule {
		p := []string{"schedule", strconv.Itoa(i)}
		for _, pr := range it.paramProblems() {
			at(append(p, pr[0]), "%s", pr[1])
		}
		for field, sel := range it.selectors() {
			if sel == "" {
				continue
			}
			if _, err := fault.Parse(fault.Selector(sel), t, f.selectors()...); err != nil {
				at(append(p, field), "%v", err)
			}
		}
		if it.Failover != "" && !slices.Contains(f.failoverRoles(), it.Failover) {
			at(append(p, "failover"), "failover %q: use one of %v (an add-on's HA roles with the add-on in cluster.addons)", it.Failover, f.failoverRoles())
		}
		if it.Probe != "" {
			if !slices.Contains(probeTargets(t), it.Target) {
				at(append(p, "target"), "probe target %q: use one of %v", it.Target, probeTargets(t))
			}
		}
		if ref, ev, ok := strings.Cut(it.After, "."); ok {
			dep, found := ids[ref]
			switch {
			case !found:
				at(append(p, "after"), "after %q: no schedule item has id %q (ids: %v)", it.After, ref, slices.Sorted(maps.Keys(ids)))
			case ref == it.ID:
				at(append(p, "after"), "after %q: an item cannot wait for itself", it.After)
			case ev == "failover" && dep.Failover == "":
				at(append(p, "after"), "after %q: item %q sets no failover role, so it has no failover event; add `failover: namenode` (or resourcemanager) to it", it.After, ref)
			case ev == "healed" && dep.IsFault() && dep.Hold == 0:
				at(append(p, "after"), "after %q: %q has no hold, so it is healed only when every other item is done; give it a hold", it.After, ref)
			case ev != "injected" && !dep.IsFault():
				at(append(p, "after"), "after %q: %q is a probe; a probe has only the event %s.injected", it.After, ref, ref)
			}
		}
	}
	if cyc := f.cycle(); cyc != "" {
		at([]string{"schedule"}, "items wait for each other in a cycle: %s", cyc)
	}
	for i, w := range f.Expect.Writes {
		p := []string{"expect", "writes", strconv.Itoa(i)}
		if it, ok := ids[w.Fault]; !ok || !it.IsFault() {
			at(append(p, "fault"), "no fault in the schedule has id %q (ids: %v)", w.Fault, slices.Sorted(maps.Keys(ids)))
		}
		if w.Acknowledged == "none" && w.AtLeast > 0 {
			at(append(p, "atLeast"), "atLeast goes with acknowledged: some")
		}
	}
	if f.Expect.Job != "" && f.Workload.MapReduce == nil {
		at([]string{"expect", "job"}, "expect.job needs a workload.mapreduce job")
	}
	for i, it := range f.Schedule {
		if it.When == CondJobRunning && f.Workload.MapReduce == nil {
			at([]string{"schedule", strconv.Itoa(i), "when"}, "when: job-running needs a workload.mapreduce job")
		}
	}
	if id := f.Expect.ActiveAtEnd.NameNode; id != "" && t.NameNodeHost(id) == "" {
		at([]string{"expect", "activeAtEnd", "namenode"}, "unknown NameNode %q: the cluster has nn1..nn%d", id, len(t.On(topology.NameNode)))
	}
	if id := f.Expect.ActiveAtEnd.ResourceManager; id != "" && t.ResourceManagerHost(id) == "" {
		at([]string{"expect", "activeAtEnd", "resourcemanager"}, "unknown ResourceManager %q: the cluster has rm1..rm%d", id, len(t.On(topology.ResourceManager)))
	}
	for i, l := range f.Expect.Logs {
		host, role, _ := strings.Cut(l.Daemon, "/")
		if !t.Has(host, topology.Role(role)) {
			at([]string{"expect", "logs", strconv.Itoa(i), "daemon"}, "%s: no %s runs on %s in this cluster (hosts %v)", l.Daemon, role, host, t.Hosts)
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return probs
}

// ProbeInitialActive is the probe target naming the NameNode that was
// active when the schedule began.
const ProbeInitialActive = "initial-active-namenode"

func probeTargets(t topology.Topology) []string {
	out := []string{ProbeInitialActive}
	for _, h := range t.On(topology.NameNode) {
		out = append(out, t.NameNodeID(h))
	}
	return out
}

func orProbe(it Item) string {
	if it.Probe != "" {
		return "probe " + it.Probe
	}
	return it.Fault
}

// cycle returns a description of a cycle of After references, or "".
func (f *File) cycle() string {
	dep := map[string]string{}
	for _, it := range f.Schedule {
		if ref, _, ok := strings.Cut(it.After, "."); ok {
			dep[it.ID] = ref
		}
	}
	for _, it := range f.Schedule {
		seen := []string{it.ID}
		for cur := dep[it.ID]; cur != ""; cur = dep[cur] {
			if cur == it.ID {
				return strings.Join(append(seen, cur), " -> ")
			}
			if slices.Contains(seen, cur) {
				break
			}
			seen = append(seen, cur)
		}
	}
	return ""
}

// Marshal writes f as YAML, with a header comment.
func Marshal(f *File, header string) ([]byte, error) {
	var b bytes.Buffer
	for _, l := range strings.Split(strings.TrimSpace(header), "\n") {
		if l != "" {
			b.WriteString("# " + l + "\n")
		}
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Save writes f to path with Marshal, making its directory if need be.
func Save(path string, f *File, header string) error {
	b, err := Marshal(f, header)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
