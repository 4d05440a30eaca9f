// Package addons is the one list of the systems on top of the guide's
// cluster: each line registers a module of a folder of its own (addons/NAME,
// an addon.Module). A new system is a new folder and one line here;
// docs/addons.md shows how.
package addons

import (
	"github.com/haharness/haharness/addons/flink"
	"github.com/haharness/haharness/addons/hbase"
	"github.com/haharness/haharness/addons/kafka"
	"github.com/haharness/haharness/addons/kerberos"
	"github.com/haharness/haharness/addons/spark"
	"github.com/haharness/haharness/harness/addon"
)

// All returns the registered add-ons. They start at once, and their
// checks run at once once every add-on is ready.
func All() addon.Catalog {
	return addon.Catalog{
		flink.Module(),
		hbase.Module(),
		kafka.Module(),
		kerberos.Module(),
		spark.Module(),
	}
}
