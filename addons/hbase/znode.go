package hbase

// This file reads HBase's state: its znodes (under /hbase, written by
// HBase as its metadata header then "PBUF" then a proto2 message, decoded
// with observe's protobuf wire reader) and the HMasters' JMX.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/observe"
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
		return ServerName{}, fmt.Errorf("%w: server name %q: want host,port,startcode", observe.ErrMalformedZnode, s)
	}
	port, err := strconv.Atoi(f[1])
	if err != nil {
		return ServerName{}, fmt.Errorf("%w: server name %q: port: %w", observe.ErrMalformedZnode, s, err)
	}
	code, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil {
		return ServerName{}, fmt.Errorf("%w: server name %q: start code: %w", observe.ErrMalformedZnode, s, err)
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
			return nil, fmt.Errorf("%w: truncated HBase metadata header", observe.ErrMalformedZnode)
		}
		n := int(binary.BigEndian.Uint32(b[1:5]))
		if n < 0 || 5+n > len(b) {
			return nil, fmt.Errorf("%w: HBase metadata id of %d bytes in %d", observe.ErrMalformedZnode, n, len(b))
		}
		b = b[5+n:]
	}
	rest, ok := bytes.CutPrefix(b, []byte("PBUF"))
	if !ok {
		return nil, fmt.Errorf("%w: no PBUF magic", observe.ErrMalformedZnode)
	}
	return rest, nil
}

func decodeServerName(b []byte) (ServerName, error) {
	var s ServerName
	err := observe.WalkProto(b, func(f observe.ProtoField) {
		switch {
		case f.Num == 1 && f.Wire == observe.WireBytes:
			s.Host = shortHost(string(f.Bytes))
		case f.Num == 2 && f.Wire == observe.WireVarint:
			s.Port = int(uint32(f.Varint))
		case f.Num == 3 && f.Wire == observe.WireVarint:
			s.StartCode = f.Varint
		}
	})
	if err == nil && s.Host == "" {
		err = fmt.Errorf("%w: ServerName without host_name", observe.ErrMalformedZnode)
	}
	return s, err
}

// DecodeServer decodes the data of /hbase/master (hbase.pb.Master) or
// /hbase/meta-region-server (hbase.pb.MetaRegionServer): both carry the
// server in field 1.
func DecodeServer(b []byte) (ServerName, error) {
	pb, err := hbasePayload(b)
	if err != nil {
		return ServerName{}, err
	}
	var inner []byte
	if err := observe.WalkProto(pb, func(f observe.ProtoField) {
		if f.Num == 1 && f.Wire == observe.WireBytes {
			inner = f.Bytes
		}
	}); err != nil {
		return ServerName{}, err
	}
	if inner == nil {
		return ServerName{}, fmt.Errorf("%w: no server (field 1)", observe.ErrMalformedZnode)
	}
	return decodeServerName(inner)
}

// EncodeServer is the inverse of DecodeServer with writer id id
// (unit tests and fixtures).
func EncodeServer(id string, s ServerName) []byte {
	var sn []byte
	sn = observe.AppendBytesField(sn, 1, s.Host)
	sn = observe.AppendVarint(observe.AppendVarint(sn, 2<<3|observe.WireVarint), uint64(s.Port))
	sn = observe.AppendVarint(observe.AppendVarint(sn, 3<<3|observe.WireVarint), s.StartCode)
	var msg []byte
	msg = observe.AppendBytesField(msg, 1, string(sn))
	out := []byte{0xFF, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], uint32(len(id)))
	out = append(out, id...)
	out = append(out, "PBUF"...)
	return append(out, msg...)
}

// ZK is HBase's coordination state in ZooKeeper.
type ZK struct {
	// Master is the host the /master znode names ("" when none).
	Master string
	// Backups are the hosts under /backup-masters, sorted.
	Backups []string
	// RegionServers are the hosts registered under /rs, sorted.
	RegionServers []string
	// Meta is the host /meta-region-server names ("" when none).
	Meta string
}

// ReadZK reads HBase's znodes under parent (zookeeper.znode.parent).
// Missing znodes are empty fields, not errors: HBase not started yet.
func ReadZK(conn *zk.Conn, parent string) (ZK, error) {
	var s ZK
	server := func(name string) (string, error) {
		b, _, err := conn.Get(path.Join(parent, name))
		if errors.Is(err, zk.ErrNoNode) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		sn, err := DecodeServer(b)
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

// MasterStatus is what an HMaster's JMX says about it.
type MasterStatus struct {
	// Active is tag.isActiveMaster: the master claims to be the active one.
	Active bool
	// RegionsInTransition is the assignment manager's ritCount (-1 when
	// the bean is not there: a backup master has none).
	RegionsInTransition int
}

// ReadMaster reads an HMaster's state from its info server's JMX at httpAddr
// (host:16010). A master that answers without the Master bean (still
// starting) claims nothing: Active false.
func ReadMaster(ctx context.Context, httpAddr string) (MasterStatus, error) {
	st := MasterStatus{RegionsInTransition: -1}
	beans, err := observe.JMXBeans(ctx, httpAddr, "Hadoop:service=HBase,name=Master,sub=*")
	if err != nil {
		return st, err
	}
	for _, b := range beans {
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
