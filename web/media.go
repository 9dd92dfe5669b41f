package web

import (
	"github.com/gofiber/fiber/v2"
)

// mediaCSP is the policy of an illustration opened at its own address: no
// script, no resources of any kind, no framing, sandboxed. The files carry
// no script (courses checks them), so this is the second lock on the door.
const mediaCSP = "default-src 'none'; style-src 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"

// media serves a module's illustration: only the files the loaded course's
// texts reference and courses checked (Module.Media), looked up by name, so
// no path reaches the file system. The URL carries the content hash
// (?v=), so a matching request may be cached for good; a stale or missing
// hash gets the current file with revalidation by ETag.
func (s *server) media(c *fiber.Ctx) error {
	co, ok := s.catalog().Course(c.Params("course"))
	if !ok {
		return fiber.ErrNotFound
	}
	m, ok := co.Module(c.Params("module"))
	if !ok {
		return fiber.ErrNotFound
	}
	md, ok := m.Media[c.Params("name")]
	if !ok {
		return fiber.ErrNotFound
	}
	etag := `"` + md.Hash + `"`
	c.Set("Content-Security-Policy", mediaCSP)
	c.Set(fiber.HeaderETag, etag)
	if c.Query("v") == md.Hash {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, no-cache")
	}
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	return c.Send(md.Data)
}
