package observe

// This file reads the add-ons' state: HBase's znodes (under /hbase, written
// by HBase as its metadata header then "PBUF" then a proto2 message, decoded
// with the same wire reader as Hadoop's) and the HMasters' JMX; Kafka's
// znodes (JSON, under the brokers' chroot).

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/go-zookeeper/zk"
)

// ServerName is hbase.pb.ServerName: a RegionServer or master instance.
type ServerName struct {
	Host      string // field 1, host_name (short host name, domain cut)
	Port      int    // field 2
	StartCode uint64 // field 3
}

// ParseServerName parses the "host,port,startcode" form HBase names znodes with.
func ParseServerName(s string) (ServerName, error) {
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return ServerName{}, fmt.Errorf("%w: server name %q: want host,port,startcode", ErrMalformedZnode, s)
	}
	port, err := strconv.Atoi(f[1])
	if err != nil {
		return ServerName{}, fmt.Errorf("%w: server name %q: port: %w", ErrMalformedZnode, s, err)
	}
	code, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil {
		return ServerName{}, fmt.Errorf("%w: server name %q: start code: %w", ErrMalformedZnode, s, err)
	}
	return ServerName{Host: shortHost(f[0]), Port: port, StartCode: code}, nil
}

func shortHost(h string) string { host, _, _ := strings.Cut(h, "."); return host }

// hbasePayload strips HBase's znode header: a 0xFF magic byte, a 4-byte
// big-endian length and that many bytes of the writer's id
// (RecoverableZooKeeper's metadata), then the "PBUF" magic.
func hbasePayload(b []byte) ([]byte, error) {
	if len(b) > 0 && b[0] == 0xFF {
		if len(b) < 5 {
			return nil, fmt.Errorf("%w: truncated HBase metadata header", ErrMalformedZnode)
		}
		n := int(binary.BigEndian.Uint32(b[1:5]))
		if n < 0 || 5+n > len(b) {
			return nil, fmt.Errorf("%w: HBase metadata id of %d bytes in %d", ErrMalformedZnode, n, len(b))
		}
		b = b[5+n:]
	}
	rest, ok := bytes.CutPrefix(b, []byte("PBUF"))
	if !ok {
		return nil, fmt.Errorf("%w: no PBUF magic", ErrMalformedZnode)
	}
	return rest, nil
}

func decodeServerName(b []byte) (ServerName, error) {
	var s ServerName
	err := walkProto(b, func(num, wt int, v protoValue) {
		switch {
		case num == 1 && wt == wireBytes:
			s.Host = shortHost(string(v.bytes))
		case num == 2 && wt == wireVarint:
			s.Port = int(uint32(v.varint))
		case num == 3 && wt == wireVarint:
			s.StartCode = v.varint
		}
	})
	if err == nil && s.Host == "" {
		err = fmt.Errorf("%w: ServerName without host_name", ErrMalformedZnode)
	}
	return s, err
}

// DecodeHBaseServer decodes the data of /hbase/master (hbase.pb.Master) or
// /hbase/meta-region-server (hbase.pb.MetaRegionServer): both carry the
// server in field 1.
func DecodeHBaseServer(b []byte) (ServerName, error) {
	pb, err := hbasePayload(b)
	if err != nil {
		return ServerName{}, err
	}
	var inner []byte
	if err := walkProto(pb, func(num, wt int, v protoValue) {
		if num == 1 && wt == wireBytes {
			inner = v.bytes
		}
	}); err != nil {
		return ServerName{}, err
	}
	if inner == nil {
		return ServerName{}, fmt.Errorf("%w: no server (field 1)", ErrMalformedZnode)
	}
	return decodeServerName(inner)
}

// EncodeHBaseServer is the inverse of DecodeHBaseServer with writer id id
// (unit tests and fixtures).
func EncodeHBaseServer(id string, s ServerName) []byte {
	var sn []byte
	sn = appendBytesField(sn, 1, s.Host)
	sn = appendVarint(appendVarint(sn, 2<<3|wireVarint), uint64(s.Port))
	sn = appendVarint(appendVarint(sn, 3<<3|wireVarint), s.StartCode)
	var msg []byte
	msg = appendBytesField(msg, 1, string(sn))
	out := []byte{0xFF, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], uint32(len(id)))
	out = append(out, id...)
	out = append(out, "PBUF"...)
	return append(out, msg...)
}

// HBaseZK is HBase's coordination state in ZooKeeper.
type HBaseZK struct {
	// Master is the host the /master znode names ("" when none).
	Master string
	// Backups are the hosts under /backup-masters, sorted.
	Backups []string
	// RegionServers are the hosts registered under /rs, sorted.
	RegionServers []string
	// Meta is the host /meta-region-server names ("" when none).
	Meta string
}

// ReadHBaseZK reads HBase's znodes under parent (zookeeper.znode.parent).
// Missing znodes are empty fields, not errors: HBase not started yet.
func ReadHBaseZK(conn *zk.Conn, parent string) (HBaseZK, error) {
	var s HBaseZK
	server := func(name string) (string, error) {
		b, _, err := conn.Get(path.Join(parent, name))
		if errors.Is(err, zk.ErrNoNode) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		sn, err := DecodeHBaseServer(b)
		return sn.Host, err
	}
	children := func(name string) ([]string, error) {
		kids, _, err := conn.Children(path.Join(parent, name))
		if errors.Is(err, zk.ErrNoNode) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var hosts []string
		for _, k := range kids {
			if sn, err := ParseServerName(k); err == nil {
				hosts = append(hosts, sn.Host)
			}
		}
		slices.Sort(hosts)
		return hosts, nil
	}
	var err error
	if s.Master, err = server("master"); err != nil {
		return s, fmt.Errorf("hbase master znode: %w", err)
	}
	if s.Meta, err = server("meta-region-server"); err != nil {
		return s, fmt.Errorf("hbase meta-region-server znode: %w", err)
	}
	if s.Backups, err = children("backup-masters"); err != nil {
		return s, err
	}
	if s.RegionServers, err = children("rs"); err != nil {
		return s, err
	}
	return s, nil
}

