// Package content holds the course content that ships inside the kipass
// binary. The format of a course folder is described in README.md beside this
// file; `kipass serve --content DIR` serves another folder instead.
package content

import (
	"embed"
	"io/fs"
)

// files holds the embedded course folders. A new course folder must be added
// to the go:embed line to ship in the binary.
//
//go:embed ki-am-arbeitsplatz
var files embed.FS

// FS returns the embedded content: one folder per course at the root, ready
// for courses.Load.
func FS() fs.FS { return files }
