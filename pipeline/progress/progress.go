// Package progress lets a long run (ingest, report build, compaction) say
// how far it is without knowing how that is shown: the command line draws
// a bar on a terminal (package terminal), and when nothing listens the
// Meter is nil. It imports nothing, so the ingest Lambda links no display.
package progress

// Meter is told the work a run has to do and the work it has done, in
// items (objects, files, build steps) and, when known, bytes.
type Meter interface {
	// Plan adds n items of size bytes in all to the work to do (size 0:
	// unknown, the items are counted alone).
	Plan(n int, size int64)
	// Done marks n items of size bytes done; name says which was last.
	Done(n int, size int64, name string)
}

// Plan calls m.Plan unless m is nil.
func Plan(m Meter, n int, size int64) {
	if m != nil {
		m.Plan(n, size)
	}
}

// Done calls m.Done unless m is nil.
func Done(m Meter, n int, size int64, name string) {
	if m != nil {
		m.Done(n, size, name)
	}
}
