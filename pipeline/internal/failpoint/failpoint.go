// Package failpoint lets the crash tests stop a real ingest or compaction
// process at a named point, as a power cut or an OOM kill would: when
// AUDITLAKE_FAILPOINT names the point, the process kills itself with
// SIGKILL there (no deferred function, no flush runs). Unset, Hit costs a
// string comparison.
package failpoint

import (
	"os"
	"syscall"
)

var armed = os.Getenv("AUDITLAKE_FAILPOINT")

// Hit kills the process when name is the armed failpoint.
func Hit(name string) {
	if armed != "" && armed == name {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
