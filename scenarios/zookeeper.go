package scenarios

import "github.com/haharness/haharness/harness/config"

// ZooKeeperPorts are ZooKeeper's client, quorum and election ports.
var ZooKeeperPorts = config.ZooKeeperPorts()
