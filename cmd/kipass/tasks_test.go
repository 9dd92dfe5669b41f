package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// The one runner starts each task after its first delay, repeats it on
// its own interval and returns once ctx ends and every run has finished.
func TestRunTasks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var fast, slow, late atomic.Int32
	done := make(chan struct{})
	go func() {
		runTasks(ctx,
			task{name: "fast", every: 5 * time.Millisecond, run: func(context.Context) { fast.Add(1) }},
			task{name: "slow", every: time.Hour, run: func(context.Context) { slow.Add(1) }},
			task{name: "late", first: time.Hour, every: time.Millisecond, run: func(context.Context) { late.Add(1) }},
		)
		close(done)
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("runTasks did not return after cancel")
	}
	if fast.Load() < 3 || slow.Load() != 1 || late.Load() != 0 {
		t.Fatalf("runs: fast %d, slow %d (want 1), late %d (want 0)", fast.Load(), slow.Load(), late.Load())
	}
}
