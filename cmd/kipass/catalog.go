package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"log/slog"
	"sync/atomic"

	"kipass/courses"
)

// catalogHolder serves the current catalogue. With --watch it is replaced
// when the content folder changes and the new version passes the check;
// otherwise the old version stays.
type catalogHolder struct {
	p atomic.Pointer[courses.Catalog]
}

// Get returns the current catalogue.
func (h *catalogHolder) Get() *courses.Catalog { return h.p.Load() }

// reloadTask returns the task step that reloads fsys when it changed.
// last is the fingerprint taken before the current catalogue was loaded,
// so no change made after loading can be missed.
func (h *catalogHolder) reloadTask(fsys fs.FS, last string, log *slog.Logger) func(context.Context) {
	return func(context.Context) {
		fp := fingerprint(fsys)
		if fp == last {
			return
		}
		last = fp
		cat, err := courses.Load(fsys)
		if err != nil {
			log.Warn("content changed but has problems; keeping the previous version", "problems", err.Error())
			return
		}
		h.p.Store(cat)
		log.Info("content reloaded", "courses", len(cat.Courses))
	}
}

// fingerprint summarises names, sizes and modification times of all files.
func fingerprint(fsys fs.FS) string {
	h := sha256.New()
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(h, "err %s\n", p)
			return nil
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			fmt.Fprintf(h, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return string(h.Sum(nil))
}
