package kerberos

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/haharness/haharness/harness/addon"
	"github.com/haharness/haharness/harness/config"
)

// Status is the add-on's section of the cluster's Status: the cluster is
// secured, in which realm, with which protection, and whether its KDC
// answers.
type Status struct {
	Realm string `json:"realm"`
	// KDC is the KDC's host; KDCState "answering" or what was seen.
	KDC      string `json:"kdc"`
	KDCState string `json:"kdcState"`
	// Principals is how many principals the KDC serves.
	Principals int `json:"principals"`
	// RPCProtection and DataTransferProtection are the hosts'
	// hadoop.rpc.protection and dfs.data.transfer.protection.
	RPCProtection          string `json:"rpcProtection"`
	DataTransferProtection string `json:"dataTransferProtection"`
}

// Ready lists what keeps the realm from ready: a KDC that does not answer.
func (s *Status) Ready() []string {
	if s.KDCState != "answering" {
		return []string{fmt.Sprintf("%s: kdc on %s %s", Name, s.KDC, s.KDCState)}
	}
	return nil
}

// Summary is one line for Status.String.
func (s *Status) Summary() string {
	return fmt.Sprintf("secured: Kerberos realm %s, rpc protection %s, kdc on %s %s", s.Realm, s.RPCProtection, s.KDC, s.KDCState)
}

// Report is the add-on's part of `haharness status`.
func (s *Status) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Kerberos: the cluster is secured (realm %s, %d principals)\n", s.Realm, s.Principals)
	fmt.Fprintf(&b, "  %-26s %s\n", "kdc", s.KDC+" "+s.KDCState)
	fmt.Fprintf(&b, "  %-26s %s\n", "hadoop.rpc.protection", s.RPCProtection)
	fmt.Fprintf(&b, "  %-26s %s\n", "dfs.data.transfer.protection", s.DataTransferProtection)
	return b.String()
}

// Fault is what the selectors resolve against: the section itself.
func (s *Status) Fault() any { return s }

var _ addon.Section = (*Status)(nil)

func readStatus(ctx context.Context, c addon.Cluster, _ *zk.Conn) addon.Section {
	t := c.Topology()
	s := &Status{Realm: Realm, Principals: len(AllPrincipals(t))}
	if kdc := t.On(KDC); len(kdc) > 0 {
		s.KDC = kdc[0]
	}
	_, s.KDCState = kdcAnswers(ctx, c)
	s.RPCProtection = configKey(c, "core-site.xml", "hadoop.rpc.protection")
	s.DataTransferProtection = configKey(c, "hdfs-site.xml", "dfs.data.transfer.protection")
	return s
}

// configKey is key of a file of the cluster's configuration, "?" when
// it cannot be read.
func configKey(c addon.Cluster, file, key string) string {
	kv, err := config.ParseXML(c.Config()[file])
	if err != nil || kv[key] == "" {
		return "?"
	}
	return kv[key]
}
