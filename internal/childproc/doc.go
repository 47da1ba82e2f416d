// Package childproc runs the child processes of the bench, the soak and the tests of
// several processes (atrium serve, PostgreSQL, haproxy): started with their output
// appended to a log file and waited for in the background, asked to stop with a
// signal and killed when they do not within a grace period, measured (CPU time from
// /proc). It also finds free loopback ports, builds cmd/atrium, and keeps work
// directories named for the process that made them, so that those of runs that were
// killed can be swept. It imports nothing of ours.
package childproc
