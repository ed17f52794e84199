//go:build !unix

package benchset

import "time"

// cpuTime is not measured on this system: CPU reports nothing.
func cpuTime() (time.Duration, bool) { return 0, false }
