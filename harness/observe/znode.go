package observe

// This file decodes the data of the HA election znodes, written by Hadoop as
// proto2 messages, with a minimal hand-written wire-format reader so the
// harness needs no protobuf library:
//
//   - /hadoop-ha/<ns>/ActiveStandbyElectorLock and /ActiveBreadCrumb hold
//     hadoop.hdfs.ActiveNodeInfo (HAZKInfo.proto);
//   - /yarn-leader-election/<cluster-id>/ActiveStandbyElectorLock and
//     /ActiveBreadCrumb hold hadoop.yarn.ActiveRMInfoProto
//     (yarn_server_resourcemanager_service_protos.proto).
//
// Decoding follows the generated Java parsers Hadoop uses: unknown fields are
// skipped, a known field number with an unexpected wire type is skipped like
// an unknown field, a repeated scalar field keeps its last value, and int32
// values are the low 32 bits of the varint.

import (
	"errors"
	"fmt"
)

// ErrMalformedZnode is wrapped by every error decoding znode data.
var ErrMalformedZnode = errors.New("malformed znode data")

// ActiveNodeInfo is hadoop.hdfs.ActiveNodeInfo: the NameNode that holds (or
// last held) the HDFS election lock.
type ActiveNodeInfo struct {
	Nameservice string // field 1, nameserviceId, e.g. mycluster
	NameNodeID  string // field 2, namenodeId, e.g. nn1
	Hostname    string // field 3, hostname of the NameNode's RPC address
	Port        int32  // field 4, port of the NameNode's RPC address (8020)
	ZKFCPort    int32  // field 5, port of the ZKFC's RPC server (8019)
}

// ActiveRMInfo is hadoop.yarn.ActiveRMInfoProto: the ResourceManager that
// holds (or last held) the YARN election lock.
type ActiveRMInfo struct {
	ClusterID string // field 1, yarn.resourcemanager.cluster-id
	RMID      string // field 2, e.g. rm1
}

// Protobuf wire types.
const (
	wireVarint     = 0
	wireFixed64    = 1
	wireBytes      = 2
	wireStartGroup = 3
	wireEndGroup   = 4
	wireFixed32    = 5

	maxFieldNumber = 1<<29 - 1
)

// DecodeActiveNodeInfo decodes the data of an HDFS ActiveStandbyElectorLock
// or ActiveBreadCrumb znode. All five fields are required, as in
// HAZKInfo.proto; a missing one is an error.
func DecodeActiveNodeInfo(b []byte) (ActiveNodeInfo, error) {
	var m ActiveNodeInfo
	var seen [6]bool
	err := walkProto(b, func(num int, wt int, v protoValue) {
		switch {
		case num == 1 && wt == wireBytes:
			m.Nameservice = string(v.bytes)
		case num == 2 && wt == wireBytes:
			m.NameNodeID = string(v.bytes)
		case num == 3 && wt == wireBytes:
			m.Hostname = string(v.bytes)
		case num == 4 && wt == wireVarint:
			m.Port = int32(v.varint)
		case num == 5 && wt == wireVarint:
			m.ZKFCPort = int32(v.varint)
		default:
			return
		}
		seen[num] = true
	})
	if err != nil {
		return ActiveNodeInfo{}, fmt.Errorf("decode ActiveNodeInfo: %w", err)
	}
	names := [6]string{1: "nameserviceId", 2: "namenodeId", 3: "hostname", 4: "port", 5: "zkfcPort"}
	for num := 1; num <= 5; num++ {
		if !seen[num] {
			return ActiveNodeInfo{}, fmt.Errorf("decode ActiveNodeInfo: %w: required field %d (%s) is missing", ErrMalformedZnode, num, names[num])
		}
	}
	return m, nil
}

// DecodeActiveRMInfo decodes the data of a YARN ActiveStandbyElectorLock or
// ActiveBreadCrumb znode. Both fields are optional; a missing one is "".
func DecodeActiveRMInfo(b []byte) (ActiveRMInfo, error) {
	var m ActiveRMInfo
	err := walkProto(b, func(num int, wt int, v protoValue) {
		switch {
		case num == 1 && wt == wireBytes:
			m.ClusterID = string(v.bytes)
		case num == 2 && wt == wireBytes:
			m.RMID = string(v.bytes)
		}
	})
	if err != nil {
		return ActiveRMInfo{}, fmt.Errorf("decode ActiveRMInfo: %w", err)
	}
	return m, nil
}