// HMasterStatus is what an HMaster's JMX says about it.
type HMasterStatus struct {
	// Active is tag.isActiveMaster: the master claims to be the active one.
	Active bool
	// RegionsInTransition is the assignment manager's ritCount (-1 when
	// the bean is not there: a backup master has none).
	RegionsInTransition int
}

// HMaster reads an HMaster's state from its info server's JMX at httpAddr
// (host:16010). A master that answers without the Master bean (still
// starting) claims nothing: Active false.
func HMaster(ctx context.Context, httpAddr string) (HMasterStatus, error) {
	st := HMasterStatus{RegionsInTransition: -1}
	var j jmx
	if err := getJSON(ctx, "http://"+httpAddr+"/jmx?qry=Hadoop:service=HBase,name=Master,sub=*", &j); err != nil {
		return st, err
	}
	for _, b := range j.Beans {
		switch b["name"] {
		case "Hadoop:service=HBase,name=Master,sub=Server":
			st.Active = fmt.Sprint(b["tag.isActiveMaster"]) == "true"
		case "Hadoop:service=HBase,name=Master,sub=AssignmentManager":
			if n, ok := b["ritCount"].(float64); ok {
				st.RegionsInTransition = int(n)
			}
		}
	}
	return st, nil
}

// KafkaZK is the Kafka brokers' state in ZooKeeper.
type KafkaZK struct {
	// Brokers are the registered broker ids (/brokers/ids), sorted.
	Brokers []int
	// Controller is the broker id /controller names, 0 when none.
	Controller int
	// Partitions maps "topic/partition" to that partition's state.
	Partitions map[string]PartitionState
}

// PartitionState is /brokers/topics/T/partitions/P/state, with the
// partition's assigned replicas from /brokers/topics/T.
type PartitionState struct {
	Leader      int   `json:"leader"` // -1 when none
	LeaderEpoch int   `json:"leader_epoch"`
	ISR         []int `json:"isr"`
	Replicas    []int `json:"-"`
}

// UnderReplicated lists the partitions whose ISR lacks an assigned
// replica, sorted.
func (k KafkaZK) UnderReplicated() []string {
	var out []string
	for p, st := range k.Partitions {
		if len(st.ISR) < len(st.Replicas) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// ReadKafkaZK reads the brokers' znodes under chroot (zookeeper.connect's
// chroot). Missing znodes are empty fields, not errors.
func ReadKafkaZK(conn *zk.Conn, chroot string) (KafkaZK, error) {
	s := KafkaZK{Partitions: map[string]PartitionState{}}
	ids, _, err := conn.Children(path.Join(chroot, "brokers/ids"))
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return s, fmt.Errorf("kafka broker ids: %w", err)
	}
	for _, id := range ids {
		if n, err := strconv.Atoi(id); err == nil {
			s.Brokers = append(s.Brokers, n)
		}
	}
	slices.Sort(s.Brokers)
	b, _, err := conn.Get(path.Join(chroot, "controller"))
	switch {
	case errors.Is(err, zk.ErrNoNode):
	case err != nil:
		return s, fmt.Errorf("kafka controller znode: %w", err)
	default:
		var ctl struct {
			BrokerID int `json:"brokerid"`
		}
		if err := json.Unmarshal(b, &ctl); err != nil {
			return s, fmt.Errorf("%w: kafka controller %q: %w", ErrMalformedZnode, b, err)
		}
		s.Controller = ctl.BrokerID
	}
	topics, _, err := conn.Children(path.Join(chroot, "brokers/topics"))
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return s, fmt.Errorf("kafka topics: %w", err)
	}
	for _, t := range topics {
		b, _, err := conn.Get(path.Join(chroot, "brokers/topics", t))
		if err != nil {
			continue // deleted meanwhile
		}
		var assign struct {
			Partitions map[string][]int `json:"partitions"`
		}
		if err := json.Unmarshal(b, &assign); err != nil {
			return s, fmt.Errorf("%w: kafka topic %s: %w", ErrMalformedZnode, t, err)
		}
		for p, replicas := range assign.Partitions {
			st := PartitionState{Leader: -1, Replicas: replicas}
			if b, _, err := conn.Get(path.Join(chroot, "brokers/topics", t, "partitions", p, "state")); err == nil {
				if err := json.Unmarshal(b, &st); err != nil {
					return s, fmt.Errorf("%w: kafka partition %s/%s state: %w", ErrMalformedZnode, t, p, err)
				}
			}
			s.Partitions[t+"/"+p] = st
		}
	}
	return s, nil
}

// ProbeHMaster classifies an HMaster like ProbeNameNode: active when its
// JMX claims it (tag.isActiveMaster), else standby (a backup, or a master
// still starting); down or unknown when it does not answer.
func ProbeHMaster(ctx context.Context, httpAddr string) (HAState, error) {
	st, err := HMaster(ctx, httpAddr)
	if err != nil {
		return failed(err)
	}
	if st.Active {
		return HAState{State: StateActive, Raw: "active"}, nil
	}
	return HAState{State: StateStandby, Raw: "backup"}, nil
}
