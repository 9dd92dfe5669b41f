// Command bareserve serves one file's bytes from a bare fiber handler. It is
// the reference for docs/PERFORMANCE.md: the fastest a page of that size can
// be sent, to compare kipass's real pages against.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/gofiber/fiber/v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "address to listen on")
	file := flag.String("file", "", "file whose bytes every request gets")
	flag.Parse()
	page, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/*", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(page)
	})
	log.Fatal(app.Listen(*addr))
}
