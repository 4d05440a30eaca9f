package observe

import "context"

// What the add-on modules (addons/...) read their systems with: the same
// HTTP client, JMX query, no-answer classification and protobuf wire
// reader as Hadoop's probes here.

// GetJSON GETs url with the probes' HTTP client (3 s, no redirects) and
// decodes the JSON body into v.
func GetJSON(ctx context.Context, url string, v any) error { return getJSON(ctx, url, v) }

// JMXBeans returns the beans a /jmx?qry=QUERY of the web server at
// httpAddr lists.
func JMXBeans(ctx context.Context, httpAddr, query string) ([]map[string]any, error) {
	var j jmx
	if err := getJSON(ctx, "http://"+httpAddr+"/jmx?qry="+query, &j); err != nil {
		return nil, err
	}
	return j.Beans, nil
}

// NoAnswer is the HA state of a probe that got no answer: down when
// nothing listens, unknown otherwise.
func NoAnswer(err error) (HAState, error) { return failed(err) }

// Protobuf wire types of WalkProto's fields.
const (
	WireVarint = wireVarint
	WireBytes  = wireBytes
)

// ProtoField is one field of a protobuf message: its number, wire type and
// value (Varint for WireVarint, Bytes for WireBytes).
type ProtoField struct {
	Num, Wire int
	Varint    uint64
	Bytes     []byte
}

// WalkProto calls field for every field of message b, in order.
func WalkProto(b []byte, field func(ProtoField)) error {
	return walkProto(b, func(num, wt int, v protoValue) {
		field(ProtoField{Num: num, Wire: wt, Varint: v.varint, Bytes: v.bytes})
	})
}

// AppendVarint appends v as a protobuf varint.
func AppendVarint(b []byte, v uint64) []byte { return appendVarint(b, v) }

// AppendBytesField appends field num of wire type bytes holding s.
func AppendBytesField(b []byte, num int, s string) []byte { return appendBytesField(b, num, s) }
