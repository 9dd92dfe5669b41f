//go:build unix

package main

import (
	"syscall"
	"time"
)

// ownCPU returns the CPU time this process used (user and system).
func ownCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