// EncodeActiveNodeInfo encodes m as Hadoop's ZKFC writes it: every field, in
// field-number order.
func EncodeActiveNodeInfo(m ActiveNodeInfo) []byte {
	var b []byte
	b = appendBytesField(b, 1, m.Nameservice)
	b = appendBytesField(b, 2, m.NameNodeID)
	b = appendBytesField(b, 3, m.Hostname)
	b = appendInt32Field(b, 4, m.Port)
	b = appendInt32Field(b, 5, m.ZKFCPort)
	return b
}

// EncodeActiveRMInfo encodes m as the ResourceManager writes it: both
// fields, in field-number order.
func EncodeActiveRMInfo(m ActiveRMInfo) []byte {
	var b []byte
	b = appendBytesField(b, 1, m.ClusterID)
	b = appendBytesField(b, 2, m.RMID)
	return b
}

func appendBytesField(b []byte, num int, s string) []byte {
	b = appendVarint(b, uint64(num)<<3|wireBytes)
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendInt32Field writes an int32 as protobuf does: a negative value is
// sign-extended to 64 bits, so it takes ten bytes.
func appendInt32Field(b []byte, num int, v int32) []byte {
	b = appendVarint(b, uint64(num)<<3|wireVarint)
	return appendVarint(b, uint64(int64(v)))
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// protoValue is one decoded field value: varint for wire type 0, the raw
// 8 or 4 bytes' value for wire types 1 and 5, bytes for wire type 2.
type protoValue struct {
	varint uint64
	bytes  []byte
}

// walkProto calls field for every field of message b, in order.
func walkProto(b []byte, field func(num int, wt int, v protoValue)) error {
	for off := 0; off < len(b); {
		tagOff := off
		tag, n, err := readVarint(b[off:])
		if err != nil {
			return fmt.Errorf("%w: tag at offset %d: %w", ErrMalformedZnode, tagOff, err)
		}
		off += n
		num, wt := tag>>3, int(tag&7)
		if num == 0 || num > maxFieldNumber {
			return fmt.Errorf("%w: tag at offset %d: invalid field number %d", ErrMalformedZnode, tagOff, num)
		}
		var v protoValue
		switch wt {
		case wireVarint:
			v.varint, n, err = readVarint(b[off:])
			if err != nil {
				return fmt.Errorf("%w: field %d at offset %d: %w", ErrMalformedZnode, num, tagOff, err)
			}
			off += n
		case wireFixed64, wireFixed32:
			size := 8
			if wt == wireFixed32 {
				size = 4
			}
			if len(b)-off < size {
				return fmt.Errorf("%w: field %d at offset %d: truncated fixed%d value: need %d bytes, have %d",
					ErrMalformedZnode, num, tagOff, size*8, size, len(b)-off)
			}
			for i := size - 1; i >= 0; i-- {
				v.varint = v.varint<<8 | uint64(b[off+i])
			}
			off += size
		case wireBytes:
			l, n, err := readVarint(b[off:])
			if err != nil {
				return fmt.Errorf("%w: field %d at offset %d: length: %w", ErrMalformedZnode, num, tagOff, err)
			}
			off += n
			if l > uint64(len(b)-off) {
				return fmt.Errorf("%w: field %d at offset %d: truncated length-delimited value: need %d bytes, have %d",
					ErrMalformedZnode, num, tagOff, l, len(b)-off)
			}
			v.bytes = b[off : off+int(l)]
			off += int(l)
		case wireStartGroup, wireEndGroup:
			return fmt.Errorf("%w: field %d at offset %d: unsupported wire type %d (group)", ErrMalformedZnode, num, tagOff, wt)
		default:
			return fmt.Errorf("%w: field %d at offset %d: invalid wire type %d", ErrMalformedZnode, num, tagOff, wt)
		}
		field(int(num), wt, v)
	}
	return nil
}

// readVarint reads a base-128 varint of at most ten bytes from the start of
// b and returns it and its length.
func readVarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < 10; i++ {
		if i == len(b) {
			return 0, 0, fmt.Errorf("truncated varint: %d bytes then end of data", i)
		}
		c := b[i]
		if i == 9 && c > 1 {
			return 0, 0, errors.New("varint overflows 64 bits")
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("varint longer than 10 bytes")
}
