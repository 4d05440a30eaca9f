// Package invariant holds the pure safety and liveness checks haharness runs
// over a recorded History: at most one active NameNode or ResourceManager at
// a time, no write acknowledged by a superseded NameNode, no lost
// acknowledged write, and failover within a bound after each fault.
//
// A History is what a scenario observed: timestamped samples of each
// daemon's HA state, the start and end of each injected fault, and the
// client operations of the workload. Checks never touch a cluster; they
// read a History (live, or loaded from the JSON a run saved) and return a
// Result with a Pass, Fail or Inconclusive Verdict and details that name the
// daemons, keys and times involved, so a failed run can be replayed and
// debugged from its saved history alone. Which checks judge a run is
// data too, a Plan: the run saves it, with the results Judge gave, in the
// History (Judgement), so the saved run is judged again alike.
//
// Conventions the recorder must follow:
//   - A state event is one sample of one daemon; the daemon is taken to stay
//     in that state until its next sample. Record every daemon of a role at
//     each poll round, with one timestamp per round where possible, so two
//     sequential samples of a failover are not mistaken for an overlap.
//   - "frozen" and "unknown" samples say the state could not be observed,
//     not that it changed; they are never "active".
//   - A write op is OK when it was acknowledged; a write that is not OK is
//     indeterminate (it may or may not have taken effect). A read op is OK
//     when the store answered; a read of a missing key is OK with an empty
//     Value.
//   - Which NameNode served a write comes from the NameNodes' own audit
//     logs: a KindServed event per audit record (Daemon the NameNode, Op
//     the command, Key the path, Time the NameNode's). An op whose client
//     knows the daemon it reached may also say so in its Note as
//     "served-by=<daemon>", e.g. "served-by=nn1".
//
// Layering: standard library only; imports no project package, so every
// layer (scenarios, benchmarks, the CLI replaying a saved history) can use it.
package invariant
