// Package report renders a scenario run's recorded history as one
// self-contained HTML page, to look at what happened in a run, or in a saved
// history replayed later, without a cluster.
//
// The page has a header with the scenario, seed, time span and the verdict
// and details of each invariant result; a timeline (inline SVG, time in
// seconds since the history's start) with one lane per daemon coloured by
// its sampled HA state, the fault windows as translucent bands across all
// lanes, windows in which two daemons of a role were active at once, and
// lanes of client ops marked ok or not at their return, with a mark on a
// NameNode's lane where its audit log (invariant.KindServed) says it served
// a create or append; and, for each fault,
// the NameNode failover latency: the time from the fault's start to the
// first "active" sample of a NameNode other than the ones active at its
// start, drawn as an arrow on the timeline and listed in a table. Hovering a
// segment, band or op shows its details. The page loads no script, style,
// font or image from elsewhere, so it opens from disk and can be attached to
// a bug report.
//
// Layering: imports only the standard library and scenarios/invariant, whose
// History and Result it renders; it runs no check itself, and takes what it
// shows of a history's meaning (fault windows, failovers, windows of several
// actives, who served a write, the overall verdict) from invariant rather
// than working it out again.
package report
