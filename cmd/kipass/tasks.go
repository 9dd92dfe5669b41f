package main

import (
	"context"
	"sync"
	"time"
)

// task is background work of `serve` that repeats: the purge of ended
// sessions, the database-recorded jobs (retention, reminders, the HR
// summary), the content and key reloads, scheduled backups.
type task struct {
	name  string
	first time.Duration // delay before the first run; 0: at once
	every time.Duration // delay after one run ends before the next starts
	run   func(ctx context.Context)
}

// runTasks is the one runner of the background tasks: each repeats on its
// own schedule until ctx ends; runTasks returns when all have stopped. A
// run in progress gets ctx and should stop when it ends.
func runTasks(ctx context.Context, tasks ...task) {
	var wg sync.WaitGroup
	for _, t := range tasks {
		wg.Go(func() {
			timer := time.NewTimer(t.first)
			defer timer.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
				t.run(ctx)
				timer.Reset(t.every)
			}
		})
	}
	wg.Wait()
}
