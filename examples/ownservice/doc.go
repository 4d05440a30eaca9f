// Package ownservice shows your own containers joining a haharness cluster:
// the service under test (./service, a small HDFS client) runs in a
// container of its own image, attached with testcontainers-go to the
// cluster's network, where it reaches the NameNodes and DataNodes by the
// guide's host names exactly as it would in production. Its test
// (ownservice_test.go) is the part to copy; README.md explains it.
package ownservice
