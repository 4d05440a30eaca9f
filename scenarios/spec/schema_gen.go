package spec

//go:generate go run ./internal/genschema

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/haharness/haharness/harness/fault"
)

// The lines of schema.json that bound its fault parts: $defs.item's
// properties (one a line) and its allOf (one a line).
const (
	itemLine       = `    "item": {`
	propertiesLine = `      "properties": {`
	propertiesEnd  = `      }`
	allOfLine      = `      "allOf": [`
	allOfEnd       = `      ]`
	memberIndent   = "        "
)

var propertyKey = regexp.MustCompile(`^ {8}"([^"]+)": `)

// generatedRule marks the allOf members GenerateSchema writes.
const generatedRule = `{"if": {"properties": {"fault": `

// GenerateSchema returns schema (schema.json's text) with its fault parts
// written from fault.Registry: in $defs.item, the `fault` enum and a
// property per parameter (at the place of the first of them), and at the
// end of its allOf one rule per set of required parameters. The rest of
// the text is kept as it is. schema.json is checked in as generated (`go
// generate ./scenarios/spec`; TestSchemaIsGenerated fails when it is not),
// so editors read the same file Parse embeds.
func GenerateSchema(schema []byte) ([]byte, error) {
	lines := strings.Split(string(schema), "\n")
	item := slices.Index(lines, itemLine)
	if item < 0 {
		return nil, fmt.Errorf("generate schema: no line %q", itemLine)
	}
	props, err := faultProperties()
	if err != nil {
		return nil, fmt.Errorf("generate schema: %w", err)
	}
	lines, err = splice(lines, item, propertiesLine, propertiesEnd, props, func(l string) (bool, error) {
		m := propertyKey.FindStringSubmatch(l)
		if m == nil {
			return false, fmt.Errorf("$defs.item.properties: line %q is not one property", l)
		}
		return slices.ContainsFunc(props, func(p string) bool { return strings.HasPrefix(p, m[0]) }), nil
	})
	if err != nil {
		return nil, fmt.Errorf("generate schema: %w", err)
	}
	lines, err = splice(lines, item, allOfLine, allOfEnd, faultRules(), func(l string) (bool, error) {
		return strings.HasPrefix(strings.TrimSpace(l), generatedRule), nil
	})
	if err != nil {
		return nil, fmt.Errorf("generate schema: %w", err)
	}
	out := []byte(strings.Join(lines, "\n"))
	if !json.Valid(out) {
		return nil, fmt.Errorf("generate schema: the result is not JSON")
	}
	return out, nil
}

// splice replaces, in the block that opens with the line open after line
// from and closes with the first line starting with end, the members
// generated reports with gen: at the place of the first of them, or at
// the end. Members are one a line, comma-separated.
func splice(lines []string, from int, open, end string, gen []string, generated func(string) (bool, error)) ([]string, error) {
	i := slices.Index(lines[from:], open)
	if i < 0 {
		return nil, fmt.Errorf("no line %q", open)
	}
	i += from
	j := slices.IndexFunc(lines[i+1:], func(l string) bool { return strings.HasPrefix(l, end) })
	if j < 0 {
		return nil, fmt.Errorf("%q is not closed", open)
	}
	j += i + 1
	var members []string
	at := -1
	for _, l := range lines[i+1 : j] {
		g, err := generated(l)
		if err != nil {
			return nil, err
		}
		if !g {
			members = append(members, strings.TrimSuffix(l, ","))
		} else if at < 0 {
			at = len(members)
		}
	}
	if at < 0 {
		at = len(members)
	}
	members = slices.Insert(members, at, gen...)
	for k := range members[:len(members)-1] {
		members[k] += ","
	}
	return slices.Concat(lines[:i+1], members, lines[j:]), nil
}

// faultProperties are the item properties of the fault kinds: `fault` and
// each parameter, in the order the registry first names them.
func faultProperties() ([]string, error) {
	out := []string{memberIndent + `"fault": {"enum": ` + jsonList(fault.Kinds()) + `}`}
	seen := map[string]bool{}
	for _, k := range fault.Registry() {
		for _, p := range k.Params {
			if seen[p.Name] {
				continue
			}
			seen[p.Name] = true
			s, err := paramSchema(p)
			if err != nil {
				return nil, fmt.Errorf("kind %s: %w", k.Name, err)
			}
			out = append(out, memberIndent+jsonString(p.Name)+": "+s)
		}
	}
	return out, nil
}

// paramSchema is the schema of a parameter's value in a file.
func paramSchema(p fault.Param) (string, error) {
	switch p.Type {
	case fault.TypeSelector:
		return `{"$ref": "#/$defs/selector"}`, nil
	case fault.TypeGroups:
		return `{"type": "array", "minItems": 2, "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/selector"}}}`, nil
	case fault.TypePorts:
		return `{"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1, "maximum": 65535}}`, nil
	case fault.TypeDuration:
		return `{"$ref": "#/$defs/duration"}`, nil
	case fault.TypePercent:
		return `{"type": "number", "minimum": 0, "maximum": 100}`, nil
	case fault.TypeSignal:
		return `{"enum": ` + jsonList(p.Enum) + `}`, nil
	}
	return "", fmt.Errorf("parameter %s: no schema for type %q", p.Name, p.Type)
}

// faultRules are the allOf rules that require each kind's required
// parameters: one rule per set of them, for the kinds that share it.
func faultRules() []string {
	var sets []string
	kinds := map[string][]string{}
	for _, k := range fault.Registry() {
		var req []string
		for _, p := range k.Params {
			if p.Required {
				req = append(req, p.Name)
			}
		}
		if len(req) == 0 {
			continue
		}
		key := jsonList(req)
		if kinds[key] == nil {
			sets = append(sets, key)
		}
		kinds[key] = append(kinds[key], k.Name)
	}
	var out []string
	for _, req := range sets {
		cond := `{"enum": ` + jsonList(kinds[req]) + `}`
		if len(kinds[req]) == 1 {
			cond = `{"const": ` + jsonString(kinds[req][0]) + `}`
		}
		out = append(out, memberIndent+generatedRule+cond+`}, "required": ["fault"]}, "then": {"required": `+req+`}}`)
	}
	return out
}

// jsonList renders strings as a JSON array, written as schema.json writes
// them: ["a", "b"].
func jsonList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = jsonString(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// jsonString renders s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
